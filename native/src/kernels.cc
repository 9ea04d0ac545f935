// Native twins of the hot loops in src/models/tree (see histogram.ts for the contract). Built only by
// `npm run build:native`; the TypeScript versions run when this addon is absent.
#include <napi.h>
#include <cstdint>

namespace {

template <typename BinT>
void Accumulate(const BinT* bins, int64_t numRows, const int32_t* rows, int64_t start, int64_t end,
                const double* ordered, int stride, const int32_t* features, int numFeatures,
                const int32_t* binOffsets, double* hist) {
  for (int j = 0; j < numFeatures; j++) {
    const int f = features[j];
    const BinT* col = bins + static_cast<int64_t>(f) * numRows;
    double* base = hist + static_cast<int64_t>(binOffsets[f]) * stride;
    if (stride == 2) {
      const double* o = ordered;
      for (int64_t i = start; i < end; i++, o += 2) {
        double* h = base + static_cast<int64_t>(col[rows[i]]) * 2;
        h[0] += o[0];
        h[1] += o[1];
      }
    } else {
      const double* o = ordered;
      for (int64_t i = start; i < end; i++, o += stride) {
        double* h = base + static_cast<int64_t>(col[rows[i]]) * stride;
        for (int c = 0; c < stride; c++) h[c] += o[c];
      }
    }
  }
}

// napi_get_typedarray_info gives the element pointer for views on ArrayBuffers and SharedArrayBuffers alike
// (Napi::TypedArray::ArrayBuffer() fails on a SharedArrayBuffer, which the AutoML pool's shared bins use).
template <typename T>
T* Data(const Napi::Value& v) {
  void* data = nullptr;
  napi_status status = napi_get_typedarray_info(v.Env(), v, nullptr, nullptr, &data, nullptr, nullptr);
  if (status != napi_ok) return nullptr;
  return static_cast<T*>(data);
}

// accumulateHistogram(bins, numRows, rows, start, end, ordered, stride, features, numFeatures, binOffsets, hist)
Napi::Value AccumulateHistogram(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() != 11 || !info[0].IsTypedArray() || !info[2].IsTypedArray() || !info[5].IsTypedArray() ||
      !info[7].IsTypedArray() || !info[9].IsTypedArray() || !info[10].IsTypedArray()) {
    Napi::TypeError::New(env, "accumulateHistogram: bad arguments").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  const int64_t numRows = info[1].As<Napi::Number>().Int64Value();
  const int64_t start = info[3].As<Napi::Number>().Int64Value();
  const int64_t end = info[4].As<Napi::Number>().Int64Value();
  const int stride = info[6].As<Napi::Number>().Int32Value();
  const int numFeatures = info[8].As<Napi::Number>().Int32Value();
  const int32_t* rows = Data<int32_t>(info[2]);
  const double* ordered = Data<double>(info[5]);
  const int32_t* features = Data<int32_t>(info[7]);
  const int32_t* binOffsets = Data<int32_t>(info[9]);
  double* hist = Data<double>(info[10]);
  napi_typedarray_type type = info[0].As<Napi::TypedArray>().TypedArrayType();
  if (type == napi_uint8_array) {
    Accumulate(Data<uint8_t>(info[0]), numRows, rows, start, end, ordered, stride, features, numFeatures, binOffsets, hist);
  } else if (type == napi_uint16_array) {
    Accumulate(Data<uint16_t>(info[0]), numRows, rows, start, end, ordered, stride, features, numFeatures, binOffsets, hist);
  } else {
    Napi::TypeError::New(env, "accumulateHistogram: bins must be Uint8Array or Uint16Array").ThrowAsJavaScriptException();
  }
  return env.Undefined();
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("accumulateHistogram", Napi::Function::New(env, AccumulateHistogram));
  return exports;
}

}  // namespace

NODE_API_MODULE(tabpilot_native, Init)
