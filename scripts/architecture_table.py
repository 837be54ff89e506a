"""Prints the architecture table of docs/architectures.md: our parameter counts next to the originals'.

    python scripts/architecture_table.py
"""

from __future__ import annotations

from hf_sleep import ARCHITECTURES


def architecture_table() -> str:
    lines = [
        "| `model_type` | Architecture | Setting | Parameters (ours) | Parameters (original) | Why they differ |",
        "|---|---|---|---:|---:|---|",
    ]
    for name, arch in ARCHITECTURES.items():
        for setting, kwargs in arch.faithful_configs.items():
            ours = sum(p.numel() for p in arch.build(**kwargs).parameters())
            original = arch.original_parameters.get(setting)
            lines.append(
                f"| `{name}` | {arch.display_name} | {setting} | {ours:,} | "
                f"{'—' if original is None else f'{original:,}'} | {arch.parameter_note} |"
            )
    return "\n".join(lines)


if __name__ == "__main__":
    print(architecture_table())
