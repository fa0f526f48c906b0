"""Shared by the usage-figures tests: an app that counts, a whole call, and what it must count."""
from __future__ import annotations

from collections import Counter
from contextlib import contextmanager
from datetime import date, datetime, timezone

from ivr import create_app
from ivr.store import figures as kept

from .caller import Caller
from .conftest import BASE, TOKEN, settings

# Tuesday 3 November 2026, 14:30 in the UK (GMT): advisers answer (conftest's hours are Mon-Sun all day).
TUESDAY = datetime(2026, 11, 3, 14, 30, tzinfo=timezone.utc)
DAY, WEEK = date(2026, 11, 3), date(2026, 11, 2)


@contextmanager
def counting_app(database_url: str, clock=lambda: TUESDAY, every: float = 3600, **overrides):
    """The line on `database_url`, counting; its tally writes only when told (or every `every` s).
    On the way out the tally stops and the database lets go of its connections."""
    app = create_app(settings(DATABASE_URL=database_url, CLOCK=clock, FIGURES_SECONDS=every, **overrides))
    app.config["TESTING"] = True
    try:
        yield app
    finally:
        app.extensions["ivr"].figures.close()
        app.extensions["ivr"].database.dispose()


def caller(app, **kwargs) -> Caller:
    return Caller(app.test_client(), base_url=BASE, auth_token=TOKEN, **kwargs)


def whole_call(c: Caller, seconds: int = 75) -> Caller:
    """Menus, a section, back, a wrong key, a silence, hash, 8, a section, an adviser nobody answers, hang up."""
    c.dial().press("1").press("2").press("*").press("7").wait().press("#").press("8").press("3")
    c.press("9").dial_ends("no-answer").press("2")
    return c.hang_up(seconds)


def whole_call_counts(calls: int = 1, day: date = DAY) -> Counter:
    """What `calls` whole calls on `day` add to the day totals."""
    one = Counter({kept.CALL_STARTED: 1, ("reached", "main"): 2, ("reached", "police"): 2,
                   ("reached", "neighbourhood"): 1, ("reached", "arrest"): 1,
                   **{("key", k): 1 for k in "12*#83"}, kept.WRONG_KEY: 1, kept.SILENCE: 1,
                   ("adviser", "no adviser answered"): 1, ("length", "1 to 3 minutes"): 1})
    return Counter({(day, what, name): n * calls for (what, name), n in one.items()})


def whole_call_hours(calls: int = 1, week: date = WEEK, weekday: int = 1, hour: int = 14) -> Counter:
    return Counter({(week, weekday, hour, what): calls for what in ("calls", "adviser requests", "adviser unanswered")})


def stored(database) -> tuple[Counter, Counter]:
    """Everything in the figures tables: (day totals, hour totals)."""
    with database.transaction() as session:
        days = Counter({(r.day, r.what, r.name): r.count for r in session.execute(kept.DAYS.select())})
        hours = Counter({(r.week, r.weekday, r.hour, r.what): r.count for r in session.execute(kept.HOURS.select())})
    return days, hours
