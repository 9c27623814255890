#!/bin/sh
# Seeds for the ONNX importer fuzzer: the models the tools tests build (valid ones, and ones that break a
# rule), without their tensor files and the links, FIFOs and folders of the external-data cases (a FIFO
# among the seeds would block the fuzzer).
#   make_onnx_seeds.sh PYTHON INPUTS_DIR SEEDS_DIR
set -eu
python=$1 inputs=$2 seeds=$3
"$python" "$inputs/make_models.py" "$seeds" > /dev/null
"$python" "$inputs/make_invalid_models.py" "$seeds" > /dev/null
find "$seeds" -mindepth 1 ! \( -type f -name '*.onnx' \) -prune -exec rm -rf {} +
