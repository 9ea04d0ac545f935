// Native twins of the hot loops in src/models/tree (see histogram.ts for the contract). Built only by
// `npm run build:native`; the TypeScript versions run when this addon is absent.
#include <napi.h>
#include <cmath>
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


// predictPacked(x, numFeatures, numRows, out, dim, channels, scale, roots, feature, threshold, child, missingRight, leafValue)
// Numeric-split trees with one output per leaf (see src/models/tree/predict.ts, PackedTrees.addBlock): for each
// tree t and row i, out[i * dim + channels[t]] += scale * leafValue[leaf]. Eight rows walk a tree together so
// their dependent load chains overlap.
Napi::Value PredictPacked(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() != 13) {
    Napi::TypeError::New(env, "predictPacked: expected 13 arguments").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  const double* x = Data<double>(info[0]);
  const int64_t F = info[1].As<Napi::Number>().Int64Value();
  const int64_t numRows = info[2].As<Napi::Number>().Int64Value();
  double* out = Data<double>(info[3]);
  const int64_t dim = info[4].As<Napi::Number>().Int64Value();
  const int32_t* channels = Data<int32_t>(info[5]);
  const double scale = info[6].As<Napi::Number>().DoubleValue();
  Napi::TypedArray rootsArray = info[7].As<Napi::TypedArray>();
  const int32_t* roots = Data<int32_t>(info[7]);
  const int32_t* feature = Data<int32_t>(info[8]);
  const double* threshold = Data<double>(info[9]);
  const int32_t* child = Data<int32_t>(info[10]);
  const uint8_t* missingRight = Data<uint8_t>(info[11]);
  const double* leafValue = Data<double>(info[12]);
  const int64_t numTrees = static_cast<int64_t>(rootsArray.ElementLength());
  constexpr int W = 8;
  for (int64_t t = 0; t < numTrees; t++) {
    const int32_t root = roots[t];
    const int64_t channel = channels[t];
    int64_t i = 0;
    for (; i + W <= numRows; i += W) {
      int32_t n[W];
      for (int k = 0; k < W; k++) n[k] = root;
      bool active = root >= 0;
      while (active) {
        active = false;
        for (int k = 0; k < W; k++) {
          const int32_t node = n[k];
          if (node >= 0) {
            const double v = x[(i + k) * F + feature[node]];
            const int right = std::isnan(v) ? missingRight[node] : (v > threshold[node] ? 1 : 0);
            n[k] = child[2 * node + right];
            active |= n[k] >= 0;
          }
        }
      }
      for (int k = 0; k < W; k++) out[(i + k) * dim + channel] += scale * leafValue[~n[k]];
    }
    for (; i < numRows; i++) {
      int32_t node = root;
      while (node >= 0) {
        const double v = x[i * F + feature[node]];
        const int right = std::isnan(v) ? missingRight[node] : (v > threshold[node] ? 1 : 0);
        node = child[2 * node + right];
      }
      out[i * dim + channel] += scale * leafValue[~node];
    }
  }
  return env.Undefined();
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("accumulateHistogram", Napi::Function::New(env, AccumulateHistogram));
  exports.Set("predictPacked", Napi::Function::New(env, PredictPacked));
  return exports;
}

}  // namespace

NODE_API_MODULE(tabpilot_native, Init)
