"""The content file: what staff see when the guidance file is broken, and what the loader allows."""
from __future__ import annotations

from pathlib import Path

import pytest

from ivr.line import content
from ivr.settings import PACKAGE_DIR
from ivr.line.content import ContentError

SHIPPED = PACKAGE_DIR / "guidance" / "en-GB.yaml"


def broken(tmp_path, old: str, new: str) -> Path:
    text = SHIPPED.read_text()
    assert old in text, old
    path = tmp_path / "en-GB.yaml"
    path.write_text(text.replace(old, new, 1))
    return path


def line_of(path: Path, needle: str) -> int:
    return next(i for i, line in enumerate(path.read_text().splitlines(), 1) if needle in line)


def problems(path: Path) -> list[str]:
    with pytest.raises(ContentError) as info:
        content.load(path)
    return info.value.problems


def test_the_shipped_guidance_loads():
    guidance = content.load(SHIPPED)
    assert set(guidance.menus) == {"main", "police", "police_come", "court"}
    assert len(guidance.sections) == 8


def test_a_key_that_leads_nowhere_is_reported_with_its_line(tmp_path):
    path = broken(tmp_path, "go: neighbourhood}", "go: neighborhood}")
    found = problems(path)
    [problem] = [p for p in found if "neighborhood" in p]
    assert any("'neighbourhood' cannot be reached" in p for p in found)
    assert problem.startswith(f"{path}:{line_of(path, 'go: neighborhood')}:")
    assert "'neighborhood', which is not a menu or section" in problem


def test_yaml_that_does_not_parse_names_the_line(tmp_path):
    path = broken(tmp_path, "  wrong_key: Sorry, that key does nothing here.",
                  "  wrong_key: Sorry: that key: does nothing here.")
    [problem] = problems(path)
    assert problem.startswith(f"{path}:{line_of(path, 'wrong_key')}:")
    assert "colon and a space in them" in problem and "double quotes" in problem


def test_more_than_four_options_is_refused(tmp_path):
    path = broken(tmp_path, '      3: {say: "For harassment, press 3.", go: harassment}',
                  '      3: {say: "For harassment, press 3.", go: harassment}\n'
                  '      4: {say: "For arrest, press 4.", go: arrest}\n'
                  '      5: {say: "For court, press 5.", go: court}')
    assert any("has 5 options; at most 4" in p for p in problems(path))


def test_keys_must_be_numbered_without_gaps(tmp_path):
    path = broken(tmp_path, '      3: {say: "For harassment, press 3.", go: harassment}',
                  '      4: {say: "For harassment, press 4.", go: harassment}')
    [problem] = problems(path)
    assert "uses keys 1, 2, 4; number them 1, 2, 3 with no gaps" in problem


def test_a_section_three_presses_deep_is_refused(tmp_path):
    path = broken(tmp_path, '      3: {say: "For harassment, press 3.", go: harassment}',
                  '      3: {say: "For more, press 3.", go: more}')
    text = path.read_text().replace(
        "# Sections:", "  more:\n    say: More.\n    options:\n"
        '      1: {say: "For harassment, press 1.", go: harassment}\n\n# Sections:')
    path.write_text(text)
    [problem] = problems(path)
    assert problem.startswith(f"{path}:{line_of(path, '  harassment:')}:")
    assert "takes 3 key presses" in problem


def test_a_section_nobody_can_reach_is_reported(tmp_path):
    path = broken(tmp_path, "# Sections:", "# Sections:")
    path.write_text(path.read_text() + "\n  orphan:\n    title: Orphan\n    say: Nobody hears this.\n")
    [problem] = problems(path)
    assert problem.startswith(f"{path}:{line_of(path, 'orphan:')}:")
    assert "cannot be reached" in problem


def test_a_missing_phrase_is_named(tmp_path):
    path = broken(tmp_path, "  again: To hear this again, press hash.\n", "")
    assert any("'phrases' needs 'again'" in p for p in problems(path))


def test_every_problem_is_reported_at_once(tmp_path):
    path = broken(tmp_path, "go: neighbourhood}", "go: nowhere}")
    path.write_text(path.read_text().replace("go: guilty}", "go: elsewhere}"))
    found = problems(path)
    assert len([p for p in found if "not a menu or section" in p]) == 2


def test_the_app_will_not_start_on_a_broken_file(tmp_path, make_app):
    broken(tmp_path, "go: neighbourhood}", "go: nowhere}")
    with pytest.raises(ContentError, match=r"en-GB.yaml:\d+: option 2 of menu 'police' goes to 'nowhere'"):
        make_app(CONTENT_DIR=str(tmp_path))


def test_content_is_keyed_by_language_and_the_file_name_must_match(tmp_path):
    (tmp_path / "cy.yaml").write_text(SHIPPED.read_text())
    with pytest.raises(ContentError, match="language is 'en-GB' but the file is named 'cy.yaml'"):
        content.load_all(tmp_path)
