#!/usr/bin/env bash
# Exports a torchvision model (cached in the build tree), compiles it, runs it and compares with torch.
#   run_torch_model.sh MODEL BINDIR WORKDIR [COMPILE_FLAG ...]
set -euo pipefail
model=$1 bindir=$2 workdir=$3
shift 3
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$workdir"
if [ ! -f "$workdir/$model.onnx" ]; then
  /usr/bin/python3 "$here/export_torch_model.py" "$model" "$workdir"
fi
"$bindir/tessera-compile" "$workdir/$model.onnx" --target=cpu "$@" -o "$workdir/$model.tsr"
"$bindir/tessera-run" "$workdir/$model.tsr" --input "$workdir/$model.input.npy" --output-dir "$workdir/$model.out"
/usr/bin/python3 "$here/compare_outputs.py" "$workdir/$model.out/logits.npy" "$workdir/$model.torch.npy"
