#!/usr/bin/env python3
"""Exports a torchvision model to ONNX with random weights and writes a reference input and output.

BatchNorm running statistics and affine parameters are randomized (fresh BatchNorm is the identity and
would hide folding bugs). Fixed seed; the result is cached by the caller in the build tree.
"""
import argparse
import os

import numpy as np
import torch
import torchvision


def randomize_norms(model, gen):
    for m in model.modules():
        if isinstance(m, (torch.nn.BatchNorm2d, torch.nn.LayerNorm)):
            with torch.no_grad():
                if getattr(m, "weight", None) is not None:
                    m.weight.copy_(torch.rand(m.weight.shape, generator=gen) * 1.5 + 0.25)
                    m.bias.copy_(torch.randn(m.bias.shape, generator=gen) * 0.2)
                if isinstance(m, torch.nn.BatchNorm2d):
                    m.running_mean.copy_(torch.randn(m.running_mean.shape, generator=gen) * 0.2)
                    m.running_var.copy_(torch.rand(m.running_var.shape, generator=gen) * 1.5 + 0.5)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("model", choices=["mobilenet_v2", "resnet18"])
    ap.add_argument("outdir")
    ap.add_argument("--opset", type=int, default=14)
    args = ap.parse_args()
    torch.manual_seed(0)
    gen = torch.Generator().manual_seed(0)
    model = getattr(torchvision.models, args.model)(weights=None)
    randomize_norms(model, gen)
    model.eval()
    x = torch.randn(1, 3, 224, 224, generator=gen)
    with torch.no_grad():
        y = model(x)
    os.makedirs(args.outdir, exist_ok=True)
    path = os.path.join(args.outdir, args.model + ".onnx")
    torch.onnx.export(model, x, path, input_names=["input"], output_names=["logits"],
                      opset_version=args.opset, do_constant_folding=True)
    np.save(os.path.join(args.outdir, args.model + ".input.npy"), x.numpy())
    np.save(os.path.join(args.outdir, args.model + ".torch.npy"), y.numpy())


if __name__ == "__main__":
    main()
