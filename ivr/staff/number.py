"""`ivr number`: put the line live by pointing its Twilio phone number at this server.

It sets the three webhooks the README lists (a call comes in, the primary handler fails,
call status changes) through Twilio's REST API; `--dry-run` only shows them. With AUDIO_BASE_URL
set, the fallback is the static document published with the audio (fallback.xml, fetched with
GET), so callers still hear help when every line server is down; otherwise it is the line's own.
"""
from __future__ import annotations

import re

import click
import requests
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.http import HttpClient
from twilio.rest import Client

from ..audio import fallback
from ..local import environment
from ..settings import parse_number

# Twilio's field -> (what the Twilio console calls it, our path). The line's own are POSTed to.
WEBHOOKS = {
    "voice_url": ("A call comes in", "/voice"),
    "voice_fallback_url": ("Primary handler fails", "/voice/fallback"),
    "status_callback": ("Call status changes", "/voice/status"),
}
METHODS = {"voice_method": "voice_url", "voice_fallback_method": "voice_fallback_url",
           "status_callback_method": "status_callback"}
HTTP_CLIENT: HttpClient | None = None  # None: the library's own; tests put a fake here


def wanted(base_url: str, fallback_url: str = "") -> dict[str, str]:
    """Every field we set, and its value, for a line at `base_url` (and a published fallback)."""
    out = {field: base_url + path for field, (_, path) in WEBHOOKS.items()}
    out.update({method: "POST" for method in METHODS})
    if fallback_url:
        out.update(voice_fallback_url=fallback_url, voice_fallback_method="GET")  # static hosting serves GET
    return out


def published_fallback(env: dict[str, str]) -> str:
    """fallback.xml where the audio is published (AUDIO_BASE_URL), or "" to keep the line's own."""
    audio = env.get("AUDIO_BASE_URL", "").strip().rstrip("/")
    if audio and not audio.startswith("https://"):
        raise click.ClickException(f"AUDIO_BASE_URL '{audio}' should be an https address, like "
                                   "https://cdn.example.org/audio: Twilio fetches the fallback from it")
    return f"{audio}/{fallback.FILE}" if audio else ""


def label(field: str) -> str:
    if field in WEBHOOKS:
        return WEBHOOKS[field][0]
    return f"{WEBHOOKS[METHODS[field]][0]} (method)"


def credentials(env: dict[str, str]) -> tuple[str, str]:
    sid, token = env.get("TWILIO_ACCOUNT_SID", "").strip(), env.get("TWILIO_AUTH_TOKEN", "").strip()
    for name, value in (("TWILIO_ACCOUNT_SID", sid), ("TWILIO_AUTH_TOKEN", token)):
        if not value:
            raise click.ClickException(f"{name} is missing. Copy it from the Twilio console (Account Info, "
                                       f"on the dashboard) into the .env file, as {name}=...")
    if not re.fullmatch(r"AC[0-9a-fA-F]{32}", sid):
        raise click.ClickException(f"TWILIO_ACCOUNT_SID '{sid}' does not look like an account SID: it starts "
                                   "with AC and has 32 letters and digits after that")
    return sid, token


def checked_number(value: str, source: str = "NUMBER") -> str:
    problems: list[str] = []
    number = parse_number(value, source, problems)
    if problems:
        raise click.BadParameter(problems[0].removeprefix(f"{source}: "), param_hint=source)
    return number


def checked_base(value: str, source: str = "BASE_URL") -> str:
    base = value.strip().rstrip("/")
    if not re.fullmatch(r"https://[^/\s]+(/\S*)?", base):
        raise click.BadParameter(f"'{value}' should be the line's public https address, like "
                                 "https://line.example.org (callers' calls must be encrypted)", param_hint=source)
    return base


# The setting each argument defaults to, what it is, and an example for the .env file.
DEFAULTS = {"NUMBER": ("SERVICE_NUMBER", "the line's Twilio phone number", "+442079460001"),
            "BASE_URL": ("PUBLIC_BASE_URL", "the line's public https address", "https://line.example.org")}


def given_or_set(given: str | None, argument: str, env: dict[str, str], check) -> str:
    """The argument, else its setting, checked; a setting that is not there is named as such."""
    if given:
        return check(given, argument)
    name, what, example = DEFAULTS[argument]
    value = env.get(name, "").strip()
    if not value:
        raise click.ClickException(f"{name} is not set. Put {what} in the .env file, as {name}={example}, "
                                   f"or give it to this command: ivr number {argument}.")
    return check(value, name)


def find(client: Client, number: str, sid: str):
    """The account's record for `number`, or an error that lists the numbers it does have."""
    found = client.incoming_phone_numbers.list(phone_number=number, limit=1)
    if found:
        return found[0]
    others = [n.phone_number for n in client.incoming_phone_numbers.list(limit=20)]
    have = f"Its numbers are: {', '.join(others)}." if others else "It has no numbers yet: buy one in the console."
    raise click.ClickException(f"{number} is not a number on the Twilio account {sid}. {have} "
                               "Check the number, or TWILIO_ACCOUNT_SID if it belongs to another account.")


def changes(record, want: dict[str, str]) -> list[tuple[str, str, str]]:
    """(field, now, wanted) for each field that differs."""
    out = []
    for field, value in want.items():
        now = getattr(record, field) or ""
        same = now.upper() == value.upper() if field in METHODS else now == value  # Twilio may say "post"
        if not same:
            out.append((field, now, value))
    return out


def show(record, diff: list[tuple[str, str, str]]) -> None:
    click.echo(f"{record.phone_number} ({record.friendly_name}):")
    for field, now, value in diff:
        click.echo(f"  {label(field)}: {now or '(nothing)'}  ->  {value}")


def status_of(exc: Exception) -> int | None:
    """The HTTP status Twilio answered with: on the exception, or (listing numbers) on its response."""
    if isinstance(exc, TwilioRestException):
        return exc.status
    return next((a.status_code for a in exc.args if hasattr(a, "status_code")), None)


def twilio_error(exc: Exception) -> click.ClickException:
    """What went wrong talking to Twilio, said so staff know what to do next."""
    status = status_of(exc)
    if status == 401:
        return click.ClickException("Twilio did not accept TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN (401). "
                                    "Copy both again from the Twilio console; the token may have been changed.")
    if isinstance(exc, TwilioRestException):
        more = f" More: https://www.twilio.com/docs/errors/{exc.code}" if exc.code else ""
        return click.ClickException(f"Twilio refused: {exc.msg} (HTTP {exc.status}).{more}")
    if status:
        return click.ClickException(f"Twilio answered HTTP {status}: {exc.args[-1]}. Try again in a minute; "
                                    "if it goes on, see https://status.twilio.com")
    return click.ClickException(f"Could not reach Twilio ({exc}). Check this computer's internet connection.")


@click.command("number")
@click.argument("number", required=False)
@click.argument("base_url", required=False)
@click.option("--dry-run", is_flag=True, help="Only show what would change.")
def number(number, base_url, dry_run):
    """Point the Twilio phone number at the line.

    Sets NUMBER's webhooks to the line at BASE_URL (by default the settings SERVICE_NUMBER and
    PUBLIC_BASE_URL). Needs TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN."""
    env = environment()
    number = given_or_set(number, "NUMBER", env, checked_number)
    base = given_or_set(base_url, "BASE_URL", env, checked_base)
    sid, token = credentials(env)
    client = Client(sid, token, http_client=HTTP_CLIENT)
    try:
        record = find(client, number, sid)
        diff = changes(record, wanted(base, published_fallback(env)))
        if not diff:
            click.echo(f"Nothing to change: {number} already sends calls to {base}/voice.")
            return
        show(record, diff)
        if dry_run:
            click.echo("Dry run: nothing was changed. Run it again without --dry-run to make these changes.")
            return
        client.incoming_phone_numbers(record.sid).update(**{field: value for field, _, value in diff})
    except (TwilioException, requests.RequestException) as exc:
        raise twilio_error(exc) from exc
    click.echo(f"Done: calls to {number} now go to {base}/voice. Ring it to try it.")
