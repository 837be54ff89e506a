"""DeepSleepBench Transformer configuration: a ViT-style masked auto-encoder over patches of the epoch."""

from __future__ import annotations

from typing import Any

from hf_sleep.models.dsb_base.configuration_dsb_base import DSB_OBJECTIVE_ARGS_DOC, DSBConfig

MASK_UNITS: tuple[str, ...] = ("patch", "sample")


class DSBTransformerConfig(DSBConfig):
    model_type = "dsb_transformer"
    auto_model_class = "DSBTransformerForSleepStaging"
    # The original's Transformer runs hide 75 % (of the samples of its single token).
    default_mask_ratio = 0.75

    def __init__(
        self,
        n_chans: int = 1,
        sfreq: float = 100.0,
        epoch_seconds: float = 30.0,
        seq_len: int = 1,
        patch_seconds: float = 1.0,
        hidden_size: int = 128,
        num_layers: int = 6,
        num_heads: int = 8,
        mlp_ratio: float = 4.0,
        decoder_hidden_size: int = 128,
        decoder_num_layers: int = 8,
        decoder_num_heads: int = 4,
        layer_norm_eps: float = 1e-6,
        dropout: float = 0.0,
        mask_unit: str = "patch",
        **kwargs: Any,
    ) -> None:
        self.patch_seconds = patch_seconds
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.num_heads = num_heads
        self.mlp_ratio = mlp_ratio
        self.decoder_hidden_size = decoder_hidden_size
        self.decoder_num_layers = decoder_num_layers
        self.decoder_num_heads = decoder_num_heads
        self.layer_norm_eps = layer_norm_eps
        self.dropout = dropout
        self.mask_unit = mask_unit
        super().__init__(n_chans=n_chans, sfreq=sfreq, epoch_seconds=epoch_seconds, seq_len=seq_len, **kwargs)
        self._validate_transformer()

    def _validate_transformer(self) -> None:
        for name in ("hidden_size", "num_layers", "num_heads", "decoder_hidden_size", "decoder_num_layers",
                     "decoder_num_heads"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be a positive integer, got {value!r}")
        if self.hidden_size % self.num_heads:
            raise ValueError(f"hidden_size={self.hidden_size} must be divisible by num_heads={self.num_heads}")
        if self.decoder_hidden_size % self.decoder_num_heads:
            raise ValueError(
                f"decoder_hidden_size={self.decoder_hidden_size} must be divisible by "
                f"decoder_num_heads={self.decoder_num_heads}"
            )
        if self.mlp_ratio <= 0 or not 0.0 <= self.dropout < 1.0 or self.layer_norm_eps <= 0:
            raise ValueError(
                f"mlp_ratio must be > 0, dropout in [0, 1) and layer_norm_eps > 0; got {self.mlp_ratio}, "
                f"{self.dropout}, {self.layer_norm_eps}"
            )
        samples = self.patch_seconds * self.sfreq
        if self.patch_seconds <= 0 or abs(samples - round(samples)) > 1e-6:
            raise ValueError(
                f"patch_seconds * sfreq must be a whole number of samples, got {self.patch_seconds} s * "
                f"{self.sfreq} Hz = {samples}"
            )
        if self.n_times % self.patch_length:
            raise ValueError(
                f"patch_seconds={self.patch_seconds} ({self.patch_length} samples) must divide the epoch of "
                f"{self.n_times} samples ({self.epoch_seconds} s at {self.sfreq} Hz)"
            )
        if self.mask_unit not in MASK_UNITS:
            raise ValueError(f"mask_unit must be one of {MASK_UNITS}, got {self.mask_unit!r}")
        if self.mask_unit == "patch" and int(self.n_patches * (1 - self.mask_ratio)) < 1:
            raise ValueError(
                f"mask_unit='patch' with {self.n_patches} patch(es) and mask_ratio={self.mask_ratio} keeps no "
                "patch visible; use shorter patches or mask_unit='sample'"
            )

    @property
    def patch_length(self) -> int:
        """Samples per patch."""
        return int(round(self.patch_seconds * self.sfreq))

    @property
    def n_patches(self) -> int:
        """Tokens per epoch (besides the CLS token)."""
        return self.n_times // self.patch_length

    @property
    def patch_dim(self) -> int:
        """Values in one patch: `n_chans * patch_length`."""
        return self.n_chans * self.patch_length

    @property
    def latent_size(self) -> int:
        """Size of the latent: the encoder width (128)."""
        return self.hidden_size


DSBTransformerConfig.__doc__ = (
    r"""Configuration of the DeepSleepBench Transformer ([`DSBTransformerForSleepStaging`] and its heads).

    A ViT-style masked auto-encoder: the epoch is cut into patches of `patch_seconds`, each patch (all channels)
    is projected linearly to `hidden_size`, fixed sinusoidal positions are added, a CLS token is prepended,
    and `num_layers` pre-norm Transformer blocks follow; the L2-normalised CLS output is the latent. Masked
    prediction hides `mask_ratio` of the patches from the encoder (MAE) and a lighter decoder predicts them.

    The original feeds the whole 30-s epoch as one token (`patch_seconds=30`): attention then has nothing to
    attend over, and masking must hide samples inside that token (`mask_unit="sample"`, as its data loader
    did). The default here is 1-s patches, 30 tokens per epoch. `mask_ratio` defaults to 0.75, the original's.

    Args:
        n_chans (`int`, *optional*, defaults to 1):
            Number of input channels (each patch holds every channel).
        sfreq (`float`, *optional*, defaults to 100.0):
            Sampling rate of the input in Hz.
        epoch_seconds (`float`, *optional*, defaults to 30.0):
            Length of one epoch in seconds.
        seq_len (`int`, *optional*, defaults to 1):
            Epochs per sample; every epoch is encoded and staged on its own.
        patch_seconds (`float`, *optional*, defaults to 1.0):
            Length of one patch (token); must divide the epoch. 30.0 reproduces the original.
        hidden_size (`int`, *optional*, defaults to 128):
            Width of the encoder, and size of the latent.
        num_layers (`int`, *optional*, defaults to 6):
            Encoder Transformer blocks.
        num_heads (`int`, *optional*, defaults to 8):
            Attention heads of the encoder.
        mlp_ratio (`float`, *optional*, defaults to 4.0):
            Hidden width of every block's MLP, as a multiple of the block's width.
        decoder_hidden_size (`int`, *optional*, defaults to 128):
            Width of the decoder.
        decoder_num_layers (`int`, *optional*, defaults to 8):
            Decoder Transformer blocks.
        decoder_num_heads (`int`, *optional*, defaults to 4):
            Attention heads of the decoder.
        layer_norm_eps (`float`, *optional*, defaults to 1e-06):
            Epsilon of every LayerNorm.
        dropout (`float`, *optional*, defaults to 0.0):
            Dropout in attention and MLPs (the original uses none).
        mask_unit (`str`, *optional*, defaults to `"patch"`):
            What masked prediction hides: whole patches (`"patch"`, MAE: hidden patches never reach the
            encoder) or single samples set to zero (`"sample"`, the original's data-loader masking)."""
    + DSB_OBJECTIVE_ARGS_DOC
    + """

    Example:

    ```python
    >>> from hf_sleep import DSBTransformerConfig
    >>> config = DSBTransformerConfig()
    >>> config.n_patches, config.patch_dim
    (30, 100)
    ```
    """
)
