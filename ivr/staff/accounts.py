"""`ivr staff`: the accounts that may open the staff pages (add, list, remove, reset).

Run where the line runs (same .env, same DATABASE_URL). An account is only a name: the person
chooses their password with a one-time link (--link), or types it here, twice.
"""
from __future__ import annotations

from datetime import datetime, timezone

import click

from .. import local
from ..settings import UK, SettingsError
from ..store.database import Database
from ..web import accounts, passwords
from ..web.accounts import AccountError

LOCAL_ADDRESS = "http://localhost:8000"  # links when no PUBLIC_BASE_URL is set: a line on this computer


def _database() -> tuple[Database, str]:
    env = local.environment()
    try:
        settings = local.settings(env)  # read as the tools read them: the public address left out
        database = Database(settings.database_url)
        database.upgrade()
    except SettingsError as exc:
        raise click.ClickException(f"The accounts cannot be reached.\n{exc}") from exc
    # Links point where staff sign in: the line's public address.
    return database, env.get("PUBLIC_BASE_URL", "").strip().rstrip("/") or LOCAL_ADDRESS


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _password(name: str) -> str:
    """Typed twice, unseen; asked again until it will do (click hides why a hidden value failed)."""
    while True:
        password = click.prompt(f"Password for {name}", hide_input=True,
                                confirmation_prompt="The same password again")
        problem = passwords.problem(password, name)
        if problem is None:
            return password
        click.echo(problem)


def _tell_link(base: str, token: str, name: str) -> None:
    click.echo(f"Send {name} this link. It works once, for the next 24 hours, to choose a password;\n"
               "then they set up the authenticator app on their phone:\n")
    click.echo(f"  {accounts.sign_up_link(base, token)}\n")
    click.echo("Send it privately (not in a group chat), and check by phone that they received it.")


@click.group("staff")
def staff():
    """Staff accounts for the staff pages: add, list, remove, reset."""


@staff.command("add")
@click.argument("name")
@click.option("--link", is_flag=True, help="Print a one-time sign-up link instead of asking for a password.")
def add(name: str, link: bool):
    """Add an account called NAME (a first name or a role; no email address)."""
    database, base = _database()
    try:
        name = accounts.checked_name(name)
        token = accounts.add(database, name, _now(), password=None if link else _password(name))
    except AccountError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Added {name}.")
    if token:
        _tell_link(base, token, name)
    else:
        click.echo(f"At their first sign-in, at {base}/staff/sign-in, they set up the authenticator app.")


@staff.command("list")
def list_accounts():
    """Every account and whether it is ready to sign in."""
    database, _ = _database()
    rows = accounts.listing(database, _now())
    if not rows:
        click.echo("No staff accounts yet. Add one with: ivr staff add NAME --link")
        return
    width = max(len(r.name) for r in rows)
    for row in rows:
        if row.link_expires:
            detail = f"sign-up link works until {row.link_expires.astimezone(UK):%d %b %Y %H:%M} UK time"
        elif row.state == "ready":
            detail = f"ready ({row.recovery_codes} recovery code{'s' if row.recovery_codes != 1 else ''} left)"
        elif row.state == "sign-up link expired":
            detail = f"sign-up link expired: give a new one with ivr staff reset {row.name} --link"
        else:
            detail = "password set; sets up the authenticator at first sign-in"
        click.echo(f"{row.name:<{width}}  {detail}")


@staff.command("remove")
@click.argument("name")
def remove(name: str):
    """Remove NAME's account: they are signed out at once, everywhere."""
    database, _ = _database()
    try:
        accounts.remove(database, name)
    except AccountError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Removed {accounts.plain_name(name)}. They are signed out everywhere, and the account is gone.")


@staff.command("reset")
@click.argument("name")
@click.option("--link", is_flag=True, help="Print a one-time sign-up link instead of asking for a password.")
def reset(name: str, link: bool):
    """New password and authenticator for NAME (forgotten password, lost phone); signs them out everywhere."""
    database, base = _database()
    name = accounts.plain_name(name)
    try:
        password = None if link else (_password(name) if _exists(database, name) else None)
        token = accounts.reset(database, name, _now(), password=password)
    except AccountError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Reset {name}: signed out everywhere; their old password, authenticator and recovery codes "
               "no longer work.")
    if token:
        _tell_link(base, token, name)
    else:
        click.echo("At their next sign-in they set up the authenticator app again.")


def _exists(database: Database, name: str) -> bool:
    with database.transaction() as session:
        return accounts.find(session, name) is not None
