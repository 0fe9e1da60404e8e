#!/usr/bin/python3
"""What a fresh gradient costs PyTorch on this machine: nn.Identity forward+backward on
(256, 256, 14, 14) float32 with x.grad cleared before each call (as compare_pytorch.py and
zero_grad(set_to_none=True) do), timed over 20 calls after 3 untimed ones, with the minor page
faults per call from getrusage. Each call first-touches a fresh 51 MB x.grad: on a machine where
a page fault is expensive, that, not the kernel, is the time (results/benchmarks/README.md).

  /usr/bin/python3 scripts/torch_page_faults.py [--threads N] [--calls N]
"""
import argparse
import resource
import time

import torch


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--calls", type=int, default=20)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    gen = torch.Generator().manual_seed(0)
    x = (torch.randn(256, 256, 14, 14, generator=gen) * 2 + 0.5).requires_grad_(True)
    dy = torch.randn(256, 256, 14, 14, generator=gen)
    identity = torch.nn.Identity()

    def fwdbwd():
        x.grad = None
        identity(x).backward(dy)

    for _ in range(3):
        fwdbwd()
    faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    start = time.perf_counter()
    for _ in range(args.calls):
        fwdbwd()
    seconds = (time.perf_counter() - start) / args.calls
    per_call = (resource.getrusage(resource.RUSAGE_SELF).ru_minflt - faults) / args.calls
    print(f"threads {args.threads}: {seconds * 1e3:.1f} ms per forward+backward, {per_call:.0f} minor page faults "
          f"per call, {seconds / max(per_call, 1) * 1e6:.1f} us per fault if they are the time")


if __name__ == "__main__":
    main()
