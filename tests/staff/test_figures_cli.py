"""`ivr figures`, its CSV and the staff page show the same figures for calls made through the caller."""
from __future__ import annotations

import csv
import io
import re
from html.parser import HTMLParser

import pytest

from ..counting import DAY, board_of, caller, counting_app, whole_call
from ..helpers import isolated, ivr  # noqa: F401 - isolated is a fixture

PERIOD = "--from 2026-11-01 --to 2026-11-30"
QUERY = "from=2026-11-01&to=2026-11-30"


@pytest.fixture
def calls_made(database_url, isolated):
    """Three whole calls and one connected to an adviser, on Tuesday 3 November 2026, written. The
    line is the local preview, whose staff pages open without a sign-in on this computer."""
    with counting_app(database_url, preview=True) as app:
        for _ in range(3):
            whole_call(caller(app))
        board = board_of(app)
        board.script("+442079460901", "answers")
        c = caller(app).dial()
        c.press("9")
        board.advance(0.5)
        assert board.settle(until=lambda: c.ended, seconds=300), "\n".join(board.report())  # talked, goodbye
        app.extensions["ivr"].figures.flush()
        yield app, database_url


def test_the_terminal_the_csv_and_the_page_show_the_same_right_figures(calls_made):
    app, url = calls_made
    terminal = ivr(f"ivr figures {PERIOD}", DATABASE_URL=url)
    spreadsheet = ivr(f"ivr figures {PERIOD} --csv", DATABASE_URL=url)
    page = app.test_client().get(f"/figures?{QUERY}")
    download = app.test_client().get(f"/figures.csv?{QUERY}")
    assert (terminal.exit_code, spreadsheet.exit_code, page.status_code, download.status_code) == (0, 0, 200, 200)
    assert download.data.decode().replace("\r\n", "\n") == spreadsheet.output  # click's runner reads \r\n as \n
    shown = [from_terminal(terminal.output), from_csv(spreadsheet.output), from_page(page.data.decode())]
    assert shown[0] == shown[1] == shown[2]
    totals, by_day, grids = shown[0]
    assert totals[("Calls", "Calls started")] == 4
    assert totals[("Call length", "1 to 3 minutes")] == 3
    assert totals[("Menus reached", "Main menu, for England and Wales")] == 3 * 2 + 1
    assert totals[("Languages chosen", "en-GB")] == 4
    assert totals[("Menus reached", "Calling the police")] == 6
    assert totals[("Sections reached", "Your local police team")] == 3
    assert totals[("Sections reached", "Arrest and bail")] == 3
    assert totals[("Keys used", "Star (back)")] == 3 and totals[("Keys used", "Hash (hear again)")] == 3
    assert totals[("Wrong keys and silences", "Wrong keys")] == 3
    assert totals[("Adviser requests", "All requests")] == 4
    assert totals[("Adviser requests", "Connected")] == 1
    assert totals[("Adviser requests", "No adviser answered")] == 3
    assert totals[("Errors", "Error pages served")] == 0
    assert by_day[DAY.isoformat()] == 4 and sum(by_day.values()) == 4 and len(by_day) == 30
    assert grids["Calls started"][1][14] == 4 and sum(map(sum, grids["Calls started"])) == 4
    assert grids["Adviser requests nobody answered"][1][14] == 3


def test_the_page_draws_each_picture_and_fetches_nothing(calls_made):
    app, _ = calls_made
    html = app.test_client().get(f"/figures?{QUERY}").data.decode()
    for title in ("Calls a day", "Sections reached", "How adviser requests ended", "Busy hours: calls started"):
        assert re.search(rf"<svg[^>]*>.*?<title[^>]*>{re.escape(title)}</title>", html, re.S) or \
            re.search(rf"class=\"title\"[^>]*>{re.escape(title)}<", html), title
    assert html.count("<svg") == 6
    assert not re.search(r"\bsrc=|<link|@import|url\(", html)
    without_comments = re.sub(r"<!--.*?-->", "", html, flags=re.S)
    assert set(re.findall(r"https?://[^\s\"'<>]+", without_comments)) <= {"http://www.w3.org/2000/svg",
                                                                          "http://www.w3.org/1999/xlink"}


def test_a_period_that_cannot_be_read_says_how_to_write_it(calls_made):
    app, url = calls_made
    page = app.test_client().get("/figures?month=November")
    assert page.status_code == 400 and "write it like 2026-11" in page.data.decode()
    result = ivr("ivr figures --from 2026-11-30 --to 2026-11-01", DATABASE_URL=url)
    assert result.exit_code == 2 and "is before the start" in result.output


def test_in_production_the_page_is_for_signed_in_staff_only(make_app):
    for path in ("/figures", "/figures.csv"):
        page = make_app().test_client().get(path)
        assert page.status_code == 302 and page.headers["Location"].startswith("/staff/sign-in")


def test_figures_before_a_day_can_be_deleted_for_good(calls_made):
    _, url = calls_made
    result = ivr("ivr figures --delete-before 2026-11-04 --yes", DATABASE_URL=url)
    assert result.exit_code == 0 and "Deleted" in result.output
    totals, _, _ = from_terminal(ivr(f"ivr figures {PERIOD}", DATABASE_URL=url).output)
    assert set(totals.values()) == {0}


def test_trying_the_line_with_the_staff_tools_is_not_counted(isolated):
    from ivr.serve.tally import Uncounted
    from ivr.staff.inprocess import local_app
    assert isinstance(local_app().extensions["ivr"].figures, Uncounted)


# -- Reading each way of showing the figures back --------------------------------------------------

def from_terminal(text: str):
    totals, by_day, grids = {}, {}, {}
    section = grid = None
    for line in text.splitlines():
        if not line.strip():
            continue
        if line.startswith("Busy hours: "):
            grid = line.removeprefix("Busy hours: ").split(" (")[0]
            grids[grid] = []
        elif grid:
            if re.match(r"  \w{3}  ", line):
                grids[grid].append([int(n) for n in line.split()[1:]])
        elif not line.startswith(" ") and not line.startswith("Usage figures"):
            section = line
        elif section == "Calls a day":
            *_, day, month, year, n = line.split()
            by_day[f"{year}-{_month(month)}-{int(day):02d}"] = int(n)
        elif section and re.match(r"  \S", line):
            label, n = line.strip().rsplit(None, 1)
            totals[(section, label)] = int(n)
    return totals, by_day, grids


def from_csv(text: str):
    rows = list(csv.reader(io.StringIO(text)))
    days = rows[1][3:]
    totals, by_day, grids, grid = {}, {}, {}, None
    for row in rows[2:]:
        if not row:
            grid = None
        elif row[0].startswith("Busy hours: "):
            grid = row[0].removeprefix("Busy hours: ")
            grids[grid] = []
        elif grid and row[0] != "weekday":
            grids[grid].append([int(n) for n in row[1:]])
        elif not grid:
            totals[(row[0], row[1])] = int(row[2])
            assert sum(map(int, row[3:])) == int(row[2])
            if (row[0], row[1]) == ("Calls", "Calls started"):
                by_day = dict(zip(days, map(int, row[3:])))
    return totals, by_day, grids


class _Tables(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tables, self.cell = [], None

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self.tables.append((dict(attrs), []))
        elif tag == "tr" and self.tables:
            self.tables[-1][1].append([])
        elif tag in ("td", "th") and self.tables:
            self.cell = ""

    def handle_data(self, data):
        if self.cell is not None:
            self.cell += data

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self.cell is not None:
            self.tables[-1][1][-1].append(self.cell.strip())
            self.cell = None


def from_page(html: str):
    parser = _Tables()
    parser.feed(html)
    tables = {attrs.get("id") or attrs.get("data-grid"): rows for attrs, rows in parser.tables}
    totals = {(r[0], r[1]): int(r[2]) for r in tables["figures"][1:]}
    by_day = {r[0]: int(r[1]) for r in tables["calls-a-day"][1:]}
    grids = {title: [[int(n) for n in r[1:]] for r in rows[1:]] for title, rows in tables.items()
             if title not in ("figures", "calls-a-day")}
    return totals, by_day, grids


def _month(name: str) -> str:
    return f"{'JanFebMarAprMayJunJulAugSepOctNovDec'.index(name) // 3 + 1:02d}"
