"""Usage figures: what calls through the Twilio-like caller add up to, on SQLite and PostgreSQL,
from several servers at once, with the database taken away, and when a worker stops."""
from __future__ import annotations

import logging
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import date, datetime, timezone
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from ivr.serve.tally import Tally
from ivr.store import figures as kept

from .. import wire
from ..counting import (DAY, TUESDAY, WEEK, board_of, caller, counting_app, press_nine_and_wait, stored,
                        whole_call, whole_call_counts, whole_call_hours)
from .test_privacy import http_post


def test_a_whole_call_is_counted_once_in_each_place_it_went(database_url):
    with counting_app(database_url) as app:
        whole_call(caller(app))
        assert stored(app.extensions["ivr"].database) == (Counter(), Counter()), "nothing written before a batch"
        assert app.extensions["ivr"].figures.flush()
        days, hours = stored(app.extensions["ivr"].database)
    assert days == whole_call_counts()
    assert hours == whole_call_hours()


def test_each_adviser_outcome_is_counted_by_its_name(database_url):
    closed = date(2026, 11, 4)
    a, b = "+442079460901", "+442079460902"
    with counting_app(database_url, ADVISER_HOURS="Mon-Fri 09:00-17:00",
                      ADVISER_CLOSED_DAYS=closed.isoformat()) as app:
        board = board_of(app)
        board.script(a, "answers"), board.script(b, "no-answer")
        c = caller(app).dial()
        c.press("9")
        board.advance(0.5)
        assert board.settle(until=lambda: c.ended, seconds=300), "\n".join(board.report())  # talked, goodbye
        board.script(a, "busy"), board.script(b, "busy")
        c = press_nine_and_wait(caller(app).dial())  # nobody: both busy
        press_nine_and_wait(c, "1")  # "to try an adviser again, press 1": nobody again
        board.script(a, "no-answer"), board.script(b, "no-answer")
        c = caller(app).dial()
        c.press("9")
        board.advance(8)
        c.press("*")  # stops waiting
        assert board.settle(until=lambda: not board.holds(c)), "\n".join(board.report())
        c = caller(app).dial()
        c.press("9")
        board.advance(8)
        c.hang_up()  # hangs up while the phones ring
        board.advance(4.5 * 3600)  # Tuesday 19:00: outside the hours
        caller(app).dial().press("9")
        board.advance(16 * 3600)  # Wednesday 11:00, a closed day
        caller(app).dial().press("0")
        app.extensions["ivr"].figures.flush()
        days, hours = stored(app.extensions["ivr"].database)
    adviser = {(d, name): n for (d, what, name), n in days.items() if what == "adviser"}
    assert adviser == {(DAY, "connected"): 1, (DAY, "no adviser answered"): 2, (DAY, "caller stopped waiting"): 1,
                       (DAY, "caller hung up"): 1, (DAY, "outside hours"): 1, (closed, "closed day"): 1}
    assert hours[(WEEK, 1, 14, "adviser requests")] == 5 and hours[(WEEK, 1, 14, "adviser unanswered")] == 4
    assert hours[(WEEK, 1, 19, "adviser requests")] == 1 and hours[(WEEK, 2, 11, "adviser requests")] == 1


@pytest.mark.parametrize("seconds, band", [(0, "under 1 minute"), (59, "under 1 minute"), (60, "1 to 3 minutes"),
                                           (179, "1 to 3 minutes"), (180, "3 to 10 minutes"),
                                           (599, "3 to 10 minutes"), (600, "over 10 minutes"),
                                           (7200, "over 10 minutes")])
def test_call_length_bands_from_the_status_callbacks_call_duration(seconds, band):
    assert kept.length_band(str(seconds)) == band


def test_a_status_callback_without_a_duration_counts_no_length(make_app):
    app = make_app(FIGURES_SECONDS=3600)
    for extra in ({"CallStatus": "completed"}, {"CallStatus": "completed", "CallDuration": "-3"},
                  {"CallStatus": "completed", "CallDuration": "٣"}):
        response = wire.post(app.test_client(), "/voice/status", None, [*{**wire.CALL_FIELDS, **extra}.items()])
        assert response.status_code == 204
    figures = app.extensions["ivr"].figures
    assert figures.waiting() == 0


def test_error_pages_are_counted_and_a_failure_to_count_changes_nothing_a_caller_hears(make_app, board,
                                                                                        monkeypatch):
    app = make_app(FIGURES_SECONDS=3600)
    c = board.caller().dial()
    c.post("/voice/fallback", ErrorCode="11200")
    monkeypatch.setattr("ivr.line.webhooks.Webhook.page", lambda *a, **k: 1 / 0)
    c.press("1")
    assert c.said("Sorry, something went wrong on this line.")
    monkeypatch.undo()
    monkeypatch.setattr(kept, "hourly", lambda *a: 1 / 0)  # counting itself breaks
    c.press("1")
    assert c.said("Calling the police.")
    c.press("9")
    assert c.doc.find("Enqueue") is not None  # the adviser path goes on: the caller waits in a queue
    monkeypatch.undo()
    app.extensions["ivr"].figures.flush()
    days, _ = stored(app.extensions["ivr"].database)
    assert sum(n for (_, what, _), n in days.items() if what == "errors") == 2


# -- Several servers at once --------------------------------------------------------------------

def test_two_servers_with_several_threads_each_add_up_exactly(database_url):
    threads, calls = 3, 6
    with counting_app(database_url, every=0.02) as one, counting_app(database_url, every=0.02) as two:
        problems = []

        def ring(app):
            try:
                for _ in range(calls):  # an adviser request takes the switchboard, which is one-call-at-a-time
                    whole_call(caller(app), adviser=False)
            except Exception as exc:  # noqa: BLE001 - reported below
                problems.append(exc)

        workers = [threading.Thread(target=ring, args=(app,)) for app in (one, two) for _ in range(threads)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        assert not problems, problems
    total = 2 * threads * calls
    days, hours = stored(one.extensions["ivr"].database)
    assert days == whole_call_counts(total, adviser=False)
    assert hours == whole_call_hours(total, adviser=False)


# -- The database taken away mid-run ------------------------------------------------------------

class TakenAway:
    """Make the database unusable for the line, then give it back: PostgreSQL refuses connections
    (and ends those open); SQLite is locked by another program's write."""

    def __init__(self, url: str):
        self.url = make_url(url)

    def __enter__(self):
        if self.url.get_backend_name() == "sqlite":
            self.lock = sqlite3.connect(self.url.database, timeout=10, isolation_level=None)
            self.lock.execute("BEGIN EXCLUSIVE")
        else:
            self._admin(f'ALTER DATABASE "{self.url.database}" ALLOW_CONNECTIONS false')
            self._admin(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{self.url.database}'")
        return self

    def __exit__(self, *exc):
        if self.url.get_backend_name() == "sqlite":
            self.lock.execute("ROLLBACK")
            self.lock.close()
        else:
            self._admin(f'ALTER DATABASE "{self.url.database}" ALLOW_CONNECTIONS true')

    def _admin(self, sql: str) -> None:
        with psycopg.connect(f"postgresql://{self.url.username}@{self.url.host}:{self.url.port}/postgres",
                             autocommit=True) as connection:
            connection.execute(sql)


def test_with_the_database_taken_away_callers_hear_the_same_and_no_count_is_lost(database_url, caplog):
    caplog.set_level(logging.INFO, logger="ivr.figures")
    with counting_app(database_url, every=0.05) as app:
        figures = app.extensions["ivr"].figures
        whole_call(caller(app))
        assert figures.flush()
        # The adviser queue keeps its waits in the same database (when it cannot, callers get the
        # no-adviser advice at once), so these calls hear the guidance only.
        heard_before = whole_call(caller(app), adviser=False).heard
        figures.flush()
        with TakenAway(database_url):
            slowest, heard = 0.0, []
            for _ in range(3):
                started = time.monotonic()
                heard.append(whole_call(caller(app), adviser=False).heard)
                slowest = max(slowest, time.monotonic() - started)
            # The writer keeps trying; SQLite gives up on a lock after waiting 5 s.
            deadline = time.monotonic() + 20
            while not _complaints(caplog) and time.monotonic() < deadline:
                time.sleep(0.05)
            assert figures.waiting() > 0
        assert heard == [heard_before] * 3
        # A call whose counting waited for the database would have waited 5 s at least.
        assert slowest < 4.5, slowest
        deadline = time.monotonic() + 20
        while figures.waiting() and time.monotonic() < deadline:
            time.sleep(0.05)
        days, hours = stored(app.extensions["ivr"].database)
    assert days == whole_call_counts(1) + whole_call_counts(4, adviser=False)
    assert hours == whole_call_hours(1) + whole_call_hours(4, adviser=False)
    said = [r.getMessage() for r in caplog.records if r.name == "ivr.figures"]
    assert len(_complaints(caplog)) == 1, said
    assert "Callers are not affected" in said[0] and said[-1].startswith("usage figures: written to the database again")


def _complaints(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if "cannot write to the database" in r.getMessage()]


class Down:
    """A database that refuses every write, as a server that is down does."""
    is_sqlite = True

    def transaction(self):
        raise OperationalError("INSERT", {}, ConnectionRefusedError("connection refused"))


def test_while_the_database_is_down_the_log_says_so_once_a_minute_and_memory_stays_bounded(caplog):
    caplog.set_level(logging.INFO, logger="ivr.figures")
    clock = {"now": 1000.0}
    tally = Tally(Down(), clock=lambda: TUESDAY, every=3600, monotonic=lambda: clock["now"])
    tally.max_waiting = 50
    for i in range(80):
        tally.count(("reached", f"node{i}"))
    for _ in range(5):
        assert not tally.flush()
        clock["now"] += 10
    lines = [r.getMessage() for r in caplog.records]
    assert len(lines) == 1 and "connection refused" in lines[0] and "30 more could not be kept" in lines[0]
    clock["now"] += 20
    assert not tally.flush()
    assert len(caplog.records) == 2
    assert tally.waiting() == 50


# -- gunicorn: a worker's last batch --------------------------------------------------------------

def test_a_worker_that_stops_writes_its_last_counts_first(tmp_path):
    """Calls answered by two gunicorn workers, then a deploy's SIGTERM well before the next batch
    is due: every call is in the database once the server has stopped."""
    database = tmp_path / "line.sqlite3"
    port = wire.free_port()
    log = open(tmp_path / "server.log", "w")
    server = subprocess.Popen([sys.executable, "-c", "from ivr.cli import main; main()", "serve",
                               "--bind", f"127.0.0.1:{port}", "--workers", "2"], cwd=tmp_path,
                              env=wire.server_env(tmp_path, DATABASE_URL=f"sqlite:///{database}"),
                              stdout=log, stderr=subprocess.STDOUT)
    try:
        wire.wait_until_listening(server, port)
        calls = 6
        statuses = [http_post(port, "/voice", wire.CALL_FIELDS) for _ in range(calls)]
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=60)
        log.close()
    assert statuses == [200] * calls
    assert sum(n for (d, what, name), n in _days(database).items() if what == "calls") == calls, \
        (tmp_path / "server.log").read_text()[-2000:]


def _days(path: Path) -> Counter:
    with sqlite3.connect(path) as connection:
        return Counter({(d, w, n): c for d, w, n, c in connection.execute("SELECT day, what, name, count FROM figures_days")})


# -- Nothing about a caller, and no order of steps ----------------------------------------------

KNOWN_SID = "CA" + "5e1f" * 8


def test_nothing_of_a_caller_reaches_the_database_its_files_or_the_logs(database_url, request, caplog, monkeypatch):
    from .test_privacy import KNOWN, traces
    caplog.set_level(logging.DEBUG)
    with counting_app(database_url, every=0.05) as app:
        c = whole_call(caller(app, from_number=KNOWN, call_sid=KNOWN_SID))
        board = board_of(app)
        board.script("+442079460901", "answers")
        c = caller(app, from_number=KNOWN, call_sid=KNOWN_SID + "0").dial()  # (a board knows each call by its SID)
        c.press("9")
        board.advance(0.5)
        assert board.settle(until=lambda: c.ended, seconds=300), "\n".join(board.report())  # talked, goodbye
        c.post("/voice/fallback", ErrorCode="11200")
        monkeypatch.setattr("ivr.line.webhooks.Webhook.page", lambda *a, **k: 1 / 0)
        c.press("1")
        monkeypatch.undo()
        c.hang_up(700)
        assert app.extensions["ivr"].figures.flush()
        database = app.extensions["ivr"].database
        with database.engine.connect() as connection:
            tables = inspect(connection).get_table_names()
            dump = {t: connection.execute(text(f'SELECT * FROM "{t}"')).all() for t in tables}
            columns = {t: {(c["name"], type(c["type"]).__name__) for c in inspect(connection).get_columns(t)}
                       for t in ("figures_days", "figures_hours")}
    assert dump["figures_days"] and dump["figures_hours"]
    assert columns == {"figures_days": {("day", "DATE"), ("what", "VARCHAR"), ("name", "VARCHAR"),
                                        ("count", "BIGINT")},
                       "figures_hours": {("week", "DATE"), ("weekday", "SMALLINT"), ("hour", "SMALLINT"),
                                         ("what", "VARCHAR"), ("count", "BIGINT")}}
    needles = [*traces(KNOWN), KNOWN_SID, KNOWN_SID[2:]]
    text_dump = repr(dump)
    assert not [n for n in needles if n in text_dump]
    url = make_url(database_url)
    folder = Path(url.database).parent if url.get_backend_name() == "sqlite" else request.getfixturevalue("postgres").folder
    files = [p for p in folder.rglob("*") if p.is_file()]
    assert files
    for path in files:
        data = path.read_bytes()
        assert not [n for n in needles if n.encode() in data], path
    logged = "\n".join(f"{r.getMessage()} {vars(r)!r}" for r in caplog.records)
    assert "webhook failed" in logged  # the logs were caught
    assert not [n for n in needles if n in logged]


def test_a_finished_day_keeps_no_trace_of_the_order_things_happened_in(database_url):
    now = {"at": TUESDAY}
    with counting_app(database_url, clock=lambda: now["at"]) as app:
        figures, database = app.extensions["ivr"].figures, app.extensions["ivr"].database
        caller(app).dial().press("4").press("2")  # going to court, then a section
        figures.flush()
        caller(app).dial().press("1").press("3")  # later: the police, then harassment
        figures.flush()
        sqlite_file = database.is_sqlite
        with database.engine.connect() as connection:
            if sqlite_file:  # no hidden row numbers to keep the order rows were first written in
                with pytest.raises(OperationalError):
                    connection.execute(text("SELECT rowid FROM figures_days"))
            else:
                assert _transactions(connection) > 1  # two batches: the order can still be seen today
        before = stored(database)
        now["at"] = datetime(2026, 11, 4, 9, tzinfo=timezone.utc)
        caller(app).dial()
        figures.flush()
        with database.engine.connect() as connection:
            if not sqlite_file:
                assert _transactions(connection) == 1
                in_place = connection.execute(text("SELECT what, name FROM figures_days WHERE day = :d ORDER BY ctid"),
                                              {"d": DAY}).all()
                assert in_place == sorted(in_place)
        after = stored(database)
    assert {(w, d, h) for w, d, h, _ in after[1]} == {(WEEK, 1, 14), (WEEK, 2, 9)}  # hours: only the week's
    assert {k: n for k, n in after[0].items() if k[0] == DAY} == dict(before[0])  # the totals themselves stay


def _transactions(connection) -> int:
    return connection.execute(text("SELECT count(DISTINCT xmin::text) FROM figures_days WHERE day = :d"),
                              {"d": DAY}).scalar()
