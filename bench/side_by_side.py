#!/usr/bin/env python3
"""Side-by-side latency and memory of Tessera and ONNX Runtime on the same models, inputs and threads.

For each model x thread count, runs R rounds alternating Tessera and ONNX Runtime (A B A B ...), each round
one process per runtime timing N runs after a warm-up (only `run` is timed; ORT with all graph
optimizations). Both runtimes' outputs are checked against the reference (torch) in the same run. Prints
per model x threads both medians (median over rounds of each round's median), the ratio, peak RSS
(through GNU time, so this script's own size is not counted; Node's own baseline `node -e 0` subtracted
from ORT's), and the geomean of the ratios.

  bench/side_by_side.py [--rounds R] [--runs N] [--threads 1,2] [--models a,b] [--build DIR]

Models are the ones the e2e tests export into build/models (run `ctest -L e2e` first), each on the
inputs of its first case in MODEL.cases (for bert, whose dims are dynamic: batch 2, sequence 12).
"""
import argparse
import json
import math
import os
import subprocess
import sys
import tempfile

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MODELS = ["resnet18", "mobilenet_v2", "efficientnet_b0", "squeezenet1_1", "shufflenet_v2_x0_5",
          "convnext_tiny", "gpt", "vit", "swin_t", "transformer", "bert"]


def first_case(models_dir, model):
    """The input flags and reference of the model's first exported case."""
    cases = os.path.join(models_dir, model + ".cases")
    if not os.path.exists(cases):
        return (["--input", os.path.join(models_dir, model + ".input.npy")],
                os.path.join(models_dir, model + ".torch.npy"))
    with open(cases) as f:
        _, reference, *specs = f.readline().split()
    return [flag for spec in specs for flag in ("--input", spec)], reference


def run_measured(cmd):
    # Peak RSS through GNU time (a small process): a child forked from this one would inherit this
    # process's RSS as the floor of its own ru_maxrss (Linux carries the pre-exec high-water mark).
    marker = "side_by_side_maxrss_kib="
    proc = subprocess.run(["/usr/bin/time", "-f", marker + "%M"] + cmd, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE)
    err = proc.stderr.decode()
    if proc.returncode != 0:
        sys.exit(f"side_by_side: {' '.join(cmd)} failed:\n{err}")
    rss = [line for line in err.splitlines() if line.startswith(marker)]
    if not rss:
        sys.exit(f"side_by_side: no peak RSS from /usr/bin/time for {' '.join(cmd)}")
    return proc.stdout.decode(), int(rss[-1][len(marker):]) / 1024.0


def median_ms(text):
    return json.loads(text.strip().splitlines()[-1])["median_ms"]


def check(out_dir, reference, who, model):
    files = sorted(f for f in os.listdir(out_dir) if f.endswith(".npy"))
    if not files:
        sys.exit(f"side_by_side: {who} wrote no output for {model}")
    got, want = np.load(os.path.join(out_dir, files[0])), np.load(reference)
    if got.shape != want.shape or not np.allclose(got, want, rtol=1e-3, atol=1e-3):
        err = float(np.max(np.abs(got.astype(np.float64) - want))) if got.shape == want.shape else float("nan")
        sys.exit(f"side_by_side: {who} output of {model} does not match the reference (max abs err {err})")


def cpu_model():
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True).stdout
        name = next(l.split(":", 1)[1].strip() for l in out.splitlines() if l.startswith("Model name"))
        family = next((l.split(":", 1)[1].strip() for l in out.splitlines() if l.startswith("CPU family")), "?")
        return f"{name} (family {family})"
    except Exception:
        return "unknown CPU"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--threads", default="1,2")
    ap.add_argument("--models", default=",".join(MODELS))
    ap.add_argument("--build", default=os.environ.get("TESSERA_BUILD_DIR", os.path.join(ROOT, "build")))
    args = ap.parse_args()
    models_dir = os.path.join(args.build, "models")
    tessera_run = os.path.join(args.build, "bin", "tessera-run")
    compile_ = os.path.join(args.build, "bin", "tessera-compile")
    ort_run = os.path.join(ROOT, "bench", "ort_run.js")
    _, node_rss = run_measured(["node", "-e", "0"])

    print(f"CPU: {cpu_model()}; {args.rounds} alternating rounds of {args.runs} runs; Node baseline "
          f"{node_rss:.0f} MiB subtracted from ONNX Runtime's RSS")
    print("| model | threads | Tessera ms | ORT ms | Tessera / ORT | Tessera MiB | ORT MiB |")
    print("|---|---|---|---|---|---|---|")
    ratios = []
    tmp = tempfile.mkdtemp(prefix="tessera-bench-")
    for model in args.models.split(","):
        onnx = os.path.join(models_dir, model + ".onnx")
        if not os.path.exists(onnx):
            print(f"missing {onnx} (run ctest -L e2e)", file=sys.stderr)
            continue
        inputs, ref = first_case(models_dir, model)
        tsr = os.path.join(tmp, model + ".tsr")
        subprocess.run([compile_, onnx, "-o", tsr], check=True)
        for threads in [int(t) for t in args.threads.split(",")]:
            t_ms, o_ms, t_rss, o_rss = [], [], 0.0, 0.0
            for r in range(args.rounds):
                t_out, o_out = os.path.join(tmp, "t"), os.path.join(tmp, "o")
                for d in (t_out, o_out):
                    os.makedirs(d, exist_ok=True)
                    for f in os.listdir(d):
                        os.remove(os.path.join(d, f))
                out, rss = run_measured([tessera_run, tsr] + inputs + ["--bench", str(args.runs),
                                         "--threads", str(threads), "--output-dir", t_out])
                t_ms.append(median_ms(out))
                t_rss = max(t_rss, rss)
                out, rss = run_measured(["node", ort_run, onnx] + inputs + ["--bench", str(args.runs),
                                         "--threads", str(threads), "--output-dir", o_out])
                o_ms.append(median_ms(out))
                o_rss = max(o_rss, rss - node_rss)
                if r == 0:
                    check(t_out, ref, "Tessera", model)
                    check(o_out, ref, "ONNX Runtime", model)
            t, o = float(np.median(t_ms)), float(np.median(o_ms))
            ratios.append(t / o)
            spread = f" (rounds {min(t_ms):.2f}-{max(t_ms):.2f} / {min(o_ms):.2f}-{max(o_ms):.2f})"
            print(f"| {model} | {threads} | {t:.2f} | {o:.2f} | {t / o:.2f}x{spread} | {t_rss:.0f} | {o_rss:.0f} |",
                  flush=True)
    if ratios:
        geomean = math.exp(sum(math.log(r) for r in ratios) / len(ratios))
        print(f"\ngeomean Tessera / ORT: {geomean:.2f}x over {len(ratios)} model x thread pairs")


if __name__ == "__main__":
    main()
