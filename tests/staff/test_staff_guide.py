"""docs/staff-guide.md followed as staff would follow it, step by step, on a copy of the line's files:
every command works as written, and none gives a false warning or names the wrong cause."""
from __future__ import annotations

import logging
import re
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from ivr.cli import main
from ivr.line import content as content_mod
from ivr.settings import PACKAGE_DIR
from ivr.staff import call as call_mod, number as number_mod
from ..helpers import isolate
from .test_number import BASE, CREDENTIALS, NUMBER, FakeTwilio, record

REPO = Path(__file__).resolve().parents[2]
GUIDE = REPO / "docs" / "staff-guide.md"
# What no step should say once the guide has been followed (the first check, before the audio is
# rebuilt, may say the one edited prompt's audio is out of date: that is true).
FALSE_ALARMS = re.compile(r": warning|[1-9] warning|stale|older words|no audio|not set|cannot|traceback|twilio's voice|"
                          r"^settings:|^audio: made|\[audio\]", re.I | re.M)


def blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", GUIDE.read_text(encoding="utf-8"), re.S)


def commands() -> list[str]:
    lines = [line.strip() for block in blocks("sh") for line in block.splitlines()]
    return [line for line in lines if line and not line.startswith("#")]


@pytest.fixture
def copy(monkeypatch, tmp_path, audio_copy):
    """The line's folder as staff have it: the guidance file, a .env with the line's number, address,
    Twilio details and advisers (answering at any hour, so the adviser step is the same whenever the
    test runs), and audio built once for the session with the offline voice. The voice itself comes
    from the guide."""
    isolate(monkeypatch, tmp_path)
    shutil.copytree(PACKAGE_DIR / "guidance", tmp_path / "ivr" / "guidance")
    settings = {"CONTENT_DIR": "ivr/guidance", "SERVICE_NUMBER": NUMBER, "PUBLIC_BASE_URL": BASE,
                "ADVISER_NUMBERS": "+442079460901,+442079460902", "ADVISER_HOURS": "Mon-Sun 00:00-24:00",
                "AUDIO_DIR": str(audio_copy), **CREDENTIALS}
    (tmp_path / ".env").write_text("".join(f"{k}={v}\n" for k, v in settings.items()))
    monkeypatch.setattr(number_mod, "HTTP_CLIENT", FakeTwilio([record(NUMBER, "PN" + "1" * 32)]))
    monkeypatch.setattr(call_mod.time, "sleep", lambda seconds: None)  # the live call speaks at speaking speed
    return tmp_path


def run(command: str):
    """One command from the guide, as typed: `scripts/ivr ...` is the ivr command."""
    args = shlex.split(command)
    assert args[0] == "scripts/ivr", f"the guide asks staff to run '{command}', which is not a staff tool"
    assert args[1] in main.commands, f"the guide uses 'ivr {args[1]}', which ivr does not have"
    typed = "1\nq\n" if args[1:] == ["call"] else None  # a live call: the caller presses 1, then hangs up
    return CliRunner().invoke(main, args[1:], input=typed, catch_exceptions=False)


def edit_a_sentence(folder: Path) -> tuple[str, str]:
    """Step 1: change the words of the section that `ivr call --keys 1,3` reaches. Returns
    (its prompt, the new sentence)."""
    path = folder / "ivr" / "guidance" / "en-GB.yaml"
    shipped = content_mod.load(path)
    section = shipped.menus[shipped.menus["main"].options["1"].go].options["3"].go
    first = re.split(r"(?<=\.) ", shipped.sections[section].say)[0]
    new = "This part of the guidance is about something that can happen to anyone."
    text = path.read_text(encoding="utf-8")
    assert first in text, "the section's first sentence should be on one line of the file"
    path.write_text(text.replace(first, new, 1), encoding="utf-8")
    return f"section.{section}", new


def test_the_guide_has_a_command_for_each_step():
    names = [shlex.split(c)[1] for c in commands()]
    for step in ("check", "build-audio", "call", "map", "number", "staff"):
        assert step in names, step


def test_the_guide_followed_step_by_step_gives_no_false_warning(copy, caplog):
    with open(copy / ".env", "a") as env:  # "Before you start": the settings the guide gives
        env.writelines(blocks("ini"))
    edited, words = edit_a_sentence(copy)
    prompts = len(content_mod.load(copy / "ivr" / "guidance" / "en-GB.yaml").prompts()) + 2  # + hours, helpline
    checks = 0
    for command in commands():
        result = run(command)
        out = result.output
        assert result.exit_code == 0, f"{command}\n{out}"
        if command == "scripts/ivr check" and checks == 0:  # before the audio is rebuilt
            warnings = re.findall(r"^\S+:\d+: warning.*\n    Fix: .*\n", out, re.M)
            assert len(warnings) == 2, out  # one at each speed
            for warning in warnings:
                assert f"warning in {edited}: this prompt has audio made from older words" in warning, out
                out = out.replace(warning, "")
            assert "(1 file checked; 0 errors, 2 warnings)" in out
            out = out.replace("2 warnings", "")
        checks += command == "scripts/ivr check"
        untimed = (re.sub(r"^\[\s*[\d.]+ s\] ", "", line) for line in out.splitlines())  # --timed's "[ 2.1 s] "
        said_by_the_tool = "\n".join(line for line in untimed if not line.startswith(("Line:", "Adviser's")))
        if "--api down" in command:  # the guide's rehearsal of Twilio failing: "cannot be reached" is the point
            assert "Twilio's API cannot be reached" in said_by_the_tool, out
            said_by_the_tool = said_by_the_tool.replace("Twilio's API cannot be reached", "")
        assert not FALSE_ALARMS.search(said_by_the_tool), f"{command}\n{out}"
        if command == "scripts/ivr build-audio":
            assert f"built 2, reused {2 * prompts - 2}, failed 0" in out  # the edited sentence, at each speed
        if command == "scripts/ivr check" and checks == 2:
            assert "The content is ready for callers (1 file checked; 0 errors, 0 warnings)." in out
        if command == "scripts/ivr call --keys 1,3,#":
            assert out.count(f"Line: {words}") == 2  # the new words, and again after hash
        if command == "scripts/ivr call --keys 9 --adviser no-answer":
            assert "Line: Sorry, no adviser could answer just now." in out
            assert "Our advisers cannot take calls right now." not in out
        if command.startswith("scripts/ivr map"):
            assert (copy / "call-flow.svg").exists()
            assert re.search(r"Main menu, for England and Wales \(\d+ s, slow \d+ s\)",
                             (copy / "call-flow.mmd").read_text())  # measured audio, at each speed
        if command == "scripts/ivr number":
            assert f"Done: calls to {NUMBER} now go to {BASE}/voice." in out
    assert checks == 2
    # Step 5: the line, restarted, plays every prompt from the new audio.
    from ivr import create_app
    with caplog.at_level(logging.INFO, logger="ivr.audio"):
        create_app()
    assert f"audio: all {2 * prompts} prompts have current audio" in caplog.text  # at each speed


def test_the_example_check_finding_is_what_ivr_check_says(copy):
    path = copy / "ivr" / "guidance" / "en-GB.yaml"
    path.write_text(path.read_text().replace("Crown Prosecution Service decides", "CPS decides", 1))
    result = run("scripts/ivr check")
    assert result.exit_code == 1
    (example,) = blocks("text")
    any_line = re.escape(example).replace(r"en\-GB\.yaml:155:", r"en\-GB\.yaml:\d+:")
    assert re.search(any_line, result.output), "the guide's example of `ivr check` is not what it says now"


def test_scripts_ivr_works_from_the_folder_staff_are_in(tmp_path):
    (tmp_path / ".env").write_text("ADVISER_HOURS=weekdays\n")
    ran = subprocess.run([str(REPO / "scripts" / "ivr"), "--env-file", ".env", "check"], cwd=tmp_path, capture_output=True, text=True,
                         env={"PATH": "/usr/bin:/bin", "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}"})
    assert ran.returncode == 1, ran.stderr
    assert ".env:1: error in ADVISER_HOURS: cannot read 'weekdays'" in ran.stdout  # the .env it was given
