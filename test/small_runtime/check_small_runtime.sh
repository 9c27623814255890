#!/bin/sh
# The size-optimized runtime: prints its size (and fails above the ceiling), runs the C example on tiny_cnn
# with it and compares the top classes with tessera-run --print, and checks that it answers like the regular
# runtime on broken artifacts, with only tsr_model_info_string's text left out.
# Usage: check_small_runtime.sh LIB MAX_BYTES TESSERA_COMPILE TESSERA_RUN EXAMPLE_SMALL PROBE_SMALL PROBE_REGULAR
#                               SOURCE_DIR WORK_DIR
set -eu
lib=$1 max=$2 compile=$3 run=$4 example=$5 probe_small=$6 probe_regular=$7 src=$8 work=$9
rm -rf "$work" && mkdir -p "$work"

size=$(stat -L -c %s "$lib")
echo "runtime size: $size bytes (stripped, size-optimized)"
if [ "$size" -gt "$max" ]; then
  echo "error: $lib is $size bytes, more than the $max allowed (runtime/small/CMakeLists.txt)"
  exit 1
fi
if readelf -S "$lib" | grep -q "\.symtab"; then
  echo "error: $lib has a symbol table (not stripped)"
  exit 1
fi

# The example and probe must load the small library, not another one on the loader's path.
for exe in "$example" "$probe_small"; do
  ldd "$exe" | grep -q "$(dirname "$lib")/libtessera_runtime.so" || { echo "error: $exe does not use $lib"; ldd "$exe"; exit 1; }
done

"$compile" "$src/examples/tiny_cnn.onnx" --target=cpu -o "$work/tiny_cnn.tsr"
"$run" "$work/tiny_cnn.tsr" --input "$src/examples/image.npy" --print > "$work/expected.txt"
"$example" "$work/tiny_cnn.tsr" "$src/examples/image.npy" > "$work/got.txt"
# tessera-run prints all 10 values (a top5 line only for more); rank them as the example does: largest
# first, ties by lower index.
awk 'NR == 1 { print; next }
     /^  values:/ { n = split($0, v, " ")
                    line = "  top5:"
                    for (k = 1; k <= 5 && k < n; ++k) {
                      best = 0
                      for (j = 2; j <= n; ++j) if (!used[j] && (!best || v[j] + 0 > v[best] + 0)) best = j
                      used[best] = 1; line = line " " (best - 2) "=" v[best]
                    }
                    print line }' "$work/expected.txt" > "$work/expected-top5.txt"
diff -u "$work/expected-top5.txt" "$work/got.txt"
echo "tiny_cnn with the small runtime: $(tail -1 "$work/got.txt")"

"$probe_regular" "$work/tiny_cnn.tsr" > "$work/regular.txt"
"$probe_small" "$work/tiny_cnn.tsr" > "$work/small.txt"
grep -qx 'info: model info is not available in this build (size-optimized runtime)' "$work/small.txt"
grep -q '^info: artifact: format ' "$work/regular.txt"
grep -v '^info: ' "$work/regular.txt" > "$work/regular.rest"
grep -v '^info: ' "$work/small.txt" > "$work/small.rest"
diff -u "$work/regular.rest" "$work/small.rest"
test "$(wc -l < "$work/small.rest")" -eq 6
echo "broken artifacts: the same statuses as the regular runtime"
