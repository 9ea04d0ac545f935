// Native twins of the hot loops in src/models/tree (see histogram.ts for the contract). Built only by
// `npm run build:native`; the TypeScript versions run when this addon is absent.
#include <napi.h>
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <vector>

#include "common.h"
#include "pool.h"

namespace {

using tabpilot::kSmallBins;

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

using tabpilot::Data;

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


// Rows a partition thread must have to be worth waking (a pool thread: about the cost of the hand-off).
constexpr int64_t kMinPartitionRowsPerThread = 1 << 13;

// Stable partition of rows[lo, hi): the rows going left stay in place from lo on, the others are written to
// right[0..). Returns the number going left.
template <typename BinT>
int64_t PartitionChunk(const BinT* col, int32_t* rows, int64_t lo, int64_t hi, int32_t* right, int64_t threshold,
                       bool missingLeft, const uint8_t* goesLeft) {
  int64_t w = lo;
  int64_t s = 0;
  for (int64_t i = lo; i < hi; i++) {
    const int32_t r = rows[i];
    const int64_t b = col[r];
    const bool left = goesLeft != nullptr ? goesLeft[b] == 1 : (b == 0 ? missingLeft : b <= threshold);
    // Branch-free: write to both sides, advance only the chosen one.
    rows[w] = r;
    right[s] = r;
    w += left;
    s += !left;
  }
  return w - lo;
}

// partitionRows(bins, numRows, feature, rows, start, end, scratch, binThreshold, missingLeft, goesLeft|null[, threads])
// Stable partition of rows[start, end): rows whose bin goes left first; returns the boundary (see builder.ts).
// With threads > 1, each thread partitions one contiguous chunk, then the chunks' left parts and right parts are
// concatenated in chunk order (the same order as one pass), each chunk copying its own parts.
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
  const int64_t asked = info.Length() > 10 ? info[10].As<Napi::Number>().Int64Value() : 1;
  const int64_t threads = std::max<int64_t>(1, std::min<int64_t>(asked, (end - start) / kMinPartitionRowsPerThread));
  auto run = [&](auto col) -> int64_t {
    if (threads <= 1) {
      const int64_t nl = PartitionChunk(col, rows, start, end, scratch, threshold, missingLeft, goesLeft);
      std::memcpy(rows + start + nl, scratch, sizeof(int32_t) * (end - start - nl));
      return start + nl;
    }
    std::vector<int64_t> lo(threads + 1), left(threads), leftBefore(threads), rightBefore(threads);
    for (int64_t t = 0; t <= threads; t++) lo[t] = start + (end - start) * t / threads;
    // Phase 1: each chunk ends up in its own scratch region as [its right rows, its left rows].
    tabpilot::ThreadPool& pool = tabpilot::ThreadPool::Instance();
    pool.Run(static_cast<int>(threads), [&](int t) {
      int32_t* region = scratch + (lo[t] - start);
      left[t] = PartitionChunk(col, rows, lo[t], lo[t + 1], region, threshold, missingLeft, goesLeft);
      std::memcpy(region + (lo[t + 1] - lo[t] - left[t]), rows + lo[t], sizeof(int32_t) * left[t]);
    });
    int64_t mid = start;
    for (int64_t t = 0; t < threads; t++) {
      leftBefore[t] = mid - start;
      mid += left[t];
    }
    for (int64_t t = 0, r = 0; t < threads; t++) {
      rightBefore[t] = r;
      r += lo[t + 1] - lo[t] - left[t];
    }
    // Phase 2: every chunk copies its parts from scratch to their places in rows (disjoint writes).
    pool.Run(static_cast<int>(threads), [&](int t) {
      const int32_t* region = scratch + (lo[t] - start);
      const int64_t nr = lo[t + 1] - lo[t] - left[t];
      std::memcpy(rows + start + leftBefore[t], region + nr, sizeof(int32_t) * left[t]);
      std::memcpy(rows + mid + rightBefore[t], region, sizeof(int32_t) * nr);
    });
    return mid;
  };
  napi_typedarray_type type = info[0].As<Napi::TypedArray>().TypedArrayType();
  const int64_t mid = type == napi_uint8_array ? run(Data<uint8_t>(info[0]) + feature * numRows) : run(Data<uint16_t>(info[0]) + feature * numRows);
  return Napi::Number::New(env, static_cast<double>(mid));
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
  exports.Set("partitionRows", Napi::Function::New(env, PartitionRows));
  exports.Set("gatherOrdered", Napi::Function::New(env, GatherOrdered));
  tabpilot::RegisterTrainKernels(env, exports);
  tabpilot::RegisterSplitKernels(env, exports);
  tabpilot::RegisterGradientKernels(env, exports);
  tabpilot::RegisterPredictKernels(env, exports);
  return exports;
}

}  // namespace

NODE_API_MODULE(tabpilot_native, Init)
