"""Batch-norm recalibration: exact population statistics; resnet-mini's eval accuracy after training."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from pcnn_hw.models.score_norm import ScoreNorm
from pcnn_hw.train.batchnorm import recalibrate_batchnorm


class _Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(2, 3, 3, bias=False)
        self.bn = nn.BatchNorm2d(3)
        self.score_norm = ScoreNorm()

    def forward(self, x):
        return self.score_norm(self.bn(self.conv(x)).flatten(1))


def test_running_stats_become_the_mean_of_the_batch_statistics():
    torch.manual_seed(0)
    net = _Net().eval()
    net.bn.running_mean.fill_(5.0)  # stale statistics, far from the data
    net.bn.momentum = 0.3
    sn_before = net.score_norm.running_mean.clone()
    x = torch.randn(8, 2, 6, 6) * 2 + 1
    assert recalibrate_batchnorm(net, x, batch_size=4) == 1
    with torch.no_grad():
        parts = [net.conv(x[:4]), net.conv(x[4:])]
    mean = torch.stack([p.mean((0, 2, 3)) for p in parts]).mean(0)
    var = torch.stack([p.var((0, 2, 3), unbiased=True) for p in parts]).mean(0)
    assert torch.allclose(net.bn.running_mean, mean, atol=1e-5)
    assert torch.allclose(net.bn.running_var, var, atol=1e-5)
    assert not net.training and net.bn.momentum == 0.3
    assert torch.equal(net.score_norm.running_mean, sn_before)  # other buffers untouched


@pytest.mark.slow
def test_resnet_mini_eval_accuracy_after_short_training(tmp_path, mnist_small):
    """resnet-mini, 3 epochs on 240 images: eval-mode accuracy far above chance (10 %)."""
    from pcnn_hw.quant import QuantConfig
    from pcnn_hw.train import train

    metrics = train("resnet-mini", QuantConfig(), mnist_small, epochs=3, batch_size=20, seed=0,
                    out_dir=tmp_path, progress=False)
    assert metrics["final_test_acc"] > 0.5
