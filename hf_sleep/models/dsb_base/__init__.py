from hf_sleep.lazy_exports import lazy_exports

__getattr__, __dir__ = lazy_exports(
    __name__,
    {
        "configuration_dsb_base": ("DSBConfig",),
        "modeling_dsb_base": ("DSBPretrainingOutput", "masked_mse", "nt_xent_loss", "random_keep_mask"),
    },
)

__all__ = ["DSBConfig", "DSBPretrainingOutput", "masked_mse", "nt_xent_loss", "random_keep_mask"]
