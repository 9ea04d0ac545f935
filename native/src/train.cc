// Training kernels over a ROW-MAJOR copy of the 8-bit bin matrix (XGBoost's hist layout): one pass over a node's
// rows reads each row's bins and its gradient pair once and adds them into every listed feature's histogram,
// instead of one pass over the rows per feature. Every (feature, bin) sum still adds its rows in row order (and
// features with few bins use the same four interleaved partial histograms), so the histograms are bit-identical
// to accumulateHistogramTs in src/models/tree/histogram.ts, their TypeScript twin.
//
// Threads: the listed features are split into contiguous blocks, one per thread; a thread owns whole features, so
// the sums (and the trees) do not depend on the number of threads.
#include <napi.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <vector>

#include "common.h"
#include "pool.h"

namespace tabpilot {

// Rows ahead whose bins and gradients are prefetched: deep nodes visit scattered rows.
constexpr int64_t kPrefetchAhead = 16;

void RowBlock(const RowJob& job, const int32_t* feats, int count) {
  std::vector<int32_t> largeCol, smallCol;
  std::vector<double*> largeBase, smallBase;
  std::vector<int32_t> smallBins;
  for (int j = 0; j < count; j++) {
    const int32_t f = feats[j];
    const int nb = job.binOffsets[f + 1] - job.binOffsets[f];
    double* base = job.hist + static_cast<int64_t>(job.binOffsets[f]) * 2;
    if (nb <= kSmallBins) {
      smallCol.push_back(f);
      smallBase.push_back(base);
      smallBins.push_back(nb);
    } else {
      largeCol.push_back(f);
      largeBase.push_back(base);
    }
  }
  const int nl = static_cast<int>(largeCol.size());
  const int ns = static_cast<int>(smallCol.size());
  constexpr int64_t kPart = kSmallBins * 2;
  // Four partial histograms per few-bin feature: rows (i - start) & 3 of the full groups of four, the tail in 0.
  std::vector<double> part(static_cast<size_t>(ns) * 4 * kPart, 0.0);
  const int32_t* rows = job.rows;
  const int64_t F = job.F;
  const int64_t mainEnd = job.start + ((job.end - job.start) & ~int64_t{3});
  for (int64_t i = job.start; i < job.end; i++) {
    if (i + kPrefetchAhead < job.end) {
      const int64_t ahead = rows[i + kPrefetchAhead];
      __builtin_prefetch(job.rowBins + ahead * F);
      __builtin_prefetch(job.rowBins + ahead * F + F - 1);
      __builtin_prefetch(job.grad + ahead);
      __builtin_prefetch(job.hess + ahead);
    }
    const int64_t r = rows[i];
    const uint8_t* rb = job.rowBins + r * F;
    const double g = job.grad[r];
    const double h = job.hess[r];
    for (int k = 0; k < nl; k++) {
      double* p = largeBase[k] + static_cast<int64_t>(rb[largeCol[k]]) * 2;
      p[0] += g;
      p[1] += h;
    }
    if (ns > 0) {
      const int64_t q = i < mainEnd ? ((i - job.start) & 3) : 0;
      for (int k = 0; k < ns; k++) {
        double* p = part.data() + (static_cast<int64_t>(k) * 4 + q) * kPart + static_cast<int64_t>(rb[smallCol[k]]) * 2;
        p[0] += g;
        p[1] += h;
      }
    }
  }
  for (int k = 0; k < ns; k++) {
    const double* p0 = part.data() + static_cast<int64_t>(k) * 4 * kPart;
    const double* p1 = p0 + kPart;
    const double* p2 = p1 + kPart;
    const double* p3 = p2 + kPart;
    double* base = smallBase[k];
    for (int c = 0; c < smallBins[k] * 2; c++) base[c] += ((p0[c] + p1[c]) + p2[c]) + p3[c];
  }
}

namespace {

// buildHistogramRows(rowBins, F, rows, start, end, grad, hess, features, numFeatures, binOffsets, hist, threads)
// hist (zeroed by the caller) += the one-channel histogram of rows[start, end) over features[0..numFeatures):
// the same result as gatherOrdered + accumulateHistogram with stride 2.
Napi::Value BuildHistogramRows(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() != 12 || !info[0].IsTypedArray() || info[0].As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array) {
    Napi::TypeError::New(env, "buildHistogramRows: bad arguments").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  RowJob job = RowJobArgs(info);
  const int32_t* features = Data<int32_t>(info[7]);
  const int numFeatures = info[8].As<Napi::Number>().Int32Value();
  const int64_t cells = (job.end - job.start) * numFeatures;
  const int64_t byWork = std::max<int64_t>(1, cells / kMinCellsPerThread);
  const int threads = static_cast<int>(std::min<int64_t>({static_cast<int64_t>(info[11].As<Napi::Number>().Int32Value()), byWork, numFeatures}));
  if (threads <= 1) {
    RowBlock(job, features, numFeatures);
    return env.Undefined();
  }
  // Feature blocks of (nearly) equal size, block t on pool thread t (the caller runs block 0).
  const int per = numFeatures / threads;
  const int extra = numFeatures % threads;
  ThreadPool::Instance().Run(threads, [&](int t) {
    const int from = t * per + std::min(t, extra);
    RowBlock(job, features + from, per + (t < extra ? 1 : 0));
  });
  return env.Undefined();
}

// transposeBins(bins, numRows, numFeatures, out): out[r * numFeatures + f] = bins[f * numRows + r] (8-bit bins).
Napi::Value TransposeBins(const Napi::CallbackInfo& info) {
  const uint8_t* bins = Data<uint8_t>(info[0]);
  const int64_t n = info[1].As<Napi::Number>().Int64Value();
  const int64_t F = info[2].As<Napi::Number>().Int64Value();
  uint8_t* out = Data<uint8_t>(info[3]);
  // Row blocks small enough that the block's output stays in cache while every column is read into it.
  constexpr int64_t kBlock = 4096;
  for (int64_t r0 = 0; r0 < n; r0 += kBlock) {
    const int64_t r1 = std::min(n, r0 + kBlock);
    for (int64_t f = 0; f < F; f++) {
      const uint8_t* col = bins + f * n;
      for (int64_t r = r0; r < r1; r++) out[r * F + f] = col[r];
    }
  }
  return info.Env().Undefined();
}

// sumGradients(rows, start, end, grad, hess, out): out[0] += sum of grad[rows[i]], out[1] += sum of hess[rows[i]],
// in row order (twin: the root-stats loop of TreeBuilder.grow).
Napi::Value SumGradients(const Napi::CallbackInfo& info) {
  const int32_t* rows = Data<int32_t>(info[0]);
  const int64_t start = info[1].As<Napi::Number>().Int64Value();
  const int64_t end = info[2].As<Napi::Number>().Int64Value();
  const double* grad = Data<double>(info[3]);
  const double* hess = Data<double>(info[4]);
  double* out = Data<double>(info[5]);
  double g = out[0];
  double h = out[1];
  for (int64_t i = start; i < end; i++) {
    const int32_t r = rows[i];
    g += grad[r];
    h += hess[r];
  }
  out[0] = g;
  out[1] = h;
  return info.Env().Undefined();
}

// addLeafValues(rows, leafStart, leafEnd, leafValue, scores[, threads]): scores[rows[i]] += leafValue[j] for every i in
// [leafStart[j], leafEnd[j]) (twin: the score update of trainGbdt, one raw score per row). Each row is in one leaf,
// so threads (whole leaves each, about equal rows) write disjoint scores: the same result on any count.
Napi::Value AddLeafValues(const Napi::CallbackInfo& info) {
  const int32_t* rows = Data<int32_t>(info[0]);
  const int32_t* leafStart = Data<int32_t>(info[1]);
  const int32_t* leafEnd = Data<int32_t>(info[2]);
  const double* leafValue = Data<double>(info[3]);
  const int64_t numLeaves = static_cast<int64_t>(info[3].As<Napi::TypedArray>().ElementLength());
  double* scores = Data<double>(info[4]);
  const int64_t asked = info.Length() > 5 ? info[5].As<Napi::Number>().Int64Value() : 1;
  int64_t total = 0;
  for (int64_t j = 0; j < numLeaves; j++) total += leafEnd[j] - leafStart[j];
  const int threads = static_cast<int>(std::max<int64_t>(1, std::min<int64_t>(asked, total / kMinCellsPerThread)));
  ThreadPool::Instance().Run(threads, [&](int t) {
    // Thread t takes the leaves whose first row falls in its share of the rows.
    int64_t before = 0;
    for (int64_t j = 0; j < numLeaves; j++) {
      const int64_t owner = threads == 1 ? 0 : before * threads / std::max<int64_t>(1, total);
      before += leafEnd[j] - leafStart[j];
      if (owner != t) continue;
      const double v = leafValue[j];
      for (int64_t i = leafStart[j]; i < leafEnd[j]; i++) scores[rows[i]] += v;
    }
  });
  return info.Env().Undefined();
}

// subtractHistogram(parent, child): parent[i] -= child[i] (the subtraction trick of TreeBuilder.grow; twin: its loop).
Napi::Value SubtractHistogram(const Napi::CallbackInfo& info) {
  double* parent = Data<double>(info[0]);
  const double* child = Data<double>(info[1]);
  const int64_t n = static_cast<int64_t>(info[1].As<Napi::TypedArray>().ElementLength());
  for (int64_t i = 0; i < n; i++) parent[i] -= child[i];
  return info.Env().Undefined();
}

// sortFloat64(values): sorts NaN-free doubles ascending in place, -0 before +0: the same order as
// Float64Array.prototype.sort (its twin, in binning.ts). LSD radix sort on the order-preserving bit pattern
// (sign bit flipped for positives, all bits flipped for negatives), 8 bits per pass; passes where every key has
// the same byte are skipped.
Napi::Value SortFloat64(const Napi::CallbackInfo& info) {
  double* values = Data<double>(info[0]);
  const size_t n = info[0].As<Napi::TypedArray>().ElementLength();
  std::vector<uint64_t> keys(n), tmp(n);
  for (size_t i = 0; i < n; i++) {
    uint64_t b;
    std::memcpy(&b, values + i, sizeof b);
    keys[i] = (b >> 63) != 0 ? ~b : b | (uint64_t{1} << 63);
  }
  for (int shift = 0; shift < 64; shift += 8) {
    size_t count[257] = {};
    for (size_t i = 0; i < n; i++) count[((keys[i] >> shift) & 0xff) + 1]++;
    if (n > 0 && count[((keys[0] >> shift) & 0xff) + 1] == n) continue;
    for (int d = 0; d < 256; d++) count[d + 1] += count[d];
    for (size_t i = 0; i < n; i++) tmp[count[(keys[i] >> shift) & 0xff]++] = keys[i];
    keys.swap(tmp);
  }
  for (size_t i = 0; i < n; i++) {
    const uint64_t k = keys[i];
    const uint64_t b = (k >> 63) != 0 ? k & ~(uint64_t{1} << 63) : ~k;
    std::memcpy(values + i, &b, sizeof b);
  }
  return info.Env().Undefined();
}

}  // namespace

void RegisterTrainKernels(Napi::Env env, Napi::Object exports) {
  exports.Set("buildHistogramRows", Napi::Function::New(env, BuildHistogramRows));
  exports.Set("transposeBins", Napi::Function::New(env, TransposeBins));
  exports.Set("sumGradients", Napi::Function::New(env, SumGradients));
  exports.Set("addLeafValues", Napi::Function::New(env, AddLeafValues));
  exports.Set("subtractHistogram", Napi::Function::New(env, SubtractHistogram));
  exports.Set("sortFloat64", Napi::Function::New(env, SortFloat64));
}

}  // namespace tabpilot
