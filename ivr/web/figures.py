"""The usage figures page for staff: the same figures as `ivr figures`, drawn as pictures.

Charts are SVG drawn on the server by pygal, put into the page itself: the page fetches nothing
from anywhere when it is viewed (no scripts, no fonts, no other site). The page is for signed-in
staff only; until staff sign-in exists, the app factory serves it in development mode only.
"""
from __future__ import annotations

from datetime import datetime

import pygal
from flask import Blueprint, Response, current_app, render_template, request
from markupsafe import Markup
from pygal.style import Style

from ..settings import UK
from . import report as report_mod

bp = Blueprint("figures", __name__, template_folder="templates")
STYLE = Style(font_family="inherit", background="transparent", plot_background="transparent",
              colors=("#3465a4",) * 7, foreground="#1a1a1a", foreground_strong="#1a1a1a",
              foreground_subtle="#767676", title_font_size=18, label_font_size=13, major_label_font_size=13)


def _report() -> tuple[report_mod.Report | None, str]:
    """The report the query asks for (month=2026-11, or from= and to=), or why it cannot be read."""
    svc = current_app.extensions["ivr"]
    today = (svc.clock() if svc.clock else datetime.now(UK)).astimezone(UK).date()
    args = request.args
    try:
        start, end = report_mod.period(args.get("month"), args.get("from"), args.get("to"), today)
    except report_mod.PeriodError as exc:
        return None, str(exc)
    content = svc.contents[svc.settings.default_language]
    return report_mod.build(svc.database, content, start, end), ""


@bp.get("/figures")
def page():
    report, problem = _report()
    if report is None:
        return render_template("figures.html", report=None, problem=problem, args=request.args), 400
    return render_template("figures.html", report=report, problem="", args=request.args, charts=charts(report),
                           query=request.query_string.decode("latin-1"), zip=zip, weekdays=report_mod.WEEKDAYS)


@bp.get("/figures.csv")
def spreadsheet():
    report, problem = _report()
    if report is None:
        return Response(problem + "\n", status=400, mimetype="text/plain")
    name = f"keeping-safe-figures-{report.start.isoformat()}-to-{report.end.isoformat()}.csv"
    return Response(report.csv(), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


def charts(report: report_mod.Report) -> dict[str, Markup]:
    sections = report.sections()
    calls = _chart(pygal.Bar, "Calls a day", show_legend=False, x_label_rotation=-45 if len(report.days) > 14 else 0,
                   x_labels=[f"{d.day} {d:%b}" for d in report.days], show_minor_x_labels=len(report.days) <= 31,
                   x_labels_major_every=7 if len(report.days) > 31 else None)
    calls.add("Calls started", list(report.calls.by_day))
    calls.y_labels = _whole_numbers(report.calls.by_day)
    outcomes = [r for r in sections["Adviser requests"] if r.label != report_mod.ALL_REQUESTS]
    out = {"calls": calls, "reached": _bars("Sections reached", sections["Sections reached"]),
           "adviser": _bars("How adviser requests ended", outcomes)}
    for i, grid in enumerate(report.grids):
        busy = _chart(pygal.Dot, f"Busy hours: {grid.title.lower()}", show_legend=False,
                      x_labels=[f"{h:02d}" for h in range(24)], height=340)
        for weekday, cells in zip(report_mod.WEEKDAYS, grid.cells):
            busy.add(weekday[:3], list(cells))
        out[f"busy{i}"] = busy
    return {name: Markup(chart.render(is_unicode=True)) for name, chart in out.items()}


def _bars(title: str, rows: list[report_mod.Row]):
    """One bar a row, in the tables' order from the top (pygal draws the first bar at the bottom)."""
    chart = _chart(pygal.HorizontalBar, title, show_legend=False)
    chart.x_labels = [r.label for r in reversed(rows)]
    chart.add("Total", [r.total for r in reversed(rows)])
    chart.y_labels = _whole_numbers(r.total for r in rows)
    return chart


def _whole_numbers(values) -> list[int]:
    """Axis marks for counts: whole numbers only, about eight of them."""
    top = max([*values, 1])
    step = max(1, -(-top // 8))
    return list(range(0, top + step, step))


def _chart(kind, title: str, **config):
    # js=[]: pygal would otherwise add a script from its own web site to every chart.
    return kind(title=title, style=STYLE, js=[], disable_xml_declaration=True, width=900,
                height=config.pop("height", 420), no_data_text="None in this period", **config)
