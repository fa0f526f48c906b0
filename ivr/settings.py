"""Settings from the environment (and a .env file), checked once at start-up.

Every problem names the setting and what is wrong, so staff can fix a deployment
without reading code. Nothing here changes during a call.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from datetime import date, time
from pathlib import Path
from typing import Mapping
from zoneinfo import ZoneInfo

import phonenumbers

PACKAGE_DIR = Path(__file__).resolve().parent


def content_dir(setting: str | None) -> Path:
    """CONTENT_DIR, or the guidance that comes with the line."""
    return Path(setting or PACKAGE_DIR / "guidance")
UK = ZoneInfo("Europe/London")
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


class SettingsError(Exception):
    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("Settings need fixing:\n" + "\n".join(f"  - {p}" for p in problems))


@dataclass(frozen=True)
class Opening:
    """Advisers answer on these weekdays (0 = Monday), between these UK times."""
    days: tuple[int, ...]
    opens: time
    closes: time


@dataclass(frozen=True)
class Settings:
    auth_token: str
    public_base_url: str
    service_number: str
    advisers: tuple[str, ...]
    hours: tuple[Opening, ...]
    closed_days: frozenset[date]
    helpline_number: str
    ring_seconds: int
    preview: bool  # no Twilio settings: the local preview (see ivr.local.local_preview)
    content_dir: Path
    audio_dir: Path
    audio_base_url: str
    default_language: str
    database_url: str
    secret_key: str = field(default="", repr=False)  # signs staff sign-in cookies (ivr/web); every server shares one
    account_sid: str = ""   # Twilio's REST API rings the advisers; never logged or shown
    api_key: str = ""       # optional: an API key and secret instead of the auth token
    api_secret: str = ""
    processes: int = 1      # gunicorn's worker processes (WEB_CONCURRENCY): the staff phone's option 9 needs one


def worker_processes(value: str, problems: list[str] | None = None) -> int:
    """WEB_CONCURRENCY: gunicorn's worker processes, one per core when it is empty."""
    if value and not (value.isascii() and value.isdigit() and 1 <= int(value) <= 64):
        if problems is not None:
            problems.append(f"WEB_CONCURRENCY: '{value}' should be a whole number of worker processes "
                            "from 1 to 64, or empty for one per core")
        value = ""
    return int(value) if value else os.cpu_count() or 2


def parse_number(value: str, setting: str, problems: list[str]) -> str:
    """An E.164 number from a UK-style or international number, via phonenumbers."""
    try:
        number = phonenumbers.parse(value, "GB")
    except phonenumbers.NumberParseException as exc:
        problems.append(f"{setting}: '{value}' is not a phone number ({exc})")
        return ""
    if not phonenumbers.is_valid_number(number):
        problems.append(f"{setting}: '{value}' is not a valid phone number; write it like +441234567890")
        return ""
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def parse_adviser(value: str, problems: list[str]) -> str:
    """A phone number, or a SIP address (sip:...) or Twilio Client identity (client:...)."""
    if value.startswith("sip:"):
        if not re.fullmatch(r"sip:[^@\s]+@[^@\s]+", value):
            problems.append(f"ADVISER_NUMBERS: '{value}' is not a SIP address like sip:adviser@example.org")
        return value
    if value.startswith("client:"):
        if not re.fullmatch(r"client:\w{1,256}", value):
            problems.append(f"ADVISER_NUMBERS: '{value}' should be client: and then letters, digits or _")
        return value
    return parse_number(value, "ADVISER_NUMBERS", problems)


_HOURS = re.compile(r"(?P<days>[a-z]{3}(?:-[a-z]{3})?(?:,[a-z]{3}(?:-[a-z]{3})?)*)\s+"
                    r"(?P<opens>\d{1,2}:\d{2})-(?P<closes>\d{1,2}:\d{2})")
END_OF_DAY = time.max  # closing at "24:00" (or "23:59"): open until midnight
SPOKEN_MINUTES = (0, 15, 30, 45)  # times the line can say plainly: nine, quarter past, half past, quarter to


def _days(spans: str) -> list[int]:
    """'mon-fri,sun' -> [0, 1, 2, 3, 4, 6]; ValueError for an unknown day or a backwards range."""
    days: list[int] = []
    for span in spans.split(","):
        first, _, last = span.partition("-")
        a, b = DAYS.index(first), DAYS.index(last or first)
        if b < a:
            raise ValueError(span)
        days += range(a, b + 1)
    return days


def _clock(value: str, closing: bool) -> time:
    if closing and value in ("24:00", "23:59"):  # both are how people write "until midnight"
        return END_OF_DAY
    return time.fromisoformat(value.zfill(5))


def parse_hours(value: str, problems: list[str]) -> tuple[Opening, ...]:
    """'Mon-Fri 09:00-17:00; Sat 10:00-13:00' -> openings, in UK local time (24:00 closes at midnight)."""
    out = []
    for part in filter(None, (p.strip().lower() for p in value.split(";"))):
        m = _HOURS.fullmatch(part)
        try:
            if not m:
                raise ValueError(part)
            days, opens, closes = _days(m["days"]), _clock(m["opens"], False), _clock(m["closes"], True)
        except ValueError:
            problems.append(f"ADVISER_HOURS: cannot read '{part}'; write it like 'Mon-Fri 09:00-17:00; Sat 10:00-13:00'")
            continue
        if closes <= opens:
            problems.append(f"ADVISER_HOURS: in '{part}' the closing time is not after the opening time "
                            "(hours cannot run past midnight; write 24:00 to close at midnight)")
            continue
        if any(t != END_OF_DAY and t.minute not in SPOKEN_MINUTES for t in (opens, closes)):
            problems.append(f"ADVISER_HOURS: in '{part}' use times on the hour or at quarter past, half past "
                            "or quarter to (like 09:00, 09:15, 09:30, 09:45), so the line can say them plainly")
            continue
        out.append(Opening(tuple(sorted(set(days))), opens, closes))
    return tuple(out)


DEFAULT_DATABASE = PACKAGE_DIR.parent / "instance" / "line.sqlite3"
# Numbers from Ofcom's range for drama (020 7946 0xxx), never a real phone: the local preview's
# stand-in advisers (two, so one can be switched off while the other answers) and own number
# when none are set.
PREVIEW_ADVISERS = ("+442079460999", "+442079460998")
PREVIEW_SERVICE_NUMBER = "+442079460001"


def database_url(value: str, problems: list[str]) -> str:
    """DATABASE_URL, or a SQLite file in the line's instance folder (one server, nothing to install)."""
    if not value:
        return f"sqlite:///{DEFAULT_DATABASE}"
    if not re.fullmatch(r"(sqlite:///\S+|postgres(ql)?(\+psycopg)?://\S+)", value):
        problems.append("DATABASE_URL: write it like postgresql://user:password@host/line for PostgreSQL, "
                        "or sqlite:////full/path/line.sqlite3; leave it empty for a file in instance/")
    return value


SECRET_KEY_MIN = 32  # characters: token_hex(32) gives 64


def secret_key(value: str, preview: bool, problems: list[str]) -> str:
    """SECRET_KEY: needed in production, where several servers must share it; the local
    preview without one makes its own (ivr/web/keys.py)."""
    make = "make one with: python3 -c 'import secrets; print(secrets.token_hex(32))'"
    if not value and not preview:
        problems.append(f"SECRET_KEY: missing. It keeps staff sign-ins safe; {make} "
                        "and give every server of the line the same one")
    elif value and len(value) < SECRET_KEY_MIN:
        problems.append(f"SECRET_KEY: too short ({len(value)} characters); use at least {SECRET_KEY_MIN} "
                        f"random characters: {make}")
    return value


def rest_credentials(get, advisers: tuple[str, ...], preview: bool, problems: list[str]) -> tuple[str, str, str]:
    """TWILIO_ACCOUNT_SID (and optionally an API key and secret) for ringing advisers through the REST
    API. The values are never repeated in a message: only which setting is wrong and why."""
    sid, key, secret = get("TWILIO_ACCOUNT_SID"), get("TWILIO_API_KEY"), get("TWILIO_API_SECRET")
    if sid and not re.fullmatch(r"AC[0-9a-fA-F]{32}", sid):
        problems.append("TWILIO_ACCOUNT_SID: does not look like an account SID (AC and then 32 letters and "
                        "digits); copy it from the Twilio console, Account Info")
    elif advisers and not sid and not preview:
        problems.append("TWILIO_ACCOUNT_SID: needed whenever ADVISER_NUMBERS is set: the line rings each adviser "
                        "through Twilio's REST API. Copy it from the Twilio console, Account Info")
    if key and not re.fullmatch(r"SK[0-9a-fA-F]{32}", key):
        problems.append("TWILIO_API_KEY: does not look like an API key SID (SK and then 32 letters and digits)")
    if bool(key) != bool(secret):
        problems.append("TWILIO_API_KEY and TWILIO_API_SECRET: give both (an API key is used with its secret), "
                        "or neither to use TWILIO_AUTH_TOKEN")
    return sid, key, secret


def parse_dates(value: str, problems: list[str]) -> frozenset[date]:
    out = set()
    for part in filter(None, (p.strip() for p in value.split(","))):
        try:
            out.add(date.fromisoformat(part))
        except ValueError:
            problems.append(f"ADVISER_CLOSED_DAYS: '{part}' is not a date like 2026-12-25")
    return frozenset(out)


def from_env(env: Mapping[str, str]) -> Settings:
    """Read and check every setting; raise SettingsError naming each bad one."""
    problems: list[str] = []
    get = lambda name, default="": str(env.get(name, default)).strip()  # noqa: E731
    token = get("TWILIO_AUTH_TOKEN")
    base = get("PUBLIC_BASE_URL").rstrip("/")
    # Without Twilio's token nothing can be signed, so the line can only be the local preview,
    # which answers this computer alone. A public address without the token is a half-made
    # production set-up: named, never quietly served unsigned.
    preview = not token and not base
    if not preview and not token:
        problems.append("TWILIO_AUTH_TOKEN: missing. Copy it from the Twilio console, or leave "
                        "PUBLIC_BASE_URL empty as well to run the local preview on this computer")
    if not preview and not re.fullmatch(r"https?://[^/\s]+(/\S*)?", base):
        problems.append("PUBLIC_BASE_URL: missing or not a web address; set it to the address Twilio "
                        "calls, like https://line.example.org")
    elif not preview and not base.startswith("https://"):
        problems.append("PUBLIC_BASE_URL: must start with https:// so calls are encrypted on the way to us")
    service = get("SERVICE_NUMBER")
    if service:
        service = parse_number(service, "SERVICE_NUMBER", problems)
    elif not preview:
        problems.append("SERVICE_NUMBER: missing. It is the line's own number, shown to advisers "
                        "instead of the caller's")
    advisers = tuple(parse_adviser(a.strip(), problems) for a in get("ADVISER_NUMBERS").split(",") if a.strip())
    if len(advisers) > 10:
        problems.append("ADVISER_NUMBERS: at most 10 advisers can be rung at once")
    if advisers and not get("SERVICE_NUMBER"):
        problems.append("SERVICE_NUMBER: needed whenever ADVISER_NUMBERS is set, even in the local preview; "
                        "without it an adviser's phone would show the caller's own number")
    if preview and not advisers:
        # The preview rings nobody (it has no Twilio account), so stand-ins let option 9 be heard.
        advisers, service = PREVIEW_ADVISERS, service or PREVIEW_SERVICE_NUMBER
    hours = parse_hours(get("ADVISER_HOURS", "Mon-Fri 09:00-17:00"), problems)
    helpline = get("HELPLINE_NUMBER") or "0808 2000 247"  # left empty: the national helpline
    if helpline:
        parse_number(helpline, "HELPLINE_NUMBER", problems)
    ring = get("ADVISER_RING_SECONDS", "25")
    if not (ring.isascii() and ring.isdigit()) or not 5 <= int(ring) <= 60:
        problems.append(f"ADVISER_RING_SECONDS: '{ring}' should be a whole number of seconds from 5 to 60")
        ring = "25"
    account_sid, api_key, api_secret = rest_credentials(get, advisers, preview, problems)
    content = content_dir(get("CONTENT_DIR"))
    if not content.is_dir():
        problems.append(f"CONTENT_DIR: '{content}' is not a folder")
    settings = Settings(
        auth_token=token,
        public_base_url=base,
        service_number=service,
        advisers=advisers,
        hours=hours,
        closed_days=parse_dates(get("ADVISER_CLOSED_DAYS"), problems),
        helpline_number=helpline,
        ring_seconds=int(ring),
        preview=preview,
        content_dir=content,
        audio_dir=Path(get("AUDIO_DIR") or PACKAGE_DIR.parent / "audio"),
        audio_base_url=get("AUDIO_BASE_URL").rstrip("/"),
        default_language=get("DEFAULT_LANGUAGE", "en-GB"),
        database_url=database_url(get("DATABASE_URL"), problems),
        secret_key=secret_key(get("SECRET_KEY"), preview, problems),
        account_sid=account_sid,
        api_key=api_key,
        api_secret=api_secret,
        processes=worker_processes(get("WEB_CONCURRENCY"), problems),
    )
    if problems:
        raise SettingsError(problems)
    return settings
