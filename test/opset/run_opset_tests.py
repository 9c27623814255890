#!/usr/bin/env python3
"""Runs the opset 18-22 models of make_models.py through ONNX Runtime (the oracle: libonnx 1.12 has no
reference for these opsets) and through tessera-compile + tessera-run, and compares the outputs
(|got - expected| <= atol + rtol * |expected| with rtol 1e-3, atol 1e-4 for float32 outputs and
rtol 1e-9, atol 1e-12 for float64 ones; integers and bools exact). A model for which ONNX Runtime
writes no output, or not every declared output, fails: there is nothing to compare with.

    run_opset_tests.py --bindir BUILD/bin --bench-dir BENCH [--expect-pass passing.txt] [--workdir DIR]

Prints one line per model and "N passed, M failed"; exits non-zero if a model listed in the
--expect-pass file does not pass, a model passes that the file does not list (the file is exactly the
passing set), or tessera-compile or tessera-run crashes or times out on any model.
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile

import numpy as np
import onnx

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import make_models  # noqa: E402

ATOL, RTOL = 1e-4, 1e-3
ATOL64, RTOL64 = 1e-12, 1e-9  # float64 outputs must not pass on float32 slack


class Crash(Exception):
    """A tool was killed by a signal or ran out of time: fails the run whether or not the model is listed."""


def run(cmd, timeout, crash_is_fatal=False):
    try:
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout)
    except subprocess.TimeoutExpired:
        if crash_is_fatal:
            raise Crash("%s timed out after %ds" % (os.path.basename(cmd[0]), timeout))
        return -1, "timed out after %ds" % timeout
    except OSError as e:  # the tool could not be started at all
        return -1, "cannot start %s: %s" % (cmd[0], e)
    if p.returncode < 0 and crash_is_fatal:
        raise Crash("%s killed by signal %d" % (os.path.basename(cmd[0]), -p.returncode))
    return p.returncode, (p.stderr + p.stdout).decode("utf-8", "replace")


def first_error(text):
    for line in text.splitlines():
        if "error" in line.lower():
            return line.strip()[:300]
    lines = text.strip().splitlines()
    return lines[0][:300] if lines else "no message"


def compare(name, got, want):
    if got.shape != want.shape:
        return "%s: shape %s, expected %s" % (name, got.shape, want.shape)
    if want.dtype.kind in "fc":
        atol, rtol = (ATOL64, RTOL64) if want.dtype == np.float64 else (ATOL, RTOL)
        got, want = got.astype(np.float64), want.astype(np.float64)
        nan = np.isnan(want)
        if (np.isnan(got) != nan).any():
            return "%s: NaN positions differ" % name
        err = np.abs(got - want)[~nan]
        bound = (atol + rtol * np.abs(want))[~nan]
        if (err > bound).any():
            return "%s: max abs error %.3g" % (name, err.max())
        return None
    if got.dtype.kind == "b" or want.dtype.kind == "b":
        got, want = got.astype(bool), want.astype(bool)
    if got.dtype != want.dtype and got.dtype.kind != "b":
        return "%s: dtype %s, expected %s" % (name, got.dtype, want.dtype)
    if not np.array_equal(got, want):
        return "%s: %d of %d values differ" % (name, int((got != want).sum()), want.size)
    return None


def out_file(name):
    """The .npy file ort_run.js writes for output `name`."""
    return re.sub(r"[^A-Za-z0-9_.-]", "_", name) + ".npy"


def run_model(name, model_dir, work, bindir, bench_dir, timeout):
    model = os.path.join(model_dir, "model.onnx")
    inputs = sorted(f for f in os.listdir(model_dir) if f.startswith("input_") and f.endswith(".npy"))
    input_args = []
    for f in inputs:
        input_name = f.split("_", 2)[2][:-len(".npy")]
        input_args += ["--input", "%s=%s" % (input_name, os.path.join(model_dir, f))]
    expected_dir, got_dir = os.path.join(work, "expected"), os.path.join(work, "got")
    os.makedirs(expected_dir, exist_ok=True)
    os.makedirs(got_dir, exist_ok=True)
    rc, out = run(["node", os.path.join(bench_dir, "ort_run.js"), model] + input_args +
                  ["--output-dir", expected_dir], timeout)
    if rc != 0:
        return "ORACLE-ERROR", "onnxruntime: " + first_error(out)
    declared = [o.name for o in onnx.load(model, load_external_data=False).graph.output]
    written = [n for n in declared if os.path.exists(os.path.join(expected_dir, out_file(n)))]
    if not declared or written != declared:
        return "ORACLE-ERROR", "onnxruntime wrote %d of the %d declared outputs" % (len(written), len(declared))
    artifact = os.path.join(work, "model.tsr")
    rc, out = run([os.path.join(bindir, "tessera-compile"), model, "--target=cpu", "-o", artifact], timeout, True)
    if rc != 0:
        return "FAIL", "tessera-compile: " + first_error(out)
    rc, out = run([os.path.join(bindir, "tessera-run"), artifact] + input_args +
                  ["--output-dir", got_dir], timeout, True)
    if rc != 0:
        return "FAIL", "tessera-run: " + first_error(out)
    for f in sorted(os.listdir(expected_dir)):
        got_file = os.path.join(got_dir, f)
        if not os.path.exists(got_file):
            return "FAIL", "output %s was not written" % f
        problem = compare(f[:-len(".npy")], np.load(got_file), np.load(os.path.join(expected_dir, f)))
        if problem:
            return "FAIL", problem
    return "PASS", ""


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bindir", required=True, help="directory with tessera-compile and tessera-run")
    ap.add_argument("--bench-dir", required=True, help="directory with ort_run.js and node_modules")
    ap.add_argument("--expect-pass", default=os.path.join(HERE, "passing.txt"),
                    help="models that must pass (default: passing.txt next to this script)")
    ap.add_argument("--workdir", help="keep models and outputs here (default: a temporary folder)")
    ap.add_argument("--filter", default="", help="only models whose name contains this")
    ap.add_argument("--timeout", type=int, default=300)
    args = ap.parse_args()

    with tempfile.TemporaryDirectory(prefix="tessera-opset-") as tmp:
        work = os.path.abspath(args.workdir or tmp)
        models_dir = os.path.join(work, "models")
        names = make_models.write(models_dir)
        if len(set(names)) != len(names):
            sys.exit("duplicate model names in make_models.py")
        expected = set()
        if args.expect_pass and os.path.exists(args.expect_pass):
            with open(args.expect_pass) as f:
                expected = {l.strip() for l in f if l.strip() and not l.startswith("#")}
        unknown = expected - set(names)
        passed, failed, regressions, newly, crashes = 0, 0, [], [], []
        for name in names:
            if args.filter not in name:
                continue
            try:
                status, reason = run_model(name, os.path.join(models_dir, name), os.path.join(work, "runs", name),
                                           os.path.abspath(args.bindir), os.path.abspath(args.bench_dir),
                                           args.timeout)
            except Crash as e:
                status, reason = "CRASH", str(e)
                crashes.append(name)
            if status == "PASS":
                passed += 1
                if name not in expected:
                    newly.append(name)
                print("PASS %s" % name, flush=True)
                continue
            failed += 1
            tag = status
            if name in expected:
                regressions.append(name)
                tag = "REGRESSION " + status
            print("%s %s: %s" % (tag, name, reason), flush=True)
        for name in sorted(unknown):
            print("listed in %s but not a model: %s" % (args.expect_pass, name))
        if newly and args.expect_pass:
            print("NEWLY: %d models pass that are not in %s (add them): %s" %
                  (len(newly), args.expect_pass, " ".join(newly)))
        else:
            newly = []
        print("%d passed, %d failed" % (passed, failed))
        return 1 if regressions or unknown or newly or crashes else 0


if __name__ == "__main__":
    sys.exit(main())
