#!/usr/bin/env bash
# Compiles a torchvision model for Vulkan (kernels the device cannot run stay on the CPU), runs it on the
# Vulkan device (lavapipe in CI) and compares with the CPU artifact's output and with torch:
# max |vulkan - cpu| <= 1e-3 * max |cpu|. Prints where the kernels were placed.
#   run_vulkan_model.sh MODEL BINDIR WORKDIR [COMPILE_FLAG ...]
set -euo pipefail
model=$1 bindir=$2 workdir=$3
shift 3
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$workdir"
if [ ! -f "$workdir/$model.cases" ]; then
  /usr/bin/python3 "$here/export_torch_model.py" "$model" "$workdir"
fi
"$bindir/tessera-compile" "$workdir/$model.onnx" --target=cpu -o "$workdir/$model.cpu-reference.tsr"
"$bindir/tessera-run" "$workdir/$model.cpu-reference.tsr" --input "$workdir/$model.input.npy" \
  --output-dir "$workdir/$model.cpu-reference.out"
"$bindir/tessera-compile" "$workdir/$model.onnx" --target=vulkan "$@" --report-placement \
  -o "$workdir/$model.vulkan.tsr" > "$workdir/$model.vulkan.placement"
echo "$model: $(grep -c ': vulkan (' "$workdir/$model.vulkan.placement" || true) of" \
  "$(wc -l < "$workdir/$model.vulkan.placement") kernels on the device"
"$bindir/tessera-run" "$workdir/$model.vulkan.tsr" --input "$workdir/$model.input.npy" \
  --output-dir "$workdir/$model.vulkan.out"
echo -n "vulkan vs cpu: "
/usr/bin/python3 "$here/compare_outputs.py" "$workdir/$model.vulkan.out/logits.npy" \
  "$workdir/$model.cpu-reference.out/logits.npy"
echo -n "vulkan vs torch: "
/usr/bin/python3 "$here/compare_outputs.py" "$workdir/$model.vulkan.out/logits.npy" "$workdir/$model.torch.npy"
