"""Write docs/configuration.md from the Settings class, so the docs list every setting
with its help text and default. tests/test_config_docs.py fails when it is stale."""

from __future__ import annotations

import sys
from pathlib import Path

from paperscope.config import Settings

HEADER = """# Configuration

Every setting is read from the environment (prefix `PAPERSCOPE_`) and most have a
command-line option too. Generated from `src/paperscope/config.py` by
`python scripts/gen_config_docs.py`; do not edit by hand.

| variable | default | what it does |
|---|---|---|
"""


def render() -> str:
    rows = []
    for name, field in Settings.model_fields.items():
        default = field.default
        shown = "(unset)" if default is None else f"`{default}`"
        help_text = (field.description or "").replace("|", "\\|")
        rows.append(f"| `PAPERSCOPE_{name.upper()}` | {shown} | {help_text} |")
    return HEADER + "\n".join(rows) + "\n"


if __name__ == "__main__":
    out = Path(__file__).resolve().parents[1] / "docs" / "configuration.md"
    out.write_text(render())
    sys.stdout.write(f"wrote {out}\n")
