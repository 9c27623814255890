#!/usr/bin/env bash
# GFLOP/s of compiled MatMuls (constant weights) and a 3x3 convolution against the FP32 peak measured on
# this CPU, one thread. Builds the models, compiles them with tessera-compile, runs tessera-gemm-bench.
#   bench/gemm_bench.sh [benchmark flags, e.g. --benchmark_repetitions=5]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${TESSERA_BUILD_DIR:-$root/build}
dir=$(mktemp -d /tmp/tessera-gemm-bench.XXXXXX)
trap 'rm -rf "$dir"' EXIT
/usr/bin/python3 - "$dir" <<'PY'
import os, sys
import numpy as np
from onnx import TensorProto, helper, numpy_helper, save
out = sys.argv[1]
rng = np.random.default_rng(0)
def model(nodes, x, y, inits):
    g = helper.make_graph(nodes, "g", [x], [y], inits)
    return helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)])
for m, k, n in [(256, 256, 256), (1024, 1024, 1024), (1, 4096, 4096)]:
    w = numpy_helper.from_array(rng.standard_normal((k, n)).astype(np.float32), "w")
    save(model([helper.make_node("MatMul", ["x", "w"], ["y"])],
               helper.make_tensor_value_info("x", TensorProto.FLOAT, [m, k]),
               helper.make_tensor_value_info("y", TensorProto.FLOAT, [m, n]), [w]),
         os.path.join(out, f"mm_{m}_{k}_{n}.onnx"))
c, f, h, k, s = 64, 64, 56, 3, 1
w = numpy_helper.from_array(rng.standard_normal((f, c, k, k)).astype(np.float32), "w")
save(model([helper.make_node("Conv", ["x", "w"], ["y"], pads=[1, 1, 1, 1])],
           helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, c, h, h]),
           helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, f, h, h]), [w]),
     os.path.join(out, f"conv_{c}_{f}_{h}_{k}_{s}.onnx"))
PY
for m in "$dir"/*.onnx; do "$build/bin/tessera-compile" "$m" -o "${m%.onnx}.tsr"; done
lscpu | grep -m1 "Model name" || true
"$build/bin/tessera-gemm-bench" "$dir" "$@"
