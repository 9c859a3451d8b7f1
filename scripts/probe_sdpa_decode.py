"""Times one decode step of softmax attention on the GPU machine's PyTorch: one query over L cached keys, through
torch's SDPA (its own backend choice, then each backend forced) and through two plain matmuls (what
SoftmaxAttentionLayer::attend_past runs). Why: `gatelab bench --generate` measured 55 ms per step of the d768 model
at every context from 2K to 64K when decode steps went through SDPA (stop 25). Shapes: the bench's d768 model, B 8,
H 4, head dim 192, bf16. Prints one line per (L, path): median ms per call of 50, synchronized.
Usage: python3 scripts/probe_sdpa_decode.py [--contexts 2048,16384,65536]"""
import argparse
import math
import time

import torch
import torch.nn.functional as F
from torch.nn.attention import SDPBackend, sdpa_kernel


def median_ms(fn, reps=50):
    for _ in range(5):
        fn()
    torch.cuda.synchronize()
    times = []
    for _ in range(reps):
        start = time.perf_counter()
        fn()
        torch.cuda.synchronize()
        times.append((time.perf_counter() - start) * 1e3)
    return sorted(times)[len(times) // 2]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--contexts", default="2048,16384,65536")
    args = parser.parse_args()
    B, H, D = 8, 4, 192
    for L in (int(c) for c in args.contexts.split(",")):
        q = torch.randn(B, H, 1, D, device="cuda", dtype=torch.bfloat16)
        k = torch.randn(B, H, L, D, device="cuda", dtype=torch.bfloat16)
        v = torch.randn(B, H, L, D, device="cuda", dtype=torch.bfloat16)

        def plain():
            w = torch.softmax((q @ k.transpose(-1, -2) / math.sqrt(D)).float(), -1).to(q.dtype)
            return w @ v

        paths = {"sdpa default": lambda: F.scaled_dot_product_attention(q, k, v), "plain matmuls": plain}
        for backend in (SDPBackend.FLASH_ATTENTION, SDPBackend.EFFICIENT_ATTENTION, SDPBackend.CUDNN_ATTENTION,
                        SDPBackend.MATH):
            def forced(backend=backend):
                with sdpa_kernel(backend):
                    return F.scaled_dot_product_attention(q, k, v)
            paths[f"sdpa {backend.name}"] = forced
        for name, fn in paths.items():
            try:
                print(f"L {L:6d}  {name:28s} {median_ms(fn):8.3f} ms", flush=True)
            except RuntimeError as error:
                print(f"L {L:6d}  {name:28s} not available: {str(error).splitlines()[0][:80]}", flush=True)


if __name__ == "__main__":
    main()
