#!/bin/sh
# Replays a fuzzer's regression inputs, then fuzzes it for SECONDS from the seeds SEED_COMMAND writes into
# the directory it is given as its last argument.
#   run_fuzzer.sh FUZZER REGRESSIONS_DIR WORK_DIR SECONDS SEED_COMMAND...
set -eu
fuzzer=$1 regressions=$2 work=$3 seconds=$4
shift 4
rm -rf "$work"
mkdir -p "$work/seeds" "$work/corpus" "$work/artifacts"
"$@" "$work/seeds"
if [ -d "$regressions" ] && [ -n "$(ls -A "$regressions")" ]; then
  echo "replaying $(ls "$regressions" | wc -l) regression inputs"
  "$fuzzer" "$regressions"/*
fi
# FUZZ_OPTIONS adds libFuzzer flags (long campaigns: -detect_leaks=0, then the corpus replayed with leaks on).
"$fuzzer" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 ${FUZZ_OPTIONS:-} \
  -artifact_prefix="$work/artifacts/" "$work/corpus" "$work/seeds"
