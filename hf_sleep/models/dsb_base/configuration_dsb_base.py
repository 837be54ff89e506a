"""What every DeepSleepBench backbone config shares: the pretraining objectives and the staging head."""

from __future__ import annotations

from typing import Any

from hf_sleep.models.sleep_base.configuration_sleep_base import SleepStagingConfig

MASK_LOSS_TARGETS: tuple[str, ...] = ("masked", "visible", "all")

class DSBConfig(SleepStagingConfig):
    r"""Base of the DeepSleepBench configs: the pretraining objectives and the staging head, shared by the backbones.

    Args:
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
            The shared arguments of [`SleepStagingConfig`] (`class_weights`, `id2label`, ...).
    """

    # Not annotated: transformers turns annotated config attributes into saved fields.
    default_mask_ratio = 0.5

    def __init__(
        self,
        contrastive_temperature: float = 0.5,
        mask_ratio: float | None = None,
        mask_loss_on: str = "masked",
        alpha_crl: float = 1.0,
        augmentation_probability: float = 0.5,
        augmentation_seed: int | None = None,
        freeze_encoder: bool = False,
        classifier_hidden_size: int = 256,
        classifier_dropout: float = 0.5,
        **kwargs: Any,
    ) -> None:
        mask_ratio = self.default_mask_ratio if mask_ratio is None else mask_ratio
        if not (isinstance(contrastive_temperature, (int, float)) and contrastive_temperature > 0):
            raise ValueError(f"contrastive_temperature must be a positive number, got {contrastive_temperature!r}")
        if not 0.0 < mask_ratio < 1.0:
            raise ValueError(f"mask_ratio must be in (0, 1) (fraction of the input hidden), got {mask_ratio!r}")
        if mask_loss_on not in MASK_LOSS_TARGETS:
            raise ValueError(f"mask_loss_on must be one of {MASK_LOSS_TARGETS}, got {mask_loss_on!r}")
        if alpha_crl < 0:
            raise ValueError(f"alpha_crl must be >= 0, got {alpha_crl}")
        if not 0.0 <= augmentation_probability <= 1.0:
            raise ValueError(f"augmentation_probability must be in [0, 1], got {augmentation_probability}")
        if classifier_hidden_size < 1:
            raise ValueError(f"classifier_hidden_size must be a positive integer, got {classifier_hidden_size}")
        if not 0.0 <= classifier_dropout < 1.0:
            raise ValueError(f"classifier_dropout must be in [0, 1), got {classifier_dropout}")
        self.contrastive_temperature = float(contrastive_temperature)
        self.mask_ratio = float(mask_ratio)
        self.mask_loss_on = mask_loss_on
        self.alpha_crl = float(alpha_crl)
        self.augmentation_probability = float(augmentation_probability)
        self.augmentation_seed = augmentation_seed
        self.freeze_encoder = bool(freeze_encoder)
        self.classifier_hidden_size = classifier_hidden_size
        self.classifier_dropout = classifier_dropout
        super().__init__(**kwargs)

    @property
    def latent_size(self) -> int:
        """Size of the L2-normalised per-epoch latent the heads work on."""
        raise NotImplementedError
