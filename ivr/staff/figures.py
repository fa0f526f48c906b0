"""`ivr figures`: the usage figures for a month (or any days) as a table, or as CSV for a spreadsheet.

The same report as the staff page (ivr/web/report.py). Counts that a running line has not yet
written (at most the last few seconds') are not in it yet.
"""
from __future__ import annotations

import sys
from datetime import date, datetime

import click

from .. import local
from ..line.content import ContentError, load_all
from ..settings import UK, SettingsError
from ..store import figures as kept
from ..store.database import Database
from ..web import report as report_mod


@click.command("figures")
@click.argument("month", required=False)
@click.option("--from", "start", metavar="DATE", help="First day, like 2026-11-01 (instead of a month).")
@click.option("--to", "end", metavar="DATE", help="Last day, like 2026-11-30 (default: today).")
@click.option("--csv", "as_csv", is_flag=True, help="Print CSV for a spreadsheet: ivr figures 2026-11 --csv > nov.csv")
@click.option("--delete-before", metavar="DATE", help="Delete every figure for the days before DATE, for good.")
@click.option("--yes", is_flag=True, help="With --delete-before: do not ask first.")
def figures(month, start, end, as_csv, delete_before, yes):
    """How many calls, and what callers used: this month so far, MONTH (like 2026-11), or --from/--to."""
    try:
        settings = local.settings()
        database = Database(settings.database_url)
        database.upgrade()
        if delete_before:
            return forget(database, delete_before, yes)
        today = datetime.now(UK).date()
        first, last = report_mod.period(month, start, end, today)
        content = load_all(settings.content_dir)[settings.default_language]
        report = report_mod.build(database, content, first, last)
    except report_mod.PeriodError as exc:
        raise click.UsageError(str(exc)) from None
    except (SettingsError, ContentError) as exc:
        click.echo(f"Cannot read the figures.\n{exc}", err=True)
        sys.exit(2)
    click.echo(report.csv() if as_csv else table(report), nl=not as_csv)


def forget(database: Database, before: str, yes: bool) -> None:
    try:
        day = date.fromisoformat(before.strip())
    except ValueError:
        raise click.UsageError(f"'{before}' is not a date: write it like 2026-01-01.") from None
    if not yes:
        click.confirm(f"Delete every figure for the days before {day:%A %-d %B %Y}, for good?", abort=True)
    days, hours = kept.forget(database, day)
    click.echo(f"Deleted {days} day totals and {hours} busy-hour totals from before {day.isoformat()}.")


def table(report: report_mod.Report) -> str:
    """The report as plain text for a terminal: totals, calls a day, and the busy-hours grids."""
    width = max(len(r.label) for r in report.rows) + 4
    lines = [f"Usage figures from {report.start:%A %-d %B %Y} to {report.end:%A %-d %B %Y} (UK dates)", ""]
    for section, rows in report.sections().items():
        lines.append(section)
        lines += [f"  {row.label:<{width}}{row.total:>8}" for row in rows]
        lines.append("")
    lines.append("Calls a day")
    lines += [f"  {day:%a %d %b %Y}{n:>8}" for day, n in zip(report.days, report.calls.by_day)]
    for grid in report.grids:
        cell = max(2, *(len(str(n)) for cells in grid.cells for n in cells)) + 1
        lines += ["", f"Busy hours: {grid.title} ({report.weeks_said()})",
                  "       " + "".join(f"{h:02d}".rjust(cell) for h in range(24))]
        lines += [f"  {weekday[:3]}  " + "".join(f"{n:>{cell}}" for n in cells)
                  for weekday, cells in zip(report_mod.WEEKDAYS, grid.cells)]
    return "\n".join(lines)
