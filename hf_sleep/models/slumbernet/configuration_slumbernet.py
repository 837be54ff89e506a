"""SlumberNet configuration (Jha, Valekunja & Reddy 2023)."""

from __future__ import annotations

from typing import Any

from hf_sleep.models.sleep_base.configuration_sleep_base import SleepStagingConfig, check_activation

MOUSE_STAGES: dict[int, str] = {0: "Wake", 1: "NREM", 2: "REM"}


class SlumberNetConfig(SleepStagingConfig):
    r"""Configuration of [`SlumberNetForSleepStaging`]: a 2-D ResNet over the EEG and EMG of one 4-s mouse epoch.

    The defaults are the original's: 256 Hz signals downsampled ×4 to 64 Hz (256 samples per epoch, see
    [`hf_sleep.models.sleep_base.preprocessing.slumbernet_preprocess`]), six residual blocks of 8 to 256 filters with kernels 8, 5
    and 3 along time, a seventh block of three kernel-8 convolutions at 256 filters, global average pooling and
    a 3-way classifier (Wake, NREM, REM). Every kernel spans `channel_kernel_size` channels (2: EEG and EMG
    together) with TensorFlow `SAME` padding.

    Args:
        n_chans (`int`, *optional*, defaults to 2):
            Number of input channels (EEG, then EMG).
        sfreq (`float`, *optional*, defaults to 64.0):
            Sampling rate of the input in Hz (256 Hz recordings downsampled ×4).
        epoch_seconds (`float`, *optional*, defaults to 4.0):
            Length of one epoch in seconds (4-s epochs in the original).
        seq_len (`int`, *optional*, defaults to 1):
            Epochs per sample; SlumberNet scores each epoch on its own, so longer sequences are scored epoch by epoch.
        block_filters (`list[int]`, *optional*, defaults to [8, 16, 32, 64, 128, 256]):
            Filters of each residual block (the original starts at 8 and doubles).
        kernel_sizes (`list[int]`, *optional*, defaults to [8, 5, 3]):
            Time kernels of the three convolutions of every residual block.
        final_kernel_size (`int`, *optional*, defaults to 8):
            Time kernel of the three convolutions of the last block (which keeps the last block's width).
        channel_kernel_size (`int`, *optional*, defaults to 2):
            How many channels each kernel spans (the original's `kernel_y`; 1 gives per-channel kernels).
        activation (`str`, *optional*, defaults to `"relu"`):
            Activation after the batch norms and after each residual sum.
        drop_prob (`float`, *optional*, defaults to 0.0):
            Dropout after the first two convolutions of each block and after each residual sum (0 in the
            released models).
        kwargs:
            The shared arguments of [`SleepStagingConfig`] (`ch_names` defaults to `["EEG", "EMG"]`, `id2label`
            to Wake, NREM, REM, ...).

    Example:

    ```python
    >>> from hf_sleep import SlumberNetConfig
    >>> config = SlumberNetConfig()
    >>> config.n_times, config.stage_names
    (256, ['Wake', 'NREM', 'REM'])
    ```
    """

    model_type = "slumbernet"
    auto_model_class = "SlumberNetForSleepStaging"

    def __init__(
        self,
        n_chans: int = 2,
        sfreq: float = 64.0,
        epoch_seconds: float = 4.0,
        seq_len: int = 1,
        block_filters: list[int] | None = None,
        kernel_sizes: list[int] | None = None,
        final_kernel_size: int = 8,
        channel_kernel_size: int = 2,
        activation: str = "relu",
        drop_prob: float = 0.0,
        **kwargs: Any,
    ) -> None:
        block_filters = [8, 16, 32, 64, 128, 256] if block_filters is None else list(block_filters)
        kernel_sizes = [8, 5, 3] if kernel_sizes is None else list(kernel_sizes)
        check_activation("activation", activation)
        if not 0.0 <= drop_prob < 1.0:
            raise ValueError(f"drop_prob must be in [0, 1), got {drop_prob}")
        for name, values in (("block_filters", block_filters), ("kernel_sizes", kernel_sizes)):
            if not values or any(isinstance(v, bool) or not isinstance(v, int) or v < 1 for v in values):
                raise ValueError(f"{name} must be a non-empty list of positive integers, got {values!r}")
        if len(kernel_sizes) != 3:
            raise ValueError(
                f"kernel_sizes needs one kernel for each of the 3 convolutions of a block, got {kernel_sizes}"
            )
        for name, value in (
            ("final_kernel_size", final_kernel_size),
            ("channel_kernel_size", channel_kernel_size),
        ):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be a positive integer, got {value!r}")
        if kwargs.get("id2label") is None and kwargs.get("num_labels") is None:
            kwargs["id2label"] = dict(MOUSE_STAGES)
        if kwargs.get("ch_names") is None and n_chans == 2:
            kwargs["ch_names"] = ["EEG", "EMG"]
        self.block_filters = block_filters
        self.kernel_sizes = kernel_sizes
        self.final_kernel_size = final_kernel_size
        self.channel_kernel_size = channel_kernel_size
        self.activation = activation
        self.drop_prob = drop_prob
        super().__init__(n_chans=n_chans, sfreq=sfreq, epoch_seconds=epoch_seconds, seq_len=seq_len, **kwargs)

    @property
    def hidden_size(self) -> int:
        """Size of the pooled feature vector of one epoch (the last block's filters)."""
        return self.block_filters[-1]
