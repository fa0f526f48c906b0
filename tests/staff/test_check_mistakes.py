"""Common slips in the real guidance file: `ivr check` names the line where each starts, in plain words.

Each mistake is made by searching the file's text (never by line number), as staff would make it.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from ivr.line import content as content_mod
from ivr.settings import PACKAGE_DIR
from ..helpers import isolated, ivr

pytestmark = pytest.mark.usefixtures(isolated.__name__)

SHIPPED = PACKAGE_DIR / "guidance" / "en-GB.yaml"
JARGON = ("scalar", "mapping", "block end", "token", "stream", "expected", "yaml", "<", "as the message says")


def change(pattern: str, to: str, nth: int = 0):
    """A mistake: the `nth` match of `pattern` (a regex, multi-line) replaced by `to`. The mistake
    is on the line where the match starts, plus any newlines `to` puts before a marker `@`."""
    def make(text: str) -> tuple[str, int]:
        found = list(re.finditer(pattern, text, re.M))[nth]
        new = found.expand(to)
        line = text[:found.start()].count("\n") + 1 + new[:new.index("@")].count("\n") if "@" in new else \
            text[:found.start()].count("\n") + 1
        return text[:found.start()] + new.replace("@", "") + text[found.end():], line
    return make


# (what staff did, the mistake, words the explanation or its fix must contain)
MISTAKES = [
    ("left out a closing double quote", change(r'(\{say: "[^"]*)"', r"\1"), "closing quote mark"),
    ("left a single quote open", change(r"(title: )(.+)$", r"\1'\2", nth=4), "closing quote mark"),
    ("indented a line of words too little", change(r"(say: >-\n(?: {6}.*\n){2}) {6}", r"\1@    ", nth=3),
     "start it with 6 spaces"),
    ("indented a line of words not at all", change(r"(say: >-\n(?: {6}.*\n){1}) {6}", r"\1@", nth=5),
     "start it with 6 spaces"),
    ("indented a name one space too far", change(r"^( {4})(title: )", r"\1 \2", nth=6), "spaces"),
    ("indented a name one space too little", change(r"^( {3}) (say: >-)", r"\1\2", nth=7), "spaces"),
    ("started a line with a tab", change(r"^ {4}(title: )", "\t\\1", nth=2), "tab"),
    ("put a colon in the words", change(r"^(  \w+: )([A-Z][^\"{>\n]*)$", r"\1Note: \2", nth=2), "double quotes"),
    ("left out a closing bracket", change(r'(\{say: "[^"]*", go: \w+)\}', r"\1", nth=1), "}"),
    ("left out a comma", change(r'(\{say: "[^"]*"), (go:)', r"\1 \2", nth=2), "comma"),
    ("left out the space after a colon", change(r"^(  \w+): ([A-Z])", r"\1:\2", nth=3), "space after the colon"),
    ("quoted a word inside quoted words", change(r'(say: "For )(\w+)', r'\1"\2"'), "quote"),
    ("wrote an apostrophe inside single quotes", change(r"(title: )(.+)$", r"\1'It's \2'", nth=1),
     "apostrophe twice"),
    ("quoted only the first words", change(r"^(  \w+: )(\w+ \w+)( [^\"{>\n]+)$", r'\1"\2"\3', nth=4),
     "quote marks round all the words"),
    ("left out the colon after a name", change(r"^( {4}title):", r"\1", nth=3), "colon"),
    ("went on to a new line without indenting it", change(r"^(  \w+: [A-Z][^\"{>\n]*?,) ([^\"{>\n]+)$", "\\1\n  @\\2"),
     "more spaces"),
    ("wrote the same name twice", change(r"^(  (\w+): [A-Z][^\"{>\n]*\n)", r"\1  @\2: Again.\n", nth=2), "twice"),
]


def broken(tmp_path: Path, mistake) -> tuple[Path, int]:
    text, line = mistake(SHIPPED.read_text(encoding="utf-8"))
    path = tmp_path / "guidance" / "en-GB.yaml"
    path.parent.mkdir(exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path, line


@pytest.mark.parametrize("what, mistake, useful", MISTAKES, ids=[m[0] for m in MISTAKES])
def test_a_slip_is_named_on_its_own_line_in_plain_words(tmp_path, what, mistake, useful):
    path, line = broken(tmp_path, mistake)
    result = ivr(f"ivr check {path}")
    assert result.exit_code == 1, result.output
    (finding,) = re.findall(r"^\S*en-GB\.yaml:(\d+): error: (.*)\n    Fix: (.*)$", result.output, re.M)
    assert int(finding[0]) == line, f"{what}: reported on line {finding[0]}, made on {line}\n{result.output}"
    said = f"{finding[1]} {finding[2]}".lower()
    assert not [word for word in JARGON if word in said], said
    assert useful.lower() in said, said


def test_the_same_words_stop_the_line_from_starting(tmp_path):
    path, line = broken(tmp_path, MISTAKES[0][1])
    with pytest.raises(content_mod.ContentError) as error:
        content_mod.load(path)
    assert f"en-GB.yaml:{line}: the words in double quotes" in str(error.value)
    assert "\n    Fix: put \" at the end of the words" in str(error.value)


def test_a_file_saved_by_a_word_processor_names_the_line(tmp_path):
    text = SHIPPED.read_text(encoding="utf-8")
    at = text.index("You cannot.")
    path = tmp_path / "en-GB.yaml"
    path.write_bytes(text[:at].encode() + "You can\u2019t.".encode("cp1252") + text[at + 11:].encode())
    result = ivr(f"ivr check {path}")
    assert f"en-GB.yaml:{text[:at].count(chr(10)) + 1}: error: this line has a character that is not plain " \
        "text (UTF-8)" in result.output
    assert "Fix: save the file as UTF-8 text" in result.output


def test_the_shipped_file_has_none_of_these_slips():
    from ivr.line.yamlerrors import Scan
    rows = SHIPPED.read_text(encoding="utf-8").split("\n")
    assert Scan(rows).first(len(rows)) is None


def test_words_cut_short_by_a_hash_sign_are_a_warning_on_their_line(tmp_path):
    path, line = broken(tmp_path, change(r"^(  \w+: )[A-Z][^\"{>\n#]*$", r"\1Press # to hear this again.", nth=1))
    result = ivr(f"ivr check {path}")
    assert f"en-GB.yaml:{line}: warning: the words stop at the # sign, so callers hear only \"Press\"" in result.output
    assert "Fix: write 'hash' in words" in result.output
    assert ": warning: the words stop" not in ivr(f"ivr check {SHIPPED}").output
