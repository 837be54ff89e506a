"""The explicit list of hf_sleep architectures: what the tests, the README, the cards and the CLI iterate over."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from transformers import AutoConfig, AutoModel

from hf_sleep.models.deepsleepnet.configuration_deepsleepnet import DeepSleepNetConfig
from hf_sleep.models.deepsleepnet.modeling_deepsleepnet import DeepSleepNetForSleepStaging, DeepSleepNetModel
from hf_sleep.models.tinysleepnet.configuration_tinysleepnet import TinySleepNetConfig
from hf_sleep.models.tinysleepnet.modeling_tinysleepnet import TinySleepNetForSleepStaging, TinySleepNetModel


@dataclass(frozen=True)
class Architecture:
    """One registered architecture and what is known about the original it reproduces.

    Args:
        name: the `model_type`, also the folder name under `hf_sleep/models/`.
        display_name: how papers and users write it.
        config_class: its `SleepStagingConfig` subclass.
        model_class: the `...ForSleepStaging` class that `AutoModel` returns.
        base_model_class: the backbone without classifier.
        summary: one line for tables and cards.
        paper: short citation.
        bibtex: BibTeX entry of the original paper.
        code_url: the original implementation.
        original_parameters: `{setting: count}` as published or counted in the original code.
        faithful_configs: `{setting: config kwargs}` that reproduce the original (same keys as above).
        parameter_note: why our count differs from the original's, if it does.
    """

    name: str
    display_name: str
    config_class: type
    model_class: type
    base_model_class: type
    summary: str
    paper: str
    bibtex: str
    code_url: str
    original_parameters: dict[str, int] = field(default_factory=dict)
    faithful_configs: dict[str, dict[str, Any]] = field(default_factory=dict)
    parameter_note: str = ""

    def build(self, **config_kwargs: Any):
        """A randomly initialised `...ForSleepStaging` model with the given config arguments."""
        return self.model_class(self.config_class(**config_kwargs))


ARCHITECTURES: dict[str, Architecture] = {
    arch.name: arch
    for arch in (
        Architecture(
            name="deepsleepnet",
            display_name="DeepSleepNet",
            config_class=DeepSleepNetConfig,
            model_class=DeepSleepNetForSleepStaging,
            base_model_class=DeepSleepNetModel,
            summary="Two-branch CNN per epoch with sequence residual learning by a bidirectional LSTM.",
            paper="Supratak, Dong, Wu & Guo (2017), IEEE TNSRE 25(11):1998-2008",
            bibtex="""@article{supratak2017deepsleepnet,
  title={DeepSleepNet: A Model for Automatic Sleep Stage Scoring Based on Raw Single-Channel EEG},
  author={Supratak, Akara and Dong, Hao and Wu, Chao and Guo, Yike},
  journal={IEEE Transactions on Neural Systems and Rehabilitation Engineering},
  volume={25}, number={11}, pages={1998--2008}, year={2017}, doi={10.1109/TNSRE.2017.2721116}
}""",
            code_url="https://github.com/akaraspt/deepsleepnet",
            original_parameters={"1 channel, 100 Hz, 30 s": 22_645_637},
            faithful_configs={"1 channel, 100 Hz, 30 s": {"activation_large": "relu", "seq_len": 25}},
            parameter_note=(
                "Original counted from the layer definitions of akaraspt/deepsleepnet (the paper says about "
                "22.6 M). PyTorch's LSTM has two bias vectors (+2,048 per layer) and no peephole weights "
                "(-1,536 per layer): +512 for each of the 4 LSTM layers, +2,048 in all."
            ),
        ),
        Architecture(
            name="tinysleepnet",
            display_name="TinySleepNet",
            config_class=TinySleepNetConfig,
            model_class=TinySleepNetForSleepStaging,
            base_model_class=TinySleepNetModel,
            summary="Small CNN per epoch followed by a unidirectional LSTM over the sequence.",
            paper="Supratak & Guo (2020), IEEE EMBC 2020:641-644",
            bibtex="""@inproceedings{supratak2020tinysleepnet,
  title={TinySleepNet: An Efficient Deep Learning Model for Sleep Stage Scoring based on Raw Single-Channel EEG},
  author={Supratak, Akara and Guo, Yike},
  booktitle={42nd Annual International Conference of the IEEE Engineering in Medicine \\& Biology Society (EMBC)},
  pages={641--644}, year={2020}, doi={10.1109/EMBC44109.2020.9176741}
}""",
            code_url="https://github.com/akaraspt/tinysleepnet",
            original_parameters={"1 channel, 100 Hz, 30 s": 1_516_293},
            faithful_configs={"1 channel, 100 Hz, 30 s": {"seq_len": 20}},
            parameter_note=(
                "PyTorch's LSTM has separate input and hidden biases (+512) and no peephole weights (-384): "
                "+128 against the TensorFlow original."
            ),
        ),
    )
}


def get_architecture(name: str) -> Architecture:
    """The registered architecture called `name` (its `model_type`); the error lists the known ones."""
    try:
        return ARCHITECTURES[name]
    except KeyError:
        raise ValueError(f"unknown architecture {name!r}; registered: {', '.join(ARCHITECTURES)}") from None


def register_auto_classes() -> None:
    """Registers every architecture with `AutoConfig` and `AutoModel` (idempotent)."""
    for arch in ARCHITECTURES.values():
        AutoConfig.register(arch.name, arch.config_class, exist_ok=True)
        AutoModel.register(arch.config_class, arch.model_class, exist_ok=True)
