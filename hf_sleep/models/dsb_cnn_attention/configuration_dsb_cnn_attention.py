"""DeepSleepBench CNN+Attention configuration: the CNN with self-attention after the last two stages."""

from __future__ import annotations

from typing import Any

from hf_sleep.models.dsb_base.configuration_dsb_base import DSB_OBJECTIVE_ARGS_DOC
from hf_sleep.models.dsb_cnn.configuration_dsb_cnn import _CNN_ARGS_DOC, DSBCNNConfig


class DSBCNNAttentionConfig(DSBCNNConfig):
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


DSBCNNAttentionConfig.__doc__ = (
    r"""Configuration of the DeepSleepBench CNN+Attention ([`DSBCNNAttentionForSleepStaging`] and its heads).

    The DeepSleepBench CNN with 8-head self-attention (residual connection, then LayerNorm) after the gate of
    the last two stages, in the encoder and, mirrored, in the decoder. `mask_ratio` defaults to 0.25.
"""
    + _CNN_ARGS_DOC.format(attention_default="`[3, 4]` (the last two stages, as the original)")
    + DSB_OBJECTIVE_ARGS_DOC
    + """

    Example:

    ```python
    >>> from hf_sleep import DSBCNNAttentionConfig
    >>> DSBCNNAttentionConfig().attention_stages
    [3, 4]
    ```
    """
)
