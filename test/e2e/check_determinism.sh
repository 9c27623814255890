#!/usr/bin/env bash
# Compiles one model twice and requires byte-identical artifacts.
set -euo pipefail
bindir=$1 model=$2 workdir=$3
mkdir -p "$workdir"
"$bindir/tessera-compile" "$model" -o "$workdir/a.tsr"
"$bindir/tessera-compile" "$model" -o "$workdir/b.tsr"
if cmp "$workdir/a.tsr" "$workdir/b.tsr"; then
  echo "artifacts are identical ($(stat -c %s "$workdir/a.tsr") bytes)"
else
  echo "artifacts differ"; exit 1
fi
