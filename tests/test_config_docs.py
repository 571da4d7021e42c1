import importlib.util
from pathlib import Path

from paperscope.config import Settings

ROOT = Path(__file__).resolve().parents[1]


def test_every_setting_has_help_and_is_documented() -> None:
    spec = importlib.util.spec_from_file_location("gen", ROOT / "scripts" / "gen_config_docs.py")
    assert spec and spec.loader
    gen = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(gen)
    for name, field in Settings.model_fields.items():
        assert field.description, f"setting {name} has no help text"
    documented = (ROOT / "docs" / "configuration.md").read_text()
    assert documented == gen.render(), (
        "docs/configuration.md is stale: run scripts/gen_config_docs.py"
    )
