#!/usr/bin/env bash
# Installs every Debian package Tessera's build and tests need. Idempotent.
set -euo pipefail

PACKAGES=(
  # build
  cmake ninja-build ccache g++ pkg-config zlib1g-dev libzstd-dev
  # LLVM / MLIR 22 and the in-process linker
  llvm-22-dev llvm-22-tools libmlir-22-dev mlir-22-tools lld-22 liblld-22-dev clang-22
  # ONNX import
  libonnx-dev libprotobuf-dev protobuf-compiler
  # tests
  libgtest-dev libgmock-dev libonnx-testdata python3 python3-numpy python3-onnx python3-pytest
  # sanitizer tests and fuzzers (compiler-rt for clang-22)
  libclang-rt-22-dev
  # benchmarks
  bc libbenchmark-dev time
  # Vulkan target: loader and headers, lavapipe (a CPU Vulkan device for tests), validation layers, SPIR-V tools
  libvulkan-dev mesa-vulkan-drivers vulkan-tools vulkan-validationlayers spirv-tools glslang-tools
)
# The ONNX Runtime reference runs under Node.js; the machine image ships Node 20 with npm. Debian's
# packages are the fallback when it is absent.
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  PACKAGES+=(nodejs npm)
fi
# Real-model tests export torchvision models at test time.
TORCH_PACKAGES=(python3-torch python3-torchvision)

missing=()
for p in "${PACKAGES[@]}" "${TORCH_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
install_ort() {
  # ONNX Runtime (CPU build bundled in the npm package) for side-by-side benchmarks and as the oracle
  # for opsets newer than libonnx knows. Its install script would download; the bundle needs none.
  local bench=$(cd "$(dirname "$0")/../bench" && pwd)
  if [ ! -d "$bench/node_modules/onnxruntime-node" ]; then
    (cd "$bench" && ONNXRUNTIME_NODE_INSTALL=skip npm install --no-audit --no-fund --no-package-lock --ignore-scripts)
  fi
}

if [ ${#missing[@]} -eq 0 ]; then
  echo "setup: all packages present"
  install_ort
  exit 0
fi

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
echo "setup: installing ${missing[*]}"
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends "${PACKAGES[@]}" "${TORCH_PACKAGES[@]}"
install_ort
