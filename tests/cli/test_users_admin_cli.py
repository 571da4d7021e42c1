"""`paperscope users add --admin`, `paperscope users admin NAME [--revoke]` and the
password rules of `users add` and `users reset-password`."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from paperscope.cli import app
from paperscope.cli.common import UserError
from paperscope.config import Settings
from paperscope.store import Store
from paperscope.store.accounts import find_user


def _run(data_dir: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, [*args, "--data-dir", str(data_dir)], env={"COLUMNS": "200"})
    return result.exit_code, result.stdout + result.stderr


def _is_admin(data_dir: Path, name: str) -> bool:
    store = Store.open(Settings(data_dir=data_dir, dev_mode=True))
    try:
        found = find_user(store=store, username=name)
        assert found is not None
        return found[0].is_admin
    finally:
        store.close()


def test_admins_are_made_and_unmade(tmp_path: Path) -> None:
    data = tmp_path / "data"
    code, out = _run(data, "users", "add", "root", "--admin", "--password", "correct horse battery")
    assert code == 0 and "created administrator root" in out
    assert _is_admin(data, "root")
    code, out = _run(data, "users", "add", "reader", "--password", "correct horse battery")
    assert code == 0 and "created user reader" in out and not _is_admin(data, "reader")

    code, out = _run(data, "users", "admin", "READER")
    assert code == 0 and "reader is now an administrator" in out and _is_admin(data, "reader")
    code, out = _run(data, "users", "admin", "reader", "--revoke")
    assert code == 0 and "no longer" in out and not _is_admin(data, "reader")
    code, out = _run(data, "users", "list")
    assert "root" in out and "admin" in out

    # main() prints a UserError as one line; under CliRunner it is the exception
    result = CliRunner().invoke(app, ["users", "admin", "ghost", "--data-dir", str(data)])
    assert isinstance(result.exception, UserError) and "no user 'ghost'" in str(result.exception)


def test_blank_passwords_are_refused_from_the_command_line(tmp_path: Path) -> None:
    data = tmp_path / "data"
    rule = "Use at least one character that is not a space for the password."
    result = CliRunner().invoke(
        app, ["users", "add", "blank", "--password", " " * 8, "--data-dir", str(data)]
    )
    assert isinstance(result.exception, UserError) and str(result.exception) == rule
    code, out = _run(data, "users", "list")
    assert code == 0 and "blank" not in out
    code, _ = _run(data, "users", "add", "kept", "--password", "correct horse battery")
    assert code == 0
    result = CliRunner().invoke(
        app,
        ["users", "reset-password", "kept", "--password", "\t" * 10, "--data-dir", str(data)],
    )
    assert isinstance(result.exception, UserError) and str(result.exception) == rule


def test_a_refused_name_is_said_before_the_password_is_asked(tmp_path: Path) -> None:
    data = tmp_path / "data"
    # No --password and no input: the name is refused before any prompt.
    for name, reason in (("bad name/..", "Usernames are"), ("Kept", "is taken")):
        if name == "Kept":
            assert _run(data, "users", "add", "kept", "--password", "correct horse battery")[0] == 0
        result = CliRunner().invoke(app, ["users", "add", name, "--data-dir", str(data)], input="")
        assert isinstance(result.exception, UserError), result.output
        assert reason in str(result.exception) and "Password" not in result.output


def test_input_that_ends_at_the_password_prompt_is_a_mistake(tmp_path: Path) -> None:
    data = tmp_path / "data"
    result = CliRunner().invoke(app, ["users", "add", "eve", "--data-dir", str(data)], input="")
    assert isinstance(result.exception, UserError)
    assert str(result.exception).startswith("no password given: the input ended")
    code, out = _run(data, "users", "list")
    assert code == 0 and "eve" not in out
    typed = "correct horse battery\ncorrect horse battery\n"
    result = CliRunner().invoke(app, ["users", "add", "eve", "--data-dir", str(data)], input=typed)
    assert result.exit_code == 0 and "created user eve" in result.output
