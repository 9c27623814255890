#!/usr/bin/env bash
# Sets up, builds, compiles the bundled example model and runs it, printing its outputs.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${TESSERA_BUILD_DIR:-$root/build}
"$root/scripts/setup.sh"
"$root/scripts/build.sh" tessera-compile tessera-run
out=$build/demo
mkdir -p "$out"
"$build/bin/tessera-compile" "$root/examples/tiny_cnn.onnx" --target=cpu -o "$out/tiny_cnn.tsr"
"$build/bin/tessera-run" "$out/tiny_cnn.tsr" --input "$root/examples/image.npy" --output-dir "$out" --print
