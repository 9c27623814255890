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


class Block(torch.nn.Module):
    """Pre-LayerNorm transformer block: causal self-attention and a GELU MLP."""

    def __init__(self, d, heads, seq):
        super().__init__()
        self.heads = heads
        self.ln1, self.ln2 = torch.nn.LayerNorm(d), torch.nn.LayerNorm(d)
        self.qkv, self.proj = torch.nn.Linear(d, 3 * d), torch.nn.Linear(d, d)
        self.fc, self.out = torch.nn.Linear(d, 4 * d), torch.nn.Linear(4 * d, d)
        self.register_buffer("mask", torch.tril(torch.ones(seq, seq, dtype=torch.bool)))

    def forward(self, x):
        b, t, d = x.shape
        q, k, v = self.qkv(self.ln1(x)).split(d, dim=2)
        q, k, v = (z.reshape(b, t, self.heads, d // self.heads).transpose(1, 2) for z in (q, k, v))
        att = (q @ k.transpose(-2, -1)) * (1.0 / (d // self.heads) ** 0.5)
        att = att.masked_fill(~self.mask[:t, :t], float("-inf")).softmax(dim=-1)
        y = (att @ v).transpose(1, 2).reshape(b, t, d)
        x = x + self.proj(y)
        return x + self.out(torch.nn.functional.gelu(self.fc(self.ln2(x))))


class GPT(torch.nn.Module):
    """GPT-style decoder: token embedding + learned positions, pre-LN blocks, LM head tied to the embedding."""

    def __init__(self, vocab=50257, d=256, heads=4, layers=4, seq=64):
        super().__init__()
        self.tok, self.pos = torch.nn.Embedding(vocab, d), torch.nn.Embedding(seq, d)
        self.blocks = torch.nn.ModuleList(Block(d, heads, seq) for _ in range(layers))
        self.ln = torch.nn.LayerNorm(d)

    def forward(self, ids):
        x = self.tok(ids) + self.pos(torch.arange(ids.shape[1]))
        for block in self.blocks:
            x = block(x)
        return self.ln(x) @ self.tok.weight.t()


def randomize_norms(model, gen):
    for m in model.modules():
        if isinstance(m, (torch.nn.BatchNorm2d, torch.nn.LayerNorm)) and m.weight is not None:
            with torch.no_grad():
                if getattr(m, "weight", None) is not None:
                    m.weight.copy_(torch.rand(m.weight.shape, generator=gen) * 1.5 + 0.25)
                    m.bias.copy_(torch.randn(m.bias.shape, generator=gen) * 0.2)
                if isinstance(m, torch.nn.BatchNorm2d):
                    m.running_mean.copy_(torch.randn(m.running_mean.shape, generator=gen) * 0.2)
                    m.running_var.copy_(torch.rand(m.running_var.shape, generator=gen) * 1.5 + 0.5)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("model", help="gpt, vit (a small VisionTransformer), or a torchvision.models classifier name")
    ap.add_argument("outdir")
    ap.add_argument("--opset", type=int, default=14)
    args = ap.parse_args()
    torch.manual_seed(0)
    gen = torch.Generator().manual_seed(0)
    if args.model == "gpt":
        model = GPT()
        x = torch.randint(0, 50257, (1, 64), generator=gen)
    elif args.model == "vit":
        # A small vision transformer (class token, positional embedding, 197 tokens); its classifier
        # head starts at zero in torchvision, so it gets random weights like the norms.
        model = torchvision.models.VisionTransformer(image_size=224, patch_size=16, num_layers=4, num_heads=4,
                                                     hidden_dim=256, mlp_dim=1024)
        with torch.no_grad():
            model.heads.head.weight.copy_(torch.randn(model.heads.head.weight.shape, generator=gen) * 0.05)
        x = torch.randn(1, 3, 224, 224, generator=gen)
    else:
        model = getattr(torchvision.models, args.model)(weights=None)
        x = torch.randn(1, 3, 224, 224, generator=gen)
    randomize_norms(model, gen)
    model.eval()
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
