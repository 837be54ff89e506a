"""hf_sleep model explorer: build any registered architecture for your signal shape, inspect it, stage a night.

Run locally from a clone: `python spaces/model_explorer/app.py` (serves on 127.0.0.1; the port comes from
`GRADIO_SERVER_PORT`, default 7860). The logic lives in `explorer.py`; this file only lays it out.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
try:
    import hf_sleep  # noqa: F401
except ImportError:  # running from a clone without installing: use the package two folders up
    sys.path.insert(0, str(HERE.parents[1]))

import explorer  # noqa: E402
import gradio as gr  # noqa: E402

BUNDLED = "Bundled generated night (8 h)"
UPLOAD = "Upload a recording"
# Which model stages: the trained models shipped with hf_sleep, or the architecture built above.
TRAINED_EEG = "Trained: SeqSleepNet (physioex), 1 EEG channel"
TRAINED_PSG = "Trained: SeqSleepNet (physioex), EEG + EOG + EMG"
RANDOM = "The architecture above (random weights)"
PRETRAINED_NAMES = {TRAINED_EEG: "seqsleepnet-physioex-eeg", TRAINED_PSG: "seqsleepnet-physioex-eeg-eog-emg"}
LAYER_HEADERS = ["Layer", "Type", "Output shape", "Parameters"]
LAYER_COLUMN_WIDTHS = ["40%", "22%", "22%", "16%"]


def _default_architecture() -> str:
    names = [name for _, name in explorer.architecture_choices()]
    return "tinysleepnet" if "tinysleepnet" in names else names[0]


def reset_controls(name: str):
    """New architecture: its default signal shape and hyper-parameters."""
    shape = explorer.default_signal_shape(name)
    hyper = json.dumps(explorer.hyperparameter_defaults(name), indent=2)
    return shape["n_chans"], shape["sfreq"], shape["epoch_seconds"], shape["seq_len"], shape["num_classes"], hyper


def show_model(name, n_chans, sfreq, epoch_seconds, seq_len, num_classes, hyper):
    try:
        result = explorer.explore(name, n_chans, sfreq, epoch_seconds, seq_len, num_classes, hyper)
    except (ValueError, TypeError) as error:
        raise gr.Error(str(error)) from None
    return result.parameter_text, result.layers, result.contract, result.card


def run_staging(name, n_chans, sfreq, epoch_seconds, seq_len, num_classes, hyper, source, upload, channels,
                checkpoint, model_choice=TRAINED_EEG):
    if source == UPLOAD and not upload:
        raise gr.Error("upload a recording (.edf, .bdf, .fif or .vhdr) or choose the bundled night")
    pretrained = None if checkpoint else PRETRAINED_NAMES.get(model_choice)
    try:
        result = explorer.stage_night(
            name, n_chans, sfreq, epoch_seconds, seq_len, num_classes, hyper,
            recording=upload if source == UPLOAD else None, checkpoint=checkpoint or None, channels=channels,
            pretrained=pretrained,
        )
    except (ValueError, FileNotFoundError, TypeError) as error:
        raise gr.Error(str(error)) from None
    hours = result.n_epochs * result.epoch_seconds / 3600
    if checkpoint:
        source_note = f" — model {checkpoint}"
    elif pretrained:
        source_note = f" — trained model hf-sleep/{pretrained} (research use, not a medical device)"
    else:
        source_note = " — *random weights: the stages mean nothing*"
    summary = (
        f"**{result.recording.name}**: {result.n_epochs} epochs ({hours:.2f} h) from {', '.join(result.channels)}"
        + source_note
        + "".join(f"\n\n⚠️ {message}" for message in result.warnings)
    )
    return (
        str(result.files["plot"]),
        summary + "\n\n" + explorer.probabilities_markdown(result.stage_names, result.probabilities)
        + "\n\n" + explorer.statistics_markdown(result.statistics),
        str(result.files["csv"]),
    )


def build_ui() -> gr.Blocks:
    name = _default_architecture()
    n_chans0, sfreq0, epoch0, seq0, classes0, hyper0 = reset_controls(name)
    with gr.Blocks(title="hf_sleep model explorer") as demo:
        gr.Markdown(
            "# hf_sleep model explorer\nPick a sleep-staging architecture, set the signal shape and its "
            "hyper-parameters: the model is built live. Then stage a whole night: with the trained SeqSleepNet "
            "shipped with hf_sleep (physioex's weights; research use, not a medical device) or with the model above."
        )
        with gr.Row():
            with gr.Column(scale=1):
                architecture = gr.Dropdown(
                    explorer.architecture_choices(), value=name, label="Architecture", elem_id="architecture"
                )
                with gr.Row():
                    n_chans = gr.Number(n_chans0, label="Channels", precision=0, minimum=1, elem_id="n-chans")
                    sfreq = gr.Number(sfreq0, label="Sampling rate (Hz)", minimum=1, elem_id="sfreq")
                with gr.Row():
                    epoch_seconds = gr.Number(epoch0, label="Epoch length (s)", minimum=1, elem_id="epoch-seconds")
                    seq_len = gr.Number(seq0, label="Sequence length", precision=0, minimum=1, elem_id="seq-len")
                num_classes = gr.Number(classes0, label="Number of classes", precision=0, minimum=2,
                                        elem_id="num-classes")
                hyper = gr.Code(hyper0, language="json", label="Hyper-parameters (JSON)", elem_id="hyper")
                build = gr.Button("Build model", variant="primary", elem_id="build")
            with gr.Column(scale=2):
                parameters = gr.Markdown(elem_id="param-count")
                with gr.Tabs():
                    with gr.Tab("Layers"):
                        # Long layer names wrap so the parameter column stays in view on a 1,400-px window.
                        layers = gr.Dataframe(
                            headers=LAYER_HEADERS, datatype=["str", "str", "str", "number"], interactive=False,
                            wrap=True, column_widths=LAYER_COLUMN_WIDTHS, elem_id="layers",
                        )
                    with gr.Tab("Input / output"):
                        contract = gr.Markdown(elem_id="contract")
                    with gr.Tab("Model card"):
                        card = gr.Markdown(elem_id="card")
        gr.Markdown("## Stage a night")
        with gr.Row():
            with gr.Column(scale=1):
                model_choice = gr.Radio([TRAINED_EEG, TRAINED_PSG, RANDOM], value=TRAINED_EEG, label="Model",
                                        elem_id="model-choice")
                source = gr.Radio([BUNDLED, UPLOAD], value=BUNDLED, label="Recording", elem_id="source")
                upload = gr.File(label="EDF / BDF / FIF / BrainVision", type="filepath", elem_id="upload")
                channels = gr.Textbox(
                    label="Channels (comma-separated; empty = picked by name: a central EEG, EOG, chin EMG)",
                    elem_id="channels",
                )
                checkpoint = gr.Textbox(label="Checkpoint: local folder or Hub id (empty = the model chosen above)",
                                        elem_id="checkpoint")
                stage = gr.Button("Stage night", variant="primary", elem_id="stage")
            with gr.Column(scale=2):
                hypnogram = gr.Image(label="Hypnogram and stage probabilities", type="filepath",
                                     elem_id="hypnogram")
                statistics = gr.Markdown(elem_id="statistics")
                csv_file = gr.File(label="Hypnogram CSV", elem_id="csv")

        shape_inputs = [architecture, n_chans, sfreq, epoch_seconds, seq_len, num_classes, hyper]
        model_outputs = [parameters, layers, contract, card]
        architecture.input(
            reset_controls, architecture, [n_chans, sfreq, epoch_seconds, seq_len, num_classes, hyper]
        ).then(show_model, shape_inputs, model_outputs)
        build.click(show_model, shape_inputs, model_outputs)
        for control in (n_chans, sfreq, epoch_seconds, seq_len, num_classes):
            control.submit(show_model, shape_inputs, model_outputs)
            control.blur(show_model, shape_inputs, model_outputs)
        stage.click(
            run_staging, [*shape_inputs, source, upload, channels, checkpoint, model_choice],
            [hypnogram, statistics, csv_file],
        )
        demo.load(show_model, shape_inputs, model_outputs)
    return demo


if __name__ == "__main__":
    build_ui().launch()
