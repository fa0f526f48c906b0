"""Tones the line plays that are not speech: the UK ringback a caller hears while advisers are rung.

UK ringing is 400 Hz and 450 Hz together, 0.4 s on, 0.2 s off, 0.4 s on, 2 s off (never music).
The file holds one cycle less the last second of quiet: the waiting page gathers keys for one
second after it, which completes the 2 s gap, so a page is one ring and keys work throughout.

Made by `ivr build-audio` into AUDIO_DIR/tones/ (not in the manifest: no words, no engine), in
the prompts' phone format (8 kHz G.711 mu-law WAV). The name carries a hash of the cadence, so a
changed tone is a new URL that no cache can hold an old copy of.
"""
from __future__ import annotations

import hashlib
import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

from .shape import SAMPLE_RATE

FOLDER = "tones"


@dataclass(frozen=True)
class Tone:
    name: str
    frequencies: tuple[float, ...]  # Hz, sounded together
    cadence: tuple[float, ...]      # seconds: on, off, on, off...
    level_dbfs: float = -22.0       # each frequency's peak; a little below the prompts' speech

    @property
    def seconds(self) -> float:
        return round(sum(self.cadence), 3)

    @property
    def file(self) -> str:
        fingerprint = hashlib.sha256(json.dumps(asdict(self), sort_keys=True).encode()).hexdigest()[:12]
        return f"{self.name}.{fingerprint}.wav"


# The Gather after it waits 1 s more, so the caller hears 0.4 on, 0.2 off, 0.4 on, 2 off.
RINGBACK = Tone("ringback-uk", (400.0, 450.0), (0.4, 0.2, 0.4, 1.0))
TONES = {tone.name: tone for tone in (RINGBACK,)}


def path(folder: Path, tone: Tone) -> Path:
    return Path(folder) / FOLDER / tone.file


def render(tone: Tone):
    """The tone as a pydub segment at the phone's sample rate, with 5 ms ramps so it never clicks."""
    from pydub import AudioSegment
    from pydub.generators import Sine

    out = AudioSegment.silent(duration=0, frame_rate=SAMPLE_RATE)
    for i, seconds in enumerate(tone.cadence):
        ms = round(seconds * 1000)
        if i % 2:
            out += AudioSegment.silent(duration=ms, frame_rate=SAMPLE_RATE)
            continue
        burst = AudioSegment.silent(duration=ms, frame_rate=SAMPLE_RATE)
        for hz in tone.frequencies:
            burst = burst.overlay(Sine(hz, sample_rate=SAMPLE_RATE).to_audio_segment(
                duration=ms, volume=tone.level_dbfs))
        out += burst.fade_in(5).fade_out(5)
    return out.set_channels(1).set_frame_rate(SAMPLE_RATE)


def build(folder: Path) -> list[str]:
    """Write any tone that is missing, remove tones no longer made; returns the files written."""
    tones = Path(folder) / FOLDER
    tones.mkdir(parents=True, exist_ok=True)
    written = []
    for tone in TONES.values():
        target = path(folder, tone)
        if target.is_file():
            continue
        tmp = target.with_suffix(f".tmp{os.getpid()}")
        render(tone).export(tmp, format="wav", codec="pcm_mulaw")  # ffmpeg, as the prompts are
        os.replace(tmp, target)
        written.append(target.name)
    current = {tone.file for tone in TONES.values()}
    for old in tones.iterdir():
        if old.is_file() and old.name not in current:
            old.unlink()
    return written
