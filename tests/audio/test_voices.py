"""A voice per language and a way of speaking per speed, chosen by the build (no network)."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from pydub import AudioSegment

from ivr.audio import build as audio_build, engines
from ivr.audio.shape import SHAPES
from ivr.line import content, languages
from ivr.line.content import Prompt
from ivr import settings as settings_mod
from ivr.settings import PACKAGE_DIR
from .test_gtts_engine import FakeGoogle
from ..conftest import settings

KESHI = Path(__file__).resolve().parents[1] / "languages" / "qaa.yaml"
JOE = engines.default_piper_voice()


def test_each_language_gets_googles_voice_in_that_language():
    env = {"TTS_ENGINE": "gtts"}
    chosen = engines.voices(env, ["en-GB", "cy-GB", "pt-PT", "qaa"], "en-GB")
    assert {lang: e.lang for lang, e in chosen.items()} == {"en-GB": "en", "cy-GB": "cy", "pt-PT": "pt-PT",
                                                           "qaa": "qaa"}
    assert chosen["en-GB"].settings() == engines.from_env(env).settings()  # English audio stays current


def test_piper_speaks_each_language_it_has_a_voice_for_and_google_the_rest():
    env = {"TTS_ENGINE": "piper", "PIPER_VOICES": f" cy-GB = /voices/cy.onnx , qaa={JOE}"}
    chosen = engines.voices(env, ["en-GB", "cy-GB", "qaa", "pl-PL"], "en-GB")
    assert [(e.name, getattr(e, "model", e.voice)) for e in chosen.values()] == [
        ("piper", JOE), ("piper", "/voices/cy.onnx"), ("piper", JOE), ("gtts", "gtts-pl-co.uk")]


def test_a_piper_voices_setting_that_does_not_read_names_itself():
    with pytest.raises(ValueError, match="PIPER_VOICES: cannot read 'cy-GB'; write each voice as language=path"):
        engines.voices({"TTS_ENGINE": "piper", "PIPER_VOICES": "cy-GB"}, ["en-GB"], "en-GB")


def test_a_language_google_does_not_speak_fails_clearly_so_the_line_uses_say(tmp_path):
    eng = engines.GttsEngine(lang="qaa")  # the real gTTS library's table: nothing is fetched
    errors = []
    jobs = [engines.Job(Prompt(f"p{n}", "Fo Keshi, drik 1."), tmp_path / f"{n}.wav") for n in range(2)]
    eng.synthesise(jobs, lambda job, error: errors.append(str(error)))
    assert errors == [f"prompt 'p{n}': Google's voice has no language 'qaa'. Install a Piper voice for it "
                      "(PIPER_VOICES); until then the line speaks it with Twilio's voice" for n in range(2)]


def test_google_speaks_slow_prompts_with_the_slow_shapes_longer_pauses(tmp_path):
    fake = FakeGoogle()
    eng = engines.GttsEngine(tts_factory=fake, sleep=lambda s: None)
    lengths = []
    for pause in (None, 700):
        job = engines.Job(Prompt("p", "One. Two."), tmp_path / f"{pause}.wav", pause)
        eng.synthesise([job], lambda j, e: None)
        lengths.append(len(AudioSegment.from_file(job.raw)))
    assert lengths[1] - lengths[0] == 700 - eng.pause_ms


def test_piper_is_asked_to_speak_slower_with_longer_pauses_for_the_slow_speed():
    slow = SHAPES["slow"]
    command = engines.PiperEngine(JOE, length_scale=1.1).command(Path("/out"), slow.sentence_pause_ms,
                                                                 slow.engine_slowdown)
    assert float(command[command.index("--sentence-silence") + 1]) == slow.sentence_pause_ms / 1000 >= 0.5
    assert float(command[command.index("--length-scale") + 1]) == round(1.1 * slow.engine_slowdown, 3)
    assert "--sentence-silence" not in engines.PiperEngine(JOE).command(Path("/out"))


class Recording:
    """An engine that speaks nothing: it records what it was asked, and fails each job at once."""

    def __init__(self, voice: str):
        self.name, self.voice, self.asked = "recording", voice, []

    def settings(self):
        return {"voice": self.voice}

    def synthesise(self, jobs, done):
        self.asked += [(job.prompt.id, job.pause_ms, job.slowdown) for job in jobs]
        for job in jobs:
            done(job, engines.SynthesisError(job.prompt, f"{self.voice} is a recording"))


def test_the_build_gives_each_language_its_own_voice_and_each_speed_its_shape(tmp_path):
    folder = tmp_path / "guidance"
    folder.mkdir()
    shutil.copy(PACKAGE_DIR / "guidance" / "en-GB.yaml", folder)
    shutil.copy(KESHI, folder)
    env = settings_mod.from_env({k: v for k, v in settings(AUDIO_DIR=str(tmp_path / "audio"),
                                                           CONTENT_DIR=str(folder)).items() if isinstance(v, str)})
    contents = languages.offered(content.load_all(folder), "en-GB")
    voices = {"en-GB": Recording("english"), "qaa": Recording("keshi")}
    summary = audio_build.build(contents, env, voices)
    keshi = {k for k, cause in summary.failed.items() if "keshi is a recording" in cause}
    assert keshi == {k for k in summary.failed if k.startswith("qaa/")} and keshi
    assert {p for p, _, _ in voices["qaa"].asked} == {p.id for p in audio_build.adviser.all_prompts(
        contents["qaa"], env)}
    assert ("language.offer", None, None) in voices["qaa"].asked  # "Fo Keshi, drik 1."
    slow = SHAPES["slow"]
    assert ("section.arrest", slow.sentence_pause_ms, slow.engine_slowdown) in voices["en-GB"].asked
    assert ("section.arrest", None, None) in voices["en-GB"].asked  # and at the usual speed
