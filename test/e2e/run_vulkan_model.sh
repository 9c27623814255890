#!/usr/bin/env bash
# Compiles a torchvision model for Vulkan (kernels the device cannot run stay on the CPU), runs it on the
# Vulkan device (lavapipe in CI) and compares with the CPU artifact's output and with torch:
# max |vulkan - cpu| <= 1e-3 * max |cpu|, for every case the export wrote (one per input size for models
# with dynamic dims, all run by the one artifact). Prints where the kernels were placed.
#   run_vulkan_model.sh MODEL BINDIR WORKDIR [COMPILE_FLAG ...]
set -euo pipefail
model=$1 bindir=$2 workdir=$3
shift 3
here=$(cd "$(dirname "$0")" && pwd)
# Artifacts of a profile other than the default one are kept apart (MODEL.vulkan-PROFILE.*).
tag=vulkan
for flag in "$@"; do
  case $flag in --vulkan-profiles=*) [ "${flag#*=}" = extended ] || tag="vulkan-${flag#*=}" ;; esac
done
mkdir -p "$workdir"
if [ ! -f "$workdir/$model.cases" ]; then
  /usr/bin/python3 "$here/export_torch_model.py" "$model" "$workdir"
fi
"$bindir/tessera-compile" "$workdir/$model.onnx" --target=cpu -o "$workdir/$model.cpu-reference.tsr"
"$bindir/tessera-compile" "$workdir/$model.onnx" --target=vulkan "$@" --report-placement \
  -o "$workdir/$model.$tag.tsr" > "$workdir/$model.$tag.placement"
echo "$model: $(grep -c ': vulkan (' "$workdir/$model.$tag.placement" || true) of" \
  "$(wc -l < "$workdir/$model.$tag.placement") kernels on the device"
while read -r name reference specs; do
  inputs=()
  for spec in $specs; do inputs+=(--input "$spec"); done
  cpu="$workdir/$model.cpu-reference.out/$name" vulkan="$workdir/$model.$tag.out/$name"
  "$bindir/tessera-run" "$workdir/$model.cpu-reference.tsr" "${inputs[@]}" --output-dir "$cpu"
  "$bindir/tessera-run" "$workdir/$model.$tag.tsr" "${inputs[@]}" --output-dir "$vulkan"
  echo -n "$model $name, $tag vs cpu: "
  /usr/bin/python3 "$here/compare_outputs.py" "$vulkan/logits.npy" "$cpu/logits.npy"
  echo -n "$model $name, $tag vs torch: "
  /usr/bin/python3 "$here/compare_outputs.py" "$vulkan/logits.npy" "$reference"
done < "$workdir/$model.cases"
