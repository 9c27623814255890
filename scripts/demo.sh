#!/usr/bin/env bash
# Sets up, builds, compiles the bundled example model for the CPU and for Vulkan (lavapipe, Mesa's CPU
# Vulkan device, when there is no GPU) and runs both, printing their outputs.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${TESSERA_BUILD_DIR:-$root/build}
"$root/scripts/setup.sh"
"$root/scripts/build.sh" tessera-compile tessera-run
out=$build/demo
mkdir -p "$out/cpu" "$out/vulkan"
echo "== CPU"
"$build/bin/tessera-compile" "$root/examples/tiny_cnn.onnx" --target=cpu -o "$out/tiny_cnn.cpu.tsr"
"$build/bin/tessera-run" "$out/tiny_cnn.cpu.tsr" --input "$root/examples/image.npy" --output-dir "$out/cpu" --print
echo "== Vulkan (where each kernel runs, then the outputs)"
"$build/bin/tessera-compile" "$root/examples/tiny_cnn.onnx" --target=vulkan --report-placement \
  -o "$out/tiny_cnn.vulkan.tsr"
"$build/bin/tessera-run" "$out/tiny_cnn.vulkan.tsr" --input "$root/examples/image.npy" --output-dir "$out/vulkan" \
  --print --expected "$out/cpu/probs.npy"
