"""Rebuilds do only what changed, and a failed or killed build leaves the line as it was."""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ivr.audio import build as audio_build, engines
from ivr.line import content
from ivr import settings as settings_mod
from ivr.settings import PACKAGE_DIR
from ivr.audio.manifest import MANIFEST, Manifest
from ..caller import Caller
from ..conftest import BASE, TOKEN, settings

MAIN_MENU = "say: Main menu, for England and Wales."


class Counting:
    """The offline engine, counting which prompts it was asked to speak."""

    def __init__(self, stop_after: int | None = None):
        self.inner = engines.PiperEngine(engines.default_piper_voice())
        self.name, self.voice = self.inner.name, self.inner.voice
        self.spoken: list[str] = []
        self.stop_after = stop_after

    def settings(self):
        return self.inner.settings()

    def synthesise(self, jobs, done):
        self.spoken += [j.prompt.id for j in jobs]
        if self.stop_after is not None:
            self.inner.synthesise(jobs[:self.stop_after], done)
            raise KeyboardInterrupt("the build was stopped part way")
        self.inner.synthesise(jobs, done)


def edited_content(tmp_path: Path, old: str, new: str) -> Path:
    folder = tmp_path / "guidance"
    shutil.copytree(PACKAGE_DIR / "guidance", folder)
    path = folder / "en-GB.yaml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")
    return folder


def rebuild(audio: Path, engine, content_dir: Path | None = None):
    config = {k: v for k, v in settings(AUDIO_DIR=str(audio)).items() if isinstance(v, str)}
    if content_dir:
        config["CONTENT_DIR"] = str(content_dir)
    env = settings_mod.from_env(config)
    return audio_build.build(content.load_all(env.content_dir), env, engine)


def test_a_rebuild_with_no_change_speaks_nothing(audio_copy):
    engine = Counting()
    summary = rebuild(audio_copy, engine)
    assert engine.spoken == [] and summary.built == [] and len(summary.reused) > 40


def test_a_manifest_from_before_the_shape_was_recorded_is_brought_up_to_date_without_speaking(audio_copy, make_app):
    import json
    path = audio_copy / MANIFEST
    old = json.loads(path.read_text())
    for entry in old["prompts"].values():
        del entry["shape_hash"]
    path.write_text(json.dumps(old))
    main = make_app(AUDIO_DIR=str(audio_copy)).extensions["ivr"].contents["en-GB"].prompt("menu.main")
    assert make_app(AUDIO_DIR=str(audio_copy)).extensions["ivr"].audio.status("en-GB", "normal", main) == "stale"
    engine = Counting()
    rebuild(audio_copy, engine)
    assert engine.spoken == []
    assert make_app(AUDIO_DIR=str(audio_copy)).extensions["ivr"].audio.status("en-GB", "normal", main) == "current"


def test_changing_one_prompt_rebuilds_exactly_that_prompt(audio_copy, tmp_path):
    before = Manifest.load(audio_copy).entries["en-GB/normal/menu.main"].file
    engine = Counting()
    summary = rebuild(audio_copy, engine, edited_content(tmp_path, MAIN_MENU, "say: The main menu."))
    assert engine.spoken == ["menu.main", "menu.main"]  # at the usual speed, and slowly
    after = Manifest.load(audio_copy).entries["en-GB/normal/menu.main"]
    assert after.text == "The main menu." and after.file != before  # a new name: no stale cache
    assert (audio_copy / after.file).exists()
    # The old file outlives one build, for a line still running on the old manifest...
    assert (audio_copy / before).exists() and summary.removed == []
    # ...and through a rebuild with nothing to do (which writes and deletes nothing)...
    summary = rebuild(audio_copy, Counting(), edited_content(tmp_path / "2", MAIN_MENU, "say: The main menu."))
    assert (audio_copy / before).exists() and summary.removed == []
    # ...and goes with the next build that changes something.
    third = edited_content(tmp_path / "3", MAIN_MENU, "say: The main menu.")
    (third / "en-GB.yaml").write_text((third / "en-GB.yaml").read_text().replace(
        "goodbye: Thank you for calling. Goodbye.", "goodbye: Thank you for calling. Bye."))
    goodbye = Manifest.load(audio_copy).entries["en-GB/normal/phrase.goodbye"].file
    summary = rebuild(audio_copy, Counting(), third)
    assert not (audio_copy / before).exists() and before in summary.removed
    assert len(summary.removed) == 2  # the menu's file at each speed
    assert (audio_copy / goodbye).exists()  # the build before this one's file: kept one build more


def test_a_build_stopped_part_way_leaves_the_old_audio_serving(audio_copy, tmp_path, make_app):
    old_manifest = (audio_copy / MANIFEST).read_bytes()
    old_files = sorted(p.name for p in audio_copy.glob("*.wav"))
    folder = edited_content(tmp_path, "wrong_key: Sorry, that key does nothing here.",
                            "wrong_key: Sorry, that key does not do anything here.")
    folder_text = (folder / "en-GB.yaml").read_text().replace("goodbye: Thank you for calling. Goodbye.",
                                                              "goodbye: Thank you. Goodbye.")
    (folder / "en-GB.yaml").write_text(folder_text)
    with pytest.raises(KeyboardInterrupt):
        rebuild(audio_copy, Counting(stop_after=1), folder)
    assert (audio_copy / MANIFEST).read_bytes() == old_manifest
    assert set(old_files) <= {p.name for p in audio_copy.glob("*.wav")}
    assert not list(audio_copy.glob(".staging-*"))
    caller = Caller(make_app(AUDIO_DIR=str(audio_copy), TTS_ENGINE="piper").test_client(), BASE, TOKEN).dial()
    assert caller.played and all(url.split("/")[-1] in old_files for url in caller.played)


def test_a_build_killed_by_the_system_leaves_the_old_audio_serving(audio_copy, tmp_path, make_app):
    old_manifest = (audio_copy / MANIFEST).read_bytes()
    folder = edited_content(tmp_path, MAIN_MENU, "say: This is the main menu.")
    env = {**os.environ, **{k: v for k, v in settings().items() if isinstance(v, str)},
           "AUDIO_DIR": str(audio_copy), "CONTENT_DIR": str(folder), "TTS_ENGINE": "piper"}
    build = subprocess.Popen([sys.executable, "-m", "ivr", "build-audio", "--quiet"], env=env,
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while not list(audio_copy.glob(".staging-*")) and time.monotonic() < deadline:
        time.sleep(0.02)
    build.send_signal(signal.SIGKILL)
    build.wait()
    assert (audio_copy / MANIFEST).read_bytes() == old_manifest
    caller = Caller(make_app(AUDIO_DIR=str(audio_copy), TTS_ENGINE="piper").test_client(), BASE, TOKEN).dial()
    assert all((audio_copy / url.split("/")[-1]).is_file() for url in caller.played)
    # The next build tidies what the killed one left.
    rebuild(audio_copy, Counting(), folder)
    assert not list(audio_copy.glob(".staging-*"))


def test_a_failed_prompt_keeps_its_old_audio_and_is_reported(audio_copy, tmp_path):
    class Broken(Counting):
        def synthesise(self, jobs, done):
            for job in jobs:
                done(job, engines.SynthesisError(job.prompt, "the voice is not there"))
    folder = edited_content(tmp_path, MAIN_MENU, "say: The main menu.")
    summary = rebuild(audio_copy, Broken(), folder)
    assert sorted(summary.failed) == ["en-GB/normal/menu.main", "en-GB/slow/menu.main"]
    assert "menu.main" in summary.failed["en-GB/normal/menu.main"]
    manifest = Manifest.load(audio_copy)
    assert manifest.entries["en-GB/normal/menu.main"].text == "Main menu, for England and Wales."  # old, now stale
    assert "en-GB/normal/menu.main" in manifest.failed


def test_the_build_command_reports_built_reused_and_failed(audio_copy, tmp_path):
    folder = edited_content(tmp_path, MAIN_MENU, "say: The main menu.")
    env = {**os.environ, **{k: v for k, v in settings().items() if isinstance(v, str)},
           "AUDIO_DIR": str(audio_copy), "CONTENT_DIR": str(folder), "TTS_ENGINE": "piper"}
    reused = len(Manifest.load(audio_copy).entries) - 2
    run = subprocess.run([sys.executable, "-m", "ivr", "build-audio"], env=env, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert "en-GB: engine piper (en_US-joe-medium), at normal and slow speed." in run.stdout
    assert f"built 2, reused {reused}, failed 0" in run.stdout
    assert "Building audio" in run.stderr and "2/2" in run.stderr  # the progress bar


def test_a_missing_voice_model_names_the_setting(audio_copy, tmp_path):
    folder = edited_content(tmp_path, MAIN_MENU, "say: The main menu.")
    summary = rebuild(audio_copy, engines.PiperEngine(str(tmp_path / "nowhere.onnx")), folder)
    assert "PIPER_VOICE" in summary.failed["en-GB/normal/menu.main"]


def test_the_build_reads_settings_as_the_line_does_a_bare_env_line_is_unset(tmp_path, monkeypatch):
    """`AUDIO_DIR` with no value in .env leaves the default, for the build as for the line."""
    monkeypatch.setenv("IVR_ENV_FILE", str(tmp_path / ".env"))
    for name in ("AUDIO_DIR", "TTS_ENGINE", "CONTENT_DIR"):
        monkeypatch.delenv(name, raising=False)
    (tmp_path / ".env").write_text("AUDIO_DIR\nTTS_ENGINE\n")
    built, _, voices = audio_build.settings_from_env()
    line = settings_mod.from_env({})
    assert built.audio_dir == line.audio_dir and "None" not in str(built.audio_dir)
    assert voices["en-GB"].name == engines.from_env({}).name
