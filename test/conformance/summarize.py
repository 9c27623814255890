#!/usr/bin/env python3
"""Writes a Markdown conformance summary (per op: passed/total, and every non-passing test with its
reason) from the JSON that run_node_tests.py writes. The op of a test is read from its model.onnx."""
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


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("json")
    ap.add_argument("--data", default="/usr/share/libonnx-testdata/data/node")
    args = ap.parse_args()
    doc = json.load(open(args.json))
    results = doc["results"]
    per_op = collections.defaultdict(lambda: [0, 0])
    for test, r in results.items():
        op = op_of(args.data, test)
        per_op[op][1] += 1
        per_op[op][0] += r["status"] == "pass"
    statuses = collections.Counter(r["status"] for r in results.values())
    print("Target `%s`: **%d of %d** node tests pass (%s).\n" % (
        doc["target"], statuses.get("pass", 0), len(results),
        ", ".join("%s %d" % kv for kv in sorted(statuses.items()))))
    print("| op | passed / total |\n|---|---|")
    for op in sorted(per_op):
        print("| %s | %d / %d |" % (op, per_op[op][0], per_op[op][1]))
    print("\n### Tests that do not pass\n")
    print("| test | status | reason |\n|---|---|---|")
    for test, r in results.items():
        if r["status"] != "pass":
            reason = r["reason"].split("error: ", 1)[-1].replace("|", "\\|")[:160]
            print("| %s | %s | %s |" % (test, r["status"], reason))


if __name__ == "__main__":
    main()
