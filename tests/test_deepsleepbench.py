"""DeepSleepBench heads: each objective returns a loss and trains, weights pass from pretraining to staging,
the frozen encoder stays frozen, and the objective building blocks compute what they say."""

from __future__ import annotations

import math

import pytest
import torch
from transformers import AutoModel, AutoModelForPreTraining

import hf_sleep
from hf_sleep import ARCHITECTURES
from hf_sleep.models.dsb_base import masked_mse, nt_xent_loss, random_keep_mask
from hf_sleep.models.dsb_transformer.modeling_dsb_transformer import patchify, unpatchify

from .testers import TESTERS

DSB_ARCHS = ["dsb_cnn", "dsb_cnn_attention", "dsb_transformer"]
OBJECTIVES = ["contrastive", "masked", "hybrid"]


def tiny_config(arch: str, **overrides):
    # 20 Hz keeps the epochs short (600 samples) for the heads.
    kwargs = {**TESTERS[arch].tiny_config, "sfreq": 20.0, "augmentation_seed": 0, **overrides}
    return ARCHITECTURES[arch].config_class(**kwargs)


def toy_batch(config, batch: int = 8, seed: int = 0) -> torch.Tensor:
    """Standardised epochs whose rhythm depends on the stage, as in scripts/dsb_toy_dataset.py."""
    g = torch.Generator().manual_seed(seed)
    t = torch.arange(config.n_times) / config.sfreq
    freqs = torch.tensor([4.0, 2.5, 1.5, 0.3, 3.0])[torch.arange(batch) % 5]
    phase = 2 * math.pi * torch.rand(batch, 1, generator=g)
    x = torch.sin(2 * math.pi * freqs[:, None] * t + phase) + 0.25 * torch.randn(batch, config.n_times, generator=g)
    return x.unsqueeze(1).repeat(1, config.n_chans, 1)


@pytest.mark.parametrize("objective", OBJECTIVES)
@pytest.mark.parametrize("arch", DSB_ARCHS)
def test_head_returns_a_loss_that_training_lowers(arch, objective):
    torch.manual_seed(0)
    config = tiny_config(arch, mask_ratio=0.5)
    model = ARCHITECTURES[arch].pretraining_classes[objective](config).train()
    x = toy_batch(config)
    out = model(x)
    assert out.loss.ndim == 0 and torch.isfinite(out.loss)
    if objective != "masked":
        assert out.contrastive_loss is not None and out.embeddings.shape == (2, 8, config.latent_size)
        torch.testing.assert_close(out.embeddings.norm(dim=-1), torch.ones(2, 8))
    if objective != "contrastive":
        assert out.masked_loss is not None and out.reconstruction is not None
    if objective == "hybrid":
        torch.testing.assert_close(out.loss, out.masked_loss + config.alpha_crl * out.contrastive_loss)
    assert isinstance(model(x, return_dict=False), tuple)

    optimizer = torch.optim.Adam(model.parameters(), lr=3e-3)
    losses = []
    for _ in range(12):
        loss = model(x).loss
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    assert sum(losses[-3:]) / 3 < sum(losses[:3]) / 3, losses


@pytest.mark.parametrize("arch", DSB_ARCHS)
def test_pretrained_encoder_loads_into_the_staging_model(arch, tmp_path):
    torch.manual_seed(0)
    config = tiny_config(arch)
    head = ARCHITECTURES[arch].pretraining_classes["hybrid"](config).eval()
    head.save_pretrained(tmp_path)
    staging = ARCHITECTURES[arch].model_class.from_pretrained(tmp_path, freeze_encoder=True)
    assert type(AutoModel.from_pretrained(tmp_path)) is ARCHITECTURES[arch].model_class
    for name, tensor in head.dsb.state_dict().items():
        torch.testing.assert_close(staging.dsb.state_dict()[name], tensor, rtol=0, atol=0)
    assert not any(key.startswith("decoder.") for key in staging.state_dict())
    x = toy_batch(config, 4)
    torch.testing.assert_close(staging.eval().embed_epochs(x), head.dsb.embed(x))
    # The frozen encoder keeps its weights and batch-norm statistics; only the classifier learns.
    assert not any(p.requires_grad for p in staging.dsb.parameters())
    assert all(p.requires_grad for p in staging.classifier.parameters())
    staging.train()
    assert not staging.dsb.training and staging.classifier.training
    loss = staging(x, labels=torch.arange(4) % 5).loss
    loss.backward()
    assert all(p.grad is None for p in staging.dsb.parameters())
    # AutoModelForPreTraining gives the hybrid head.
    assert type(AutoModelForPreTraining.from_pretrained(tmp_path)) is type(head)


def test_nt_xent_matches_its_closed_form():
    temperature = 0.5
    z = torch.eye(4)  # every pair aligned, every other embedding orthogonal
    expected = -math.log(math.exp(1 / temperature) / (math.exp(1 / temperature) + 6))
    torch.testing.assert_close(nt_xent_loss(z, z.clone(), temperature), torch.tensor(expected))
    # Views that disagree score worse.
    assert nt_xent_loss(z, z.roll(1, 0), temperature) > nt_xent_loss(z, z, temperature)


def test_keep_mask_and_masked_mse():
    keep = random_keep_mask(6, 40, 0.25, torch.Generator().manual_seed(0), torch.device("cpu"))
    assert (keep.sum(dim=1) == 30).all()
    prediction, target = torch.zeros(1, 4), torch.tensor([[1.0, 2.0, 3.0, 4.0]])
    seen = torch.tensor([[True, True, False, False]])
    assert masked_mse(prediction, target, seen, "masked").item() == pytest.approx((9 + 16) / 2)
    assert masked_mse(prediction, target, seen, "visible").item() == pytest.approx((1 + 4) / 2)
    assert masked_mse(prediction, target, seen, "all").item() == pytest.approx(30 / 4)
    with pytest.raises(ValueError, match="keeps"):
        random_keep_mask(2, 3, 0.9, torch.Generator(), torch.device("cpu"))


def test_cnn_masked_head_hides_the_stated_fraction_and_reconstructs_any_length():
    config = tiny_config("dsb_cnn", sfreq=10.3, epoch_seconds=30.0 / 1.03, mask_ratio=0.3)  # 300 samples
    model = hf_sleep.DSBCNNForMaskedPretraining(config).eval()
    out = model(toy_batch(config, 3))
    assert out.reconstruction.shape == (3, 1, config.n_times)
    assert torch.allclose(out.mask.float().mean(dim=-1), torch.full((3, 1), 0.7), atol=1 / config.n_times)


def test_transformer_patches_and_masking():
    config = tiny_config("dsb_transformer", n_chans=2)
    x = toy_batch(config, 3)
    patches = patchify(x, config.patch_length)
    assert patches.shape == (3, config.n_patches, config.patch_dim)
    torch.testing.assert_close(unpatchify(patches, 2), x, rtol=0, atol=0)
    model = hf_sleep.DSBTransformerForMaskedPretraining(config).eval()
    out = model(x)
    assert out.reconstruction.shape == patches.shape
    n_keep = int(config.n_patches * (1 - config.mask_ratio))
    assert (out.mask.squeeze(-1).sum(dim=1) == n_keep).all()
    # The original's single 30-s token needs sample masking; patch masking is refused with a reason.
    with pytest.raises(ValueError, match="mask_unit='sample'"):
        hf_sleep.DSBTransformerConfig(patch_seconds=30.0)
    single = hf_sleep.DSBTransformerForMaskedPretraining(
        tiny_config("dsb_transformer", patch_seconds=30.0, mask_unit="sample")
    )
    assert single(toy_batch(single.config, 2)).reconstruction.shape == (2, 1, single.config.n_times)


def test_seeded_heads_are_reproducible():
    config = tiny_config("dsb_cnn")
    x = toy_batch(config, 4)
    losses = []
    for _ in range(2):
        torch.manual_seed(0)
        losses.append(hf_sleep.DSBCNNForHybridPretraining(config).train()(x).loss)
    torch.testing.assert_close(losses[0], losses[1], rtol=0, atol=0)


@pytest.mark.parametrize(
    "bad",
    [
        dict(channels=[8, 8], n_layers=[1, 1, 1]),
        dict(pool_sizes=[5, 5]),
        dict(attention_stages=[0]),
        dict(attention_stages=[4], attention_heads=3),
        dict(mask_ratio=1.0),
        dict(mask_loss_on="hidden"),
        dict(contrastive_temperature=0.0),
        dict(kernel_size=4),
    ],
)
def test_bad_cnn_configs_raise(bad):
    with pytest.raises(ValueError):
        hf_sleep.DSBCNNConfig(**bad)


@pytest.mark.parametrize(
    "bad", [dict(patch_seconds=7.0), dict(hidden_size=30, num_heads=8), dict(mask_unit="token"), dict(num_layers=0)]
)
def test_bad_transformer_configs_raise(bad):
    with pytest.raises(ValueError):
        hf_sleep.DSBTransformerConfig(**bad)


def test_contrastive_needs_two_epochs():
    model = hf_sleep.DSBCNNForContrastivePretraining(tiny_config("dsb_cnn"))
    with pytest.raises(ValueError, match="at least 2"):
        model(toy_batch(model.config, 1))
