#!/bin/sh
# tessera-run end to end on the sample artifact: outputs, compare, bench JSON, info, and exit codes.
# usage: tessera_run_test.sh TESSERA_RUN MAKE_SAMPLE WORKDIR
set -u
RUN=$1 MAKE=$2 DIR=$3
rm -rf "$DIR" && mkdir -p "$DIR" && "$MAKE" "$DIR" || exit 1
failures=0
# expect CODE PATTERN ARGS...: exit code must be CODE and stdout+stderr must match grep PATTERN.
expect() {
  want=$1 pattern=$2
  shift 2
  out=$($RUN "$@" 2>&1)
  got=$?
  if [ "$got" != "$want" ] || ! printf '%s\n' "$out" | grep -q -- "$pattern"; then
    echo "FAIL: tessera-run $* -> exit $got (want $want), output:"; printf '%s\n' "$out"
    failures=$((failures + 1))
  fi
}
S="$DIR/sample.tsr"
expect 0 "output 'z': ok: 0 of 8" "$S" --input "$DIR/a.npy" --input "$DIR/b.npy" --expected "$DIR/y.npy" --expected "z=$DIR/z.npy"
expect 0 "output 'y': ok" "$S" --input "b=$DIR/b.npy" --input "a=$DIR/a.npy" --output-dir "$DIR/out" --expected "y=$DIR/y.npy"
expect 0 "output 'z': ok" "$S" --input "$DIR/a.npy" --input "$DIR/b.npy" --expected "z=$DIR/out/z.npy"
expect 1 "output 'z': mismatch: 1 of 8 elements differ" "$S" --input "$DIR/a.npy" --input "$DIR/b.npy" --expected "z=$DIR/z_wrong.npy"
expect 0 '^{"median_ms": [0-9.]*, "min_ms": [0-9.]*, "max_ms": [0-9.]*, "runs": 5, "threads": 4}$' "$S" --input "$DIR/a.npy" --input "$DIR/b.npy" --bench 5 --threads 4
expect 0 '^{"median_ms": [0-9.]*, "min_ms": [0-9.]*, "max_ms": [0-9.]*, "runs": 2, "threads": 1}$' "$S" --input "$DIR/a.npy" --input "$DIR/b.npy" --bench 2 --threads 1
expect 0 "3 copy b4+0 -> b5+0" "$S" --info
expect 0 "usage: tessera-run ARTIFACT" --help
expect 0 "output 'y': ok: 0 of 12" "$DIR/batch.tsr" --input "$DIR/x3.npy" --expected "$DIR/y3.npy"
expect 0 "0 shape: B = mul(N, 16)" "$DIR/batch.tsr" --info
expect 2 "^tessera-run: error: .*section 1 (SCHEDULE) hash mismatch" "$DIR/corrupt.tsr" --info
expect 2 "^tessera-run: error: input 'a': expected shape \[2,4\] but got \[8\]" "$S" --input "$DIR/a_flat.npy" --input "$DIR/b.npy"
expect 2 "^tessera-run: error: missing input 'b'" "$S" --input "$DIR/a.npy"
expect 2 "^tessera-run: error: cannot open '$DIR/nope.npy'" "$S" --input "$DIR/nope.npy" --input "$DIR/b.npy"
expect 2 "^tessera-run: error: cannot open '$DIR/none.tsr'" "$DIR/none.tsr"
# FIFOs and devices are refused at once (a FIFO would block forever, /dev/zero would be read until memory
# runs out); `timeout` turns a hang into a failure.
mkfifo "$DIR/fifo.npy" "$DIR/fifo.tsr" && ln -s /dev/zero "$DIR/zero.npy"
RUN_REAL=$RUN RUN="timeout 20 $RUN_REAL"
expect 2 "^tessera-run: error: '$DIR/fifo.npy' is not a regular file" "$S" --input "$DIR/fifo.npy" --input "$DIR/b.npy"
expect 2 "^tessera-run: error: '$DIR/zero.npy' is not a regular file" "$S" --input "$DIR/zero.npy" --input "$DIR/b.npy"
expect 2 "^tessera-run: error: .*'$DIR/fifo.tsr' is not a regular file" "$DIR/fifo.tsr" --info
RUN=$RUN_REAL
expect 2 "^tessera-run: error: unknown option '--frobnicate'" "$S" --frobnicate
expect 2 "^tessera-run: error: --bench needs an integer" "$S" --bench zero
expect 2 "^tessera-run: error: too many input files" "$S" --input "$DIR/a.npy" --input "$DIR/b.npy" --input "$DIR/a.npy"
# A bench run prints only the JSON line on stdout.
lines=$("$RUN" "$S" --input "$DIR/a.npy" --input "$DIR/b.npy" --bench 3 --expected "y=$DIR/y.npy" 2>/dev/null | wc -l)
[ "$lines" = 1 ] || { echo "FAIL: --bench printed $lines stdout lines"; failures=$((failures + 1)); }
[ -f "$DIR/out/y.npy" ] || { echo "FAIL: $DIR/out/y.npy missing"; failures=$((failures + 1)); }
echo "$failures failure(s)"
[ "$failures" = 0 ]
