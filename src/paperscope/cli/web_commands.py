"""CLI commands for the web area: `serve`, `users add/list/reset-password`, `tokens create`."""

from __future__ import annotations

import os
import socket
from pathlib import Path
from typing import Any

import typer

from paperscope.cli.common import (
    DataDirOption,
    UserError,
    ask_password,
    console,
    err_console,
    make_settings,
    no_such_user,
    open_store,
)
from paperscope.cli.public_address import listening_url, public_address_warning

users_app = typer.Typer(help="Manage accounts.", no_args_is_help=True)
tokens_app = typer.Typer(help="Manage personal API tokens.", no_args_is_help=True)


def serve(
    host: str = typer.Option("127.0.0.1", help="Address to listen on."),
    port: int = typer.Option(8000, min=1, max=65535, help="Port to listen on."),
    single_user: bool = typer.Option(
        False, "--single-user", help="No sign-in: everything belongs to one local user."
    ),
    workers: int = typer.Option(
        1, min=1, max=256, help="Worker processes (each serves requests on its own core)."
    ),
    data_dir: Path | None = DataDirOption,
) -> None:
    """Serve the web app and JSON API."""
    import uvicorn

    from paperscope.index.embedder import available_cores
    from paperscope.web.app import ConfigurationError, create_app, resolve_secret_key

    settings = make_settings(data_dir)
    if single_user:
        settings = settings.model_copy(update={"single_user": True})
    try:
        resolve_secret_key(settings)  # checked once here, before any worker starts
    except ConfigurationError as exc:
        raise UserError(str(exc)) from exc
    _check_can_listen(host, port)
    warning = public_address_warning(settings, host, port)
    if warning:
        err_console.print(f"[yellow]warning:[/yellow] {warning}", highlight=False)
    url = listening_url(host, port)
    console.print(f"paperscope is running at [bold]{url}[/bold]  (Ctrl+C to stop)")
    options: dict[str, Any] = {
        "host": host,
        "port": port,
        "log_level": "warning",
        "proxy_headers": True,
    }
    if workers == 1:
        uvicorn.run(create_app(settings), **options)
        return
    # Worker processes build their own app from the environment: hand them the options
    # given on the command line that way.
    os.environ["PAPERSCOPE_DATA_DIR"] = str(settings.data_dir)
    share = str(max(1, available_cores() // workers))
    if not settings.embedding_threads:
        # Each worker embeds its own queries: workers that each use every core fight
        # over them, so the cores are shared out (at least one thread each).
        os.environ["PAPERSCOPE_EMBEDDING_THREADS"] = share
    if not settings.search_concurrency:
        # The same share for the searches each worker runs at once (web/search_slots.py).
        os.environ["PAPERSCOPE_SEARCH_CONCURRENCY"] = share
    if single_user:
        os.environ["PAPERSCOPE_SINGLE_USER"] = "1"
    uvicorn.run("paperscope.web.app:app_from_environment", factory=True, workers=workers, **options)


def _check_can_listen(host: str, port: int) -> None:
    """Bind the address once, as the server will, so a port in use or a host that is
    not this machine's is one error line before anything claims to be running."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    try:
        with socket.socket(family, socket.SOCK_STREAM) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            probe.bind((host, port))
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise UserError(f"cannot listen on {host}:{port} (--host, --port): {reason}") from exc


def users_add(
    username: str = typer.Argument(..., help="Login name."),
    email: str = typer.Option("", help="Email address (for digests)."),
    password: str | None = typer.Option(
        None, help="Password (asked for, twice and hidden, when not given)."
    ),
    admin: bool = typer.Option(False, "--admin", help="Make the account an administrator."),
    data_dir: Path | None = DataDirOption,
) -> None:
    """Create an account."""
    from paperscope.store.accounts import USERNAME_PATTERN, USERNAME_RULE, find_user
    from paperscope.store.moderation import set_admin
    from paperscope.web.auth import AuthError, sign_up

    # The name is checked before the password is asked for: nobody types a password
    # twice to learn that the name was refused.
    if not USERNAME_PATTERN.fullmatch(username.strip()):
        raise UserError(USERNAME_RULE)
    with open_store(make_settings(data_dir)) as store:
        if password is None:
            if find_user(store=store, username=username.strip()) is not None:
                raise UserError(f"The username {username.strip()!r} is taken; choose another.")
            password = ask_password()
        try:
            user = sign_up(store=store, username=username, email=email, password=password)
        except AuthError as exc:
            raise UserError(exc.message) from exc
        if admin:
            set_admin(store=store, username=user.username, is_admin=True)
    role = "administrator" if admin else "user"
    console.print(f"created {role} {user.username} (id {user.user_id})")


def users_admin(
    username: str = typer.Argument(..., help="The account to change."),
    revoke: bool = typer.Option(False, "--revoke", help="Take administrator rights away."),
    data_dir: Path | None = DataDirOption,
) -> None:
    """Make an account an administrator (moderates discussions), or --revoke it."""
    from paperscope.store.moderation import set_admin

    with open_store(make_settings(data_dir)) as store:
        user = set_admin(store=store, username=username, is_admin=not revoke)
    if user is None:
        raise no_such_user(username)
    state = "is no longer" if revoke else "is now"
    console.print(f"{user.username} {state} an administrator")


def users_list(data_dir: Path | None = DataDirOption) -> None:
    """List accounts."""
    from paperscope.store.accounts import list_users

    with open_store(make_settings(data_dir)) as store:
        for user in list_users(store=store):
            created = f"{user.created_at:%Y-%m-%d}" if user.created_at else ""
            role = "admin" if user.is_admin else ""
            console.print(f"{user.user_id}\t{user.username}\t{user.email or ''}\t{created}\t{role}")


def users_reset_password(
    username: str = typer.Argument(..., help="The account's login name."),
    password: str | None = typer.Option(
        None, help="New password (asked for, twice and hidden, when not given)."
    ),
    data_dir: Path | None = DataDirOption,
) -> None:
    """Set a new password for an account, sign it out everywhere and lift a sign-in lock."""
    from paperscope.store.accounts import find_user
    from paperscope.web.account_recovery import reset_by_admin
    from paperscope.web.auth import AuthError

    with open_store(make_settings(data_dir)) as store:
        # Asked only once the account is known to exist.
        if password is None:
            if find_user(store=store, username=username) is None:
                raise no_such_user(username)
            password = ask_password("New password")
        try:
            user = reset_by_admin(store=store, username=username, password=password)
        except AuthError as exc:
            if exc.field == "username":
                raise no_such_user(username) from exc
            raise UserError(exc.message) from exc
    console.print(f"new password set for {user.username}; every session was signed out")


def tokens_create(
    username: str = typer.Argument(..., help="Owner of the token."),
    name: str = typer.Option("cli", help="A label to recognise the token by."),
    data_dir: Path | None = DataDirOption,
) -> None:
    """Create a personal API token and print it (only its hash is stored)."""
    from paperscope.store.accounts import find_user
    from paperscope.web.auth import create_api_token

    with open_store(make_settings(data_dir)) as store:
        found = find_user(store=store, username=username)
        if found is None:
            raise no_such_user(username)
        _token, secret = create_api_token(store=store, user=found[0], name=name)
    console.print(secret, highlight=False, soft_wrap=True)


def register(app: typer.Typer) -> None:
    """Add this area's commands to the main app."""
    app.command("serve")(serve)
    users_app.command("add")(users_add)
    users_app.command("list")(users_list)
    users_app.command("reset-password")(users_reset_password)
    users_app.command("admin")(users_admin)
    tokens_app.command("create")(tokens_create)
    app.add_typer(users_app, name="users")
    app.add_typer(tokens_app, name="tokens")
