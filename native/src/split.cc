// Boosting kernels on the calling thread's critical path: the split search fused with the node's histogram
// (build the smaller child's histogram, derive the larger sibling's by subtraction, scan both, feature block by
// feature block on the pool threads), and the binary log-loss gradients. Twins: TreeBuilder.buildHistogram +
// the subtraction loop + SplitFinder.findNumericGradient (src/models/tree), and binaryLogloss.gradients
// (src/models/gbdt/objectives.ts); every sum and comparison runs in the same order, so models are bit-identical.
#include <napi.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <limits>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

#include "common.h"
#include "pool.h"

namespace tabpilot {
namespace {

// Doubles per scanned (child, feature) in the output: gain (-inf = no split), bin threshold, default left,
// left gradient sum, left hessian sum.
constexpr int kOut = 5;
// Scan inputs per child: scan it (0/1), G, H, min child hessian, parent score.
constexpr int kChildIn = 5;
// Rows per pool thread below which the gradients are computed on one thread.
constexpr int64_t kMinGradientRowsPerThread = 1 << 15;

struct ScanChild {
  bool on;
  double G, H, minH, parentScore;
};

// SplitFinder.findNumericGradient on one feature's (grad, hess) bins h[0 .. 2 numBins), starting from gain 0.
void ScanFeature(const double* h, int numBins, const ScanChild& c, double l1, double l2, double* o) {
  auto score = [l1, l2](double g, double hh) {
    const double t = g > l1 ? g - l1 : g < -l1 ? g + l1 : 0;
    return (t * t) / (hh + l2);
  };
  const double missG = h[0];
  const double missH = h[1];
  double bestGain = 0;
  int bestT = -1;
  bool bestMissingLeft = false;
  double bestLG = 0, bestLH = 0;
  for (int dir = 0; dir < 2; dir++) {
    const bool missingLeft = dir == 1;
    if (missingLeft && missH <= 0) break;
    double lg = missingLeft ? missG : 0;
    double lh = missingLeft ? missH : 0;
    for (int t = missingLeft ? 0 : 1; t <= numBins - 2; t++) {
      if (t > 0) {
        lg += h[2 * t];
        lh += h[2 * t + 1];
      }
      if (lh < c.minH || lh <= 0) continue;
      const double rh = c.H - lh;
      if (rh < c.minH || rh <= 0) break;
      const double gain = score(lg, lh) + score(c.G - lg, rh) - c.parentScore;
      if (gain > bestGain) {
        bestGain = gain;
        bestT = t;
        bestMissingLeft = missingLeft;
        bestLG = lg;
        bestLH = lh;
      }
    }
  }
  if (bestT < 0) {
    o[0] = -std::numeric_limits<double>::infinity();
    return;
  }
  o[0] = bestGain;
  o[1] = bestT;
  o[2] = (missH > 0 ? bestMissingLeft : bestLH >= c.H - bestLH) ? 1 : 0;
  o[3] = bestLG;
  o[4] = bestLH;
}

// histogramSplits(rowBins, F, rows, start, end, grad, hess, features, numListed, binOffsets, hist, parent|null,
//                 categorical, scan, out, threads)
// hist := the histogram of rows[start, end) over the listed features (other regions untouched); with parent,
// parent -= hist on the listed features (the larger sibling's histogram). Then child 0 (hist) and child 1
// (parent) are scanned where scan asks: scan = [l1, l2, then per child: on, G, H, minH, parentScore];
// out[(child * numListed + j) * 5 ..] = the best numeric split of listed feature j (categorical ones: gain -inf).
Napi::Value HistogramSplits(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() != 16 || !info[0].IsTypedArray() || info[0].As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array) {
    Napi::TypeError::New(env, "histogramSplits: bad arguments").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  RowJob job = RowJobArgs(info);
  const int32_t* features = Data<int32_t>(info[7]);
  const int numListed = info[8].As<Napi::Number>().Int32Value();
  double* parent = info[11].IsTypedArray() ? Data<double>(info[11]) : nullptr;
  const uint8_t* categorical = Data<uint8_t>(info[12]);
  const double* scan = Data<double>(info[13]);
  double* out = Data<double>(info[14]);
  const double l1 = scan[0];
  const double l2 = scan[1];
  ScanChild child[2];
  for (int c = 0; c < 2; c++) {
    const double* in = scan + 2 + c * kChildIn;
    child[c] = {in[0] != 0 && (c == 0 || parent != nullptr), in[1], in[2], in[3], in[4]};
  }
  const int32_t* offsets = job.binOffsets;
  auto block = [&](int from, int count) {
    for (int j = from; j < from + count; j++) {
      const int32_t f = features[j];
      std::fill(job.hist + static_cast<int64_t>(offsets[f]) * 2, job.hist + static_cast<int64_t>(offsets[f + 1]) * 2, 0.0);
    }
    RowBlock(job, features + from, count);
    for (int j = from; j < from + count; j++) {
      const int32_t f = features[j];
      const int64_t lo = static_cast<int64_t>(offsets[f]) * 2;
      const int64_t hi = static_cast<int64_t>(offsets[f + 1]) * 2;
      if (parent != nullptr) {
        for (int64_t i = lo; i < hi; i++) parent[i] -= job.hist[i];
      }
      for (int c = 0; c < 2; c++) {
        double* o = out + (static_cast<int64_t>(c) * numListed + j) * kOut;
        if (!child[c].on || categorical[f] != 0) {
          o[0] = -std::numeric_limits<double>::infinity();
          continue;
        }
        ScanFeature((c == 0 ? job.hist : parent) + lo, offsets[f + 1] - offsets[f], child[c], l1, l2, o);
      }
    }
  };
  // Work: one addition per (row, feature), plus about two bin visits per feature for the scans.
  const int64_t bins = offsets[job.F] > 0 ? offsets[job.F] / job.F : 0;
  const int64_t work = (job.end - job.start) * numListed + bins * numListed * 2;
  const int64_t asked = info[15].As<Napi::Number>().Int64Value();
  const int threads = static_cast<int>(std::max<int64_t>(1, std::min<int64_t>({asked, work / kMinCellsPerThread, numListed})));
  const int per = numListed / threads;
  const int extra = numListed % threads;
  ThreadPool::Instance().Run(threads, [&](int t) { block(t * per + std::min(t, extra), per + (t < extra ? 1 : 0)); });
  return env.Undefined();
}

constexpr double kMinHessian = 1e-16;  // the hessian floor of the TypeScript objective

// One row of binaryLogloss.gradients.
inline void BinaryGradient(double score, double y, double w, double* grad, double* hess) {
  const double p = Sigmoid(score);
  *grad = w * (p - y);
  const double q = p * (1 - p);
  *hess = w * (q < kMinHessian ? kMinHessian : q);
}

#if defined(__x86_64__)
// BinaryGradient on four rows at once (AVX2, no FMA: every lane runs Sigmoid's and V8Exp's operations in the same
// order, so the same bits). Lanes whose exp argument -|z| is outside [-700, -2^-28] (fdlibm's special and
// subnormal-scale paths, NaN, +-0) make the whole group take the scalar path.
__attribute__((target("avx2"))) void BinaryGradients4(const double* scores, const double* y, const double* w, const int32_t* rows, int64_t from, int64_t to, double* grad, double* hess) {
  // Bounds of the lanes handled here (see above), and fdlibm's |x| > 0.5 ln2 test on the high word (0x3FD62E42).
  const __m256d kTiny = _mm256_set1_pd(0x1p-28), kLarge = _mm256_set1_pd(700.0);
  uint64_t halfLn2Bits = uint64_t{0x3FD62E43} << 32;
  double halfLn2;
  std::memcpy(&halfLn2, &halfLn2Bits, sizeof halfLn2);
  const __m256d kReduce = _mm256_set1_pd(halfLn2);
  const __m256d signMask = _mm256_set1_pd(-0.0);
  const __m256d one = _mm256_set1_pd(1.0), two = _mm256_set1_pd(2.0), zero = _mm256_setzero_pd();
  const __m256d invLn2 = _mm256_set1_pd(1.44269504088896338700e+00), minusHalf = _mm256_set1_pd(-0.5);
  const __m256d ln2Hi = _mm256_set1_pd(6.93147180369123816490e-01), ln2Lo = _mm256_set1_pd(1.90821492927058770002e-10);
  const __m256d p1 = _mm256_set1_pd(1.66666666666666019037e-01), p2 = _mm256_set1_pd(-2.77777777770155933842e-03);
  const __m256d p3 = _mm256_set1_pd(6.61375632143793436117e-05), p4 = _mm256_set1_pd(-1.65339022054652515390e-06);
  const __m256d p5 = _mm256_set1_pd(4.13813679705723846039e-08), floor = _mm256_set1_pd(kMinHessian);
  int64_t i = from;
  alignas(32) double g4[4], h4[4];
  for (; i + 4 <= to; i += 4) {
    const int32_t r0 = rows[i], r1 = rows[i + 1], r2 = rows[i + 2], r3 = rows[i + 3];
    const __m256d z = _mm256_set_pd(scores[r3], scores[r2], scores[r1], scores[r0]);
    const __m256d ax = _mm256_andnot_pd(signMask, z);  // |z|; the exp argument is x = -|z| (sign bit set: xsb = 1)
    const __m256d ok = _mm256_and_pd(_mm256_cmp_pd(ax, kTiny, _CMP_GE_OQ), _mm256_cmp_pd(ax, kLarge, _CMP_LT_OQ));
    if (_mm256_movemask_pd(ok) != 0xF) {
      for (int64_t j = i; j < i + 4; j++) BinaryGradient(scores[rows[j]], y[rows[j]], w[rows[j]], grad + rows[j], hess + rows[j]);
      continue;
    }
    const __m256d x0 = _mm256_xor_pd(ax, signMask);
    // k = (int)(invln2 * x - 0.5) where |x| > 0.5 ln2, else 0 (fdlibm's k = -1 branch gives the same, see V8Exp).
    const __m128i k32 = _mm256_cvttpd_epi32(_mm256_add_pd(_mm256_mul_pd(invLn2, x0), minusHalf));
    const __m256d reduce = _mm256_cmp_pd(ax, kReduce, _CMP_GE_OQ);
    const __m256d kd = _mm256_and_pd(_mm256_cvtepi32_pd(k32), reduce);
    const __m128i k = _mm256_cvttpd_epi32(kd);  // k32 with the unreduced lanes at 0 (kd is integer-valued: exact)
    const __m256d hi = _mm256_sub_pd(x0, _mm256_mul_pd(kd, ln2Hi));
    const __m256d lo = _mm256_mul_pd(kd, ln2Lo);
    const __m256d x = _mm256_sub_pd(hi, lo);
    const __m256d t = _mm256_mul_pd(x, x);
    __m256d poly = _mm256_add_pd(p4, _mm256_mul_pd(t, p5));
    poly = _mm256_add_pd(p3, _mm256_mul_pd(t, poly));
    poly = _mm256_add_pd(p2, _mm256_mul_pd(t, poly));
    poly = _mm256_add_pd(p1, _mm256_mul_pd(t, poly));
    const __m256d c = _mm256_sub_pd(x, _mm256_mul_pd(t, poly));
    const __m256d frac = _mm256_div_pd(_mm256_mul_pd(x, c), _mm256_sub_pd(two, c));
    const __m256d yv = _mm256_sub_pd(one, _mm256_sub_pd(_mm256_sub_pd(lo, frac), hi));
    const __m256i bits = _mm256_slli_epi64(_mm256_add_epi64(_mm256_cvtepi32_epi64(k), _mm256_set1_epi64x(0x3FF)), 52);
    const __m256d e = _mm256_mul_pd(yv, _mm256_castsi256_pd(bits));
    // Sigmoid: (z >= 0 ? 1 : e) / (1 + e).
    const __m256d num = _mm256_blendv_pd(e, one, _mm256_cmp_pd(z, zero, _CMP_GE_OQ));
    const __m256d p = _mm256_div_pd(num, _mm256_add_pd(one, e));
    const __m256d yy = _mm256_set_pd(y[r3], y[r2], y[r1], y[r0]);
    const __m256d ww = _mm256_set_pd(w[r3], w[r2], w[r1], w[r0]);
    const __m256d q = _mm256_mul_pd(p, _mm256_sub_pd(one, p));
    _mm256_store_pd(g4, _mm256_mul_pd(ww, _mm256_sub_pd(p, yy)));
    _mm256_store_pd(h4, _mm256_mul_pd(ww, _mm256_blendv_pd(q, floor, _mm256_cmp_pd(q, floor, _CMP_LT_OQ))));
    grad[r0] = g4[0], grad[r1] = g4[1], grad[r2] = g4[2], grad[r3] = g4[3];
    hess[r0] = h4[0], hess[r1] = h4[1], hess[r2] = h4[2], hess[r3] = h4[3];
  }
  for (; i < to; i++) BinaryGradient(scores[rows[i]], y[rows[i]], w[rows[i]], grad + rows[i], hess + rows[i]);
}
#endif

// binaryGradients(scores, y, w, rows, grad, hess, threads): for r = rows[i], p = sigmoid(scores[r]),
// grad[r] = w[r] (p - y[r]), hess[r] = w[r] max(p (1 - p), 1e-16): binaryLogloss.gradients, with V8's exp.
Napi::Value BinaryGradients(const Napi::CallbackInfo& info) {
  const double* scores = Data<double>(info[0]);
  const double* y = Data<double>(info[1]);
  const double* w = Data<double>(info[2]);
  const int32_t* rows = Data<int32_t>(info[3]);
  const int64_t n = static_cast<int64_t>(info[3].As<Napi::TypedArray>().ElementLength());
  double* grad = Data<double>(info[4]);
  double* hess = Data<double>(info[5]);
  const int64_t asked = info[6].As<Napi::Number>().Int64Value();
  const int threads = static_cast<int>(std::max<int64_t>(1, std::min<int64_t>(asked, n / kMinGradientRowsPerThread)));
#if defined(__x86_64__)
  static const bool hasAvx2 = __builtin_cpu_supports("avx2");
#endif
  ThreadPool::Instance().Run(threads, [&](int t) {
    const int64_t from = n * t / threads;
    const int64_t to = n * (t + 1) / threads;
#if defined(__x86_64__)
    if (hasAvx2) {
      BinaryGradients4(scores, y, w, rows, from, to, grad, hess);
      return;
    }
#endif
    for (int64_t i = from; i < to; i++) BinaryGradient(scores[rows[i]], y[rows[i]], w[rows[i]], grad + rows[i], hess + rows[i]);
  });
  return info.Env().Undefined();
}

}  // namespace

void RegisterSplitKernels(Napi::Env env, Napi::Object exports) {
  exports.Set("histogramSplits", Napi::Function::New(env, HistogramSplits));
  exports.Set("binaryGradients", Napi::Function::New(env, BinaryGradients));
}

}  // namespace tabpilot
