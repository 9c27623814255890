#!/usr/bin/env python3
"""Writes a Markdown conformance summary from the JSON files run_node_tests.py writes (the first one, usually
the CPU, is the reference): per op, passed/total for every file side by side (and, for a target with a CPU
fallback, how many of the passing tests ran every kernel on the device), then every test that does not pass
with the first file's target, with its reason. The op of a test is read from its model.onnx."""
import argparse
import collections
import json
import os

import onnx


def op_of(data_dir, test):
    try:
        model = onnx.load(os.path.join(data_dir, test, "model.onnx"), load_external_data=False)
        ops = [n.op_type for n in model.graph.node if n.op_type not in ("Constant",)]
        return ops[-1] if len(set(ops)) > 1 and ops else (ops[0] if ops else "(none)")
    except Exception:  # a malformed model still gets a row
        return "(unreadable)"


def label(doc):
    return " ".join([doc["target"]] + doc.get("compile_args", []))


def on_device(r):
    return r["status"] == "pass" and r.get("kernels", 0) > 0 and r["device_kernels"] == r["kernels"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("json", nargs="+")
    ap.add_argument("--data", default="/usr/share/libonnx-testdata/data/node")
    args = ap.parse_args()
    docs = [json.load(open(path)) for path in args.json]
    tests = sorted(docs[0]["results"])
    ops = {test: op_of(args.data, test) for test in tests}
    for doc in docs:
        results = doc["results"]
        statuses = collections.Counter(r["status"] for r in results.values())
        line = "Target `%s`: **%d of %d** node tests pass (%s)" % (
            label(doc), statuses.get("pass", 0), len(results), ", ".join("%s %d" % kv for kv in sorted(statuses.items())))
        if doc["target"] != "cpu":
            with_kernels = [r for r in results.values() if r["status"] == "pass" and r.get("kernels", 0) > 0]
            line += "; of the %d passing tests with kernels, %d ran every kernel on the device" % (
                len(with_kernels), sum(1 for r in with_kernels if on_device(r)))
        print(line + ".\n")
    header = " | ".join("`%s` passed / total%s" % (label(d), " (all on device)" if d["target"] != "cpu" else "")
                        for d in docs)
    print("| op | %s |\n|---|%s" % (header, "---|" * len(docs)))
    for op in sorted(set(ops.values())):
        cells = []
        for doc in docs:
            rs = [doc["results"][t] for t in tests if ops[t] == op and t in doc["results"]]
            cell = "%d / %d" % (sum(r["status"] == "pass" for r in rs), len(rs))
            if doc["target"] != "cpu":
                cell += " (%d)" % sum(on_device(r) for r in rs)
            cells.append(cell)
        print("| %s | %s |" % (op, " | ".join(cells)))
    print("\n### Tests that do not pass (`%s`)\n" % label(docs[0]))
    print("| test | status | reason |\n|---|---|---|")
    for test in tests:
        r = docs[0]["results"][test]
        if r["status"] != "pass":
            reason = r["reason"].split("error: ", 1)[-1].replace("|", "\\|")[:160]
            print("| %s | %s | %s |" % (test, r["status"], reason))


if __name__ == "__main__":
    main()
