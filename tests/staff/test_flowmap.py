"""`ivr map` draws the whole call flow from the content: menus, keys, sections, the adviser path."""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from ivr.line import content as content_mod
from ivr.staff import flowgraph, flowmap
from ivr.settings import PACKAGE_DIR
from ivr.line.speech import NoAudio
from ..helpers import isolated, ivr

pytestmark = pytest.mark.usefixtures(isolated.__name__)

REPO = Path(__file__).resolve().parents[2]
SHIPPED = PACKAGE_DIR / "guidance" / "en-GB.yaml"
SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture
def shipped():
    return content_mod.load(SHIPPED)


def test_the_readme_shows_the_current_map(shipped):
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert flowmap.readme_block(flowgraph.build(shipped)) in readme, \
        "The map in README.md is out of date: run `ivr map --readme README.md` and commit it"


def test_the_svg_is_well_formed_and_names_every_menu_section_and_shared_key(shipped):
    result = ivr("ivr map")
    assert result.exit_code == 0, result.output
    assert "Wrote call-flow.svg (open it in a web browser) and call-flow.mmd." in result.output
    svg = ET.parse("call-flow.svg").getroot()
    assert svg.tag == f"{SVG}svg"
    text = " ".join(" ".join(t.itertext()) for t in svg.iter(f"{SVG}text"))
    for section in shipped.sections.values():
        assert section.title in text, section.title
    for menu in shipped.menus.values():
        assert menu.say.rstrip(".") in text
    for words in ["9 or 0 an adviser", "star back one level", "hash hear again", "8 main menu", "7 slower speech",
                  "Key 9 or 0, from anywhere", "key 1: try again"]:
        assert words in re.sub(r"\s+", " ", text), words


def test_the_mermaid_text_has_every_key_of_every_menu(shipped):
    ivr("ivr map")
    mermaid = Path("call-flow.mmd").read_text()
    assert mermaid.startswith("flowchart TD\n")
    for menu in shipped.menus.values():
        for option in menu.options.values():
            assert f'n_{menu.id} -->|"key {option.key}"| n_{option.go}' in mermaid
    assert 'subgraph adviser_path ["The adviser path"]' in mermaid
    assert 'a_open -->|"no"| a_closed' in mermaid
    # The queue: the caller waits while every adviser's phone rings as a call of its own.
    assert 'a_open -->|"yes"| a_wait' in mermaid and "a_wait --> a_phones" in mermaid
    assert "a voicemail ends only its own call" in mermaid and "press star" in mermaid


class BuiltAudio(NoAudio):
    def duration(self, language, rate, prompt):
        return (42.4 if prompt.id == "section.arrest" else 3.0) * (1.3 if rate == "slow" else 1)


class UsualSpeedOnly(BuiltAudio):
    def duration(self, language, rate, prompt):
        return super().duration(language, rate, prompt) if rate == "normal" else None


def test_lengths_in_seconds_at_each_speed_appear_once_audio_is_built(shipped):
    assert "Arrest and bail (42 s, slow 55 s)" in flowmap.mermaid(flowgraph.build(shipped, BuiltAudio()))
    assert "Main menu, for England and Wales (15 s, slow 20 s)" in flowmap.mermaid(
        flowgraph.build(shipped, BuiltAudio()))  # 1 + 4 options
    assert "Arrest and bail (42 s)" in flowmap.mermaid(flowgraph.build(shipped, UsualSpeedOnly()))
    assert " s)" not in flowmap.mermaid(flowgraph.build(shipped, NoAudio()))


def test_a_line_with_several_languages_starts_with_the_choice(tmp_path):
    folder = tmp_path / "guidance"
    folder.mkdir()
    (folder / "en-GB.yaml").write_text(SHIPPED.read_text())
    (folder / "qaa.yaml").write_text((REPO / "tests" / "languages" / "qaa.yaml").read_text())
    assert ivr("ivr map", CONTENT_DIR=str(folder)).exit_code == 0
    assert 'call(["A call starts: a choice of language (English, Keshi), then the safety message"])' \
        in Path("call-flow.mmd").read_text()
    ivr("ivr map --language qaa", CONTENT_DIR=str(folder))
    assert "Kolen de polis" in Path("call-flow.mmd").read_text()


def test_the_readme_map_is_replaced_between_its_markers_and_the_rest_kept(tmp_path):
    readme = tmp_path / "README.md"
    readme.write_text(f"# Line\n\nBefore.\n\n{flowmap.README_START}\nold map\n{flowmap.README_END}\n\nAfter.\n")
    assert "Updated the map in" in ivr(f"ivr map --readme {readme}").output
    text = readme.read_text()
    assert text.startswith("# Line\n\nBefore.\n\n") and text.endswith("\n\nAfter.\n")
    assert "old map" not in text and "n_main" in text
    assert "Already up to date: the map in" in ivr(f"ivr map --readme {readme}").output


def test_an_edited_title_changes_the_map(tmp_path):
    folder = tmp_path / "guidance"
    folder.mkdir()
    (folder / "en-GB.yaml").write_text(SHIPPED.read_text().replace("title: Harassment", "title: Being harassed"))
    ivr("ivr map", CONTENT_DIR=str(folder))
    assert "Being harassed" in Path("call-flow.svg").read_text()
    assert "Being harassed" in Path("call-flow.mmd").read_text()


def test_the_map_measures_audio_built_by_the_offline_voice_whatever_the_engine_setting(built_audio):
    assert ivr("ivr map", AUDIO_DIR=str(built_audio)).exit_code == 0
    assert re.search(r"Arrest and bail \(\d+ s, slow \d+ s\)", Path("call-flow.mmd").read_text())
