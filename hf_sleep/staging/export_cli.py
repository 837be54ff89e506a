"""`hf-sleep export onnx MODEL OUT`: a model as an ONNX graph that stages whole nights (see `onnx_export`)."""

from __future__ import annotations

import argparse

from hf_sleep.console import add_flag


def _handle_onnx(args: argparse.Namespace) -> int:
    from hf_sleep.staging.onnx_export import export_onnx

    description = export_onnx(args.model, args.out, exporter=args.exporter, overwrite=args.overwrite)
    print(
        f"wrote {args.out}/onnx/model.onnx ({description['model_type']}, opset {description['opset']}, "
        f"{description['exporter']} exporter) and onnx/staging.json; stage with: hf-sleep stage NIGHT.edf --model {args.out}"
    )
    return 0


def add_subparsers(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "export", help="export a model for other runtimes (ONNX)", description="Export a model for other runtimes."
    )
    formats = parser.add_subparsers(dest="format", metavar="FORMAT", required=True)
    onnx = formats.add_parser(
        "onnx",
        help="an ONNX graph that stages whole nights, for onnxruntime (Python, web)",
        description=(
            "Write OUT/config.json, OUT/preprocessor_config.json, OUT/onnx/model.onnx (one graph: a night's epochs "
            "and its windows in, each window's logits out; dynamic numbers of epochs and windows) and "
            "OUT/onnx/staging.json (what a runtime does before and after the graph). 'hf-sleep stage --model OUT' "
            "then stages with onnxruntime, without torch or transformers. The graph is checked against torch "
            "(logits within 1e-4) before it is kept."
        ),
    )
    onnx.add_argument("model", help="a bundled model (hf-sleep/seqsleepnet-physioex-eeg), a saved folder or a Hub id")
    onnx.add_argument("out", help="the folder to write (created; may be the model's own folder)")
    onnx.add_argument(
        "--exporter", choices=("auto", "dynamo", "torchscript"), default="auto",
        help="torch.onnx's exporter (default auto: dynamo, else TorchScript)",
    )  # fmt: skip
    add_flag(onnx, "--overwrite", action="store_true", help="replace an existing onnx/model.onnx")
    onnx.set_defaults(handler=_handle_onnx)
