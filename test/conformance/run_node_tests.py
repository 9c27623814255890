#!/usr/bin/env python3
"""Runs ONNX backend node tests through tessera-compile and tessera-run (or, with --runtime ort, through
ONNX Runtime under the same comparison: the baseline count).

Each model is compiled from its model.onnx alone, then every test_data_set_* is run with its inputs and
compared with its expected outputs (|got - expected| <= atol + rtol * |expected|; integers and bools
exact). Tolerances are per dtype: rtol 1e-3, atol 1e-4 for float32 and float16 outputs, rtol 1e-9,
atol 1e-12 for a test whose floating-point outputs are all float64 (so none passes on float32 slack).
Every step runs in its own process with a time limit, so a crash or hang only marks that test.

Writes JSON {"target": ..., "results": {test: {"status": ..., "reason": ...}}} and prints
"N passed, M failed". With --expect-pass FILE, exits non-zero if a listed test does not pass or a test
passes that the file does not list (the file is exactly the passing set). Any crash or timeout fails
the run, listed or not. For a target with a CPU fallback (vulkan), each result also records how many of
the model's kernels were placed on the device ("device_kernels" of "kernels", from --report-placement);
with --expect-device FILE, a listed test must pass with every kernel on the device (and the file lists
every test that does).

With --artifacts DIR --stage compile, the artifacts and their compile results are kept in DIR and nothing
runs; --stage run then runs them (with only tessera-run in --bindir), for instance on a machine with the
Vulkan device under test but without the compiler. --run-arg passes tessera-run flags such as
--vulkan-profile=baseline.
"""
import argparse
import concurrent.futures
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time

import onnx

DEFAULT_DATA = "/usr/share/libonnx-testdata/data/node"

# (rtol, atol) by the dtype of a test's floating-point outputs (ONNX TensorProto data types).
FLOAT32_TOLERANCE = ("1e-3", "1e-4")
FLOAT64_TOLERANCE = ("1e-9", "1e-12")
ONNX_FLOAT_TYPES = {1: "float32", 10: "float16", 11: "float64", 16: "bfloat16"}


def tolerance(model_path):
    """FLOAT64_TOLERANCE when every floating-point output of the model is float64, else FLOAT32_TOLERANCE."""
    try:
        model = onnx.load(model_path, load_external_data=False)
    except Exception:  # an unreadable model fails to compile anyway
        return FLOAT32_TOLERANCE
    floats = [ONNX_FLOAT_TYPES[o.type.tensor_type.elem_type] for o in model.graph.output
              if o.type.tensor_type.elem_type in ONNX_FLOAT_TYPES]
    return FLOAT64_TOLERANCE if floats and all(f == "float64" for f in floats) else FLOAT32_TOLERANCE


def run_step(cmd, timeout):
    try:
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout)
    except subprocess.TimeoutExpired:
        return "timeout", ""
    except OSError as e:  # the tool could not be started at all
        return "crash", "cannot start %s: %s" % (cmd[0], e)
    out = (p.stderr + p.stdout).decode("utf-8", "replace")
    if p.returncode < 0:
        return "crash", "killed by signal %s" % signal.Signals(-p.returncode).name
    return p.returncode, out


def first_error(text):
    for line in text.splitlines():
        if "error" in line:
            return line.strip()[:300]
    return text.strip().splitlines()[0][:300] if text.strip() else "no message"


def numbered(names, prefix):
    files = [n for n in names if n.startswith(prefix) and n.endswith(".pb")]
    return sorted(files, key=lambda n: int(re.findall(r"\d+", n)[-1]))


def compile_test(test_dir, bindir, target, compile_args, timeout, artifact):
    """Compiles one test's model into `artifact`: (None, placement counts) when it compiled, else
    (the test's result, {})."""
    placed = target != "cpu"
    status, out = run_step([os.path.join(bindir, "tessera-compile"), os.path.join(test_dir, "model.onnx"),
                            "--target=" + target, "-o", artifact] + compile_args +
                           (["--report-placement"] if placed else []), timeout)
    if status in ("timeout", "crash"):
        return {"status": status, "reason": "tessera-compile: " + (out or "timed out after %ds" % timeout)}, {}
    if status != 0:
        if "error:" in out:
            return {"status": "unsupported", "reason": first_error(out)}, {}
        return {"status": "crash", "reason": "tessera-compile exited %d without a diagnostic" % status}, {}
    placement = {}
    if placed:
        kernels = re.findall(r"^\S+: (\S+) \(", out, re.M)
        placement = {"kernels": len(kernels), "device_kernels": sum(1 for k in kernels if k == target)}
    return None, placement


def run_compiled(test_dir, bindir, run_args, timeout, artifact, placement, workdir):
    """Runs every data set of one test through a compiled artifact and compares with the expected outputs."""
    name = os.path.basename(test_dir)
    rtol, atol = tolerance(os.path.join(test_dir, "model.onnx"))
    sets = sorted(d for d in os.listdir(test_dir) if d.startswith("test_data_set_"))
    if not sets:
        return {"status": "fail", "reason": "no test data", **placement}
    for data in sets:
        data_dir = os.path.join(test_dir, data)
        files = os.listdir(data_dir)
        cmd = [os.path.join(bindir, "tessera-run"), artifact, "--output-dir", os.path.join(workdir, name + "_out"),
               "--rtol", rtol, "--atol", atol] + run_args
        for f in numbered(files, "input_"):
            cmd += ["--input", os.path.join(data_dir, f)]
        for f in numbered(files, "output_"):
            cmd += ["--expected", os.path.join(data_dir, f)]
        status, out = run_step(cmd, timeout)
        if status in ("timeout", "crash"):
            return {"status": status, "reason": "tessera-run: " + (out or "timed out after %ds" % timeout), **placement}
        if status != 0:
            return {"status": "fail", "reason": first_error(out) if status != 1 else
                    next((l.strip() for l in out.splitlines() if "differ" in l or "mismatch" in l), first_error(out))[:300],
                    **placement}
    return {"status": "pass", "reason": "", **placement}


def run_test(test_dir, bindir, target, compile_args, run_args, timeout, workdir, artifacts, stage):
    """Compiles and runs one test. With `artifacts`, the compile stage keeps the artifact and its compile
    result there, and the run stage runs what an earlier compile stage left (perhaps on another machine,
    with only tessera-run in `bindir`)."""
    name = os.path.basename(test_dir)
    artifact = os.path.join(artifacts or workdir, name + ".tsr")
    record = artifact[:-len(".tsr")] + ".compile.json"
    if stage == "run":
        if not os.path.exists(record):
            return {"status": "unsupported", "reason": "not compiled in %s" % artifacts}
        with open(record) as fh:
            failed, placement = json.load(fh)
    else:
        failed, placement = compile_test(test_dir, bindir, target, compile_args, timeout, artifact)
        if artifacts:
            with open(record, "w") as fh:
                json.dump([failed, placement], fh)
    if failed or stage == "compile":
        return failed or {"status": "compiled", "reason": "", **placement}
    result = run_compiled(test_dir, bindir, run_args, timeout, artifact, placement, workdir)
    if not artifacts:
        try:
            os.remove(artifact)
        except OSError:
            pass
    return result


def close_enough(got, expected, rtol, atol):
    """The tessera-run --expected rule: shapes equal, integers and bools exact, floats within
    atol + rtol * |expected| (NaN matches NaN); a reason string when they differ, else None."""
    import numpy as np
    if got.shape != expected.shape:
        return "shape %s, expected %s" % (got.shape, expected.shape)
    if expected.dtype.kind in "fc":
        g, e = got.astype(np.float64), expected.astype(np.float64)
        bad = ~((np.abs(g - e) <= atol + rtol * np.abs(e)) | (np.isnan(g) & np.isnan(e)) | (g == e))
    else:
        bad = got != expected
    return "%d of %d elements differ" % (int(bad.sum()), bad.size) if bad.any() else None


def run_test_ort(test_dir, bench_dir, timeout, workdir):
    """The same test through ONNX Runtime (npm onnxruntime-node, CPU, all graph optimizations) and the same
    comparison: the baseline a Tessera count is measured against. The Node.js binding feeds and returns
    tensors only, so a test with sequence or optional values is "unsupported" here whatever ONNX Runtime
    itself would do."""
    import numpy as np
    from onnx import numpy_helper
    name = os.path.basename(test_dir)
    model_path = os.path.join(test_dir, "model.onnx")
    try:
        model = onnx.load(model_path, load_external_data=False)
    except Exception as e:
        return {"status": "unsupported", "reason": "onnx.load: %s" % str(e)[:200]}
    initializers = {t.name for t in model.graph.initializer}
    inputs = [i for i in model.graph.input if i.name not in initializers]
    input_names = [i.name for i in inputs]
    output_names = [o.name for o in model.graph.output]
    for v in inputs + list(model.graph.output):
        if not v.type.HasField("tensor_type"):
            return {"status": "unsupported", "reason": "'%s' is not a tensor (the binding feeds tensors only)" % v.name}
    rtol, atol = (float(t) for t in tolerance(model_path))
    sets = sorted(d for d in os.listdir(test_dir) if d.startswith("test_data_set_"))
    if not sets:
        return {"status": "fail", "reason": "no test data"}
    for data in sets:
        data_dir = os.path.join(test_dir, data)
        files = os.listdir(data_dir)
        out_dir = os.path.join(workdir, name + "_" + data)
        os.makedirs(out_dir, exist_ok=True)
        cmd = ["node", os.path.join(bench_dir, "ort_run.js"), model_path, "--output-dir", out_dir]
        for k, f in enumerate(numbered(files, "input_")):
            tensor = onnx.TensorProto()
            with open(os.path.join(data_dir, f), "rb") as fh:
                tensor.ParseFromString(fh.read())
            npy = os.path.join(out_dir, "input_%d.npy" % k)
            np.save(npy, numpy_helper.to_array(tensor))
            cmd += ["--input", "%s=%s" % (input_names[k], npy) if k < len(input_names) else npy]
        status, out = run_step(cmd, timeout)
        if status in ("timeout", "crash"):
            return {"status": status, "reason": "ort_run: " + (out or "timed out after %ds" % timeout)}
        if status != 0:
            return {"status": "unsupported", "reason": first_error(out)}
        for k, f in enumerate(numbered(files, "output_")):
            expected = onnx.TensorProto()
            with open(os.path.join(data_dir, f), "rb") as fh:
                expected.ParseFromString(fh.read())
            got_path = os.path.join(out_dir, re.sub(r"[^A-Za-z0-9_.-]", "_", output_names[k]) + ".npy")
            if not os.path.exists(got_path):
                return {"status": "fail", "reason": "output '%s' was not written" % output_names[k]}
            why = close_enough(np.load(got_path), numpy_helper.to_array(expected), rtol, atol)
            if why:
                return {"status": "fail", "reason": "output '%s': %s" % (output_names[k], why)}
    return {"status": "pass", "reason": ""}


def on_device(r):
    """A passing result whose kernels (at least one) all ran on the device."""
    return r["status"] == "pass" and r.get("kernels", 0) > 0 and r["device_kernels"] == r["kernels"]


def check_list(path, results, holds, what, filtered):
    """Tests listed in `path` for which `holds` is false (or missing): printed; returns whether any."""
    with open(path) as fh:
        expected = [l.strip() for l in fh if l.strip() and not l.startswith("#")]
    regressions = [t for t in expected if t in results and not holds(results[t])]
    missing = [t for t in expected if t not in results and not filtered]
    for t in regressions:
        r = results[t]
        print("REGRESSION %s (%s): %s %s%s" % (t, what, r["status"], r["reason"],
                                               " [%d of %d kernels on the device]" % (r["device_kernels"], r["kernels"])
                                               if "kernels" in r else ""))
    for t in missing:
        print("MISSING %s" % t)
    newly = [t for t, r in results.items() if holds(r) and t not in expected]
    if newly:
        print("NEWLY: %d tests %s that are not in %s (add them): %s" % (len(newly), what, path, " ".join(newly)))
    return bool(regressions or missing or newly)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bindir", help="directory with tessera-compile and tessera-run (required with --runtime tessera)")
    ap.add_argument("--data", default=DEFAULT_DATA, help="node test folder (default: %(default)s)")
    ap.add_argument("--target", default="cpu")
    ap.add_argument("--runtime", choices=["tessera", "ort"], default="tessera",
                    help="run the tests through Tessera, or through ONNX Runtime for the baseline count")
    ap.add_argument("--bench-dir", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "bench"),
                    help="with --runtime ort: the directory with ort_run.js and node_modules")
    ap.add_argument("--compile-arg", action="append", default=[], help="extra tessera-compile argument (repeatable)")
    ap.add_argument("--run-arg", action="append", default=[], help="extra tessera-run argument (repeatable)")
    ap.add_argument("--artifacts", default="", help="keep artifacts here (with --stage, the hand-over between stages)")
    ap.add_argument("--stage", choices=["all", "compile", "run"], default="all",
                    help="compile only (into --artifacts), run only (what --artifacts holds, so bindir needs "
                         "only tessera-run), or both")
    ap.add_argument("--filter", default="", help="regex on test names")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--timeout", type=int, default=60, help="seconds per step")
    ap.add_argument("--json", default="", help="write results here")
    ap.add_argument("--expect-pass", default="", help="file listing tests that must pass")
    ap.add_argument("--expect-device", default="", help="file listing tests that must pass with every kernel on the device")
    args = ap.parse_args()
    if args.runtime == "tessera" and not args.bindir:
        ap.error("--bindir is required")
    if args.stage != "all" and not args.artifacts:
        ap.error("--stage %s needs --artifacts" % args.stage)
    if args.artifacts:
        os.makedirs(args.artifacts, exist_ok=True)

    tests = sorted(d for d in os.listdir(args.data) if os.path.isfile(os.path.join(args.data, d, "model.onnx")))
    if args.filter:
        tests = [t for t in tests if re.search(args.filter, t)]
    start = time.time()
    results = {}
    with tempfile.TemporaryDirectory(prefix="tessera-conformance-") as workdir:
        with concurrent.futures.ThreadPoolExecutor(max_workers=args.jobs) as pool:
            if args.runtime == "ort":
                futures = {pool.submit(run_test_ort, os.path.join(args.data, t), args.bench_dir, args.timeout,
                                       workdir): t for t in tests}
            else:
                futures = {pool.submit(run_test, os.path.join(args.data, t), args.bindir, args.target,
                                       args.compile_arg, args.run_arg, args.timeout, workdir,
                                       os.path.abspath(args.artifacts) if args.artifacts else "",
                                       args.stage): t for t in tests}
            for f in concurrent.futures.as_completed(futures):
                results[futures[f]] = f.result()
    results = dict(sorted(results.items()))
    if args.json:
        with open(args.json, "w") as fh:
            json.dump({"target": "onnxruntime" if args.runtime == "ort" else args.target,
                       "compile_args": args.compile_arg, "results": results}, fh, indent=1,
                      sort_keys=True)
    counts = {}
    for r in results.values():
        counts[r["status"]] = counts.get(r["status"], 0) + 1
    label = "onnxruntime" if args.runtime == "ort" else " ".join([args.target] + args.compile_arg)
    print("conformance (%s): %s in %.0fs" % (label, ", ".join("%s %d" % kv for kv in sorted(counts.items())),
                                              time.time() - start))
    if args.target != "cpu" and args.runtime == "tessera":
        with_kernels = [r for r in results.values() if r.get("kernels", 0) > 0]
        print("on the device: %d of %d passing tests ran every kernel there; %d of %d kernels placed there" %
              (sum(1 for r in results.values() if on_device(r)), counts.get("pass", 0),
               sum(r["device_kernels"] for r in with_kernels), sum(r["kernels"] for r in with_kernels)))
    rc = 0
    if args.expect_pass and check_list(args.expect_pass, results, lambda r: r["status"] == "pass", "pass",
                                       bool(args.filter)):
        rc = 1
    if args.expect_device and check_list(args.expect_device, results, on_device, "pass on the device",
                                         bool(args.filter)):
        rc = 1
    crashes = [t for t, r in results.items() if r["status"] in ("crash", "timeout")]
    for t in crashes:
        print("%s %s: %s" % (results[t]["status"].upper(), t, results[t]["reason"]))
    if crashes:
        rc = 1  # a crash or hang is never an accepted outcome
    if args.stage == "compile":
        compiled = counts.get("compiled", 0)
        print("%d compiled, %d did not compile" % (compiled, len(results) - compiled))
        sys.exit(rc)
    passed = counts.get("pass", 0)
    print("%d passed, %d failed" % (passed, len(results) - passed))
    sys.exit(rc)


if __name__ == "__main__":
    main()
