"""PCNN projection quantizer: forward values, DBPP gradients and the projection loss vs PCNN.md."""

import pytest
import torch

from pcnn_hw.errors import ConfigError
from pcnn_hw.quant import (
    QuantConfig,
    binary_activation,
    binary_conv2d,
    binary_linear,
    input_quantizer,
    projection_loss_backward,
)


def _pcnn_conv(projections=2, per_channel=False, lam=1e-4, eta=1e-2, seed=0):
    torch.manual_seed(seed)
    cfg = QuantConfig(projections=projections, per_channel_scale=per_channel, lam=lam, eta=eta)
    conv = binary_conv2d(3, 4, 3, cfg).double()
    with torch.no_grad():  # W != 1 so that the projection matters; some |W~∘C| > 1 to exercise the clip
        conv.weight.copy_(torch.randn_like(conv.weight) * 0.8)
        conv.projection.copy_(torch.randn_like(conv.projection) * 1.5)
    return conv, cfg


def _sign(x):
    return torch.where(x >= 0, 1.0, -1.0).to(x.dtype)


@pytest.mark.parametrize("per_channel", [False, True])
def test_forward_is_scaled_sign_of_projection(per_channel):
    conv, cfg = _pcnn_conv(projections=3, per_channel=per_channel)
    c, w = conv.weight.detach(), conv.projection.detach()
    if per_channel:
        a = c.abs().mean(dim=(1, 2, 3)).repeat(3).view(-1, 1, 1, 1)
    else:
        a = c.abs().mean()
    expected = torch.cat([a_j * _sign(w_j * c) for a_j, w_j in
                          zip(torch.split(a * torch.ones(12, 1, 1, 1, dtype=c.dtype), 4), w, strict=True)])
    got = conv.quant_weight().value.detach()
    assert got.shape == (12, 3, 3, 3)
    torch.testing.assert_close(got, expected)
    assert conv(torch.randn(2, 3, 7, 7, dtype=torch.double)).shape == (2, 12, 5, 5)


def test_sign_of_zero_is_plus_one():
    lin = binary_linear(4, 2, QuantConfig(kind="sign"))
    with torch.no_grad():
        lin.weight.copy_(torch.tensor([[0.0, 1.0, -1.0, 0.0], [2.0, -2.0, 0.0, 0.5]]))
    signs = torch.sign(lin.quant_weight().value.detach())
    assert torch.equal(signs, torch.tensor([[1.0, 1.0, -1.0, 1.0], [1.0, -1.0, 1.0, 1.0]]))


def test_dbpp_gradients_match_paper_formulas():
    conv, cfg = _pcnn_conv(projections=2)
    binary = conv.quant_weight().value
    upstream = torch.randn_like(binary)  # ∂L_S/∂Ĉ for L_S = <upstream, Ĉ>
    (upstream * binary).sum().backward()
    c, w = conv.weight.detach(), conv.projection.detach()
    g = upstream.unflatten(0, (2, 4))
    proj = w.unsqueeze(1) * c.unsqueeze(0)  # W~_j ∘ C, (J, O, ...)
    inside = (proj.abs() <= 1).double()
    torch.testing.assert_close(conv.weight.grad, (g * inside * w.unsqueeze(1)).sum(0))
    torch.testing.assert_close(conv.projection.grad, (g * inside * c.unsqueeze(0)).sum(1))


def test_projection_loss_adds_exactly_the_formula_gradients():
    lam, eta = 0.3, 0.05
    grads = {}
    for lam_used in (0.0, lam):
        conv, cfg = _pcnn_conv(projections=2, lam=lam_used, eta=eta)
        conv.train()
        x = torch.randn(2, 3, 6, 6, dtype=torch.double)
        loss_s = conv(x).pow(2).sum()
        loss_s.backward()
        delta = conv.last_binary_weight.grad.detach().clone()
        c_hat = conv.last_binary_weight.detach().clone()
        lp = projection_loss_backward(conv, cfg)
        grads[lam_used] = (conv.weight.grad.clone(), conv.projection.grad.clone(), lp, delta, c_hat)
    c, w = conv.weight.detach(), conv.projection.detach()
    delta, c_hat = grads[lam][3].unflatten(0, (2, 4)), grads[lam][4].unflatten(0, (2, 4))
    x_j = c.unsqueeze(0) + eta * delta
    resid = w.unsqueeze(1) * x_j - c_hat  # W~_j∘(C + ηδĈ_j) − Ĉ_j
    torch.testing.assert_close(grads[lam][0] - grads[0.0][0], lam * (resid * w.unsqueeze(1)).sum(0))
    torch.testing.assert_close(grads[lam][1] - grads[0.0][1], lam * (resid * x_j).sum(1))
    assert grads[0.0][2] == 0.0
    assert grads[lam][2] == pytest.approx(float(0.5 * lam * resid.pow(2).sum()))


def test_projection_loss_gradcheck():
    from pcnn_hw.quant.loss import layer_projection_loss

    conv, _ = _pcnn_conv(projections=2)
    conv.train()
    conv(torch.randn(1, 3, 5, 5, dtype=torch.double)).sum().backward()

    def lp(c, w):
        conv._parameters["weight"], conv._parameters["projection"] = c, w  # differentiable inputs
        return layer_projection_loss(conv, lam=0.7, eta=0.1)

    c0 = conv.weight.detach().clone().requires_grad_()
    w0 = conv.projection.detach().clone().requires_grad_()
    assert torch.autograd.gradcheck(lp, (c0, w0))


def test_projection_loss_needs_backward_first():
    conv, cfg = _pcnn_conv()
    conv.train()
    conv(torch.randn(1, 3, 5, 5, dtype=torch.double))
    with pytest.raises(RuntimeError, match="backward"):
        projection_loss_backward(conv, cfg)


def test_binary_activation_clipped_ste():
    act = binary_activation()
    x = torch.tensor([-2.0, -1.0, -0.3, 0.0, 0.4, 1.0, 1.5], requires_grad=True)
    y = act(x)
    assert torch.equal(y.detach(), torch.tensor([-1.0, -1.0, -1.0, 1.0, 1.0, 1.0, 1.0]))
    y.sum().backward()
    assert torch.equal(x.grad, torch.tensor([0.0, 1.0, 1.0, 1.0, 1.0, 1.0, 0.0]))


def test_input_quantizer_is_exact_for_8bit_pixels():
    pixels = torch.arange(256, dtype=torch.float32)
    out = input_quantizer()(pixels / 255) * 255
    torch.testing.assert_close(out, pixels, atol=1e-4, rtol=0)


@pytest.mark.parametrize("kwargs", [dict(projections=0), dict(projections=-1), dict(kind="xnor"),
                                    dict(kind="sign", projections=2), dict(lam=-1.0)])
def test_bad_config_raises(kwargs):
    with pytest.raises(ConfigError):
        QuantConfig(**kwargs)
