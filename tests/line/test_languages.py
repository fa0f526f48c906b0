"""Other languages, offered in their own words before the welcome, and a whole call in one.

The second language is made up (tests/languages/qaa.yaml, "Keshi"): the line ships no
machine translation, and these tests need none.
"""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from ivr.line import content as content_mod
from ivr.settings import PACKAGE_DIR, SettingsError
from ..caller import Caller
from ..conftest import BASE, TOKEN

KESHI = Path(__file__).resolve().parents[1] / "languages" / "qaa.yaml"


def folder(tmp_path: Path, keshi: str | None = None) -> Path:
    """A content folder with the shipped English and the test language (as given, or as it is)."""
    out = tmp_path / "guidance"
    out.mkdir()
    shutil.copy(PACKAGE_DIR / "guidance" / "en-GB.yaml", out)
    (out / "qaa.yaml").write_text(keshi if keshi is not None else KESHI.read_text(encoding="utf-8"),
                                  encoding="utf-8")
    return out


@pytest.fixture
def two(make_app, board, tmp_path):
    app = make_app(CONTENT_DIR=str(folder(tmp_path)))
    app.extensions["test_board"] = board
    return app


def call(app) -> Caller:
    """A call to `app`, carried by its switchboard when it has one (so option 9 can ring)."""
    board = app.extensions.get("test_board")
    return (board.caller() if board else Caller(app.test_client(), BASE, TOKEN)).dial()


def voices(caller) -> list[tuple[str, str]]:
    return [(el.get("voice"), el.get("language")) for el in caller.doc.iter("Say")]


def test_the_test_language_has_every_part_the_shipped_file_must_have():
    keshi, english = content_mod.load(KESHI), content_mod.load(PACKAGE_DIR / "guidance" / "en-GB.yaml")
    assert set(keshi.phrases) == set(english.phrases) and set(keshi.adviser) == set(english.adviser)
    assert keshi.reviewed and not keshi.original and english.original


def test_each_language_is_offered_in_its_own_words_and_voice_before_the_welcome(two):
    caller = call(two)
    assert caller.last == ["For English, stay on the line.", "Fo Keshi, drik 1."]
    assert voices(caller) == [("Polly.Amy", "en-GB"), ("Polly.Joanna", "en-US")]
    gather = caller.gather()
    assert gather.get("timeout") == "2" and gather.get("action").startswith(f"{BASE}/voice/language?")


def test_staying_on_the_line_keeps_the_default_language(two):
    caller = call(two).wait()
    assert caller.last[0].startswith("This is Keeping Safe.")
    assert "lang=en-GB" in caller.gather().get("action")


@pytest.mark.parametrize("key", ["2", "5", "*", "7"])
def test_a_key_that_names_no_language_keeps_the_default_too(two, key):
    assert call(two).press(key).last[0].startswith("This is Keeping Safe.")


def test_hash_offers_the_languages_again_and_nine_reaches_an_adviser_at_once(two):
    assert call(two).press("#").last == ["For English, stay on the line.", "Fo Keshi, drik 1."]
    caller = call(two).press("9")
    assert caller.doc.find("Enqueue") is not None  # straight to the advisers, in the default language
    caller.board.advance(0.5)
    assert caller.said("Connecting you to an adviser.")


def test_a_whole_call_in_the_chosen_language_adviser_path_included(two):
    caller = call(two).press("1")
    assert caller.last[0].startswith("Dis es Kiping Saf.") and caller.last[1] == "Men menu."
    caller.press("1").press("1")
    assert caller.last[0] == "Olwes kol nin nin nin en an emajensi. De polis kan help yu strait awai."
    assert caller.said("Fo bak, drik star.")
    caller.press("7")  # slower speech, still in Keshi
    assert caller.last[0].startswith("Olwes kol") and "rate=slow" in caller.gather().get("action")
    board = caller.board
    board.script("+442079460901", "declines")  # answers, hears the whisper, presses 2
    caller.press("9")
    board.advance(0.5)
    assert caller.said("Konekten yu tu an advisa.")
    assert board.settle(until=lambda: not board.holds(caller), seconds=300), "\n".join(board.report())
    heard_by_adviser = board.legs("+442079460901")[0].heard
    assert "A call from the helpline. Press 1 to take it." in heard_by_adviser, heard_by_adviser  # the line's own language
    assert caller.said("Sori, no advisa kud ansa jus nau.")
    assert caller.said("De numba es nol, ot, nol, ot. tu, nol, nol, nol. tu, fyr, sev.")  # Keshi's numbers
    caller.press("2")
    assert caller.last[0].startswith("Olwes kol")
    assert all("lang=qaa" in (el.get("action") or el.text) for el in caller.doc.iter()
               if el.tag in ("Gather", "Redirect"))
    assert "Keeping Safe" not in " ".join(caller.heard[2:])


def test_a_translation_nobody_reviewed_is_never_offered(make_app, tmp_path, caplog):
    unreviewed = "\n".join(row for row in KESHI.read_text().splitlines() if "reviewed_" not in row)
    app = make_app(CONTENT_DIR=str(folder(tmp_path, unreviewed)))
    assert "qaa.yaml is not offered to callers: no review by a qualified translator is recorded" in caplog.text
    caller = call(app)
    assert caller.last[0].startswith("This is Keeping Safe.")  # no choice: the welcome at once
    caller.post("/voice/key?node=main&misses=0&lang=qaa&rate=normal", Digits="#")
    assert caller.last[0] == "Main menu, for England and Wales."  # a forged language is not spoken


def test_with_one_language_the_call_starts_with_the_welcome(make_app):
    caller = call(make_app())
    assert caller.last[0].startswith("This is Keeping Safe.")
    assert "For English, stay on the line." not in caller.last


def test_a_default_language_nobody_reviewed_stops_the_line_from_starting(make_app, tmp_path):
    unreviewed = "\n".join(row for row in KESHI.read_text().splitlines() if "reviewed_" not in row)
    with pytest.raises(SettingsError, match="DEFAULT_LANGUAGE: qaa.yaml is a translation that no qualified"):
        make_app(CONTENT_DIR=str(folder(tmp_path, unreviewed)), DEFAULT_LANGUAGE="qaa")


@pytest.mark.parametrize("old, new, problem", [
    ("  reviewed_on: 2026-01-05\n", "", "a review needs both 'reviewed_by'"),
    ("  reviewed_on: 2026-01-05", "  reviewed_on: last week", "'reviewed_on' should be the date"),
    ("  press: Fo Keshi, drik {key}.", "  press: Fo Keshi, drik 1.", "'press' should name the key as {key}"),
    ("translation:\n", "original: true\ntranslation:\n", "either the original or a translation"),
])
def test_a_translation_says_who_reviewed_it_and_how_it_is_offered(tmp_path, old, new, problem):
    text = KESHI.read_text()
    assert old in text
    path = tmp_path / "qaa.yaml"
    path.write_text(text.replace(old, new))
    with pytest.raises(content_mod.ContentError) as info:
        content_mod.load(path)
    assert any(problem in p for p in info.value.problems), info.value.problems
