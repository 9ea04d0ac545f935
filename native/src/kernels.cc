// Native twins of the hot loops in src/models/tree (see histogram.ts for the contract). Built only by
// `npm run build:native`; the TypeScript versions run when this addon is absent.
#include <napi.h>
#include <cmath>
#include <cstdint>

namespace {

constexpr int kSmallBins = 64;

template <typename BinT>
void Accumulate(const BinT* bins, int64_t numRows, const int32_t* rows, int64_t start, int64_t end,
                const double* ordered, int stride, const int32_t* features, int numFeatures,
                const int32_t* binOffsets, double* hist) {
  for (int j = 0; j < numFeatures; j++) {
    const int f = features[j];
    const BinT* col = bins + static_cast<int64_t>(f) * numRows;
    double* base = hist + static_cast<int64_t>(binOffsets[f]) * stride;
    const int nb = binOffsets[f + 1] - binOffsets[f];
    if (stride == 2 && nb <= kSmallBins) {
      // Few bins: consecutive rows often hit the same bin, and each += waits for the previous one through memory.
      // Four interleaved partial histograms break that chain; they are summed in a fixed order (same as the TS twin).
      double part[4][kSmallBins * 2] = {};
      const double* o = ordered;
      int64_t i = start;
      for (; i + 4 <= end; i += 4, o += 8) {
        double* h0 = part[0] + static_cast<int64_t>(col[rows[i]]) * 2;
        double* h1 = part[1] + static_cast<int64_t>(col[rows[i + 1]]) * 2;
        double* h2 = part[2] + static_cast<int64_t>(col[rows[i + 2]]) * 2;
        double* h3 = part[3] + static_cast<int64_t>(col[rows[i + 3]]) * 2;
        h0[0] += o[0];
        h0[1] += o[1];
        h1[0] += o[2];
        h1[1] += o[3];
        h2[0] += o[4];
        h2[1] += o[5];
        h3[0] += o[6];
        h3[1] += o[7];
      }
      for (; i < end; i++, o += 2) {
        double* h = part[0] + static_cast<int64_t>(col[rows[i]]) * 2;
        h[0] += o[0];
        h[1] += o[1];
      }
      for (int c = 0; c < nb * 2; c++) base[c] += ((part[0][c] + part[1][c]) + part[2][c]) + part[3][c];
    } else if (stride == 2) {
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


// The shared walk of predictPacked: eight rows walk each tree together so their dependent load chains overlap.
template <typename GoRight>
void WalkPacked(const double* x, int64_t F, int64_t numRows, double* out, int64_t dim, const int32_t* channels, double scale,
                int64_t numTrees, const int32_t* roots, const int32_t* feature, const int32_t* child, const double* leafValue,
                int64_t od, GoRight goRight) {
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
            n[k] = child[2 * node + goRight(node, x[(i + k) * F + feature[node]])];
            active |= n[k] >= 0;
          }
        }
      }
      for (int k = 0; k < W; k++) {
        const double* leaf = leafValue + static_cast<int64_t>(~n[k]) * od;
        double* o = out + (i + k) * dim + channel;
        for (int64_t c = 0; c < od; c++) o[c] += scale * leaf[c];
      }
    }
    for (; i < numRows; i++) {
      int32_t node = root;
      while (node >= 0) node = child[2 * node + goRight(node, x[i * F + feature[node]])];
      const double* leaf = leafValue + static_cast<int64_t>(~node) * od;
      double* o = out + i * dim + channel;
      for (int64_t c = 0; c < od; c++) o[c] += scale * leaf[c];
    }
  }
}

// predictPacked(x, numFeatures, numRows, out, dim, channels, scale, roots, feature, threshold, child, missingRight,
//               leafValue, outputDim, categorical, catOffset, catLength, catWords)
// Twin of PackedTrees.addBlockTs (src/models/tree/predict.ts): for each tree t and row i, adds scale * the leaf's
// outputDim values into out[i * dim + channels[t] ...]. Eight rows walk a tree together so their dependent load
// chains overlap.
Napi::Value PredictPacked(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() != 18) {
    Napi::TypeError::New(env, "predictPacked: expected 18 arguments").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  const double* x = Data<double>(info[0]);
  const int64_t F = info[1].As<Napi::Number>().Int64Value();
  const int64_t numRows = info[2].As<Napi::Number>().Int64Value();
  double* out = Data<double>(info[3]);
  const int64_t dim = info[4].As<Napi::Number>().Int64Value();
  const int32_t* channels = Data<int32_t>(info[5]);
  const double scale = info[6].As<Napi::Number>().DoubleValue();
  const int64_t numTrees = static_cast<int64_t>(info[7].As<Napi::TypedArray>().ElementLength());
  const int32_t* roots = Data<int32_t>(info[7]);
  const int32_t* feature = Data<int32_t>(info[8]);
  const double* threshold = Data<double>(info[9]);
  const int32_t* child = Data<int32_t>(info[10]);
  const uint8_t* missingRight = Data<uint8_t>(info[11]);
  const double* leafValue = Data<double>(info[12]);
  const int64_t od = info[13].As<Napi::Number>().Int64Value();
  const uint8_t* categorical = Data<uint8_t>(info[14]);
  const int32_t* catOffset = Data<int32_t>(info[15]);
  const int32_t* catLength = Data<int32_t>(info[16]);
  const uint32_t* catWords = info[17].As<Napi::TypedArray>().ElementLength() > 0 ? Data<uint32_t>(info[17]) : nullptr;
  bool anyCategorical = false;
  const int64_t numInternal = static_cast<int64_t>(info[14].As<Napi::TypedArray>().ElementLength());
  for (int64_t j = 0; j < numInternal && !anyCategorical; j++) anyCategorical = categorical[j] != 0;
  if (!anyCategorical) {
    // Numeric splits only, branch-free: NaN fails `v > threshold` and takes the missing direction.
    auto goRightNumeric = [&](int32_t node, double v) -> int {
      return static_cast<int>(v > threshold[node]) | (static_cast<int>(v != v) & missingRight[node]);
    };
    WalkPacked(x, F, numRows, out, dim, channels, scale, numTrees, roots, feature, child, leafValue, od, goRightNumeric);
    return env.Undefined();
  }
  auto goRight = [&](int32_t node, double v) -> int {
    if (categorical[node] == 0) return std::isnan(v) ? missingRight[node] : (v > threshold[node] ? 1 : 0);
    if (!(v >= 0)) return missingRight[node];
    const int32_t code = static_cast<int32_t>(v);
    const int32_t word = code >> 5;
    if (word >= catLength[node]) return missingRight[node];
    return 1 - static_cast<int>((catWords[catOffset[node] + word] >> (code & 31)) & 1u);
  };
  WalkPacked(x, F, numRows, out, dim, channels, scale, numTrees, roots, feature, child, leafValue, od, goRight);
  return env.Undefined();
}

// partitionRows(bins, numRows, feature, rows, start, end, scratch, binThreshold, missingLeft, goesLeft|null)
// Stable partition of rows[start, end): rows whose bin goes left first; returns the boundary (see builder.ts).
Napi::Value PartitionRows(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const int64_t numRows = info[1].As<Napi::Number>().Int64Value();
  const int64_t feature = info[2].As<Napi::Number>().Int64Value();
  int32_t* rows = Data<int32_t>(info[3]);
  const int64_t start = info[4].As<Napi::Number>().Int64Value();
  const int64_t end = info[5].As<Napi::Number>().Int64Value();
  int32_t* scratch = Data<int32_t>(info[6]);
  const int64_t threshold = info[7].As<Napi::Number>().Int64Value();
  const bool missingLeft = info[8].As<Napi::Boolean>().Value();
  const uint8_t* goesLeft = info[9].IsTypedArray() ? Data<uint8_t>(info[9]) : nullptr;
  int64_t w = start;
  int64_t s = 0;
  auto run = [&](auto col) {
    for (int64_t i = start; i < end; i++) {
      const int32_t r = rows[i];
      const int64_t b = col[r];
      const bool left = goesLeft != nullptr ? goesLeft[b] == 1 : (b == 0 ? missingLeft : b <= threshold);
      // Branch-free: write to both sides, advance only the chosen one.
      rows[w] = r;
      scratch[s] = r;
      w += left;
      s += !left;
    }
  };
  napi_typedarray_type type = info[0].As<Napi::TypedArray>().TypedArrayType();
  if (type == napi_uint8_array) run(Data<uint8_t>(info[0]) + feature * numRows);
  else run(Data<uint16_t>(info[0]) + feature * numRows);
  for (int64_t j = 0; j < s; j++) rows[w + j] = scratch[j];
  return Napi::Number::New(env, static_cast<double>(w));
}

// gatherOrdered(rows, start, end, grad, hess, ordered): ordered[2j] = grad[rows[start + j]],
// ordered[2j + 1] = hess[rows[start + j]] (the one-channel gather of builder.ts).
Napi::Value GatherOrdered(const Napi::CallbackInfo& info) {
  const int32_t* rows = Data<int32_t>(info[0]);
  const int64_t start = info[1].As<Napi::Number>().Int64Value();
  const int64_t end = info[2].As<Napi::Number>().Int64Value();
  const double* grad = Data<double>(info[3]);
  const double* hess = Data<double>(info[4]);
  double* ordered = Data<double>(info[5]);
  for (int64_t i = start, o = 0; i < end; i++, o += 2) {
    const int32_t r = rows[i];
    ordered[o] = grad[r];
    ordered[o + 1] = hess[r];
  }
  return info.Env().Undefined();
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("accumulateHistogram", Napi::Function::New(env, AccumulateHistogram));
  exports.Set("predictPacked", Napi::Function::New(env, PredictPacked));
  exports.Set("partitionRows", Napi::Function::New(env, PartitionRows));
  exports.Set("gatherOrdered", Napi::Function::New(env, GatherOrdered));
  return exports;
}

}  // namespace

NODE_API_MODULE(tabpilot_native, Init)
