#!/usr/bin/env bash
# Side-by-side latency of Tessera and ONNX Runtime (CPU) on the same models, inputs and thread counts,
# in one run. Models are the ones the e2e tests export into build/models (run ctest -L e2e first).
#   bench/side_by_side.sh [RUNS]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${TESSERA_BUILD_DIR:-$root/build}
runs=${1:-20}
field() { /usr/bin/python3 -c "import json,sys; print('%.2f' % json.loads(sys.stdin.read().strip().splitlines()[-1])['$1'])"; }
printf '| model | threads | Tessera median ms | ONNX Runtime median ms | Tessera / ORT |\n|---|---|---|---|---|\n'
for model in mobilenet_v2 resnet18 gpt; do
  onnx=$build/models/$model.onnx input=$build/models/$model.input.npy
  [ -f "$onnx" ] || { echo "missing $onnx (run ctest -L e2e)" >&2; continue; }
  [ -f "$build/models/$model.tsr" ] || "$build/bin/tessera-compile" "$onnx" -o "$build/models/$model.tsr"
  for threads in 1 2; do
    t=$("$build/bin/tessera-run" "$build/models/$model.tsr" --input "$input" --bench "$runs" --threads "$threads" 2>/dev/null | field median_ms)
    o=$(node "$root/bench/ort_run.js" "$onnx" --input "$input" --bench "$runs" --threads "$threads" | field median_ms)
    printf '| %s | %s | %s | %s | %.1fx |\n' "$model" "$threads" "$t" "$o" "$(echo "$t / $o" | bc -l)"
  done
done
