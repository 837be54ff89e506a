"""The explicit list of hf_sleep architectures: what the tests, the README, the cards and the CLI iterate over."""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from typing import Any

from hf_sleep.lazy_exports import import_attribute


@dataclass(frozen=True)
class Architecture:
    """One registered architecture and what is known about the original it reproduces.

    Classes are named, not imported: the registry loads without torch or transformers (so `hf-sleep --help`
    and the CLI's argument checks start fast), and each class is imported from
    `hf_sleep/models/<name>/configuration_<name>.py` or `modeling_<name>.py` when first asked for.

    Args:
        name: the `model_type`, also the folder name under `hf_sleep/models/`.
        display_name: how papers and users write it.
        config_class_name: its `SleepStagingConfig` subclass (`config_class` is the class).
        model_class_name: the `...ForSleepStaging` class that `AutoModel` returns (`model_class`).
        base_model_class_name: the backbone without classifier (`base_model_class`).
        summary: one line for tables and cards.
        paper: short citation.
        bibtex: BibTeX entry of the original paper.
        code_url: the original implementation.
        original_parameters: `{setting: count}` as published or counted in the original code.
        faithful_configs: `{setting: config kwargs}` that reproduce the original (same keys as above).
        parameter_note: why our count differs from the original's, if it does.
        pretraining_class_names: `{objective: head class}` of self-supervised pretraining heads sharing the
            config (`"contrastive"`, `"masked"`, `"hybrid"`); the hybrid one is what `AutoModelForPreTraining`
            returns (`pretraining_classes` maps to the classes).
    """

    name: str
    display_name: str
    config_class_name: str
    model_class_name: str
    base_model_class_name: str
    summary: str
    paper: str
    bibtex: str
    code_url: str
    original_parameters: dict[str, int] = field(default_factory=dict)
    faithful_configs: dict[str, dict[str, Any]] = field(default_factory=dict)
    parameter_note: str = ""
    pretraining_class_names: dict[str, str] = field(default_factory=dict)

    @property
    def config_class(self) -> type:
        return import_attribute(f"hf_sleep.models.{self.name}.configuration_{self.name}", self.config_class_name)

    @property
    def model_class(self) -> type:
        return import_attribute(f"hf_sleep.models.{self.name}.modeling_{self.name}", self.model_class_name)

    @property
    def base_model_class(self) -> type:
        return import_attribute(f"hf_sleep.models.{self.name}.modeling_{self.name}", self.base_model_class_name)

    @property
    def pretraining_classes(self) -> dict[str, type]:
        modeling = f"hf_sleep.models.{self.name}.modeling_{self.name}"
        return {objective: import_attribute(modeling, name) for objective, name in self.pretraining_class_names.items()}

    def build(self, **config_kwargs: Any):
        """A randomly initialised `...ForSleepStaging` model with the given config arguments."""
        return self.model_class(self.config_class(**config_kwargs))


# The three DeepSleepBench architectures come from one project: one citation, one code address.
DEEPSLEEPBENCH_CODE = "https://github.com/RaphaelKreft/DeepLearningProject"
DEEPSLEEPBENCH_BIBTEX = """@misc{deepsleepbench2025,
  title={Benchmarking Neural Latent Representations on EEG Data for Sleep Stage Classification (DeepSleepBench)},
  author={Kreft, Raphael and others},
  howpublished={ETH Zurich Deep Learning project, code at https://github.com/RaphaelKreft/DeepLearningProject},
  year={2025}, note={Fork of SleePyCo (Lee et al. 2024, Expert Systems with Applications 237:121484)}
}"""

ARCHITECTURES: dict[str, Architecture] = {
    arch.name: arch
    for arch in (
        Architecture(
            name="deepsleepnet",
            display_name="DeepSleepNet",
            config_class_name="DeepSleepNetConfig",
            model_class_name="DeepSleepNetForSleepStaging",
            base_model_class_name="DeepSleepNetModel",
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
            config_class_name="TinySleepNetConfig",
            model_class_name="TinySleepNetForSleepStaging",
            base_model_class_name="TinySleepNetModel",
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
        Architecture(
            name="seqsleepnet",
            display_name="SeqSleepNet",
            config_class_name="SeqSleepNetConfig",
            model_class_name="SeqSleepNetForSleepStaging",
            base_model_class_name="SeqSleepNetModel",
            summary=(
                "Log-spectrogram and learnable filterbank per channel, a bidirectional RNN with attention over "
                "the frames of each epoch, a bidirectional RNN over the sequence and one classifier per position."
            ),
            paper="Phan, Andreotti, Cooray, Chén & De Vos (2019), IEEE TNSRE 27(3):400-410",
            bibtex="""@article{phan2019seqsleepnet,
  title={SeqSleepNet: End-to-End Hierarchical Recurrent Neural Network for Sequence-to-Sequence Automatic Sleep Staging},
  author={Phan, Huy and Andreotti, Fernando and Cooray, Navin and Ch{\'e}n, Oliver Y. and De Vos, Maarten},
  journal={IEEE Transactions on Neural Systems and Rehabilitation Engineering},
  volume={27}, number={3}, pages={400--410}, year={2019}, doi={10.1109/TNSRE.2019.2896659}
}""",
            code_url="https://github.com/pquochuy/SeqSleepNet",
            original_parameters={
                "1 channel, GRU": 136_708,
                "1 channel, BN-LSTM": 176_388,
                "3 channels, GRU": 169_540,
                "3 channels, BN-LSTM": 217_412,
            },
            faithful_configs={
                "1 channel, GRU": {"seq_len": 20, "rnn_cell": "gru"},
                "1 channel, BN-LSTM": {"seq_len": 20, "rnn_cell": "lstm"},
                "3 channels, GRU": {
                    "seq_len": 20,
                    "rnn_cell": "gru",
                    "n_chans": 3,
                    "ch_names": ["EEG C4-A1", "EOG", "EMG"],
                },
                "3 channels, BN-LSTM": {
                    "seq_len": 20,
                    "rnn_cell": "lstm",
                    "n_chans": 3,
                    "ch_names": ["EEG C4-A1", "EOG", "EMG"],
                },
            },
            parameter_note=(
                "Originals counted from pquochuy/SeqSleepNet (filterbank 129 × 32 per channel, 20 output layers). "
                "GRU (the paper's cell, our default): PyTorch's GRU has a second bias vector (+3 × 64 per direction, "
                "+768 over both RNNs) and applies the reset gate after the hidden projection. BN-LSTM (the released "
                'code\'s cell, `rnn_cell="lstm"`): identical count.'
            ),
        ),
        Architecture(
            name="slumbernet",
            display_name="SlumberNet",
            config_class_name="SlumberNetConfig",
            model_class_name="SlumberNetForSleepStaging",
            base_model_class_name="SlumberNetModel",
            summary=(
                "ResNet (7 residual blocks, global average pooling) scoring 4-s mouse epochs as Wake, NREM or REM "
                "from EEG and EMG."
            ),
            paper="Jha, Valekunja & Reddy (2024), Scientific Reports 14:4797 (preprint 2023)",
            bibtex="""@article{jha2024slumbernet,
  title={SlumberNet: deep learning classification of sleep stages using residual neural networks},
  author={Jha, Pawan K. and Valekunja, Utham K. and Reddy, Akhilesh B.},
  journal={Scientific Reports},
  volume={14}, pages={4797}, year={2024}, doi={10.1038/s41598-024-54727-0}
}""",
            code_url="https://github.com/laulaurose/SlumberNet",
            original_parameters={"2 channels (EEG, EMG), 64 Hz, 4 s": 5_338_931},
            faithful_configs={"2 channels (EEG, EMG), 64 Hz, 4 s": {}},
            parameter_note=(
                "Same layer shapes as the Keras original (trainable parameters; BN running statistics are buffers). "
                "Channel layout corrected: the original reshaped (2, 256) epochs to (256, 2), mixing EEG and EMG "
                "samples; here EEG and EMG are two rows and every kernel runs along time."
            ),
        ),
        Architecture(
            name="dsb_cnn",
            display_name="DeepSleepBench CNN",
            config_class_name="DSBCNNConfig",
            model_class_name="DSBCNNForSleepStaging",
            base_model_class_name="DSBCNNModel",
            summary="SleePyCo's gated CNN encoder (128-d latent) for contrastive, masked or hybrid pretraining.",
            paper="DeepSleepBench (Kreft et al., ETH Deep Learning project 2025), after SleePyCo (Lee et al. 2024)",
            bibtex=DEEPSLEEPBENCH_BIBTEX,
            code_url=DEEPSLEEPBENCH_CODE,
            original_parameters={"1 channel, 100 Hz, 30 s": 1_244_098},
            faithful_configs={"1 channel, 100 Hz, 30 s": {}},
            parameter_note=(
                "Encoder 1,142,973 as the original; plus its evaluation MLP 128→256→256→5 with batch norm "
                "(101,125). The mirrored decoder (1,751,042; the original's 1,751,039, whose 1-channel output "
                "gate has 0 hidden units where ours has 1) lives in the masked and hybrid heads only."
            ),
            pretraining_class_names={
                "contrastive": "DSBCNNForContrastivePretraining",
                "masked": "DSBCNNForMaskedPretraining",
                "hybrid": "DSBCNNForHybridPretraining",
            },
        ),
        Architecture(
            name="dsb_cnn_attention",
            display_name="DeepSleepBench CNN+Attention",
            config_class_name="DSBCNNAttentionConfig",
            model_class_name="DSBCNNAttentionForSleepStaging",
            base_model_class_name="DSBCNNAttentionModel",
            summary="The DeepSleepBench CNN with 8-head self-attention after its last two stages.",
            paper="DeepSleepBench (Kreft et al., ETH Deep Learning project 2025), after SleePyCo (Lee et al. 2024)",
            bibtex=DEEPSLEEPBENCH_BIBTEX,
            code_url=DEEPSLEEPBENCH_CODE,
            original_parameters={"1 channel, 100 Hz, 30 s": 1_574_082},
            faithful_configs={"1 channel, 100 Hz, 30 s": {}},
            parameter_note=(
                "Encoder 1,472,957 as the original; plus the evaluation MLP (101,125). The decoder "
                "(2,163,330) lives in the masked and hybrid heads only."
            ),
            pretraining_class_names={
                "contrastive": "DSBCNNAttentionForContrastivePretraining",
                "masked": "DSBCNNAttentionForMaskedPretraining",
                "hybrid": "DSBCNNAttentionForHybridPretraining",
            },
        ),
        Architecture(
            name="dsb_transformer",
            display_name="DeepSleepBench Transformer",
            config_class_name="DSBTransformerConfig",
            model_class_name="DSBTransformerForSleepStaging",
            base_model_class_name="DSBTransformerModel",
            summary="ViT-style masked auto-encoder over patches of the epoch (CLS latent), 6 + 8 layers.",
            paper="DeepSleepBench (Kreft et al., ETH Deep Learning project 2025), after NeuroNet and MAE",
            bibtex=DEEPSLEEPBENCH_BIBTEX,
            code_url=DEEPSLEEPBENCH_CODE,
            original_parameters={"1 channel, 100 Hz, 30 s, one 30-s token (original)": 1_675_269},
            faithful_configs={
                "1 channel, 100 Hz, 30 s, one 30-s token (original)": {
                    "patch_seconds": 30.0,
                    "mask_unit": "sample",
                }
            },
            parameter_note=(
                "Encoder 1,574,144 (trainable parameters of the original's patch projection, CLS token, 6 blocks "
                "and norm; its fixed sinusoidal positions are computed, not stored, here) plus the evaluation MLP (101,125). Not counted: "
                "the original's unused 128→1024→512 projector (658,944). The default config uses 1-s patches "
                "(30 tokens): 1,304,069."
            ),
            pretraining_class_names={
                "contrastive": "DSBTransformerForContrastivePretraining",
                "masked": "DSBTransformerForMaskedPretraining",
                "hybrid": "DSBTransformerForHybridPretraining",
            },
        ),
        Architecture(
            name="robustsleepnet",
            display_name="RobustSleepNet",
            config_class_name="RobustSleepNetConfig",
            model_class_name="RobustSleepNetForSleepStaging",
            base_model_class_name="RobustSleepNetModel",
            summary=(
                "Log spectrograms standardised per window, attention over any number of input channels, "
                "a GRU over frames and a residual bidirectional GRU over 21 epochs."
            ),
            paper="Guillot & Thorey (2021), IEEE TNSRE 29:1441-1451",
            bibtex="""@article{guillot2021robustsleepnet,
  title={RobustSleepNet: Transfer Learning for Automated Sleep Staging at Scale},
  author={Guillot, Antoine and Thorey, Valentin},
  journal={IEEE Transactions on Neural Systems and Rehabilitation Engineering},
  volume={29}, pages={1441--1451}, year={2021}, doi={10.1109/TNSRE.2021.3098968}
}""",
            code_url="https://github.com/Dreem-Organization/RobustSleepNet",
            original_parameters={"any number of channels, 60 Hz, 30 s": 180_343},
            faithful_configs={"any number of channels, 60 Hz, 30 s": {}},
            parameter_note=(
                "Original counted from the tensors of the published checkpoints (`state.torch`); both are PyTorch, "
                "so the GRUs match. No weight depends on the number of input channels."
            ),
        ),
    )
}


def get_architecture(name: str) -> Architecture:
    """The registered architecture called `name` (its `model_type`); the error lists the known ones."""
    try:
        return ARCHITECTURES[name]
    except KeyError:
        close = difflib.get_close_matches(str(name), ARCHITECTURES, n=1)
        hint = f"did you mean {close[0]!r}? " if close else ""
        raise ValueError(f"unknown architecture {name!r}; {hint}registered: {', '.join(ARCHITECTURES)}") from None


def register_auto_classes() -> None:
    """Registers every architecture with `AutoConfig`, `AutoModel`, `AutoFeatureExtractor` and `AutoModelForPreTraining`,
    and the `sleep-staging` task with transformers' pipelines (idempotent).

    `import hf_sleep` calls it when transformers is already imported; call it directly where hf_sleep may have been
    imported first (hf_sleep's own loaders do).
    """
    from transformers import AutoConfig, AutoFeatureExtractor, AutoModel, AutoModelForPreTraining

    from hf_sleep.models.sleep_base.feature_extraction_sleep import SleepFeatureExtractor

    for arch in ARCHITECTURES.values():
        AutoConfig.register(arch.name, arch.config_class, exist_ok=True)
        AutoModel.register(arch.config_class, arch.model_class, exist_ok=True)
        AutoFeatureExtractor.register(arch.config_class, SleepFeatureExtractor, exist_ok=True)
        if "hybrid" in arch.pretraining_class_names:
            AutoModelForPreTraining.register(arch.config_class, arch.pretraining_classes["hybrid"], exist_ok=True)
    from hf_sleep.staging.sleep_staging_pipeline import register_pipeline

    register_pipeline()  # pipeline("sleep-staging", model=...)
