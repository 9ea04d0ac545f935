// Boosting kernels on the calling thread's critical path: the split search fused with the node's histogram
// (build the smaller child's histogram, derive the larger sibling's by subtraction, scan both, feature block by
// feature block on the pool threads). Twins: TreeBuilder.buildHistogram + the subtraction loop +
// SplitFinder.findNumericGradient (src/models/tree); every sum and comparison runs in the same order, so models
// are bit-identical. The gradient kernels are in gradients.cc.
#include <napi.h>

#include <algorithm>
#include <cstdint>
#include <limits>

#include "common.h"
#include "pool.h"

namespace tabpilot {
namespace {

// Doubles per scanned (child, feature) in the output: gain (-inf = no split), bin threshold, default left,
// left gradient sum, left hessian sum.
constexpr int kOut = 5;
// Scan inputs per child: scan it (0/1), G, H, min child hessian, parent score.
constexpr int kChildIn = 5;

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

}  // namespace

void RegisterSplitKernels(Napi::Env env, Napi::Object exports) {
  exports.Set("histogramSplits", Napi::Function::New(env, HistogramSplits));
}

}  // namespace tabpilot
