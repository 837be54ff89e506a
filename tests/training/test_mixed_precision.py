"""The mixed-precision choice of `hf-sleep train` (`finalize_training_arguments`), on faked CUDA devices.

bf16 where the GPU computes it natively (compute capability 8.0 and later: A100, H100, RTX 30xx/40xx), fp16 on
older GPUs (V100, T4: torch can emulate bf16 there, but slowly), nothing on CPU or when the user chose. The real
thing runs in `tests/test_gpu.py` on a CUDA machine.
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest
import torch
import transformers.training_args

from hf_sleep.training.arguments import SleepTrainingArguments
from hf_sleep.training.pipeline import finalize_training_arguments


def fake_cuda_device(monkeypatch, capability: tuple[int, int] | None) -> None:
    """Makes torch see one CUDA device of `capability` (None: no CUDA) at the hardware-query level.

    `torch.cuda.is_bf16_supported` itself runs unchanged; its emulation probe answers True as it does on any real
    CUDA GPU. transformers' argument check caches its own bf16 answer, so it is pointed at the fake too.
    """
    available = capability is not None
    major, minor = capability or (0, 0)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: available)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: int(available))
    monkeypatch.setattr(torch.cuda, "current_device", lambda: 0)
    monkeypatch.setattr(torch.cuda, "set_device", lambda device: None)
    monkeypatch.setattr(torch.cuda, "get_device_capability", lambda device=None: (major, minor))
    monkeypatch.setattr(
        torch.cuda, "get_device_properties", lambda device=None: SimpleNamespace(major=major, minor=minor, name="fake")
    )
    monkeypatch.setattr(torch.cuda, "_check_bf16_tensor_supported", lambda device: available, raising=False)
    monkeypatch.setattr(transformers.training_args, "is_torch_bf16_gpu_available", lambda: available)


def arguments(tmp_path, **kwargs) -> SleepTrainingArguments:
    return SleepTrainingArguments(output_dir=str(tmp_path), report_to="none", **kwargs)


@pytest.mark.parametrize(
    ("capability", "expected"),
    [((9, 0), "bf16"), ((8, 0), "bf16"), ((8, 6), "bf16"), ((7, 5), "fp16"), ((7, 0), "fp16"), ((6, 1), "fp16")],
)
def test_cuda_device_gets_bf16_from_ampere_on_and_fp16_before(monkeypatch, tmp_path, capability, expected):
    args = arguments(tmp_path)
    fake_cuda_device(monkeypatch, capability)
    chosen = finalize_training_arguments(args)
    assert (chosen.bf16, chosen.fp16) == (expected == "bf16", expected == "fp16")
    assert chosen.mixed_precision == expected


def test_no_cuda_means_full_precision(monkeypatch, tmp_path):
    args = arguments(tmp_path)
    fake_cuda_device(monkeypatch, None)
    chosen = finalize_training_arguments(args)
    assert not chosen.bf16 and not chosen.fp16


@pytest.mark.parametrize(
    "kwargs",
    [dict(use_cpu=True), dict(auto_mixed_precision=False), dict(fp16=True)],
    ids=["use_cpu", "auto_off", "user_chose_fp16"],
)
def test_the_users_choice_is_kept(monkeypatch, tmp_path, kwargs):
    fake_cuda_device(monkeypatch, (8, 0))
    args = arguments(tmp_path, **kwargs)
    chosen = finalize_training_arguments(args)
    assert (chosen.bf16, chosen.fp16) == (False, kwargs.get("fp16", False))
