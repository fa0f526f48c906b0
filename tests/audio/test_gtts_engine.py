"""The gTTS engine at its seam, with no network: a fake gTTS stands in for Google."""
from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
from pydub import AudioSegment

from ivr.audio import engines
from ivr.line.content import Prompt

WELCOME = Prompt("phrase.welcome", "This is Keeping Safe. If you are in danger now, hang up and call nine nine nine, "
                 "or, if you cannot speak, listen for a recorded message, and then press five five when asked.")


class FakeError(Exception):
    """Shaped like gTTSError: `rsp` is the HTTP response, or None when no connection was made."""

    def __init__(self, status: int | None):
        self.rsp = None if status is None else SimpleNamespace(status_code=status, reason="x")
        super().__init__(f"{status} from TTS API" if status else "Failed to connect")


class FakeGoogle:
    """Records every request; fails the first few with `failures`, then writes real audio."""

    def __init__(self, failures=(), empty_file_on_failure=True):
        self.calls: list[dict] = []
        self.failures = list(failures)
        self.empty_file_on_failure = empty_file_on_failure

    def __call__(self, **kwargs):
        self.calls.append(kwargs)
        return SimpleNamespace(save=self.save)

    def save(self, path):
        if self.failures:
            if self.empty_file_on_failure:
                open(path, "wb").close()  # what gTTS's save() can leave behind
            raise FakeError(self.failures.pop(0))
        t = np.arange(4000) / 8000
        pcm = (0.3 * np.sin(2 * np.pi * 300 * t) * 32767).astype("<i2").tobytes()
        AudioSegment(pcm, frame_rate=8000, sample_width=2, channels=1).export(path, format="wav")


def engine(fake, **kw):
    return engines.GttsEngine(tts_factory=fake, sleep=lambda s: None, **kw)


def run(eng, prompt, tmp_path):
    results = []
    job = engines.Job(prompt, tmp_path / "raw.wav")
    eng.synthesise([job], lambda j, err: results.append(err))
    return job, results[0]


def test_british_english_is_asked_for_sentence_by_sentence(tmp_path):
    fake = FakeGoogle()
    job, error = run(engine(fake), WELCOME, tmp_path)
    assert error is None and job.raw.stat().st_size > 0
    assert all(c["lang"] == "en" and c["tld"] == "co.uk" and c["timeout"] for c in fake.calls)
    texts = [c["text"] for c in fake.calls]
    assert texts[0] == "This is Keeping Safe."
    assert all(len(t) <= 100 for t in texts)
    assert " ".join(texts) == WELCOME.text  # nothing lost or added between pieces
    assert texts[1].endswith(",")  # a long sentence is cut at a comma, not mid-phrase


def test_pieces_are_joined_with_a_short_fixed_pause(tmp_path):
    fake = FakeGoogle()
    job, _ = run(engine(fake, pause_ms=250), Prompt("p", "One. Two."), tmp_path)
    assert len(AudioSegment.from_file(job.raw)) == pytest.approx(500 + 250 + 500, abs=30)


@pytest.mark.parametrize("status", [429, 500, 503, None])
def test_rate_limits_server_errors_and_lost_connections_are_retried(tmp_path, status):
    fake, waits = FakeGoogle(failures=[status, status]), []
    eng = engines.GttsEngine(tts_factory=fake, sleep=waits.append)
    job, error = run(eng, Prompt("p", "Main menu."), tmp_path)
    assert error is None and len(fake.calls) == 3
    backoffs = [w for w in waits if w > 1]
    assert len(backoffs) == 2 and backoffs[1] > backoffs[0] * 0.5  # growing, with jitter


@pytest.mark.parametrize("status", [400, 403, 404])
def test_other_errors_are_not_retried_and_name_the_prompt(tmp_path, status):
    fake = FakeGoogle(failures=[status])
    job, error = run(engine(fake), Prompt("menu.police", "Calling the police."), tmp_path)
    assert len(fake.calls) == 1
    assert isinstance(error, engines.SynthesisError)
    assert "menu.police" in str(error) and str(status) in str(error)


def test_giving_up_names_the_prompt_and_the_likely_cause(tmp_path):
    fake = FakeGoogle(failures=[None] * 10)
    job, error = run(engine(fake, attempts=3), Prompt("phrase.goodbye", "Goodbye."), tmp_path)
    assert len(fake.calls) == 3
    assert "phrase.goodbye" in str(error) and "internet" in str(error) and "TTS_ENGINE=piper" in str(error)


def test_no_empty_file_is_left_behind(tmp_path):
    fake = FakeGoogle(failures=[403])
    job, error = run(engine(fake), Prompt("p", "Hello."), tmp_path)
    assert error is not None
    assert not job.raw.exists()
    assert not [p for p in tmp_path.rglob("*") if p.is_file()]


def test_a_file_that_does_not_decode_is_an_error_not_audio(tmp_path):
    class Garbage(FakeGoogle):
        def save(self, path):
            open(path, "wb").write(b"not audio at all")
    job, error = run(engine(Garbage()), Prompt("phrase.back", "To go back, press star."), tmp_path)
    assert "phrase.back" in str(error) and not job.raw.exists()


def test_requests_are_throttled(tmp_path):
    now, waits = [0.0], []
    eng = engines.GttsEngine(tts_factory=FakeGoogle(), sleep=lambda s: (waits.append(s), now.__setitem__(0, now[0] + s)),
                             clock=lambda: now[0], min_interval=0.5)
    run(eng, Prompt("p", "One. Two. Three."), tmp_path)
    assert waits == [0.5, 0.5]


def test_sentences_split_long_ones_at_commas_then_spaces():
    assert engines.sentences("Short. Also short.") == ["Short.", "Also short."]
    long = "word " * 40
    assert all(len(p) <= 100 for p in engines.sentences(long))


def test_a_bug_or_bad_setting_is_not_retried(tmp_path):
    class Refuses(FakeGoogle):
        def __call__(self, **kwargs):
            self.calls.append(kwargs)
            raise ValueError("Language not supported: xx")
    fake = Refuses()
    job, error = run(engine(fake), Prompt("phrase.back", "To go back, press star."), tmp_path)
    assert len(fake.calls) == 1 and "phrase.back" in str(error)


def test_without_google_the_build_gives_up_quickly_and_names_every_prompt(tmp_path):
    fake = FakeGoogle(failures=[None] * 100)
    eng, errors = engine(fake, attempts=3), []
    jobs = [engines.Job(Prompt(f"p{i}", "Hello."), tmp_path / f"{i}.wav") for i in range(5)]
    eng.synthesise(jobs, lambda j, err: errors.append(str(err)))
    assert len(fake.calls) == 3  # one prompt's retries, not five prompts' worth
    assert [e.split("'")[1] for e in errors] == ["p0", "p1", "p2", "p3", "p4"]
    assert all("internet" in e for e in errors)
