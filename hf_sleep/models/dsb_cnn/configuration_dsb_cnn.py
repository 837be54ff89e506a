"""DeepSleepBench CNN configuration (SleePyCo's encoder with a mirrored decoder)."""

from __future__ import annotations

from typing import Any

from hf_sleep.models.dsb_base.configuration_dsb_base import DSB_OBJECTIVE_ARGS_DOC, DSBConfig


class DSBCNNConfig(DSBConfig):
    model_type = "dsb_cnn"
    auto_model_class = "DSBCNNForSleepStaging"
    # Stages (0-based) followed by 8-head self-attention; none in the plain CNN.
    default_attention_stages = ()
    # The original's hybrid CNN configs hide 25 % of the samples.
    default_mask_ratio = 0.25

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
        self.channels = list(channels) if channels is not None else [64, 128, 192, 256, 128]
        self.n_layers = list(n_layers) if n_layers is not None else [2, 2, 3, 3, 3]
        self.pool_sizes = list(pool_sizes) if pool_sizes is not None else [5, 5, 5, 4]
        self.attention_stages = (
            list(attention_stages) if attention_stages is not None else list(self.default_attention_stages)
        )
        self.kernel_size = kernel_size
        self.gate_reduction = gate_reduction
        self.attention_heads = attention_heads
        self._validate_cnn()
        super().__init__(n_chans=n_chans, sfreq=sfreq, epoch_seconds=epoch_seconds, seq_len=seq_len, **kwargs)

    def _validate_cnn(self) -> None:
        n_stages = len(self.channels)
        if n_stages < 1 or any(not isinstance(c, int) or c < 1 for c in self.channels):
            raise ValueError(f"channels must be a non-empty list of positive integers, got {self.channels}")
        if len(self.n_layers) != n_stages or any(n < 1 for n in self.n_layers):
            raise ValueError(
                f"n_layers needs one positive count per stage ({n_stages} stages), got {self.n_layers}"
            )
        if len(self.pool_sizes) != n_stages - 1 or any(p < 1 for p in self.pool_sizes):
            raise ValueError(
                f"pool_sizes needs one positive size per stage after the first ({n_stages - 1}), got {self.pool_sizes}"
            )
        if self.kernel_size < 1 or self.kernel_size % 2 == 0:
            raise ValueError(f"kernel_size must be odd (length-preserving padding), got {self.kernel_size}")
        if self.gate_reduction < 1:
            raise ValueError(f"gate_reduction must be a positive integer, got {self.gate_reduction}")
        for stage in self.attention_stages:
            # Stage 0's mirror in the decoder would attend over the input channels, so it is left out.
            if not 1 <= stage < n_stages:
                raise ValueError(f"attention_stages holds stage {stage}, but must be in 1..{n_stages - 1}")
            if self.channels[stage] % self.attention_heads or self.attention_heads < 1:
                raise ValueError(
                    f"attention after stage {stage} needs its {self.channels[stage]} channels divisible by "
                    f"attention_heads={self.attention_heads}"
                )
        # The mirrored decoder's attention runs on the input width of the stage.
        for stage in self.attention_stages:
            width = self.channels[stage - 1]
            if width % self.attention_heads:
                raise ValueError(
                    f"the decoder's attention at stage {stage} needs its {width} channels divisible by "
                    f"attention_heads={self.attention_heads}"
                )

    @property
    def latent_size(self) -> int:
        """Size of the latent: the channels of the last stage (128)."""
        return self.channels[-1]

    @property
    def stage_widths(self) -> list[int]:
        """Samples per epoch after each stage (pooling pads to a multiple of the pool size, as the original)."""
        widths = [self.n_times]
        for pool in self.pool_sizes:
            widths.append(-(-widths[-1] // pool))
        return widths


_CNN_ARGS_DOC = """
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
            Defaults to {attention_default}.
        attention_heads (`int`, *optional*, defaults to 8):
            Heads of each self-attention layer."""

DSBCNNConfig.__doc__ = (
    r"""Configuration of the DeepSleepBench CNN ([`DSBCNNForSleepStaging`] and its pretraining heads).

    SleePyCo's encoder: five stages of kernel-3 convolutions with batch norm and PReLU, each ended by a
    squeeze-and-excitation gate, with max-pooling between stages; the stage outputs c3, c4, c5 form the feature
    pyramid and the average of c5 over time, L2-normalised, is the 128-d latent. Masked prediction adds a
    mirrored decoder (transposed convolutions in place of the pooling). `mask_ratio` defaults to 0.25, the
    original's setting.
"""
    + _CNN_ARGS_DOC.format(attention_default="`[]` (no attention)")
    + DSB_OBJECTIVE_ARGS_DOC
    + """

    Example:

    ```python
    >>> from hf_sleep import DSBCNNConfig
    >>> DSBCNNConfig().stage_widths
    [3000, 600, 120, 24, 6]
    ```
    """
)
