#!/usr/bin/env python3
"""Imported graphs survive printing and parsing unchanged.

tgraph ops are printed without result types and a parse infers them, so a graph whose types are not
exactly the inferred ones, or an op whose inference cannot run on parsed attributes (defaults left out,
enum keywords), would come back different or not at all. For every ONNX node test in the list and every
model given, this prints the imported graph (`tessera-compile --emit=graph`), parses and prints it again
with `tessera-opt`, and fails on any difference or error.

    graph_round_trip.py --bindir build/bin --node-tests test/conformance/passing-cpu.txt [MODEL.onnx ...]
"""
import argparse
import concurrent.futures
import os
import re
import subprocess
import sys
import tempfile

DEFAULT_DATA = "/usr/share/libonnx-testdata/data/node"


def round_trip(bindir, model, base):
    """None when `model`'s graph prints, parses and prints again identically, else why not (files at `base`)."""
    first, second = base + ".graph.mlir", base + ".again.mlir"
    steps = [
        [os.path.join(bindir, "tessera-compile"), model, "--emit=graph", "--quiet", "-o", first],
        [os.path.join(bindir, "tessera-opt"), first, "-o", second],
    ]
    for cmd in steps:
        try:
            r = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
        except subprocess.TimeoutExpired:
            return f"{os.path.basename(cmd[0])} timed out"
        if r.returncode != 0:
            return f"{os.path.basename(cmd[0])} failed: {r.stderr.strip()[:2000]}"
    texts = []
    for path in (first, second):
        with open(path) as f:
            # An empty resource section (weights are not printed) is not part of the graph.
            texts.append(re.sub(r"\n\{-#\s*#-\}\s*$", "\n", f.read()).splitlines())
    for n, (x, y) in enumerate(zip(*texts), start=1):
        if x != y:
            return f"line {n} differs after the round trip:\n  printed: {x}\n  parsed:  {y}"
    if len(texts[0]) != len(texts[1]):
        return f"the round trip changed the graph from {len(texts[0])} to {len(texts[1])} lines"
    return None


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--bindir", required=True)
    ap.add_argument("--node-tests", help="a file with one ONNX node test name per line")
    ap.add_argument("--data", default=DEFAULT_DATA, help="the ONNX node tests' directory")
    ap.add_argument("models", nargs="*", help="more .onnx files")
    args = ap.parse_args()

    models = list(args.models)
    if args.node_tests:
        with open(args.node_tests) as f:
            models += [os.path.join(args.data, t.strip(), "model.onnx") for t in f if t.strip()]
    if not models:
        ap.error("no models: give --node-tests or .onnx files")
    with tempfile.TemporaryDirectory() as workdir, concurrent.futures.ThreadPoolExecutor(os.cpu_count()) as pool:
        results = list(pool.map(lambda im: (im[1], round_trip(args.bindir, im[1], os.path.join(workdir, str(im[0])))),
                                enumerate(models)))
    failed = [(m, why) for m, why in results if why]
    for m, why in failed:
        print(f"FAIL {m}: {why}")
    print(f"graph round trip: {len(models) - len(failed)} of {len(models)} graphs unchanged")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
