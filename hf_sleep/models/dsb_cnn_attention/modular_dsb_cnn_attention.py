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

    Takes the arguments of [`DSBCNNConfig`] (documented there), with `attention_stages` defaulting to `[3, 4]`
    (the last two stages, as the original).

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

    def __init__(self, **kwargs: Any) -> None:
        # Its own `__init__`, with [`DSBCNNConfig`]'s arguments: transformers gives a config subclass without one a
        # generated dataclass `__init__`.
        super().__init__(**kwargs)


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

