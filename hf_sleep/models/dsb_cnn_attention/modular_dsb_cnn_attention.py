"""DeepSleepBench CNN+Attention: the CNN's classes bound to their own config (`model_type="dsb_cnn_attention"`).

Everything but the config lives in `modeling_dsb_cnn`: the attention layers are switched on by
`config.attention_stages`, which defaults to the last two stages here.
"""

from __future__ import annotations

from typing import Any

from hf_sleep.models.dsb_cnn.modular_dsb_cnn import (
    DSBCNNConfig,
    DSBCNNForContrastivePretraining,
    DSBCNNForHybridPretraining,
    DSBCNNForMaskedPretraining,
    DSBCNNForSleepStaging,
    DSBCNNModel,
    DSBCNNPreTrainedModel,
)


class DSBCNNAttentionConfig(DSBCNNConfig):
    r"""Configuration of the DeepSleepBench CNN+Attention ([`DSBCNNAttentionForSleepStaging`] and its heads).

    The DeepSleepBench CNN with 8-head self-attention (residual connection, then LayerNorm) after the gate of
    the last two stages, in the encoder and, mirrored, in the decoder. `mask_ratio` defaults to 0.25.

    Args:
        n_chans (`int`, *optional*, defaults to 1):
            Number of input channels (the original uses one EEG derivation, Fpz-Cz).
        sfreq (`float`, *optional*, defaults to 100.0):
            Sampling rate of the input in Hz.
        epoch_seconds (`float`, *optional*, defaults to 30.0):
            Length of one epoch in seconds.
        seq_len (`int`, *optional*, defaults to 1):
            Epochs per sample; every epoch is encoded and staged on its own.
        channels (`list[int]`, *optional*):
            Output channels of the five stages. Defaults to `[64, 128, 192, 256, 128]`; the last is the latent size.
        n_layers (`list[int]`, *optional*):
            Convolutions per stage. Defaults to `[2, 2, 3, 3, 3]`.
        pool_sizes (`list[int]`, *optional*):
            Max-pooling before each stage after the first (zero-padded to a multiple). Defaults to `[5, 5, 5, 4]`
            (3000 samples → 600 → 120 → 24 → 6).
        kernel_size (`int`, *optional*, defaults to 3):
            Kernel of every convolution (odd, length-preserving padding).
        gate_reduction (`int`, *optional*, defaults to 16):
            Reduction of the squeeze-and-excitation gate that ends each stage.
        attention_stages (`list[int]`, *optional*):
            0-based stages followed by multi-head self-attention with a residual connection and LayerNorm.
            Defaults to `[3, 4]` (the last two stages, as the original).
        attention_heads (`int`, *optional*, defaults to 8):
            Heads of each self-attention layer.
        contrastive_temperature (`float`, *optional*, defaults to 0.5):
            Temperature of the NT-Xent contrastive loss (not `temperature`, which transformers reserves for
            generation). The original configs say 0.1 (and 0.07), but its
            `NTXentLoss` was built without arguments, so 0.5 is what its runs actually used.
        mask_ratio (`float`, *optional*):
            Fraction of the input hidden from the encoder in masked-prediction pretraining. Defaults to the
            backbone's original setting (see the backbone's notes).
        mask_loss_on (`str`, *optional*, defaults to `"masked"`):
            Where the reconstruction error is measured: `"masked"` (the hidden part, as in MAE), `"visible"`
            (the part the encoder saw, what the original code does: its mask marks kept samples and its L2 loss
            averages over them) or `"all"`.
        alpha_crl (`float`, *optional*, defaults to 1.0):
            Weight of the contrastive loss in hybrid pretraining: `loss = masked + alpha_crl * contrastive`.
        augmentation_probability (`float`, *optional*, defaults to 0.5):
            Probability with which each of the six augmentations is applied to each epoch of a contrastive view.
        augmentation_seed (`int`, *optional*):
            Seed of the generator behind the augmentations and the masks. Unset, it is drawn from torch's
            global generator (so `transformers.set_seed` makes runs reproducible).
        freeze_encoder (`bool`, *optional*, defaults to False):
            Keeps the encoder's weights fixed (and its batch-norm statistics, by holding it in eval mode) when
            training the staging head: the original's linear evaluation on the frozen encoder.
        classifier_hidden_size (`int`, *optional*, defaults to 256):
            Width of the two hidden layers of the staging MLP (latent → 256 → 256 → num_labels in the original).
        classifier_dropout (`float`, *optional*, defaults to 0.5):
            Dropout after each hidden layer of the staging MLP.
        kwargs:
            The shared arguments of [`SleepStagingConfig`] (`ch_names`, `units`, `class_weights`, `id2label`, ...).

    Example:

    ```python
    >>> from hf_sleep import DSBCNNAttentionConfig
    >>> DSBCNNAttentionConfig().attention_stages
    [3, 4]
    ```
    """

    model_type = "dsb_cnn_attention"
    auto_model_class = "DSBCNNAttentionForSleepStaging"
    default_attention_stages = (3, 4)

    def __init__(
        self,
        n_chans: int = 1,
        sfreq: float = 100.0,
        epoch_seconds: float = 30.0,
        seq_len: int = 1,
        channels: list[int] | None = None,
        n_layers: list[int] | None = None,
        pool_sizes: list[int] | None = None,
        kernel_size: int = 3,
        gate_reduction: int = 16,
        attention_stages: list[int] | None = None,
        attention_heads: int = 8,
        **kwargs: Any,
    ) -> None:
        # Spelled out (not inherited) because transformers gives a config subclass without its own
        # `__init__` a generated dataclass one.
        super().__init__(
            n_chans=n_chans,
            sfreq=sfreq,
            epoch_seconds=epoch_seconds,
            seq_len=seq_len,
            channels=channels,
            n_layers=n_layers,
            pool_sizes=pool_sizes,
            kernel_size=kernel_size,
            gate_reduction=gate_reduction,
            attention_stages=attention_stages,
            attention_heads=attention_heads,
            **kwargs,
        )


class DSBCNNAttentionPreTrainedModel(DSBCNNPreTrainedModel):
    config_class = DSBCNNAttentionConfig


class DSBCNNAttentionModel(DSBCNNModel):
    """The CNN+Attention encoder: `(batch, seq_len, n_chans, n_times)` → latent `(batch, seq_len, 128)`."""

    config_class = DSBCNNAttentionConfig


class DSBCNNAttentionForSleepStaging(DSBCNNForSleepStaging):
    """CNN+Attention encoder with the original's evaluation MLP (128 → 256 → 256 → num_labels).

    Example:

    ```python
    >>> import torch
    >>> from hf_sleep import DSBCNNAttentionConfig, DSBCNNAttentionForSleepStaging
    >>> model = DSBCNNAttentionForSleepStaging(DSBCNNAttentionConfig()).eval()
    >>> model(torch.randn(2, 1, 3000)).logits.shape
    torch.Size([2, 5])
    ```
    """

    config_class = DSBCNNAttentionConfig
    model_class = DSBCNNAttentionModel


class DSBCNNAttentionForContrastivePretraining(DSBCNNForContrastivePretraining):
    """Contrastive (NT-Xent) pretraining of the CNN+Attention encoder."""

    config_class = DSBCNNAttentionConfig
    model_class = DSBCNNAttentionModel


class DSBCNNAttentionForMaskedPretraining(DSBCNNForMaskedPretraining):
    """Masked-prediction pretraining of the CNN+Attention encoder with its mirrored decoder."""

    config_class = DSBCNNAttentionConfig
    model_class = DSBCNNAttentionModel


class DSBCNNAttentionForHybridPretraining(DSBCNNForHybridPretraining):
    """Hybrid (masked + alpha_crl * contrastive) pretraining of the CNN+Attention encoder."""

    config_class = DSBCNNAttentionConfig
    model_class = DSBCNNAttentionModel


__all__ = [
    "DSBCNNAttentionForContrastivePretraining",
    "DSBCNNAttentionForHybridPretraining",
    "DSBCNNAttentionForMaskedPretraining",
    "DSBCNNAttentionForSleepStaging",
    "DSBCNNAttentionModel",
    "DSBCNNAttentionPreTrainedModel",
]
