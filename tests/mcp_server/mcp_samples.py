"""The sample the MCP tests share: which papers alice saved, and where the data is."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from paperscope.config import Settings

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "sample" / "arxiv-snapshot-head200.jsonl"
SAVED = ("0704.0001", "0704.0029", "0704.0106")  # hep-ph papers alice keeps under "qcd"


@dataclass(frozen=True)
class McpData:
    settings: Settings
    token: str  # alice's personal API token
    src: Path  # put on PYTHONPATH of server subprocesses
