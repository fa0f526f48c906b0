"""Usage figures counted in memory as calls happen, and added to the database every few seconds.

A webhook only adds one to a number in memory: it never waits for the database. A thread per
process writes the counts in small batches (ivr/store/figures.py adds them to the totals, so
several processes and servers add up exactly), and the last batch when the process stops
(gunicorn's worker_exit hook, or the interpreter's exit), so a crash loses only the last few
seconds. A database that is down, locked or full changes nothing for callers: the counts wait
in memory (a bounded number of them) and are tried again, and the log says so once a minute.
"""
from __future__ import annotations

import atexit
import logging
import os
import threading
import time
import weakref
from collections import Counter
from datetime import datetime, timedelta, timezone
from typing import Callable

from ..settings import UK
from ..store import figures as kept
from ..store.database import Database

log = logging.getLogger("ivr.figures")
WRITE_SECONDS = 5.0
COMPLAIN_SECONDS = 60.0  # at most one log line a minute while the database cannot be written
SEAL_DAYS = 7  # days before today that a starting process tidies (see store.figures.seal)

_live: weakref.WeakSet[Tally] = weakref.WeakSet()  # every tally in this process, for shutdown


class Tally:
    """This process's counts not yet written, and the thread that writes them."""
    max_waiting = 20_000  # different counts kept while the database cannot be written: months of them

    def __init__(self, database: Database, clock: Callable[[], datetime] | None = None,
                 every: float = WRITE_SECONDS, monotonic: Callable[[], float] = time.monotonic):
        self.database, self.clock, self.every, self.monotonic = database, clock, every, monotonic
        self._reset()
        _live.add(self)
        # gunicorn loads the app before it forks: a worker starts with no counts, locks or thread
        # of the master's (like the database engine, see store.database).
        tally = weakref.ref(self)
        os.register_at_fork(after_in_child=lambda: (t := tally()) is not None and t._reset())

    def _reset(self) -> None:
        self._lock, self._writing = threading.Lock(), threading.Lock()
        # Counts not yet written, by day (and by hour of the week): {day: {(what, name): n}}.
        self._days: dict = {}
        self._hours: dict = {}
        self._keys = 0  # different counts kept, for the bound
        self._in_flight = 0  # counts being written just now
        self._hourly: dict = {}  # (what, name) -> what it adds to the hours (store.figures.hourly)
        self._hour = (0.0, 0.0, None, None)  # [since, until) in Unix time: the UK day and hour of the week
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._unsealed: set | None = None  # days and weeks this process wrote that are not over yet
        self._failing_since: float | None = None
        self._complained = -COMPLAIN_SECONDS
        self._dropped = 0

    # -- Counting (any webhook thread) ------------------------------------------------------
    def count(self, *pairs: tuple[str, str]) -> None:
        """Add one to each (what, name), on today's UK date; no database, no waiting."""
        try:
            day, hour = self._now()
            with self._lock:
                days, hours = self._days.get(day), self._hours.get(hour)
                if days is None:
                    days = self._days[day] = Counter()
                if hours is None:
                    hours = self._hours[hour] = Counter()
                for pair in pairs:
                    self._add(days, pair)
                    measures = self._hourly.get(pair)
                    if measures is None:
                        measures = self._hourly[pair] = kept.hourly(*pair)
                    for measure in measures:
                        self._add(hours, measure)
            if self._thread is None:
                self._start()
        except Exception:  # noqa: BLE001 - counting must never cost a caller their answer
            log.exception("usage figures: could not count %s", pairs)

    def call_length(self, seconds: str) -> None:
        band = kept.length_band(seconds)
        if band:
            self.count(("length", band))

    def now(self) -> datetime:
        if self.clock is None:
            return datetime.now(UK)
        now = self.clock()
        return (now if now.tzinfo else now.replace(tzinfo=timezone.utc)).astimezone(UK)

    def _now(self) -> tuple:
        """(UK date, (week, weekday, hour)) now. With the real clock, worked out once an hour:
        UK time is always a whole number of hours from UTC, so its hour turns when UTC's does."""
        if self.clock is None:
            since, until, day, hour = self._hour
            now = time.time()
            if since <= now < until:
                return day, hour
            since = now - now % 3600
            local = datetime.fromtimestamp(since, UK)
        else:
            local, since = self.now(), None
        day = local.date()
        when = day, (day - timedelta(days=local.weekday()), local.weekday(), local.hour)
        if since is not None:
            self._hour = (since, since + 3600, *when)  # one tuple: read whole by any thread
        return when

    def _add(self, counts: Counter, key) -> None:
        if key in counts:
            counts[key] += 1
        elif self._keys < self.max_waiting:
            counts[key] = 1
            self._keys += 1
        else:
            self._dropped += 1  # memory stays bounded; said in the next complaint

    def waiting(self) -> int:
        """How many counts are in memory, not yet written."""
        with self._lock:
            return sum(sum(c.values()) for c in self._days.values()) + self._in_flight

    # -- Writing (the writer thread, and shutdown) --------------------------------------------
    def flush(self, wait: float = 10.0) -> bool:
        """Write what has been counted; if the database cannot take it, keep it for the next try."""
        if not self._writing.acquire(timeout=wait):
            return False
        try:
            with self._lock:
                by_day, by_hour, self._days, self._hours, self._keys = self._days, self._hours, {}, {}, 0
                days = Counter({(day, *pair): n for day, c in by_day.items() for pair, n in c.items()})
                hours = Counter({(*hour, m): n for hour, c in by_hour.items() for m, n in c.items()})
                self._in_flight = sum(days.values())
            try:
                kept.add(self.database, days, hours)
            except Exception as exc:  # noqa: BLE001 - down, locked, full: the callers must not notice
                with self._lock:
                    for waiting, back in ((self._days, by_day), (self._hours, by_hour)):
                        for when, counts in back.items():
                            waiting.setdefault(when, Counter()).update(counts)
                    self._keys = sum(len(c) for c in (*self._days.values(), *self._hours.values()))
                    self._in_flight = 0
                self._failed(exc)
                return False
            with self._lock:
                self._in_flight = 0
            self._recovered()
            try:
                self._tidy(days, hours)
            except Exception as exc:  # noqa: BLE001 - the counts are in; tidying is tried again next time
                self._failed(exc)
            return True
        finally:
            self._writing.release()

    def _tidy(self, days: Counter, hours: Counter) -> None:
        """Seal the days and weeks that are over (store.figures.seal); a starting process also
        seals the last week, in case the process before it stopped before the day was over."""
        today = self.now().date()
        if self._unsealed is None:
            self._unsealed = {("day", today - timedelta(days=i)) for i in range(1, SEAL_DAYS + 1)}
            self._unsealed |= {("week", kept.monday(today) - timedelta(weeks=i)) for i in (1, 2)}
        self._unsealed |= {("day", key[0]) for key in days} | {("week", key[0]) for key in hours}
        over = {(kind, d) for kind, d in self._unsealed
                if (d < today if kind == "day" else d + timedelta(days=7) <= today)}
        if over:
            kept.seal(self.database, [d for kind, d in over if kind == "day"],
                      [d for kind, d in over if kind == "week"])
            self._unsealed -= over

    def _failed(self, exc: Exception) -> None:
        now = self.monotonic()
        if self._failing_since is None:
            self._failing_since = now
        if now - self._complained >= COMPLAIN_SECONDS:
            self._complained = now
            dropped = f"; {self._dropped} more could not be kept" if self._dropped else ""
            log.warning("usage figures: cannot write to the database (%s). %d counts wait in memory and are "
                        "tried again every %g s%s. Callers are not affected.",
                        reason(exc), self.waiting(), self.every, dropped)

    def _recovered(self) -> None:
        if self._failing_since is not None:
            log.info("usage figures: written to the database again after %.0f s",
                        self.monotonic() - self._failing_since)
            self._failing_since, self._complained, self._dropped = None, -COMPLAIN_SECONDS, 0

    def _start(self) -> None:
        with self._lock:
            if self._thread is None:
                # The thread holds the tally weakly: an app that is gone takes its thread with it.
                self._thread = threading.Thread(target=_write_every, args=(weakref.ref(self), self.every, self._stop),
                                                name="ivr-figures", daemon=True)
                self._thread.start()

    def close(self, wait: float = 5.0) -> None:
        """Stop the writer and write the last batch (when the process stops)."""
        with self._lock:
            thread, self._thread = self._thread, None
            stop, self._stop = self._stop, threading.Event()
        stop.set()
        if thread is not None and thread is not threading.current_thread():
            thread.join(wait)
        if not self.flush(wait) and self.waiting():
            log.warning("usage figures: %d counts could not be written before the line stopped", self.waiting())


class Uncounted:
    """Figures switched off (the staff tools' own calls are not callers' calls)."""

    def count(self, *pairs) -> None:
        pass

    def call_length(self, seconds: str) -> None:
        pass

    def flush(self, wait: float = 0) -> bool:
        return True

    def close(self, wait: float = 0) -> None:
        pass


def _write_every(tally_ref, every: float, stop: threading.Event) -> None:
    while not stop.wait(every):
        tally = tally_ref()
        if tally is None:
            return
        tally.flush()
        del tally


def close_all() -> None:
    """Write every tally's last batch: gunicorn's worker_exit hook, and the interpreter's exit."""
    for tally in list(_live):
        tally.close()


def reason(exc: Exception) -> str:
    """The driver's first line (never SQLAlchemy's parameters: they are only counts anyway)."""
    original = getattr(exc, "orig", None) or exc
    text = str(original).strip()
    return text.splitlines()[0] if text else type(original).__name__


atexit.register(close_all)
