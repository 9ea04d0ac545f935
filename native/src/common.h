// Helpers shared by the native kernel files (kernels.cc, train.cc, predict.cc).
#pragma once
#include <napi.h>

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

// Registers the training kernels of train.cc on the addon's exports.
void RegisterTrainKernels(Napi::Env env, Napi::Object exports);

// Registers the prediction kernels of predict.cc on the addon's exports.
void RegisterPredictKernels(Napi::Env env, Napi::Object exports);

}  // namespace tabpilot
