// Helpers shared by the native kernel files (kernels.cc, train.cc, predict.cc).
#pragma once
#include <napi.h>

#include <cmath>
#include <cstdint>
#include <cstring>

namespace tabpilot {

// napi_get_typedarray_info gives the element pointer for views on ArrayBuffers and SharedArrayBuffers alike
// (Napi::TypedArray::ArrayBuffer() fails on a SharedArrayBuffer, which the AutoML pool's shared bins use).
template <typename T>
T* Data(const Napi::Value& v) {
  void* data = nullptr;
  napi_status status = napi_get_typedarray_info(v.Env(), v, nullptr, nullptr, &data, nullptr, nullptr);
  if (status != napi_ok) return nullptr;
  return static_cast<T*>(data);
}

// Histograms of features with at most this many bins are summed in four interleaved partial histograms
// (kernels.cc, train.cc and SMALL_BINS in src/models/tree/histogram.ts must agree: the sums must be identical).
constexpr int kSmallBins = 64;

// Math.exp of V8 (src/base/ieee754.cc: fdlibm's __ieee754_exp, with exp(1) = Math.E), so that native gradients are
// bit-identical to the TypeScript objectives; glibc's exp may differ in the last bit. Argument reduction
// x = k ln2 + r (ln2 split in a high part with trailing zeros and a low part), exp(r) from a degree-5 rational
// approximation, then scaled by 2^k through the exponent bits.
inline double V8Exp(double x) {
  constexpr double kHalf[2] = {0.5, -0.5};
  constexpr double kLn2Hi[1] = {6.93147180369123816490e-01};
  constexpr double kLn2Lo[1] = {1.90821492927058770002e-10};
  constexpr double kInvLn2 = 1.44269504088896338700e+00;
  constexpr double kOverflow = 7.09782712893383973096e+02;
  constexpr double kUnderflow = -7.45133219101941108420e+02;
  constexpr double kP1 = 1.66666666666666019037e-01, kP2 = -2.77777777770155933842e-03, kP3 = 6.61375632143793436117e-05;
  constexpr double kP4 = -1.65339022054652515390e-06, kP5 = 4.13813679705723846039e-08;
  constexpr double kE = 2.718281828459045;
  constexpr double kHuge = 1.0e+300, kTwoM1000 = 9.33263618503218878990e-302, kTwo1023 = 8.988465674311579539e307;
  uint64_t bits;
  std::memcpy(&bits, &x, sizeof bits);
  uint32_t hx = static_cast<uint32_t>(bits >> 32);
  const int xsb = static_cast<int>(hx >> 31);
  hx &= 0x7FFFFFFFu;
  if (hx >= 0x40862E42u) {  // |x| >= 709.78: overflow, underflow, inf or NaN
    if (hx >= 0x7FF00000u) {
      if (((hx & 0xFFFFFu) | static_cast<uint32_t>(bits)) != 0) return x + x;
      return xsb == 0 ? x : 0.0;
    }
    if (x > kOverflow) return kHuge * kHuge;
    if (x < kUnderflow) return kTwoM1000 * kTwoM1000;
  }
  // fdlibm branches three ways on |x| (k = 0 below 0.5 ln2, k = +-1 below 1.5 ln2, else rounded); every path gives
  // the same bits as the general one (k = +-1 is what the rounding yields there, and with k = 0 the final formula
  // reduces to fdlibm's k = 0 one exactly), so one path without data-dependent branches serves all.
  if (hx < 0x3E300000u) return 1.0 + x;  // |x| < 2^-28 (fdlibm: when huge + x > 1, always)
  if (x == 1.0) return kE;
  const int k = hx > 0x3FD62E42u ? static_cast<int>(kInvLn2 * x + kHalf[xsb]) : 0;
  const double kd = k;
  const double hi = x - kd * kLn2Hi[0];
  const double lo = kd * kLn2Lo[0];
  x = hi - lo;
  const double t = x * x;
  const uint64_t scale = k >= -1021 ? static_cast<uint64_t>(0x3FF00000u + (static_cast<uint32_t>(k) << 20)) << 32
                                    : static_cast<uint64_t>(0x3FF00000u + (static_cast<uint32_t>(k + 1000) << 20)) << 32;
  double twopk;
  std::memcpy(&twopk, &scale, sizeof twopk);
  const double c = x - t * (kP1 + t * (kP2 + t * (kP3 + t * (kP4 + t * kP5))));
  const double y = 1.0 - ((lo - (x * c) / (2.0 - c)) - hi);
  if (k >= -1021) {
    if (k == 1024) return y * 2.0 * kTwo1023;
    return y * twopk;
  }
  return y * twopk * kTwoM1000;
}

// sigmoid of src/util/numeric.ts: 1 / (1 + exp(-z)) for z >= 0, else e / (1 + e) with e = exp(z). Both branches
// take exp(-|z|), so one exp call and a select (no mispredicted branch on the sign) give the same bits.
inline double Sigmoid(double z) {
  const double e = V8Exp(-std::fabs(z));
  const double num = z >= 0 ? 1.0 : e;
  return num / (1 + e);
}

// A pool thread beyond the first is worth waking only for at least this many (row, feature) additions: waking one
// and waiting for it costs a few microseconds, about what this much work takes.
constexpr int64_t kMinCellsPerThread = 1 << 14;

// One row-wise histogram job (train.cc): rows[start, end) of a ROW-MAJOR 8-bit bin copy, one gradient channel.
struct RowJob {
  const uint8_t* rowBins;  // numRows x F, row-major
  int64_t F;
  const int32_t* rows;
  int64_t start;
  int64_t end;
  const double* grad;
  const double* hess;
  const int32_t* binOffsets;
  double* hist;  // (grad, hess) per bin, zeroed by the caller
};

// The job of a row-wise histogram call: both kernels take (rowBins, F, rows, start, end, grad, hess) as arguments
// 0-6 and (binOffsets, hist) as 9-10 (buildHistogramRows in train.cc, histogramSplits in split.cc).
inline RowJob RowJobArgs(const Napi::CallbackInfo& info) {
  RowJob job;
  job.rowBins = Data<uint8_t>(info[0]);
  job.F = info[1].As<Napi::Number>().Int64Value();
  job.rows = Data<int32_t>(info[2]);
  job.start = info[3].As<Napi::Number>().Int64Value();
  job.end = info[4].As<Napi::Number>().Int64Value();
  job.grad = Data<double>(info[5]);
  job.hess = Data<double>(info[6]);
  job.binOffsets = Data<int32_t>(info[9]);
  job.hist = Data<double>(info[10]);
  return job;
}

// Accumulates the histograms of features feats[0..count) of the job (train.cc).
void RowBlock(const RowJob& job, const int32_t* feats, int count);

// Registers the training kernels of train.cc on the addon's exports.
void RegisterTrainKernels(Napi::Env env, Napi::Object exports);

// Registers the split-search kernel of split.cc on the addon's exports.
void RegisterSplitKernels(Napi::Env env, Napi::Object exports);

// Registers the gradient kernels of gradients.cc on the addon's exports.
void RegisterGradientKernels(Napi::Env env, Napi::Object exports);

// Registers the prediction kernels of predict.cc on the addon's exports.
void RegisterPredictKernels(Napi::Env env, Napi::Object exports);

}  // namespace tabpilot
