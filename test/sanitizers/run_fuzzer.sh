#!/bin/sh
# Replays a fuzzer's regression inputs, then fuzzes it for SECONDS from seeds made by make_sample.
#   run_fuzzer.sh FUZZER MAKE_SAMPLE REGRESSIONS_DIR WORK_DIR SECONDS
set -eu
fuzzer=$1 make_sample=$2 regressions=$3 work=$4 seconds=$5
rm -rf "$work"
mkdir -p "$work/seeds" "$work/corpus" "$work/artifacts"
"$make_sample" "$work/seeds"
if [ -d "$regressions" ] && [ -n "$(ls -A "$regressions")" ]; then
  echo "replaying $(ls "$regressions" | wc -l) regression inputs"
  "$fuzzer" "$regressions"/*
fi
"$fuzzer" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
  -artifact_prefix="$work/artifacts/" "$work/corpus" "$work/seeds"
