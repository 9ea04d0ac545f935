{
  "targets": [
    {
      "target_name": "tabpilot_native",
      "sources": ["src/kernels.cc", "src/train.cc", "src/predict.cc", "src/split.cc", "src/gradients.cc"],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "NAPI_DISABLE_CPP_EXCEPTIONS"],
      "cflags_cc": ["-O3", "-std=c++17", "-pthread"],
      "ldflags": ["-pthread"],
      "cflags_cc!": ["-fno-exceptions"]
    }
  ]
}
