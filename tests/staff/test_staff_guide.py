"""Every command in docs/staff-guide.md works, in order, on a copy of the line's files."""
from __future__ import annotations

import re
import shlex
import shutil
from pathlib import Path

import pytest

from ivr.staff import call as call_mod, number as number_mod
from ivr.cli import main
from ivr.settings import PACKAGE_DIR
from ..helpers import isolate, ivr
from .test_number import BASE, CREDENTIALS, NUMBER, FakeTwilio, record

GUIDE = Path(__file__).resolve().parents[2] / "docs" / "staff-guide.md"
NOT_HERE_YET: set[str] = set()  # commands the guide may name before they are merged


def blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", GUIDE.read_text(encoding="utf-8"), re.S)


def commands() -> list[str]:
    lines = [line.strip() for block in blocks("sh") for line in block.splitlines()]
    return [line for line in lines if line and not line.startswith("#")]


@pytest.fixture
def copy(monkeypatch, tmp_path, audio_copy):
    """The line's folder as staff have it: the guidance file, a complete .env and built audio.

    The offline voice (this machine cannot reach Google), over audio built once for the session,
    so `ivr build-audio` only remakes what this .env changes.
    """
    isolate(monkeypatch, tmp_path)
    shutil.copytree(PACKAGE_DIR / "guidance", tmp_path / "ivr" / "guidance")
    settings = {"CONTENT_DIR": "ivr/guidance", "SERVICE_NUMBER": NUMBER, "PUBLIC_BASE_URL": BASE,
                "ADVISER_NUMBERS": "+442079460901,+442079460902", "TTS_ENGINE": "piper", "AUDIO_DIR": str(audio_copy),
                **CREDENTIALS}
    (tmp_path / ".env").write_text("".join(f"{k}={v}\n" for k, v in settings.items()))
    monkeypatch.setattr(number_mod, "HTTP_CLIENT", FakeTwilio([record(NUMBER, "PN" + "1" * 32)]))
    monkeypatch.setattr(call_mod.time, "sleep", lambda seconds: None)  # the live call speaks at speaking speed
    return tmp_path


def test_the_guide_has_a_command_for_each_step():
    names = [shlex.split(c)[1] for c in commands()]
    for step in ("check", "build-audio", "call", "map", "number"):
        assert step in names, step


def test_every_command_in_the_guide_runs(copy):
    ran = []
    for command in commands():
        args = shlex.split(command)
        assert args[0] == "ivr", f"the guide asks staff to run '{command}', which is not an ivr command"
        if args[1] not in main.commands:
            assert args[1] in NOT_HERE_YET, f"the guide uses 'ivr {args[1]}', which ivr does not have"
            continue
        result = ivr(command) if args[1:] != ["call"] else ivr_live_call()
        assert result.exit_code == 0, f"{command}\n{result.output}"
        ran.append(command)
    assert "ivr number" in ran and (copy / "call-flow.svg").exists()


def ivr_live_call():
    """`ivr call` with nothing scripted: the caller listens, presses 1, then hangs up."""
    from click.testing import CliRunner

    result = CliRunner().invoke(main, ["call", "--no-play"], input="1\nq\n")
    assert "Line: Calling the police." in result.output
    return result


def test_the_example_check_finding_is_what_ivr_check_says(copy):
    path = copy / "ivr" / "guidance" / "en-GB.yaml"
    path.write_text(path.read_text().replace("Crown Prosecution Service decides", "CPS decides", 1))
    result = ivr("ivr check")
    assert result.exit_code == 1
    (example,) = blocks("text")
    any_line = re.escape(example).replace(r"en\-GB\.yaml:155:", r"en\-GB\.yaml:\d+:")
    assert re.search(any_line, result.output), "the guide's example of `ivr check` is not what it says now"
