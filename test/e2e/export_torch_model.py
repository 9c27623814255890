#!/usr/bin/env python3
"""Exports a model to ONNX with random weights and writes reference inputs and outputs.

Writes MODEL.onnx and MODEL.cases, one line per case to run: `NAME REFERENCE.npy INPUT=FILE.npy ...`.
The first case's input and reference are also MODEL.input.npy and MODEL.torch.npy (single-input
models; what the benchmarks read). Models with dynamic dims (bert) have cases at several sizes.

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


class Seq2Seq(torch.nn.Module):
    """torch.nn.Transformer encoder-decoder (2 + 2 layers) with token embeddings, a causal target mask
    and a vocabulary head."""

    def __init__(self, vocab=1000, d=128, tgt_len=16):
        super().__init__()
        self.src_emb, self.tgt_emb = torch.nn.Embedding(vocab, d), torch.nn.Embedding(vocab, d)
        self.transformer = torch.nn.Transformer(d_model=d, nhead=4, num_encoder_layers=2, num_decoder_layers=2,
                                                dim_feedforward=256, dropout=0.0, batch_first=True)
        self.head = torch.nn.Linear(d, vocab)
        self.register_buffer("tgt_mask", self.transformer.generate_square_subsequent_mask(tgt_len))

    def forward(self, src, tgt):
        return self.head(self.transformer(self.src_emb(src), self.tgt_emb(tgt), tgt_mask=self.tgt_mask))


class Bert(torch.nn.Module):
    """BERT-style encoder: token + position embeddings, LayerNorm, post-LN GELU encoder layers that
    skip padded keys (attention mask), a tanh pooler over the first token and a 2-class head."""

    def __init__(self, vocab=1000, d=128, heads=4, layers=2, max_len=64):
        super().__init__()
        self.tok, self.pos = torch.nn.Embedding(vocab, d), torch.nn.Embedding(max_len, d)
        self.norm = torch.nn.LayerNorm(d)
        layer = torch.nn.TransformerEncoderLayer(d, heads, 2 * d, dropout=0.0, batch_first=True, activation="gelu")
        self.encoder = torch.nn.TransformerEncoder(layer, layers)
        self.pooler, self.classifier = torch.nn.Linear(d, d), torch.nn.Linear(d, 2)

    def forward(self, input_ids, attention_mask):
        h = self.norm(self.tok(input_ids) + self.pos(torch.arange(input_ids.shape[1]).unsqueeze(0)))
        h = self.encoder(h, src_key_padding_mask=attention_mask == 0)
        return self.classifier(torch.tanh(self.pooler(h[:, 0])))


def bert_inputs(batch, seq, gen):
    """Token ids and a mask whose rows have 1..seq real tokens (row 0 unpadded)."""
    ids = torch.randint(0, 1000, (batch, seq), generator=gen)
    mask = torch.ones(batch, seq, dtype=torch.int64)
    for row in range(1, batch):
        mask[row, int(torch.randint(1, seq + 1, (1,), generator=gen)):] = 0
    return ids, mask


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
    ap.add_argument("model", help="gpt, vit (a small VisionTransformer), transformer (encoder-decoder), bert "
                                  "(dynamic batch and sequence), or a torchvision.models classifier name")
    ap.add_argument("outdir")
    ap.add_argument("--opset", type=int, default=14)
    args = ap.parse_args()
    torch.manual_seed(0)
    gen = torch.Generator().manual_seed(0)
    input_names, dynamic_axes = ["input"], None
    if args.model == "gpt":
        model = GPT()
        cases = [(torch.randint(0, 50257, (1, 64), generator=gen),)]
    elif args.model == "vit":
        # A small vision transformer (class token, positional embedding, 197 tokens); its classifier
        # head starts at zero in torchvision, so it gets random weights like the norms.
        model = torchvision.models.VisionTransformer(image_size=224, patch_size=16, num_layers=4, num_heads=4,
                                                     hidden_dim=256, mlp_dim=1024)
        with torch.no_grad():
            model.heads.head.weight.copy_(torch.randn(model.heads.head.weight.shape, generator=gen) * 0.05)
        cases = [(torch.randn(1, 3, 224, 224, generator=gen),)]
    elif args.model == "transformer":
        model = Seq2Seq()
        input_names = ["src", "tgt"]
        cases = [(torch.randint(0, 1000, (1, 24), generator=gen), torch.randint(0, 1000, (1, 16), generator=gen))]
    elif args.model == "bert":
        # Compiled once with symbolic batch and sequence dims, run at three sizes.
        model = Bert()
        input_names = ["input_ids", "attention_mask"]
        dynamic_axes = {name: {0: "batch", 1: "sequence"} for name in input_names}
        cases = [bert_inputs(2, 12, gen), bert_inputs(1, 5, gen), bert_inputs(3, 33, gen)]
    else:
        model = getattr(torchvision.models, args.model)(weights=None)
        cases = [(torch.randn(1, 3, 224, 224, generator=gen),)]
    randomize_norms(model, gen)
    model.eval()
    os.makedirs(args.outdir, exist_ok=True)
    path = os.path.join(args.outdir, args.model + ".onnx")
    torch.onnx.export(model, cases[0], path, input_names=input_names, output_names=["logits"],
                      opset_version=args.opset, do_constant_folding=True, dynamic_axes=dynamic_axes)
    lines = []
    for i, inputs in enumerate(cases):
        with torch.no_grad():
            y = model(*inputs)
        name = "x".join(str(d) for d in inputs[0].shape)
        stem = os.path.join(args.outdir, f"{args.model}.{name}")
        specs = []
        for input_name, x in zip(input_names, inputs):
            np.save(f"{stem}.{input_name}.npy", x.numpy())
            specs.append(f"{input_name}={stem}.{input_name}.npy")
        np.save(f"{stem}.torch.npy", y.numpy())
        lines.append(" ".join([name, f"{stem}.torch.npy"] + specs))
        if i == 0:
            np.save(os.path.join(args.outdir, args.model + ".input.npy"), inputs[0].numpy())
            np.save(os.path.join(args.outdir, args.model + ".torch.npy"), y.numpy())
    # Written last: its presence tells the caller that the export is complete.
    with open(os.path.join(args.outdir, args.model + ".cases"), "w") as f:
        f.write("\n".join(lines) + "\n")


if __name__ == "__main__":
    main()
