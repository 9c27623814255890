#!/usr/bin/env bash
# Sets up, builds and runs every test: lit, runtime unit tests, real models, conformance.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${TESSERA_BUILD_DIR:-$root/build}
stage() { printf '\n== %s (%s)\n' "$1" "$(date +%T)"; }
t0=$(date +%s)
stage "setup"; "$root/scripts/setup.sh"
t1=$(date +%s)
stage "build"; "$root/scripts/build.sh"
small_runtime=$build/lib/small/libtessera_runtime.so.0
if [ -f "$small_runtime" ]; then
  printf 'runtime size: %d bytes (stripped, size-optimized)\n' "$(stat -L -c %s "$small_runtime")"
fi
t2=$(date +%s)
stage "tests"
ctest --test-dir "$build" --output-on-failure -j 2 "$@"
t3=$(date +%s)
printf '\nstage times: setup %ds, build %ds, tests %ds\n' $((t1 - t0)) $((t2 - t1)) $((t3 - t2))
