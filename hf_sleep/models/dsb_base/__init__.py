from hf_sleep.lazy_exports import exported_names, lazy_exports

_LAZY: dict[str, tuple[str, ...]] = {
    "configuration_dsb_base": ("DSBConfig",),
    "modeling_dsb_base": ("DSBPretrainingOutput", "masked_mse", "nt_xent_loss", "random_keep_mask"),
}

__getattr__, __dir__ = lazy_exports(__name__, _LAZY)
__all__ = exported_names(_LAZY)
