#!/usr/bin/env bash
# Exports a model (cached in the build tree), compiles it once, checks that its imported graph prints and
# parses back unchanged, runs every case the export wrote (one per input size for models with dynamic dims)
# and compares each output with torch's.
#   run_torch_model.sh MODEL BINDIR WORKDIR [COMPILE_FLAG ...]
set -euo pipefail
model=$1 bindir=$2 workdir=$3
shift 3
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$workdir"
if [ ! -f "$workdir/$model.cases" ]; then
  /usr/bin/python3 "$here/export_torch_model.py" "$model" "$workdir"
fi
"$bindir/tessera-compile" "$workdir/$model.onnx" --target=cpu "$@" -o "$workdir/$model.tsr"
/usr/bin/python3 "$here/../tools/graph_round_trip.py" --bindir "$bindir" "$workdir/$model.onnx"
while read -r name reference specs; do
  inputs=()
  for spec in $specs; do inputs+=(--input "$spec"); done
  out="$workdir/$model.out/$name"
  "$bindir/tessera-run" "$workdir/$model.tsr" "${inputs[@]}" --output-dir "$out"
  echo -n "$model $name: "
  /usr/bin/python3 "$here/compare_outputs.py" "$out/logits.npy" "$reference"
done < "$workdir/$model.cases"
