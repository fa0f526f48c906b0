"""The usage figures for a period, laid out once, so the page, the CSV and `ivr figures` show the same.

Rows are read from the day totals and labelled from the guidance (a section is named by its
title). The busy-hours grids add up the whole weeks (Monday to Sunday) inside the period:
the database keeps hours only as each week's totals.
"""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import date, timedelta

from ..line.content import Content
from ..store import figures as kept
from ..store.database import Database

MAX_DAYS = 366
WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
KEY_LABELS = {"7": "7 (slower, or the usual speed)", "8": "8 (main menu)", "*": "Star (back)",
              "#": "Hash (hear again)"}
SPEEDS = {"slow": "Slower speech", "normal": "Back to the usual speed"}
GRIDS = (("calls", "Calls started"), ("adviser requests", "Adviser requests"),
         ("adviser unanswered", "Adviser requests nobody answered"))
ALL_REQUESTS = "All requests"


class PeriodError(ValueError):
    """A period staff asked for that cannot be read; the message says how to write it."""


def period(month: str | None, start: str | None, end: str | None, today: date) -> tuple[date, date]:
    """A month ('2026-11'), or from/to dates (inclusive); by default this month so far."""
    if month and (start or end):
        raise PeriodError("Give a month, or a start and end date, not both.")
    if start or end:
        first = _date(start, "start") if start else None
        last = _date(end, "end") if end else today
        if first is None:
            raise PeriodError("Give the start date too, like 2026-11-01.")
    else:
        if month and not re.fullmatch(r"\d{4}-\d{2}", month.strip()):
            raise PeriodError(f"'{month}' is not a month: write it like 2026-11.")
        try:
            first = date.fromisoformat(f"{month.strip()}-01") if month else today.replace(day=1)
        except ValueError:
            raise PeriodError(f"'{month}' is not a month: write it like 2026-11.") from None
        following = (first + timedelta(days=32)).replace(day=1)
        last = today if first <= today < following else following - timedelta(days=1)  # this month: so far
    if last < first:
        raise PeriodError(f"The end ({last}) is before the start ({first}).")
    if (last - first).days >= MAX_DAYS:
        raise PeriodError(f"That is {(last - first).days + 1} days: ask for a year at most at a time.")
    return first, last


def _date(value: str, which: str) -> date:
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise PeriodError(f"'{value}' is not a date: write the {which} date like 2026-11-30.") from None


@dataclass(frozen=True)
class Row:
    section: str
    label: str
    by_day: tuple[int, ...]

    @property
    def total(self) -> int:
        return sum(self.by_day)


@dataclass(frozen=True)
class Grid:
    title: str
    cells: tuple[tuple[int, ...], ...]  # a row for each weekday (Monday first), a number for each hour


@dataclass(frozen=True)
class Report:
    start: date
    end: date
    days: tuple[date, ...]
    rows: tuple[Row, ...]
    weeks: tuple[date, ...]  # the Mondays of the whole weeks the grids add up
    grids: tuple[Grid, ...]

    def sections(self) -> dict[str, list[Row]]:
        out: dict[str, list[Row]] = {}
        for row in self.rows:
            out.setdefault(row.section, []).append(row)
        return out

    def row(self, section: str, label: str) -> Row:
        return next(r for r in self.rows if (r.section, r.label) == (section, label))

    @property
    def calls(self) -> Row:
        return self.row("Calls", "Calls started")

    def csv(self) -> str:
        """One table of figures by day, then the busy-hours grids, as a spreadsheet opens them."""
        out = io.StringIO()
        write = csv.writer(out).writerow
        write(["Keeping Safe usage figures (UK dates)", "from", self.start.isoformat(), "to", self.end.isoformat()])
        write(["section", "figure", "total", *(d.isoformat() for d in self.days)])
        for row in self.rows:
            write([row.section, row.label, row.total, *row.by_day])
        for grid in self.grids:
            write([])
            write([f"Busy hours: {grid.title}", self.weeks_said()])
            write(["weekday", *(f"{h:02d}:00" for h in range(24))])
            for weekday, cells in zip(WEEKDAYS, grid.cells):
                write([weekday, *cells])
        return out.getvalue()

    def weeks_said(self) -> str:
        if not self.weeks:
            return "no whole week (Monday to Sunday) in this period"
        last = self.weeks[-1] + timedelta(days=6)
        return f"{len(self.weeks)} whole weeks, {self.weeks[0].isoformat()} to {last.isoformat()}" \
            if len(self.weeks) > 1 else f"1 whole week, {self.weeks[0].isoformat()} to {last.isoformat()}"


def build(database: Database, content: Content, start: date, end: date) -> Report:
    """The figures from `start` to `end` (UK dates, both included), labelled from `content`."""
    days = tuple(start + timedelta(days=i) for i in range((end - start).days + 1))
    counts = kept.day_totals(database, start, end)

    def by_day(what: str, name: str) -> tuple[int, ...]:
        return tuple(counts.get((d, what, name), 0) for d in days)

    rows = [Row("Calls", "Calls started", by_day(*kept.CALL_STARTED))]
    rows += [Row("Call length", band[0].upper() + band[1:], by_day("length", band)) for _, band in kept.LENGTH_BANDS]
    rows += [Row("Menus reached", menu.say.strip().rstrip("."), by_day("reached", menu.id))
             for menu in content.menus.values()]
    rows += [Row("Sections reached", section.title, by_day("reached", section.id))
             for section in content.sections.values()]
    gone = sorted({name for (_, what, name) in counts if what == "reached"} - set(content.menus) - set(content.sections))
    rows += [Row("Sections reached", f"{name} (no longer in the guidance)", by_day("reached", name)) for name in gone]
    rows += [Row("Keys used", KEY_LABELS.get(key, key), by_day("key", key)) for key in kept.KEYS]
    languages = sorted({name for (_, what, name) in counts if what == "language"})
    rows += [Row("Languages chosen", language, by_day("language", language)) for language in languages]
    rows += [Row("Speeds chosen", label, by_day("speed", rate)) for rate, label in SPEEDS.items()]
    rows += [Row("Wrong keys and silences", "Wrong keys", by_day(*kept.WRONG_KEY)),
             Row("Wrong keys and silences", "Silences", by_day(*kept.SILENCE))]
    outcomes = [Row("Adviser requests", name[0].upper() + name[1:], by_day("adviser", name))
                for name in kept.ADVISER_OUTCOMES]
    rows += [Row("Adviser requests", ALL_REQUESTS, tuple(map(sum, zip(*(r.by_day for r in outcomes))))), *outcomes]
    rows.append(Row("Errors", "Error pages served", by_day(*kept.ERROR_PAGE)))

    weeks = kept.whole_weeks(start, end)
    hours = kept.hour_totals(database, weeks)
    grids = tuple(Grid(title, tuple(tuple(hours.get((what, wd, h), 0) for h in range(24)) for wd in range(7)))
                  for what, title in GRIDS)
    return Report(start, end, days, tuple(rows), tuple(weeks), grids)
