"""The bundled model folders, built from the published weights they are converted from (`hf-sleep
convert-physioex --bundle`): a module of its own, so that the package's light `__init__` imports no converter."""

from __future__ import annotations

import json
import os
from pathlib import Path

from hf_sleep.pretrained import BUNDLE_FILES, BUNDLE_ROOT, BUNDLED


def build_bundle(
    pretrained_dir: str | os.PathLike, out_root: str | os.PathLike = BUNDLE_ROOT, names: list[str] | None = None
) -> list[Path]:
    """Converts the published weights under `pretrained_dir` (the team's `pretrained/` folder: `physioex/`,
    `robustsleepnet/`) into the bundled folders under `out_root`.

    Writes only [`BUNDLE_FILES`]: the copied modeling code of a saved folder is left out (the package provides it)
    and `config.json` and `preprocessor_config.json` lose their `auto_map` and `custom_pipelines`. Returns the
    folders written.

    Args:
        names: the bundled models to build (default: all of [`BUNDLED`]).
    """
    import shutil
    import tempfile

    folders = []
    for name in names or list(BUNDLED):
        source = Path(pretrained_dir) / BUNDLED[name]
        target = Path(out_root) / name
        with tempfile.TemporaryDirectory() as scratch:
            if name.startswith("robustsleepnet-"):
                from hf_sleep.pretrained.convert_robustsleepnet import convert_robustsleepnet_model

                convert_robustsleepnet_model(source, scratch, name=name)
            else:
                from hf_sleep.pretrained.convert_physioex import convert_physioex_checkpoint

                convert_physioex_checkpoint(source, scratch, name=name)
            for json_name in ("config.json", "preprocessor_config.json"):  # no remote code in the bundle
                path = Path(scratch) / json_name
                content = json.loads(path.read_text())
                content.pop("auto_map", None)
                content.pop("custom_pipelines", None)
                path.write_text(json.dumps(content, indent=2, sort_keys=True) + "\n")
            target.mkdir(parents=True, exist_ok=True)
            for file_name in BUNDLE_FILES:
                shutil.copyfile(Path(scratch) / file_name, target / file_name)
        folders.append(target)
    return folders
