"""The preview's first start builds the audio it lacks, falls back to the offline voice when
Google cannot be reached, and never stops the preview; a second start builds nothing."""
from __future__ import annotations

import pytest

from ivr.audio import engines, first_run
from ivr.audio.manifest import Manifest
from ivr.line import content
from ivr.settings import from_env
from ..conftest import settings
from .test_audio_build import Counting
from .test_gtts_engine import FakeGoogle


@pytest.fixture
def line(audio_copy):
    config = {k: v for k, v in settings(AUDIO_DIR=str(audio_copy)).items() if isinstance(v, str)}
    s = from_env(config)
    return content.load_all(s.content_dir), s


def lose(folder, prompt: str) -> None:
    (folder / Manifest.load(folder).entries[f"en-GB/normal/{prompt}"].file).unlink()


def prompt_count(line) -> int:
    from ivr.audio.build import items
    return len(items(*line))


def start(line, configured, offline):
    said = []
    engine = first_run.prepare(*line, configured, offline, said.append)
    return engine, "\n".join(said)


def test_the_first_start_builds_what_is_missing_with_a_progress_bar_and_the_second_builds_nothing(
        line, audio_copy, capsys):
    lose(audio_copy, "menu.main")
    engine, said = start(line, Counting(), Counting())
    assert engine.name == "piper" and f"built 1, reused {prompt_count(line) - 1}, failed 0" in said
    assert "Building audio" in capsys.readouterr().err  # the build's own bar
    again = Counting()
    engine, said = start(line, again, Counting())
    assert again.spoken == [] and said == f"Audio (piper): all {prompt_count(line)} prompts are up to date."


def test_without_google_the_offline_voice_builds_it_and_the_preview_says_so(line, audio_copy):
    google, offline = FakeGoogle(failures=[None] * 10), Counting()  # no connection at all
    lose(audio_copy, "menu.main")
    engine, said = start(line, engines.GttsEngine(tts_factory=google, sleep=lambda s: None), offline)
    assert engine is offline and offline.spoken == ["menu.main"]
    assert len(google.calls) == 1  # one short try, not the build's minutes of retries
    assert "the gtts voice cannot be reached (could not reach Google's speech service" in said
    assert "Using the offline voice instead." in said


def test_audio_the_offline_voice_built_before_is_used_without_asking_google(line):
    google = FakeGoogle()
    engine, said = start(line, engines.GttsEngine(tts_factory=google), Counting())
    assert engine.name == "piper" and google.calls == []
    assert "using the offline voice's audio, built before" in said and "ivr build-audio" in said


class Broken:
    name, voice = "piper", "broken"

    def __init__(self, error: Exception | None = None):
        self.error = error

    def settings(self):
        return {"engine": "broken"}

    def synthesise(self, jobs, done):
        if self.error:
            raise self.error
        for job in jobs:
            done(job, engines.SynthesisError(job.prompt, "the voice is missing"))


@pytest.mark.parametrize("engine, told", [
    (Broken(), "{count} prompts have no audio; the web page speaks them with the browser's own voice"),
    (Broken(RuntimeError("disk full")), "the build failed (disk full)"),
])
def test_a_build_that_fails_never_stops_the_preview(line, engine, told):
    _, said = start(line, engine, engine)
    assert told.format(count=prompt_count(line)) in said
