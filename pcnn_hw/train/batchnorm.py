"""Batch-norm recalibration: running statistics equal to what the trained 1-bit net really sees.

Why: PyTorch's running statistics are an exponential average (momentum 0.1) over the last few dozen
training batches, taken while the weights — and, in a binarized net, every downstream bit — were still
moving. A sign after the batch-norm turns a small error of the running mean into flipped bits, and in a
residual net the stream before each block's threshold takes only n + 1 values, so a shifted threshold
flips whole groups of pixels at once; the flips compound over the blocks. Recalibrating sets every
running mean/variance to the exact average over the training set of the batch statistics of the final
weights (PyTorch's cumulative mode, ``momentum=None``), layer by layer in the same forward passes.
The hardware thresholds are computed from these statistics at export, so this changes what is built.
"""

from __future__ import annotations

import torch
from torch import nn

_BN = (nn.BatchNorm1d, nn.BatchNorm2d)


@torch.no_grad()
def recalibrate_batchnorm(model: nn.Module, x: torch.Tensor, batch_size: int) -> int:
    """Reset and re-estimate every BatchNorm's running statistics on inputs `x` in batches.

    Runs `model` in train mode without gradients (weights and other parameters untouched; other
    modules' buffers, e.g. ScoreNorm's scalar statistics, are saved and restored). Restores the
    model's mode and the BN momenta. Returns the number of batch-norm layers recalibrated.
    """
    bns = [m for m in model.modules() if isinstance(m, _BN) and m.track_running_stats]
    if not bns or len(x) == 0:
        return 0
    was_training = model.training
    others = {name: buf.clone() for name, buf in model.named_buffers()
              if not any(buf is b for bn in bns for b in bn.buffers())}
    momenta = [bn.momentum for bn in bns]
    for bn in bns:
        bn.reset_running_stats()
        bn.momentum = None  # cumulative moving average: equal weight per batch
    model.train()
    size = max(1, min(batch_size, len(x)))
    for start in range(0, len(x) - size + 1, size):  # full batches only (as in training)
        model(x[start : start + size])
    for bn, momentum in zip(bns, momenta, strict=True):
        bn.momentum = momentum
    buffers = dict(model.named_buffers())
    for name, value in others.items():
        buffers[name].copy_(value)
    model.train(was_training)
    return len(bns)
