"""Option 9 as Twilio really behaves: whole scenarios on the switchboard stand-in, on SQLite and on
PostgreSQL. Advisers' phones that are off, busy, on another call or slow to answer; callers who
stop waiting or hang up; Twilio's REST API down, refusing or slow; two servers sharing a database.
"""
from __future__ import annotations

import json
import logging
import re
import threading

import pytest
from sqlalchemy import text

from ivr import create_app
from ivr.staff.phones import Phone
from ivr.staff.switchboard import Switchboard
from ivr.store import waits
from ..caller import CALLER
from ..conftest import ACCOUNT_SID, BASE, TOKEN, settings

A, B = "+442079460901", "+442079460902"
NO_ANSWER = "Sorry, no adviser could answer just now."
TAKEN = "Another adviser has taken this call. Thank you."
GONE = "The caller is no longer waiting. Thank you."


@pytest.fixture
def advisers(make_app, board, database_url):
    """advisers(what A does, what B does, **settings) -> the switchboard, with a line on `database_url`."""
    def make(*phones, **overrides) -> Switchboard:
        app = make_app(DATABASE_URL=database_url, **overrides)
        board.app = app
        for number, phone in zip((A, B), phones):
            board.script(number, phone)
        return board
    return make


def rows(board) -> dict[str, int]:
    with board.app.extensions["ivr"].database.engine.connect() as connection:
        return {table: connection.execute(text(f"SELECT COUNT(*) FROM {table}")).scalar()
                for table in ("adviser_waits", "adviser_legs")}


def press_nine(board) -> object:
    caller = board.caller().dial()
    caller.press("9")
    board.advance(0.5)
    return caller


def talking(board, caller, seconds: float = 60) -> str | None:
    board.settle(until=lambda: board.talking(caller) is not None, seconds=seconds)
    return board.talking(caller)


def out_of_the_queue(board, caller, seconds: float = 120) -> float:
    """Run until the caller is out of the queue; when that happened (board seconds)."""
    assert board.settle(until=lambda: not board.holds(caller), seconds=seconds), "\n".join(board.report())
    return [t for t, what in board.happened if what.startswith("the caller is out of the queue")][-1]


def when(board, pattern: str) -> float:
    return next(t for t, what in board.happened if re.search(pattern, what))


def outcomes(caplog) -> list[str]:
    lines = [json.loads(r.getMessage()) for r in caplog.records if r.name == "ivr.requests"]
    return [line["adviser"] for line in lines if "adviser" in line]


# -- The "done when" scenarios ------------------------------------------------------------------

def test_a_switched_off_phone_does_not_stop_another_adviser_taking_the_call(advisers, caplog):
    """A's phone is off (voicemail within 2 s); B answers after 8 s and presses 1: the caller
    talks to B. With every <Number> in one <Dial>, A's voicemail ended B's ringing."""
    board = advisers("off", "answers-after=8")
    caplog.set_level(logging.INFO)
    caller = press_nine(board)
    assert talking(board, caller) == B, "\n".join(board.report())
    assert board.legs(A)[0].ended and board.legs(A)[0].peer is None
    out_of_the_queue(board, caller)
    assert caller.last == ["Thank you for calling. Goodbye."]
    assert outcomes(caplog) == ["connected"]
    assert rows(board) == {"adviser_waits": 0, "adviser_legs": 0}


def test_two_callers_waiting_with_two_advisers_are_both_connected(advisers):
    board = advisers("answers-after=3", "answers-after=8")
    first = press_nine(board)
    board.advance(2)
    second = press_nine(board)  # while the first still waits: both advisers ring for both
    assert board.settle(until=lambda: board.talking(first) and board.talking(second), seconds=60), \
        "\n".join(board.report())
    assert {board.talking(first), board.talking(second)} == {A, B}
    assert sum(1 for leg in board.legs() if leg.peer is not None) == 2


def test_an_adviser_on_another_call_is_busy_and_the_second_caller_hears_the_advice_within_seconds(advisers):
    board = advisers("answers", ADVISER_NUMBERS=A)
    first = press_nine(board)
    assert talking(board, first) == A
    second = press_nine(board)
    out = out_of_the_queue(board, second)
    busy = when(board, r"busy$")
    assert out - busy <= 6, "\n".join(board.report())
    assert second.last[0] == NO_ANSWER
    pages = second.heard[second.heard.index("Connecting you to an adviser. You will hear ringing. "
                                            "To stop waiting, press star."):]
    assert all(words.strip() for words in pages)  # every page said or rang something: never silence
    assert board.talking(first) == A  # the first conversation goes on


def test_a_caller_who_hangs_up_while_phones_ring_stops_every_one(advisers, caplog):
    board = advisers("voicemail-after=20", "no-answer")
    caplog.set_level(logging.INFO)
    caller = press_nine(board)
    board.advance(6)
    caller.hang_up()
    assert {leg.status for leg in board.legs()} == {"canceled"}
    board.advance(60)
    assert not [what for _, what in board.happened[-5:] if "answers" in what]
    assert outcomes(caplog) == ["caller hung up"]
    assert rows(board) == {"adviser_waits": 0, "adviser_legs": 0}


def test_a_late_accept_is_told_another_adviser_took_the_call_and_joins_nobody(advisers):
    board = advisers("answers-after=3", Phone("person", after=1, press_after=6))  # B hears it first, presses later
    caller = press_nine(board)
    board.advance(4.4)
    board.api = "rate-limited"  # so hanging up B's phone fails, as a slow cancel would leave it
    assert talking(board, caller) == A
    board.advance(10)
    b = board.legs(B)[0]
    assert TAKEN in b.heard and b.peer is None and b.ended
    assert board.talking(caller) == A


def test_a_press_after_the_caller_stopped_waiting_joins_nobody(advisers):
    board = advisers("no-answer", Phone("person", after=1, press_after=6))
    caller = press_nine(board)
    board.advance(3)
    board.api = "rate-limited"
    caller.press("*")
    assert caller.last[0] == "You have stopped waiting."
    board.advance(10)
    b = board.legs(B)[0]
    assert GONE in b.heard and b.peer is None
    assert rows(board) == {"adviser_waits": 0, "adviser_legs": 0}


@pytest.mark.parametrize("fault", ["down", "refuses", "rate-limited", "slow"])
def test_twilios_api_failing_gives_the_no_adviser_path_within_10_s_and_one_log_line(advisers, caplog, fault):
    board = advisers("answers", "answers")
    board.api = fault
    caplog.set_level(logging.DEBUG)
    caller = press_nine(board)
    out = out_of_the_queue(board, caller)
    assert out <= 10, "\n".join(board.report())
    assert caller.last[0] == NO_ANSWER
    why = [r for r in caplog.records if r.name == "ivr.advisers" and r.levelno >= logging.WARNING]
    assert len(why) == 1, [r.getMessage() for r in why]
    line = json.loads(why[0].getMessage())
    assert line["advisers"] == "not rung" and line["why"]
    if fault == "refuses":
        assert "TWILIO_ACCOUNT_SID" in line["why"]
    logged = "\n".join(r.getMessage() + repr(r.args) for r in caplog.records)
    for secret in (re.sub(r"\D", "", CALLER)[-9:], caller.call_sid, ACCOUNT_SID, TOKEN):
        assert secret not in logged
    assert outcomes(caplog) == ["adviser service failed"]


def test_when_every_phone_ends_unanswered_the_caller_is_out_of_the_queue_within_seconds(advisers, caplog):
    board = advisers("busy", "fails")
    caplog.set_level(logging.INFO)
    caller = press_nine(board)
    out = out_of_the_queue(board, caller)
    assert out - max(leg_end for leg_end in (when(board, r"\(\+442079460901\) busy"),
                                             when(board, r"\(\+442079460902\) failed"))) <= 6
    assert caller.last[0] == NO_ANSWER
    assert outcomes(caplog) == ["no adviser answered"]


def test_a_whisper_that_cannot_be_fetched_ends_only_that_phone(advisers):
    board = advisers("whisper-fails", "answers-after=8")
    caller = press_nine(board)
    assert talking(board, caller) == B


def test_the_ring_limit_ends_a_wait_whose_phones_never_report(advisers, caplog):
    board = advisers("no-answer", "no-answer", ADVISER_RING_SECONDS="10")
    board.callbacks = False  # Twilio's status callbacks are lost
    caplog.set_level(logging.INFO)
    caller = press_nine(board)
    out = out_of_the_queue(board, caller)
    assert 10 < out <= 10 + 1 + 5 + 8 + 6
    assert caller.last[0] == NO_ANSWER
    assert outcomes(caplog) == ["wait limit reached"]


def test_star_is_a_named_outcome_and_the_rows_go(advisers, caplog):
    board = advisers("no-answer", "no-answer")
    caplog.set_level(logging.INFO)
    caller = press_nine(board)
    board.advance(8)
    assert rows(board) == {"adviser_waits": 1, "adviser_legs": 2}
    caller.press("*")
    assert outcomes(caplog) == ["caller stopped waiting"]
    assert rows(board) == {"adviser_waits": 0, "adviser_legs": 0}


def test_outside_hours_and_on_a_closed_day_are_named_outcomes(advisers, caplog):
    caplog.set_level(logging.INFO)
    board = advisers(ADVISER_HOURS="Sat 09:00-10:00", ADVISER_CLOSED_DAYS="2026-11-25")
    press_nine(board)
    board.start = board.start.replace(day=25, hour=9)  # a Wednesday, closed
    press_nine(advisers(ADVISER_HOURS="Mon-Fri 09:00-17:00", ADVISER_CLOSED_DAYS="2026-11-25"))
    assert outcomes(caplog) == ["outside hours", "closed day"]


def test_nothing_of_the_caller_is_written_to_the_database(advisers):
    board = advisers("voicemail-after=20", "no-answer")
    caller = press_nine(board)
    board.advance(5)
    with board.app.extensions["ivr"].database.engine.connect() as connection:
        stored = repr([tuple(r) for table in ("adviser_waits", "adviser_legs")
                       for r in connection.execute(text(f"SELECT * FROM {table}"))])
    assert stored.count("CA") == 2  # the two advisers' call SIDs
    for trace in (re.sub(r"\D", "", CALLER)[-9:], caller.call_sid):
        assert trace not in stored


# -- Shared state: any worker on any server ------------------------------------------------------

def test_the_first_press_wins_whichever_worker_answers_it(database_url):
    """Eight workers claim the same wait at once: exactly one wins, on either database."""
    from ivr.store.database import Database
    db = Database(database_url)
    db.upgrade()
    waits.open_wait(db, "t" * 22, 0.0)
    assert waits.start_ringing(db, "t" * 22, "QU" + "0" * 32, 1.0, 8)
    start, results = threading.Barrier(8), []

    def press(position: int) -> None:
        start.wait()
        results.append(waits.claim(db, "t" * 22, position))
    threads = [threading.Thread(target=press, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == [False] * 7 + [True]
    db.dispose()


class Router:
    """Twilio's requests shared between two servers: the adviser's press lands on the other one."""

    def __init__(self, caller_side, adviser_side):
        self.caller_side, self.adviser_side = caller_side, adviser_side

    def post(self, path, **kwargs):
        side = self.adviser_side if path.startswith(("/voice/adviser/accept", "/voice/adviser/leg")) else self.caller_side
        return side.post(path, **kwargs)


def test_two_servers_on_one_postgresql_share_the_wait(postgres, tmp_path):
    url = postgres.new_database()
    board = Switchboard(None, BASE, auth_token=TOKEN, account_sid=ACCOUNT_SID)
    apps = [create_app(settings(**board.config(), DATABASE_URL=url, AUDIO_DIR=str(tmp_path / "audio")))
            for _ in range(2)]
    board.connect(Router(apps[0].test_client(), apps[1].test_client()))
    board.script(A, "answers-after=3")
    board.script(B, "voicemail-after=2")
    caller = press_nine(board)
    assert talking(board, caller) == A
    assert board.legs(B)[0].status == "completed"  # hung up by the other server, mid-whisper
    hung_up = [(uri, data) for _, method, uri, data in board.requests if data.get("Status")]
    assert [data["Status"] for _, data in hung_up] == ["completed"]
    out_of_the_queue(board, caller)
    assert caller.last == ["Thank you for calling. Goodbye."]
    for app in apps:
        app.extensions["ivr"].database.dispose()


def test_a_phone_that_answers_before_twilio_has_replied_is_still_known_and_hung_up(database_url):
    from ivr.store.database import Database
    db = Database(database_url)
    db.upgrade()
    waits.open_wait(db, "u" * 22, 0.0)
    waits.start_ringing(db, "u" * 22, "", 1.0, 1)
    assert waits.answered(db, "u" * 22, 0) == waits.RINGING  # the whisper came first
    assert waits.placed(db, "u" * 22, 0, "CA" + "7" * 32)
    (leg,) = waits.read(db, "u" * 22).legs
    assert (leg.call_sid, leg.state) == ("CA" + "7" * 32, waits.ANSWERED)  # so it can be hung up
    db.dispose()


def test_the_migration_makes_exactly_the_tables_the_line_uses(database_url):
    """Alembic's own comparison of the migrated database with ivr/store/waits.py finds nothing."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext
    from ivr.store.database import Database
    from ivr.store.models import Base
    db = Database(database_url)
    db.upgrade()
    with db.engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection, opts={"compare_type": True}), Base.metadata)
    assert [d for d in diff if table_of(d) in ("adviser_waits", "adviser_legs")] == []
    db.dispose()


def table_of(difference) -> str:
    """The table an Alembic difference is about: ("add_table", table), ("add_column", schema,
    name, column), ("add_index", index), or a list of modify_... tuples (schema, name, column...)."""
    op = difference[0] if isinstance(difference, list) else difference
    if op[0] in ("add_table", "remove_table"):
        return op[1].name
    if op[0] in ("add_index", "remove_index", "add_constraint", "remove_constraint", "add_fk", "remove_fk"):
        return op[1].table.name
    return op[2]
