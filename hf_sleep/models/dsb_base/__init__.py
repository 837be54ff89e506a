from .configuration_dsb_base import DSBConfig
from .modeling_dsb_base import DSBPretrainingOutput, masked_mse, nt_xent_loss, random_keep_mask

__all__ = ["DSBConfig", "DSBPretrainingOutput", "masked_mse", "nt_xent_loss", "random_keep_mask"]
