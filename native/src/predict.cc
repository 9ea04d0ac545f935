// Batch prediction of packed tree ensembles (src/models/tree/predict.ts, PackedTrees): the native twin of
// PackedTrees.addBlockTs, reading the feature columns directly (no row-major copy).
//
// Rows are taken in blocks; for each tree in order, the block's row list is partitioned down the tree like the
// training partition (each internal node splits its list into left and right, branch-free), and each leaf adds its
// value to its rows. Every row step is one column load, one compare and two stores with no data-dependent branch,
// a node is loaded once per block instead of once per row, rows stop at their own leaf (no lockstep to the deepest
// row), and the columns are read in row order within a block. Per row, trees add in order, so the sums are
// bit-for-bit those of the row-at-a-time walk.
#include <napi.h>

#include <cstdint>
#include <vector>

#include "common.h"

namespace {

using tabpilot::Data;

// Rows per block: large enough that each node's fixed cost (a call, a few loads) is spread over many rows, small
// enough that the block's slice of every column the trees read stays in L2 (4096 rows x 8 bytes = 32 KB a column; 2048 and 8192 measured slower).
constexpr int64_t kBlockRows = 4096;

struct Packed {
  const double* const* columns;
  const int32_t* feature;
  const double* threshold;
  const int32_t* child;
  const uint8_t* missingRight;
  const uint8_t* categorical;
  const int32_t* catOffset;
  const int32_t* catLength;
  const uint32_t* catWords;
  const double* leafValue;
  int64_t outputDim;
  double* out;
  int64_t dim;
  double scale;
};

// Same rule as the categorical branch of PackedTrees.leafFrom: a category in the node's left set goes left;
// missing, negative and codes past the bitset take the missing direction.
inline int CategoryRight(const Packed& p, int32_t node, double v) {
  if (!(v >= 0)) return p.missingRight[node];
  const int32_t code = static_cast<int32_t>(v);
  const int32_t word = code >> 5;
  if (word >= p.catLength[node]) return p.missingRight[node];
  return 1 - static_cast<int>((p.catWords[p.catOffset[node] + word] >> (code & 31)) & 1u);
}

// Walks rows src[0, count) from `node`: partitions them into dst (left rows from the front, right rows from the
// back), then recurses with the buffers swapped. Leaves add scale * value into out[row * dim + channel ...].
void Walk(const Packed& p, int32_t node, int32_t* __restrict src, int32_t* __restrict dst, int64_t count, int64_t channel) {
  if (count == 0) return;
  if (node < 0) {
    const int64_t od = p.outputDim;
    const double* leaf = p.leafValue + static_cast<int64_t>(~node) * od;
    if (od == 1) {
      const double add = p.scale * leaf[0];
      for (int64_t j = 0; j < count; j++) p.out[static_cast<int64_t>(src[j]) * p.dim + channel] += add;
    } else {
      for (int64_t j = 0; j < count; j++) {
        double* o = p.out + static_cast<int64_t>(src[j]) * p.dim + channel;
        for (int64_t c = 0; c < od; c++) o[c] += p.scale * leaf[c];
      }
    }
    return;
  }
  const double* __restrict col = p.columns[p.feature[node]];
  const int32_t leftChild = p.child[2 * node];
  const int32_t rightChild = p.child[2 * node + 1];
  if (leftChild < 0 && rightChild < 0 && p.outputDim == 1 && p.categorical[node] == 0) {
    // Both children are one-value leaves: each row adds its side's value in the same pass, no partition.
    const double th = p.threshold[node];
    const int mr = p.missingRight[node];
    const double add[2] = {p.scale * p.leafValue[~leftChild], p.scale * p.leafValue[~rightChild]};
    for (int64_t j = 0; j < count; j++) {
      const int32_t r = src[j];
      const double v = col[r];
      const int goRight = static_cast<int>(v > th) | (static_cast<int>(v != v) & mr);
      p.out[static_cast<int64_t>(r) * p.dim + channel] += add[goRight];
    }
    return;
  }
  int64_t left = 0;
  int64_t right = count - 1;
  if (p.categorical[node] == 0) {
    // NaN fails `v > threshold` and takes the missing direction.
    const double th = p.threshold[node];
    const int mr = p.missingRight[node];
    for (int64_t j = 0; j < count; j++) {
      const int32_t r = src[j];
      const double v = col[r];
      const int goRight = static_cast<int>(v > th) | (static_cast<int>(v != v) & mr);
      // Branch-free: write to both ends, advance only the chosen one (the other slot is overwritten later).
      dst[left] = r;
      dst[right] = r;
      left += 1 - goRight;
      right -= goRight;
    }
  } else {
    for (int64_t j = 0; j < count; j++) {
      const int32_t r = src[j];
      const int goRight = CategoryRight(p, node, col[r]);
      dst[left] = r;
      dst[right] = r;
      left += 1 - goRight;
      right -= goRight;
    }
  }
  Walk(p, leftChild, dst, src, left, channel);
  Walk(p, rightChild, dst + left, src + left, count - left, channel);
}

// predictColumns(columns, numRows, out, dim, channels, scale, roots, feature, threshold, child, missingRight,
//                leafValue, outputDim, categorical, catOffset, catLength, catWords)
// columns[f] is feature f's Float64Array (NaN = missing, categorical = code). Same sums as PackedTrees.addBlockTs
// over the row-major matrix of those columns: for each tree t and row i, out[i * dim + channels[t] ...] +=
// scale * the leaf's outputDim values, trees in order.
Napi::Value PredictColumns(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() != 17 || !info[0].IsArray()) {
    Napi::TypeError::New(env, "predictColumns: expected 17 arguments, the first an array of Float64Arrays").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  Napi::Array list = info[0].As<Napi::Array>();
  std::vector<const double*> columns(list.Length());
  for (uint32_t f = 0; f < list.Length(); f++) {
    Napi::Value v = list.Get(f);
    if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_float64_array) {
      Napi::TypeError::New(env, "predictColumns: columns must be Float64Arrays").ThrowAsJavaScriptException();
      return env.Undefined();
    }
    columns[f] = Data<double>(v);
  }
  const int64_t numRows = info[1].As<Napi::Number>().Int64Value();
  const int32_t* channels = Data<int32_t>(info[4]);
  const int64_t numTrees = static_cast<int64_t>(info[6].As<Napi::TypedArray>().ElementLength());
  const int32_t* roots = Data<int32_t>(info[6]);
  Packed p{};
  p.columns = columns.data();
  p.out = Data<double>(info[2]);
  p.dim = info[3].As<Napi::Number>().Int64Value();
  p.scale = info[5].As<Napi::Number>().DoubleValue();
  p.feature = Data<int32_t>(info[7]);
  p.threshold = Data<double>(info[8]);
  p.child = Data<int32_t>(info[9]);
  p.missingRight = Data<uint8_t>(info[10]);
  p.leafValue = Data<double>(info[11]);
  p.outputDim = info[12].As<Napi::Number>().Int64Value();
  p.categorical = Data<uint8_t>(info[13]);
  p.catOffset = Data<int32_t>(info[14]);
  p.catLength = Data<int32_t>(info[15]);
  p.catWords = info[16].As<Napi::TypedArray>().ElementLength() > 0 ? Data<uint32_t>(info[16]) : nullptr;
  // Sized to the call (serving predicts one row at a time).
  const size_t bufferRows = static_cast<size_t>(numRows < kBlockRows ? numRows : kBlockRows);
  std::vector<int32_t> a(bufferRows);
  std::vector<int32_t> b(bufferRows);
  for (int64_t start = 0; start < numRows; start += kBlockRows) {
    const int64_t count = numRows - start < kBlockRows ? numRows - start : kBlockRows;
    for (int64_t t = 0; t < numTrees; t++) {
      // Each tree starts from the rows in order, so column reads run forward through the block.
      for (int64_t j = 0; j < count; j++) a[j] = static_cast<int32_t>(start + j);
      Walk(p, roots[t], a.data(), b.data(), count, channels[t]);
    }
  }
  return env.Undefined();
}

}  // namespace

namespace tabpilot {

void RegisterPredictKernels(Napi::Env env, Napi::Object exports) {
  exports.Set("predictColumns", Napi::Function::New(env, PredictColumns));
}

}  // namespace tabpilot
