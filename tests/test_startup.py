"""What each entry point imports: `hf-sleep --help` starts without torch or transformers, conversion without
transformers, staging without datasets/evaluate, and `import hf_sleep` still registers every architecture.

Each check runs in a fresh interpreter and reads `sys.modules`, so it tests imports, not timings (the timings
are in BENCHMARKS.md).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

from tests.conftest import REPO_ROOT

HEAVY = ("torch", "transformers", "datasets", "evaluate", "accelerate", "mne", "scipy", "matplotlib")


def _imported_after(code: str) -> set[str]:
    """The HEAVY modules a fresh interpreter has imported after running `code` (its stdout is discarded)."""
    wrapper = (
        "import contextlib, io, json, sys\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        + "".join(f"    {line}\n" for line in code.splitlines())
        + f"print(json.dumps(sorted(m for m in {HEAVY!r} if m in sys.modules)))\n"
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO_ROOT), os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run([sys.executable, "-c", wrapper], capture_output=True, text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    return set(json.loads(done.stdout.strip().splitlines()[-1]))


def test_help_of_every_command_imports_neither_torch_nor_transformers():
    code = (
        "from hf_sleep.cli import build_parser\n"
        "parser = build_parser()\n"
        "commands = [None, *parser._subparsers._group_actions[0].choices]\n"
        "for command in commands:\n"
        "    try:\n"
        "        parser.parse_args(['--help'] if command is None else [command, '--help'])\n"
        "    except SystemExit:\n"
        "        pass\n"
        "assert len(commands) > 5, commands\n"
    )
    assert _imported_after(code) == set()


def test_the_console_script_help_imports_nothing_heavy():
    code = "import sys\nsys.argv = ['hf-sleep', '--help']\nfrom hf_sleep.cli import main\ntry:\n    main()\nexcept SystemExit:\n    pass"
    assert _imported_after(code) == set()


def test_conversion_modules_import_neither_torch_nor_transformers():
    imported = _imported_after("import hf_sleep.data.sleep_edf, hf_sleep.data.rodent, hf_sleep.data.conversion, hf_sleep.data.splits")
    assert not imported & {"torch", "transformers"}, imported


def test_staging_imports_neither_datasets_nor_evaluate():
    code = (
        "import hf_sleep.staging.cli, hf_sleep.staging.one_night, hf_sleep.staging.many_nights, hf_sleep.staging.inference\n"
        "import hf_sleep\n"
        "hf_sleep.TinySleepNetForSleepStaging(hf_sleep.TinySleepNetConfig())\n"
    )
    imported = _imported_after(code)
    assert {"torch", "transformers"} <= imported and not imported & {"datasets", "evaluate"}, imported


AUTO_CHECK = (
    "from transformers import AutoConfig, AutoModel\n"
    "from hf_sleep.registry import ARCHITECTURES\n"
    "for name, arch in ARCHITECTURES.items():\n"
    "    assert type(AutoConfig.for_model(name)) is arch.config_class, name\n"
    "    assert AutoModel._model_mapping[arch.config_class] is arch.model_class, name\n"
)


def test_importing_hf_sleep_after_transformers_registers_every_architecture():
    for first in ("from transformers import AutoModel\nimport hf_sleep", "import transformers\nimport hf_sleep"):
        assert "torch" in _imported_after(first + "\n" + AUTO_CHECK), first


def test_importing_hf_sleep_first_stays_light_and_registers_on_first_use_or_when_asked():
    assert _imported_after("import hf_sleep") == set()
    assert "torch" in _imported_after("import hf_sleep\nhf_sleep.register_auto_classes()\n" + AUTO_CHECK)
    assert "torch" in _imported_after("import hf_sleep\nfrom hf_sleep import TinySleepNetConfig\n" + AUTO_CHECK)


def test_a_lazy_name_imports_only_its_module():
    """`from hf_sleep.models.tinysleepnet import TinySleepNetConfig` loads the configuration, not the modeling code."""
    code = (
        "import sys\nfrom hf_sleep.models.tinysleepnet import TinySleepNetConfig\n"
        "assert 'hf_sleep.models.tinysleepnet.modeling_tinysleepnet' not in sys.modules\n"
        "assert TinySleepNetConfig().model_type == 'tinysleepnet'\n"
        "import hf_sleep\nassert hf_sleep.TinySleepNetConfig is TinySleepNetConfig\n"
        "assert 'TinySleepNetForSleepStaging' in dir(hf_sleep)\n"
    )
    _imported_after(code)


def test_reading_an_edf_night_for_the_default_model_imports_neither_mne_nor_torch(tmp_path):
    """The channels are picked from the EDF header (MNE takes longer to import than the night takes to read)."""
    from hf_sleep.data.synthetic import write_sleep_edf_night

    night, _ = write_sleep_edf_night(tmp_path, hypnogram=None, subject=0, night=1, duration_hours=0.05)
    code = (
        "from hf_sleep.pretrained import pretrained_path\n"
        "from hf_sleep.staging.model_loading import saved_feature_extractor\n"
        "from hf_sleep.staging.reading import read_night\n"
        f"night = read_night({str(night)!r}, saved_feature_extractor(pretrained_path()))\n"
        "extractor, epochs = night.extractor, night.epochs\n"
        "assert extractor.ch_names == ['EEG Fpz-Cz'] and epochs.shape == (6, 1, 3000), (extractor.ch_names, epochs.shape)\n"
    )
    assert not _imported_after(code) & {"mne", "torch"}
