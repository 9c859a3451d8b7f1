#!/usr/bin/env python3
"""Peer benchmark (issue 18): gatelab's reference training models written as a researcher would write them in
PyTorch, timed on the same GPU in the same device call as `gatelab bench`, so the ratio gatelab / PyTorch is read
from one machine and one run.

The models come from `gatelab bench --list-models` (their shapes live in harness/bench_command.cpp only) and are
built to the same architecture and parameter count as variants/model/: pre-norm RMSNorm blocks, SwiGLU MLP
(hidden = ceil(2/3 * 4d / 16) * 16), untied byte-vocabulary head; softmax layers with per-head QK RMSNorm, RoPE
and SDPA (the flash backend), optionally the G1 sigmoid gate (elementwise, head-specific: y * sigmoid(x W));
GLA layers with d_k = d/2, d_v = d, the low-rank (16) log-sigmoid/16 gate, per-head LayerNorm readout and the
swish output gate, in the plain PyTorch chunkwise form (chunk 64; docs/RESEARCH.md 1.6). The training step is the
one `gatelab bench` times: bf16 parameters, logits to fp32, cross entropy, AdamW (lr 3e-4, wd 0.01; PyTorch's
default implementation, foreach on CUDA), clip_grad_norm_(1.0), median step time of --steps after --warmup, each
step bracketed by a device synchronization; peak memory is torch.cuda.max_memory_allocated.

Peers: torch_eager (every model), torch_compile (the softmax models: torch.compile of the model; compile time
is excluded and printed), fla (GLA models through fla.layers.GatedLinearAttention, only when `import fla`
works: carry its source and Triton; its autotuning can take minutes on a cold machine).

Output: one JSON object per line (--out), which `gatelab bench --import-peers FILE` writes as benches rows; the
view bench_versus_peers pairs them with gatelab's own rows.
    python3 scripts/peer_bench.py --gatelab build-gpu/gatelab --out peers.jsonl
    build-gpu/gatelab bench --import-peers peers.jsonl --db results.db
`--smoke` runs two tiny models on the CPU (the test of this script: tests/harness/peer_bench_test.py).
"""
import argparse
import json
import math
import statistics
import subprocess
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

VOCAB = 256  # byte vocabulary, as gatelab bench


def rms_norm(dim):
    if hasattr(nn, "RMSNorm"):  # PyTorch >= 2.4
        return nn.RMSNorm(dim, eps=1e-6)
    return _RmsNorm(dim)


class _RmsNorm(nn.Module):
    def __init__(self, dim):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(dim))

    def forward(self, x):
        x32 = x.float()
        return (x32 * torch.rsqrt(x32.pow(2).mean(-1, keepdim=True) + 1e-6)).to(x.dtype) * self.weight


def linear(d_in, d_out, bias=False):
    layer = nn.Linear(d_in, d_out, bias=bias)
    nn.init.normal_(layer.weight, 0.0, 0.02)
    if bias:
        nn.init.zeros_(layer.bias)
    return layer


class Rope(nn.Module):
    """Rotary embedding with cos/sin cached per length (what a researcher's eager model does)."""

    def __init__(self, head_dim, theta=10000.0):
        super().__init__()
        self.head_dim, self.theta, self.cache = head_dim, theta, {}

    def forward(self, x):  # x [B, T, H, D]
        T, half = x.shape[1], self.head_dim // 2
        key = (T, x.device, x.dtype)
        if key not in self.cache:
            inv_freq = self.theta ** (-torch.arange(0, half, device=x.device, dtype=torch.float32) * 2 / self.head_dim)
            angles = torch.outer(torch.arange(T, device=x.device, dtype=torch.float32), inv_freq).view(1, T, 1, half)
            self.cache[key] = (angles.cos().to(x.dtype), angles.sin().to(x.dtype))
        cos, sin = self.cache[key]
        x1, x2 = x[..., :half], x[..., half:]
        return torch.cat([x1 * cos - x2 * sin, x1 * sin + x2 * cos], -1)


class SoftmaxAttention(nn.Module):
    def __init__(self, d, heads, gate_position):
        super().__init__()
        self.h, self.hd = heads, d // heads
        self.q, self.k, self.v, self.o = (linear(d, d) for _ in range(4))
        self.q_norm, self.k_norm = rms_norm(self.hd), rms_norm(self.hd)
        self.rope = Rope(self.hd)
        if gate_position not in ("none", "G1"):
            raise SystemExit(f"peer_bench: gate position {gate_position} is not written here (none, G1)")
        self.gate = linear(d, d) if gate_position == "G1" else None

    def forward(self, x):
        B, T, _ = x.shape
        q = self.rope(self.q_norm(self.q(x).view(B, T, self.h, self.hd)))
        k = self.rope(self.k_norm(self.k(x).view(B, T, self.h, self.hd)))
        v = self.v(x).view(B, T, self.h, self.hd)
        y = attend(q.transpose(1, 2), k.transpose(1, 2), v.transpose(1, 2)).transpose(1, 2)  # [B, T, H, D]
        if self.gate is not None:  # G1: after SDPA, elementwise, head-specific
            y = y * torch.sigmoid(self.gate(x)).view(B, T, self.h, self.hd)
        return self.o(y.reshape(B, T, -1))


def attend(q, k, v):  # [B, H, T, D]
    if hasattr(F, "scaled_dot_product_attention") and q.is_cuda:
        from torch.nn.attention import SDPBackend, sdpa_kernel
        with sdpa_kernel(SDPBackend.FLASH_ATTENTION):
            return F.scaled_dot_product_attention(q, k, v, is_causal=True)
    T = q.shape[2]
    scores = (q @ k.transpose(-1, -2)) / math.sqrt(q.shape[-1])
    future = torch.ones(T, T, dtype=torch.bool, device=q.device).triu(1)
    return torch.softmax(scores.masked_fill(future, float("-inf")).float(), -1).to(q.dtype) @ v


def gla_chunked(q, k, v, log_decay, chunk=64):
    """Plain PyTorch chunkwise GLA (docs/RESEARCH.md 1.6) in fp32: q, k, log_decay [B, H, T, K], v [B, H, T, V]."""
    B, H, T, K = q.shape
    V, N = v.shape[-1], T // chunk
    q, k, v, g = (x.float().reshape(B, H, N, chunk, -1) for x in (q, k, v, log_decay))
    b = g.cumsum(-2)  # [B, H, N, C, K] log-decay from the chunk start
    q_dec, k_inv = q * b.exp(), k * (-b).exp()
    causal = torch.ones(chunk, chunk, dtype=torch.bool, device=q.device).tril()
    scores = (q_dec @ k_inv.transpose(-1, -2)).masked_fill(~causal, 0.0)  # [B, H, N, C, C]
    out = scores @ v
    b_end = b[..., -1:, :]  # [B, H, N, 1, K]
    k_to_end = k * (b_end - b).exp()
    state = torch.zeros(B, H, K, V, device=q.device, dtype=torch.float32)
    inter = []
    for n in range(N):
        inter.append(q_dec[:, :, n] @ state)
        state = state * b_end[:, :, n].transpose(-1, -2).exp() + k_to_end[:, :, n].transpose(-1, -2) @ v[:, :, n]
    out = out + torch.stack(inter, 2)
    return out.reshape(B, H, T, V)


class GatedLinearAttention(nn.Module):
    def __init__(self, d, heads, gate_rank=16, temperature=16.0):
        super().__init__()
        self.h, self.dk, self.dv = heads, d // 2 // heads, d // heads
        self.q, self.k, self.v = linear(d, d // 2), linear(d, d // 2), linear(d, d)
        self.gate_down, self.gate_up = linear(d, gate_rank), linear(gate_rank, d // 2, bias=True)
        self.r, self.o = linear(d, d, bias=True), linear(d, d)
        self.norm = nn.LayerNorm(self.dv)
        self.temperature = temperature

    def forward(self, x):
        B, T, _ = x.shape
        heads = lambda t, n: t.view(B, T, self.h, n).transpose(1, 2)  # noqa: E731  [B, H, T, n]
        q = heads(self.q(x), self.dk) * self.dk ** -0.5
        k, v = heads(self.k(x), self.dk), heads(self.v(x), self.dv)
        log_decay = heads(F.logsigmoid(self.gate_up(self.gate_down(x)).float()) / self.temperature, self.dk)
        o = gla_chunked(q, k, v, log_decay).to(x.dtype).transpose(1, 2)  # [B, T, H, V]
        o = self.norm(o).reshape(B, T, -1)
        return self.o(F.silu(self.r(x)) * o)


class FlaGla(nn.Module):
    """fla's GLA layer in gatelab's block (same d_k, d_v, heads, gate rank 16, swish output gate)."""

    def __init__(self, d, heads):
        super().__init__()
        from fla.layers import GatedLinearAttention as Fla
        self.layer = Fla(hidden_size=d, expand_k=0.5, expand_v=1.0, num_heads=heads, mode="chunk")

    def forward(self, x):
        return self.layer(x)[0]


class SwiGlu(nn.Module):
    def __init__(self, d):
        super().__init__()
        hidden = math.ceil(2.0 / 3.0 * 4 * d / 16.0) * 16
        self.gate, self.up, self.down = linear(d, hidden), linear(d, hidden), linear(hidden, d)

    def forward(self, x):
        return self.down(F.silu(self.gate(x)) * self.up(x))


class Block(nn.Module):
    def __init__(self, mixer, d):
        super().__init__()
        self.attn_norm, self.attn, self.mlp_norm, self.mlp = rms_norm(d), mixer, rms_norm(d), SwiGlu(d)

    def forward(self, x):
        h = x + self.attn(self.attn_norm(x))
        return h + self.mlp(self.mlp_norm(h))


class LanguageModel(nn.Module):
    def __init__(self, spec, peer):
        super().__init__()
        d, heads = spec["d_model"], spec["n_heads"]

        def mixer():
            if spec["kind"] == "softmax":
                return SoftmaxAttention(d, heads, spec["gate_position"])
            return FlaGla(d, heads) if peer == "fla" else GatedLinearAttention(d, heads)

        self.embedding = nn.Embedding(VOCAB, d)
        nn.init.normal_(self.embedding.weight, 0.0, 0.02)
        self.blocks = nn.ModuleList(Block(mixer(), d) for _ in range(spec["n_layers"]))
        self.final_norm, self.head = rms_norm(d), linear(d, VOCAB)
        scale = 1.0 / math.sqrt(2.0 * spec["n_layers"])  # GPT-2 residual scaling, as gatelab
        with torch.no_grad():
            for name, p in self.named_parameters():
                if name.endswith("attn.o.weight") or name.endswith("mlp.down.weight"):
                    p.mul_(scale)

    def forward(self, tokens):
        h = self.embedding(tokens)
        for block in self.blocks:
            h = block(h)
        return self.head(self.final_norm(h))


def synchronize(device):
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def time_training(spec, peer, device, dtype, warmup, steps):
    """Median step time and peak memory of one model's training step (as `gatelab bench` measures it)."""
    torch.manual_seed(0)
    model = LanguageModel(spec, peer).to(device=device, dtype=dtype)
    n_params = sum(p.numel() for p in model.parameters())
    optimizer = torch.optim.AdamW(model.parameters(), lr=3e-4, weight_decay=0.01)
    run = torch.compile(model) if peer == "torch_compile" else model
    tokens = torch.randint(0, VOCAB, (spec["batch"], spec["seq_len"] + 1), device=device)
    inputs, labels = tokens[:, :-1], tokens[:, 1:]

    def step():
        logits = run(inputs).float()
        loss = F.cross_entropy(logits.view(-1, logits.size(-1)), labels.reshape(-1))
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()

    started = time.perf_counter()
    for _ in range(warmup):
        step()
    synchronize(device)
    warmup_s = time.perf_counter() - started
    if device.type == "cuda":
        torch.cuda.empty_cache()
        torch.cuda.reset_peak_memory_stats(device)
    times = []
    for _ in range(steps):
        start = time.perf_counter()
        step()
        synchronize(device)
        times.append(time.perf_counter() - start)
    peak = torch.cuda.max_memory_allocated(device) / 2**30 if device.type == "cuda" else None
    return spec["batch"] * spec["seq_len"] / statistics.median(times), peak, n_params, warmup_s


def peers_of(spec, with_fla):
    peers = ["torch_eager"]
    if spec["kind"] == "softmax":
        peers.append("torch_compile")
    if spec["kind"] == "linear" and with_fla:
        peers.append("fla")
    return peers


def fla_available():
    try:
        import fla.layers  # noqa: F401
        return True
    except Exception as error:  # ImportError, or Triton missing underneath
        print(f"peer_bench: fla not importable ({type(error).__name__}: {error}); its rows are skipped")
        return False


def check_params(models):
    """The peers are the same models: equal parameter counts for every listed model (exit 1 if not)."""
    mismatches = 0
    for spec in models:
        ours = sum(p.numel() for p in LanguageModel(spec, "torch_eager").parameters())
        same = ours == spec["n_params"]
        mismatches += not same
        print(f"{spec['name']:<20} gatelab {spec['n_params']:>11}  peer {ours:>11}  {'same' if same else 'DIFFERENT'}")
    return 1 if mismatches else 0


def smoke_models():
    shape = dict(n_heads=2, seq_len=128, batch=2, gate_position="none", d_model=32, n_layers=2)
    return [dict(shape, name="softmax_d512_l6", kind="softmax"), dict(shape, name="gla_d512_l6", kind="linear")]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--gatelab", default="build/gatelab", help="the gatelab binary (reads --list-models)")
    parser.add_argument("--out", help="JSON lines for `gatelab bench --import-peers` (required unless --check-params)")
    parser.add_argument("--models", default="all", help="all, or a comma list of model names")
    parser.add_argument("--peers", default="torch_eager,torch_compile,fla", help="which peers to run")
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--compile-warmup", type=int, default=5, help="warm-up steps of torch.compile peers")
    parser.add_argument("--smoke", action="store_true", help="two tiny models on the CPU, fp32 (the script's test)")
    parser.add_argument("--check-params", action="store_true",
                        help="build every listed model on the CPU, compare its parameter count with gatelab's, exit")
    args = parser.parse_args()

    if args.check_params:
        listed = subprocess.run([args.gatelab, "bench", "--list-models"], check=True, capture_output=True, text=True)
        return check_params(json.loads(listed.stdout))
    if not args.out:
        parser.error("--out is required")
    if args.smoke:
        models, device, dtype = smoke_models(), torch.device("cpu"), torch.float32
    else:
        listed = subprocess.run([args.gatelab, "bench", "--list-models"], check=True, capture_output=True, text=True)
        models, device, dtype = json.loads(listed.stdout), torch.device("cuda"), torch.bfloat16
        if not torch.cuda.is_available():
            raise SystemExit("peer_bench: no CUDA device (use --smoke for the CPU check)")
    if args.models != "all":
        wanted = args.models.split(",")
        unknown = sorted(set(wanted) - {m["name"] for m in models})
        if unknown:
            raise SystemExit(f"peer_bench: unknown models {unknown}; valid: {[m['name'] for m in models]}")
        models = [m for m in models if m["name"] in wanted]
    wanted_peers = set(args.peers.split(","))
    with_fla = "fla" in wanted_peers and not args.smoke and fla_available()
    versions = {"torch": torch.__version__, "cuda": torch.version.cuda, "python": sys.version.split()[0]}
    if device.type == "cuda":
        versions["device"] = torch.cuda.get_device_name(device)

    print(f"{'model':<20} {'peer':<14} {'parameters':>11} {'tokens/s':>12} {'peak GiB':>9} {'warm-up s':>9}")
    with open(args.out, "w") as out:
        for spec in models:
            for peer in peers_of(spec, with_fla):
                if peer not in wanted_peers:
                    continue
                warmup = args.compile_warmup if peer == "torch_compile" else args.warmup
                try:
                    tokens_per_s, peak, n_params, warmup_s = time_training(spec, peer, device, dtype, warmup,
                                                                           args.steps)
                except Exception as error:  # a peer that fails (compile error, OOM) is reported, not fatal
                    print(f"{spec['name']:<20} {peer:<14} failed: {type(error).__name__}: {error}")
                    continue
                finally:
                    if device.type == "cuda":
                        torch.cuda.empty_cache()
                peak_text = f"{peak:.2f}" if peak is not None else "-"
                print(f"{spec['name']:<20} {peer:<14} {n_params:>11} {tokens_per_s:>12.0f} {peak_text:>9} "
                      f"{warmup_s:>9.1f}", flush=True)
                note = {"torch_eager": "PyTorch eager, AdamW foreach, SDPA flash",
                        "torch_compile": "torch.compile(model), default mode",
                        "fla": "fla GatedLinearAttention, mode chunk"}[peer]
                row = {"what": f"peer:{peer}:{spec['name']}", "model": spec["name"], "dtype": str(dtype)[6:],
                       "tokens_per_s": tokens_per_s, "peak_mem_gib": peak, "n_params": n_params,
                       "warmup_s": warmup_s, "versions": versions, "note": note}
                out.write(json.dumps(row) + "\n")
                out.flush()  # a peer stopped at its time limit keeps the rows before it


if __name__ == "__main__":
    sys.exit(main())
