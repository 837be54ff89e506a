"""DeepSleepBench CNN+Attention: the CNN's classes bound to their own config (`model_type="dsb_cnn_attention"`).

Everything but the config lives in `modeling_dsb_cnn`: the attention layers are switched on by
`config.attention_stages`, which defaults to the last two stages here.
"""

from __future__ import annotations

from hf_sleep.models.dsb_cnn.modeling_dsb_cnn import (
    DSBCNNForContrastivePretraining,
    DSBCNNForHybridPretraining,
    DSBCNNForMaskedPretraining,
    DSBCNNForSleepStaging,
    DSBCNNModel,
    DSBCNNPreTrainedModel,
)

from .configuration_dsb_cnn_attention import DSBCNNAttentionConfig


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
