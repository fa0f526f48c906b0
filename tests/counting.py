"""Shared by the usage-figures tests: an app that counts, a whole call, and what it must count."""
from __future__ import annotations

from collections import Counter
from contextlib import contextmanager
from datetime import date, datetime, timezone

from ivr import create_app
from ivr.staff.switchboard import Switchboard
from ivr.store import figures as kept

from .caller import Caller
from .conftest import ACCOUNT_SID, BASE, TOKEN, settings

# Tuesday 3 November 2026, 14:30 in the UK (GMT): advisers answer (conftest's hours are Mon-Sun all day).
TUESDAY = datetime(2026, 11, 3, 14, 30, tzinfo=timezone.utc)
DAY, WEEK = date(2026, 11, 3), date(2026, 11, 2)


@contextmanager
def counting_app(database_url: str, clock=None, every: float = 3600, preview: bool = False, **overrides):
    """The line on `database_url`, counting, with Twilio's part played by a switchboard whose clock
    starts on TUESDAY (`clock`: the line's own clock instead, for tests that set the time by hand);
    its tally writes only when told (or every `every` s). `preview`: the line as the local preview,
    whose staff pages need no sign-in from this computer. On the way out the tally stops and the
    database lets go of its connections."""
    if preview:
        board = Switchboard.for_preview(start=TUESDAY)
        wiring = {**board.preview_config(), "TWILIO_AUTH_TOKEN": "", "PUBLIC_BASE_URL": ""}
    else:
        board = Switchboard(None, BASE, auth_token=TOKEN, account_sid=ACCOUNT_SID, start=TUESDAY)
        wiring = board.config()
    app = create_app(settings(DATABASE_URL=database_url, FIGURES_SECONDS=every,
                              **{**wiring, **({"CLOCK": clock} if clock else {}), **overrides}))
    app.config["TESTING"] = True
    board.connect(app.test_client())
    app.extensions["test_board"] = board
    try:
        yield app
    finally:
        app.extensions["ivr"].figures.close()
        app.extensions["ivr"].database.dispose()


def board_of(app) -> Switchboard:
    return app.extensions["test_board"]


def caller(app, **kwargs) -> Caller:
    """A caller whose call the app's switchboard carries, as Twilio would."""
    return board_of(app).caller(**kwargs)


def press_nine_and_wait(c: Caller, key: str = "9") -> Caller:
    """Press 9 (or 0) and wait, as the phones ring, until the caller is out of the queue."""
    board = c.board
    c.press(key)
    board.advance(0.5)  # the board takes the call from the <Enqueue>
    assert board.settle(until=lambda: not board.holds(c), seconds=300), "\n".join(board.report())
    return c


def whole_call(c: Caller, seconds: int = 75, adviser: bool = True) -> Caller:
    """Menus, a section, back, a wrong key, a silence, hash, 8, a section, an adviser nobody answers
    (the phones ring out on the switchboard; without `adviser`, no 9), hang up."""
    c.dial().press("1").press("2").press("*").press("5").wait().press("#").press("8").press("3")
    if adviser:
        press_nine_and_wait(c).press("2")
    return c.hang_up(seconds)


def whole_call_counts(calls: int = 1, day: date = DAY, adviser: bool = True) -> Counter:
    """What `calls` whole calls on `day` add to the day totals."""
    one = Counter({kept.CALL_STARTED: 1, ("language", "en-GB"): 1, ("reached", "main"): 2, ("reached", "police"): 2,
                   ("reached", "neighbourhood"): 1, ("reached", "arrest"): 1,
                   **{("key", k): 1 for k in "12*#83"}, kept.WRONG_KEY: 1, kept.SILENCE: 1,
                   ("length", "1 to 3 minutes"): 1,
                   **({("adviser", "no adviser answered"): 1} if adviser else {})})
    return Counter({(day, what, name): n * calls for (what, name), n in one.items()})


def whole_call_hours(calls: int = 1, week: date = WEEK, weekday: int = 1, hour: int = 14,
                     adviser: bool = True) -> Counter:
    kinds = ("calls", "adviser requests", "adviser unanswered") if adviser else ("calls",)
    return Counter({(week, weekday, hour, what): calls for what in kinds})


def stored(database) -> tuple[Counter, Counter]:
    """Everything in the figures tables: (day totals, hour totals)."""
    with database.transaction() as session:
        days = Counter({(r.day, r.what, r.name): r.count for r in session.execute(kept.DAYS.select())})
        hours = Counter({(r.week, r.weekday, r.hour, r.what): r.count for r in session.execute(kept.HOURS.select())})
    return days, hours
