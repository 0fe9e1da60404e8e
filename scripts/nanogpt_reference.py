#!/usr/bin/python3
"""nanoGPT's CPU configuration on tiny-shakespeare written directly in PyTorch (torch 1.13 here), on
normlab's split and evaluation, as a reference for results/nanogpt: the same model (GPT-2 blocks,
Pre-LN, tied weights, GPT-2 initialization, no biases in Linear or LayerNorm), AdamW (betas 0.9,
0.99, weight decay 0.1 on matrices and embeddings only, as nanoGPT's configure_optimizers), 100
warm-up steps and cosine decay to 1e-4 over 2,000 steps, gradient clipping at 1, batch 12 of random
windows of 64; validation loss over every non-overlapping window of the last 10% (normlab's text
data set). Prints the validation loss every 250 steps.

  /usr/bin/python3 scripts/nanogpt_reference.py [--seed S] [--threads N] [--steps N]
"""
import argparse
import gzip
import math
import os
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class Block(nn.Module):
    def __init__(self, C, H):
        super().__init__()
        self.H = H
        self.ln_1 = nn.LayerNorm(C, elementwise_affine=True)
        self.ln_1.bias = None
        self.c_attn = nn.Linear(C, 3 * C, bias=False)
        self.c_proj = nn.Linear(C, C, bias=False)
        self.ln_2 = nn.LayerNorm(C)
        self.ln_2.bias = None
        self.c_fc = nn.Linear(C, 4 * C, bias=False)
        self.mlp_proj = nn.Linear(4 * C, C, bias=False)

    def attn(self, x):
        B, T, C = x.shape
        q, k, v = self.c_attn(x).split(C, dim=2)
        q, k, v = (t.view(B, T, self.H, C // self.H).transpose(1, 2) for t in (q, k, v))
        att = (q @ k.transpose(-2, -1)) / math.sqrt(C // self.H)
        att = att.masked_fill(~torch.tril(torch.ones(T, T, dtype=torch.bool)), float("-inf")).softmax(-1)
        return self.c_proj((att @ v).transpose(1, 2).reshape(B, T, C))

    def forward(self, x):
        x = x + self.attn(F.layer_norm(x, (x.shape[-1],), self.ln_1.weight, None, 1e-5))
        return x + self.mlp_proj(F.gelu(self.c_fc(F.layer_norm(x, (x.shape[-1],), self.ln_2.weight, None, 1e-5))))


class GPT(nn.Module):
    def __init__(self, V, T, C, H, L):
        super().__init__()
        self.wte, self.wpe = nn.Embedding(V, C), nn.Embedding(T, C)
        self.blocks = nn.ModuleList(Block(C, H) for _ in range(L))
        self.ln_f = nn.LayerNorm(C)
        self.ln_f.bias = None
        for name, p in self.named_parameters():
            if p.dim() == 2:
                std = 0.02 / math.sqrt(2 * L) if name.endswith("c_proj.weight") or name.endswith("mlp_proj.weight") else 0.02
                nn.init.normal_(p, 0.0, std)

    def forward(self, idx):
        x = self.wte(idx) + self.wpe(torch.arange(idx.shape[1]))
        for b in self.blocks:
            x = b(x)
        return F.layer_norm(x, (x.shape[-1],), self.ln_f.weight, None, 1e-5) @ self.wte.weight.t()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--steps", type=int, default=2000)
    args = ap.parse_args()
    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    text = gzip.open(os.path.join(ROOT, "data", "tinyshakespeare", "input.txt.gz"), "rt", encoding="utf-8").read()
    n = int(len(text) * 0.9)
    chars = sorted(set(text[:n]))
    ids = {c: i for i, c in enumerate(chars)}
    data = torch.tensor([ids[c] for c in text], dtype=torch.long)
    train, val = data[:n], data[n:]
    T, B = 64, 12
    model = GPT(len(chars), T, 128, 4, 4)
    decay = [p for p in model.parameters() if p.dim() >= 2]
    no_decay = [p for p in model.parameters() if p.dim() < 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.1}, {"params": no_decay, "weight_decay": 0.0}],
                            lr=1e-3, betas=(0.9, 0.99))
    windows = (len(val) - 1) // T
    vx = torch.stack([val[i * T:i * T + T] for i in range(windows)])
    vy = torch.stack([val[i * T + 1:i * T + T + 1] for i in range(windows)])

    def val_loss():
        model.eval()
        with torch.no_grad():
            total = sum(F.cross_entropy(model(vx[i:i + 250]).reshape(-1, len(chars)), vy[i:i + 250].reshape(-1),
                                        reduction="sum").item() for i in range(0, windows, 250))
        model.train()
        return total / (windows * T)

    def lr_at(it):
        if it < 100:
            return 1e-3 * (it + 1) / 100
        ratio = (it - 100) / (args.steps - 100)
        return 1e-4 + 0.5 * (1 + math.cos(math.pi * ratio)) * (1e-3 - 1e-4)

    start = time.time()
    for it in range(args.steps):
        for g in opt.param_groups:
            g["lr"] = lr_at(it)
        ix = torch.randint(len(train) - T, (B,))
        x = torch.stack([train[i:i + T] for i in ix])
        y = torch.stack([train[i + 1:i + T + 1] for i in ix])
        loss = F.cross_entropy(model(x).reshape(-1, len(chars)), y.reshape(-1))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        if (it + 1) % 250 == 0:
            print("step %d val_loss %.4f (%.0f s)" % (it + 1, val_loss(), time.time() - start), flush=True)


if __name__ == "__main__":
    main()
