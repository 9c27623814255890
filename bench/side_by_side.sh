#!/usr/bin/env bash
# Side-by-side latency and memory of Tessera and ONNX Runtime (bench/side_by_side.py --help).
#   bench/side_by_side.sh [--rounds R] [--runs N] [--threads 1,2] [--models a,b]
exec /usr/bin/python3 "$(dirname "$0")/side_by_side.py" "$@"
