#!/usr/bin/env python3
"""Compares a model output with a reference: max|got - ref| <= tol * max|ref| and equal top-k indices."""
import argparse
import sys

import numpy as np


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("got")
    ap.add_argument("reference")
    ap.add_argument("--tol", type=float, default=1e-3)
    ap.add_argument("--topk", type=int, default=5)
    args = ap.parse_args()
    got, ref = np.load(args.got), np.load(args.reference)
    if got.shape != ref.shape:
        print("shape mismatch: got %s, reference %s" % (got.shape, ref.shape))
        return 1
    err = float(np.max(np.abs(got.astype(np.float64) - ref)))
    scale = float(np.max(np.abs(ref)))
    # Classifiers: top-k over the classes; decoders [batch, seq, vocab]: the next token after the last position.
    if got.ndim == 3:
        got_last, ref_last = got[:, -1, :], ref[:, -1, :]
    else:
        got_last, ref_last = got, ref
    flat_got, flat_ref = got_last.reshape(got.shape[0], -1), ref_last.reshape(ref.shape[0], -1)
    top_got = np.argsort(-flat_got, axis=1)[:, :args.topk]
    top_ref = np.argsort(-flat_ref, axis=1)[:, :args.topk]
    ok = err <= args.tol * scale and np.array_equal(top_got, top_ref)
    print("max abs error %.3g, max |reference| %.3g, ratio %.3g (limit %g); top-%d %s: %s vs %s" %
          (err, scale, err / scale if scale else err, args.tol, args.topk,
           "equal" if np.array_equal(top_got, top_ref) else "DIFFER", top_got.tolist(), top_ref.tolist()))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
