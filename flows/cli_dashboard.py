"""``causeway dashboard`` (start the Streamlit app with a sign-in link) and ``causeway dashboard user add``."""

from __future__ import annotations

import os
import secrets
import sys

import click

from flows.settings import REPO_ROOT, Settings


@click.group(invoke_without_command=True)
@click.option("--port", type=int, default=None, help="Port on 127.0.0.1 [default: dashboard.port, 8501].")
@click.option("--as", "as_user", default="admin", show_default=True, help="User the sign-in link is for.")
@click.option("--address", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.pass_context
def dashboard(ctx: click.Context, port: int | None, as_user: str, address: str) -> None:
    """Open the dashboard on the published snapshot (the demo's by default) and print a sign-in link.

    The first start creates the user 'admin' (every page) if no user exists; add people with
    `causeway dashboard user add NAME --role manager|cx|analyst`.
    """
    if ctx.invoked_subcommand is not None:
        return
    from dashboards import auth

    settings: Settings = ctx.obj
    home = settings.home
    if not auth.users_file(home).exists():
        auth.add_user(home, "admin", "admin", secrets.token_urlsafe(16), settings.dashboard.roles)
    auth.revoke_tokens(home)
    try:
        token = auth.issue_token(home, as_user, settings.dashboard.token_hours)
    except ValueError as exc:
        from flows.cli import UserError

        raise UserError(str(exc)) from None
    port = port or settings.dashboard.port
    click.echo(f"Causeway dashboard on {settings.published_path}\n"
               f"  sign in as {as_user}: http://{address}:{port}/?token={token}\n"
               f"  (valid {settings.dashboard.token_hours:g} h; stop with Ctrl+C)")
    env = {**os.environ, "CAUSEWAY_HOME": str(home), "CAUSEWAY_CONFIG": str(settings.config_dir),
           "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false"}
    command = [sys.executable, "-m", "streamlit", "run", str(REPO_ROOT / "dashboards" / "app.py"),
               "--server.address", address, "--server.port", str(port), "--server.headless", "true",
               "--browser.gatherUsageStats", "false"]
    sys.stdout.flush()
    os.execve(sys.executable, command, env)  # Streamlit takes this process over: stopping it stops the app


@dashboard.group()
def user() -> None:
    """Dashboard users (stored in <home>/dashboard/users.yaml with scrypt password hashes)."""


@user.command("add")
@click.argument("name")
@click.option("--role", required=True, help="A role of config/dashboard.yaml: manager, cx, analyst, admin.")
@click.password_option(help="Asked for when not given (at least 8 characters).")
@click.pass_obj
def user_add(settings: Settings, name: str, role: str, password: str) -> None:
    """Add (or reset) dashboard user NAME with ROLE."""
    from dashboards import auth

    try:
        auth.add_user(settings.home, name, role, password, settings.dashboard.roles)
    except ValueError as exc:
        from flows.cli import UserError

        raise UserError(str(exc)) from None
    click.echo(f"user {name} ({role}) saved in {auth.users_file(settings.home)}")

