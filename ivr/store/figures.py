"""The usage figures as kept: day totals (UK date) and each week's totals per hour of the week.

Nothing here can hold who called: every name comes from a fixed list or the guidance's own
node ids, and no time is finer than the day (except the hour of the week, added up over the
week). Counts are added by additive upserts, so several processes and servers add exactly.
"""
from __future__ import annotations

from datetime import date, timedelta
from typing import Iterable, Mapping

from sqlalchemy import BigInteger, Date, SmallInteger, String, delete, insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, mapped_column

from .database import Database
from .models import Base

# What is counted: (what, name) pairs. Guidance nodes are counted under "reached" by their id.
CALL_STARTED = ("calls", "started")
WRONG_KEY = ("missed", "wrong key")
SILENCE = ("missed", "silence")
ERROR_PAGE = ("errors", "error page")
KEYS = ("1", "2", "3", "4", "7", "8", "*", "#")
ADVISER_OUTCOMES = ("connected", "no adviser answered", "caller stopped waiting", "caller hung up",
                    "wait limit reached", "outside hours", "closed day", "adviser service failed")
UNANSWERED = ("no adviser answered", "caller stopped waiting", "caller hung up", "wait limit reached",
              "adviser service failed")
LENGTH_BANDS = ((60, "under 1 minute"), (180, "1 to 3 minutes"), (600, "3 to 10 minutes"),
                (None, "over 10 minutes"))


class DayCount(Base):
    """How many of one thing happened on one UK day."""
    __tablename__ = "figures_days"
    # No hidden row number (SQLite's rowid would keep the order rows were first written).
    __table_args__ = {"sqlite_with_rowid": False}
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    what: Mapped[str] = mapped_column(String(20), primary_key=True)
    name: Mapped[str] = mapped_column(String(60), primary_key=True)
    count: Mapped[int] = mapped_column(BigInteger)


class HourCount(Base):
    """How many of one thing happened in one hour of the week (UK clock), in the week starting `week`."""
    __tablename__ = "figures_hours"
    __table_args__ = {"sqlite_with_rowid": False}
    week: Mapped[date] = mapped_column(Date, primary_key=True)  # the Monday
    weekday: Mapped[int] = mapped_column(SmallInteger, primary_key=True)  # 0 is Monday
    hour: Mapped[int] = mapped_column(SmallInteger, primary_key=True)  # 0 to 23
    what: Mapped[str] = mapped_column(String(20), primary_key=True)
    count: Mapped[int] = mapped_column(BigInteger)


DAYS, HOURS = DayCount.__table__, HourCount.__table__
DayKey = tuple[date, str, str]
HourKey = tuple[date, int, int, str]


def length_band(seconds: str) -> str | None:
    """Twilio's CallDuration (whole seconds, as text) -> its band; None if it is not a duration."""
    if not (seconds.isascii() and seconds.isdigit()):
        return None
    for limit, band in LENGTH_BANDS:
        if limit is None or int(seconds) < limit:
            return band
    return None


def hourly(what: str, name: str) -> tuple[str, ...]:
    """What a count adds to the hour-of-the-week totals as well (calls and adviser requests, for rotas)."""
    if (what, name) == CALL_STARTED:
        return ("calls",)
    if what == "adviser":
        return ("adviser requests", "adviser unanswered") if name in UNANSWERED else ("adviser requests",)
    return ()


def monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def add(database: Database, days: Mapping[DayKey, int], hours: Mapping[HourKey, int]) -> None:
    """Add counts to the totals, in one transaction: written whole or not at all.

    Rows are written in key order, so two servers adding at once take their locks in the same
    order and never deadlock.
    """
    dialect = sqlite if database.is_sqlite else postgresql
    with database.transaction() as session:
        for table, counts in ((DAYS, days), (HOURS, hours)):
            if counts:
                upsert = dialect.insert(table)
                upsert = upsert.on_conflict_do_update(index_elements=list(table.primary_key),
                                                      set_={"count": table.c.count + upsert.excluded.count})
                session.execute(upsert, [_row(table, key, n) for key, n in sorted(counts.items())])


def seal(database: Database, days: Iterable[date], weeks: Iterable[date]) -> None:
    """Rewrite finished days' and weeks' rows in key order, in one transaction.

    While a day goes on, its rows are written as things first happen, and a database keeps
    traces of that order (PostgreSQL's row positions and transaction ids). Once the day is over
    its rows are taken out and put back sorted, so they keep only the totals.
    """
    days, weeks = sorted(set(days)), sorted(set(weeks))
    with database.transaction() as session:
        for table, column, values in ((DAYS, DAYS.c.day, days), (HOURS, HOURS.c.week, weeks)):
            if values:
                rows = session.execute(delete(table).where(column.in_(values)).returning(*table.c)).mappings().all()
                if rows:
                    key = [c.name for c in table.primary_key]
                    session.execute(insert(table), sorted((dict(r) for r in rows), key=lambda r: [r[k] for k in key]))


def forget(database: Database, before: date) -> tuple[int, int]:
    """Delete every day before `before`, and the hour totals of every week that starts before it.
    Returns how many rows went from each table."""
    with database.transaction() as session:
        gone_days = session.execute(delete(DAYS).where(DAYS.c.day < before)).rowcount
        gone_hours = session.execute(delete(HOURS).where(HOURS.c.week < before)).rowcount
    return gone_days, gone_hours


def day_totals(database: Database, start: date, end: date) -> dict[DayKey, int]:
    with database.transaction() as session:
        rows = session.execute(select(DAYS).where(DAYS.c.day.between(start, end)))
        return {(r.day, r.what, r.name): r.count for r in rows}


def whole_weeks(start: date, end: date) -> list[date]:
    """The Mondays of the weeks (Monday to Sunday) that lie wholly within start..end."""
    first = monday(start) + (timedelta(days=7) if start.weekday() else timedelta())
    return [first + timedelta(weeks=i) for i in range(max(0, ((end - first).days + 1) // 7))]


def hour_totals(database: Database, weeks: list[date]) -> dict[tuple[str, int, int], int]:
    """(what, weekday, hour) -> the count, added up over `weeks`."""
    out: dict[tuple[str, int, int], int] = {}
    if not weeks:
        return out
    with database.transaction() as session:
        for r in session.execute(select(HOURS).where(HOURS.c.week.in_(weeks))):
            out[(r.what, r.weekday, r.hour)] = out.get((r.what, r.weekday, r.hour), 0) + r.count
    return out


def _row(table, key: tuple, count: int) -> dict:
    return {**dict(zip((c.name for c in table.primary_key), key)), "count": count}
