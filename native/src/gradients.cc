// Boosting gradients with V8's Math.exp ported to C++ (common.h V8Exp), so they are bit-identical to their
// TypeScript twins binaryLogloss.gradients and multiLogloss.gradients (src/models/gbdt/objectives.ts): every
// operation runs in the same order, without FMA. With AVX2 (checked at run time) exp runs on four values at once.
#include <napi.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <limits>
#include <vector>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

#include "common.h"
#include "pool.h"

namespace tabpilot {
namespace {

// Rows per pool thread below which the gradients are computed on one thread.
constexpr int64_t kMinGradientRowsPerThread = 1 << 15;
constexpr double kMinHessian = 1e-16;  // the hessian floor of the TypeScript objectives

// One row of binaryLogloss.gradients.
inline void BinaryGradient(double score, double y, double w, double* grad, double* hess) {
  const double p = Sigmoid(score);
  *grad = w * (p - y);
  const double q = p * (1 - p);
  *hess = w * (q < kMinHessian ? kMinHessian : q);
}

// The largest of the K scores s[0 .. K) (softmaxInto's max shift; -inf when every score is NaN).
inline double RowMax(const double* s, int K) {
  double max = -std::numeric_limits<double>::infinity();
  for (int c = 0; c < K; c++)
    if (s[c] > max) max = s[c];
  return max;
}

// prob[c] /= the sum of prob[0 .. K), summed in class order (softmaxInto's normalisation).
inline void NormalizeRow(double* prob, int K) {
  double sum = 0;
  for (int c = 0; c < K; c++) sum += prob[c];
  for (int c = 0; c < K; c++) prob[c] /= sum;
}

// Softmax of the K scores s[0 .. K) into prob (softmaxInto of src/util/numeric.ts: max-shifted, exps summed in
// class order, then divided).
void SoftmaxRow(const double* s, int K, double* prob) {
  const double max = RowMax(s, K);
  for (int c = 0; c < K; c++) prob[c] = V8Exp(s[c] - max);
  NormalizeRow(prob, K);
}

// Class gradients and hessians of one row from its probabilities, written at [c * n + r] (multiLogloss.gradients).
inline void MulticlassGradient(const double* prob, int K, double label, double w, double factor, int64_t n, int64_t r, double* grad, double* hess) {
  for (int c = 0; c < K; c++) {
    const double p = prob[c];
    grad[c * n + r] = w * (p - (label == c ? 1 : 0));
    const double q = factor * p * (1 - p);
    hess[c * n + r] = w * (q < kMinHessian ? kMinHessian : q);
  }
}

#if defined(__x86_64__)
// Whether each lane of x may take Exp4: x in [-700, -2^-28]. Other lanes (fdlibm's special and subnormal-scale
// paths, NaN, +-0, positive x) must take the scalar V8Exp.
__attribute__((target("avx2"))) inline int Exp4Lanes(__m256d x) {
  const __m256d ax = _mm256_andnot_pd(_mm256_set1_pd(-0.0), x);
  const __m256d neg = _mm256_cmp_pd(x, _mm256_setzero_pd(), _CMP_LT_OQ);
  const __m256d ok = _mm256_and_pd(neg, _mm256_and_pd(_mm256_cmp_pd(ax, _mm256_set1_pd(0x1p-28), _CMP_GE_OQ), _mm256_cmp_pd(ax, _mm256_set1_pd(700.0), _CMP_LT_OQ)));
  return _mm256_movemask_pd(ok);
}

// V8Exp on four negative arguments of the lanes Exp4Lanes accepts (AVX2, no FMA: each lane runs V8Exp's
// operations in the same order, so the same bits).
__attribute__((target("avx2"))) inline __m256d Exp4(__m256d x0) {
  // fdlibm's |x| > 0.5 ln2 test on the high word (0x3FD62E42).
  uint64_t halfLn2Bits = uint64_t{0x3FD62E43} << 32;
  double halfLn2;
  std::memcpy(&halfLn2, &halfLn2Bits, sizeof halfLn2);
  const __m256d ax = _mm256_andnot_pd(_mm256_set1_pd(-0.0), x0);
  const __m256d one = _mm256_set1_pd(1.0), two = _mm256_set1_pd(2.0);
  const __m256d ln2Hi = _mm256_set1_pd(6.93147180369123816490e-01), ln2Lo = _mm256_set1_pd(1.90821492927058770002e-10);
  // k = (int)(invln2 * x - 0.5) where |x| > 0.5 ln2, else 0 (fdlibm's k = -1 branch gives the same, see V8Exp).
  const __m128i k32 = _mm256_cvttpd_epi32(_mm256_add_pd(_mm256_mul_pd(_mm256_set1_pd(1.44269504088896338700e+00), x0), _mm256_set1_pd(-0.5)));
  const __m256d reduce = _mm256_cmp_pd(ax, _mm256_set1_pd(halfLn2), _CMP_GE_OQ);
  const __m256d kd = _mm256_and_pd(_mm256_cvtepi32_pd(k32), reduce);
  const __m128i k = _mm256_cvttpd_epi32(kd);  // k32 with the unreduced lanes at 0 (kd is integer-valued: exact)
  const __m256d hi = _mm256_sub_pd(x0, _mm256_mul_pd(kd, ln2Hi));
  const __m256d lo = _mm256_mul_pd(kd, ln2Lo);
  const __m256d x = _mm256_sub_pd(hi, lo);
  const __m256d t = _mm256_mul_pd(x, x);
  __m256d poly = _mm256_add_pd(_mm256_set1_pd(-1.65339022054652515390e-06), _mm256_mul_pd(t, _mm256_set1_pd(4.13813679705723846039e-08)));
  poly = _mm256_add_pd(_mm256_set1_pd(6.61375632143793436117e-05), _mm256_mul_pd(t, poly));
  poly = _mm256_add_pd(_mm256_set1_pd(-2.77777777770155933842e-03), _mm256_mul_pd(t, poly));
  poly = _mm256_add_pd(_mm256_set1_pd(1.66666666666666019037e-01), _mm256_mul_pd(t, poly));
  const __m256d c = _mm256_sub_pd(x, _mm256_mul_pd(t, poly));
  const __m256d frac = _mm256_div_pd(_mm256_mul_pd(x, c), _mm256_sub_pd(two, c));
  const __m256d yv = _mm256_sub_pd(one, _mm256_sub_pd(_mm256_sub_pd(lo, frac), hi));
  const __m256i bits = _mm256_slli_epi64(_mm256_add_epi64(_mm256_cvtepi32_epi64(k), _mm256_set1_epi64x(0x3FF)), 52);
  return _mm256_mul_pd(yv, _mm256_castsi256_pd(bits));
}

// BinaryGradient on four rows at once; a group with a lane Exp4 does not take runs the scalar path.
__attribute__((target("avx2"))) void BinaryGradients4(const double* scores, const double* y, const double* w, const int32_t* rows, int64_t from, int64_t to, double* grad, double* hess) {
  const __m256d signMask = _mm256_set1_pd(-0.0);
  const __m256d one = _mm256_set1_pd(1.0), zero = _mm256_setzero_pd(), floor = _mm256_set1_pd(kMinHessian);
  int64_t i = from;
  alignas(32) double g4[4], h4[4];
  for (; i + 4 <= to; i += 4) {
    const int32_t r0 = rows[i], r1 = rows[i + 1], r2 = rows[i + 2], r3 = rows[i + 3];
    const __m256d z = _mm256_set_pd(scores[r3], scores[r2], scores[r1], scores[r0]);
    const __m256d x0 = _mm256_or_pd(z, signMask);  // the exp argument -|z|
    if (Exp4Lanes(x0) != 0xF) {
      for (int64_t j = i; j < i + 4; j++) BinaryGradient(scores[rows[j]], y[rows[j]], w[rows[j]], grad + rows[j], hess + rows[j]);
      continue;
    }
    const __m256d e = Exp4(x0);
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

// SoftmaxRow with the exps four classes at a time (lanes Exp4 does not take use V8Exp); the sum and the
// divisions stay scalar and in class order.
__attribute__((target("avx2"))) void SoftmaxRow4(const double* s, int K, double* prob) {
  const double max = RowMax(s, K);
  const __m256d m = _mm256_set1_pd(max);
  alignas(32) double x4[4];
  int c = 0;
  for (; c + 4 <= K; c += 4) {
    const __m256d x = _mm256_sub_pd(_mm256_loadu_pd(s + c), m);
    const int lanes = Exp4Lanes(x);
    _mm256_storeu_pd(prob + c, Exp4(x));
    if (lanes != 0xF) {
      _mm256_store_pd(x4, x);
      for (int j = 0; j < 4; j++)
        if ((lanes & (1 << j)) == 0) prob[c + j] = V8Exp(x4[j]);
    }
  }
  for (; c < K; c++) prob[c] = V8Exp(s[c] - max);
  NormalizeRow(prob, K);
}
#endif

#if defined(__x86_64__)
const bool kHasAvx2 = __builtin_cpu_supports("avx2");
#else
const bool kHasAvx2 = false;
#endif

// The arguments both gradient kernels start with: (scores, y, w, rows, grad, hess, ...).
struct GradientArgs {
  const double* scores;
  const double* y;
  const double* w;
  const int32_t* rows;
  int64_t count;  // rows.length
  double* grad;
  double* hess;
};

GradientArgs ReadGradientArgs(const Napi::CallbackInfo& info) {
  return {Data<double>(info[0]), Data<double>(info[1]), Data<double>(info[2]), Data<int32_t>(info[3]),
          static_cast<int64_t>(info[3].As<Napi::TypedArray>().ElementLength()), Data<double>(info[4]), Data<double>(info[5])};
}

// Pool threads for `work` row-class gradients, at most `asked`.
int GradientThreads(const Napi::Value& asked, int64_t work) {
  return static_cast<int>(std::max<int64_t>(1, std::min<int64_t>(asked.As<Napi::Number>().Int64Value(), work / kMinGradientRowsPerThread)));
}

// binaryGradients(scores, y, w, rows, grad, hess, threads): for r = rows[i], p = sigmoid(scores[r]),
// grad[r] = w[r] (p - y[r]), hess[r] = w[r] max(p (1 - p), 1e-16): binaryLogloss.gradients, with V8's exp.
Napi::Value BinaryGradients(const Napi::CallbackInfo& info) {
  // Named members, not structured bindings: C++17 lambdas cannot capture those.
  const GradientArgs a = ReadGradientArgs(info);
  const int64_t n = a.count;
  const int threads = GradientThreads(info[6], n);
  ThreadPool::Instance().Run(threads, [&](int t) {
    const int64_t from = n * t / threads;
    const int64_t to = n * (t + 1) / threads;
#if defined(__x86_64__)
    if (kHasAvx2) {
      BinaryGradients4(a.scores, a.y, a.w, a.rows, from, to, a.grad, a.hess);
      return;
    }
#endif
    for (int64_t i = from; i < to; i++) BinaryGradient(a.scores[a.rows[i]], a.y[a.rows[i]], a.w[a.rows[i]], a.grad + a.rows[i], a.hess + a.rows[i]);
  });
  return info.Env().Undefined();
}

// multiclassGradients(scores, y, w, rows, grad, hess, n, K, factor, threads): for r = rows[i], p = softmax of
// scores[r K .. r K + K), grad[c n + r] = w[r] (p_c - [y[r] = c]), hess[c n + r] = w[r] max(factor p_c (1 - p_c),
// 1e-16): multiLogloss.gradients, with V8's exp.
Napi::Value MulticlassGradients(const Napi::CallbackInfo& info) {
  const GradientArgs a = ReadGradientArgs(info);
  const int64_t count = a.count;
  const int64_t n = info[6].As<Napi::Number>().Int64Value();
  const int K = info[7].As<Napi::Number>().Int32Value();
  const double factor = info[8].As<Napi::Number>().DoubleValue();
  const int threads = GradientThreads(info[9], count * K);
#if defined(__x86_64__)
  void (*const softmax)(const double*, int, double*) = kHasAvx2 ? SoftmaxRow4 : SoftmaxRow;
#else
  void (*const softmax)(const double*, int, double*) = SoftmaxRow;
#endif
  ThreadPool::Instance().Run(threads, [&](int t) {
    std::vector<double> prob(K);
    const int64_t from = count * t / threads;
    const int64_t to = count * (t + 1) / threads;
    for (int64_t i = from; i < to; i++) {
      const int64_t r = a.rows[i];
      softmax(a.scores + r * K, K, prob.data());
      MulticlassGradient(prob.data(), K, a.y[r], a.w[r], factor, n, r, a.grad, a.hess);
    }
  });
  return info.Env().Undefined();
}

}  // namespace

void RegisterGradientKernels(Napi::Env env, Napi::Object exports) {
  exports.Set("binaryGradients", Napi::Function::New(env, BinaryGradients));
  exports.Set("multiclassGradients", Napi::Function::New(env, MulticlassGradients));
}

}  // namespace tabpilot
