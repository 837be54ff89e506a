"""Writes the architecture-only model card of every registered architecture to `model_cards/<model_type>.md`.

    python scripts/generate_model_cards.py          # regenerate
    python scripts/generate_model_cards.py --check  # exit 1 and list the stale cards instead

The cards are what `hf-sleep push ARCH --repo-id hf-sleep/ARCH --architecture-only` publishes;
`tests/test_model_cards.py` fails when a committed card differs from what this script writes.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
CARDS_DIR = REPO_ROOT / "model_cards"


def render_all() -> dict[str, str]:
    """`{file name: card text}` for every registered architecture."""
    from hf_sleep import ARCHITECTURES
    from hf_sleep.hub.model_card import architecture_card

    return {f"{name}.md": str(architecture_card(name)) for name in ARCHITECTURES}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only report stale or missing cards")
    args = parser.parse_args(argv)
    cards = render_all()
    stale = [
        name
        for name, text in cards.items()
        if not (CARDS_DIR / name).is_file() or (CARDS_DIR / name).read_text(encoding="utf-8") != text
    ]
    if args.check:
        for name in stale:
            print(f"stale: model_cards/{name}")
        return 1 if stale else 0
    CARDS_DIR.mkdir(exist_ok=True)
    for name, text in cards.items():
        (CARDS_DIR / name).write_text(text, encoding="utf-8")
    print(f"wrote {len(cards)} cards to {CARDS_DIR.relative_to(REPO_ROOT)}/ ({len(stale)} changed)")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(REPO_ROOT))
    sys.exit(main())
