"""Turn an engine's raw speech into a phone-ready prompt: the same steps for every engine.

Steps: mono; trim the silence the engine left, keeping a margin so soft first and last
sounds survive; bring the speech rate into range (tempo without pitch); resample with an
anti-aliasing filter (ffmpeg's soxr: pydub's set_frame_rate does none); add a lead-in and a
tail; set one active speech level (ITU-T P.56) with peaks limited; encode G.711 mu-law.
"""
from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from pydub import AudioSegment
from pydub.silence import detect_leading_silence

from .shape import SAMPLE_RATE, Shape


@dataclass(frozen=True)
class Measured:
    duration: float   # seconds, the whole file
    level_dbov: float  # active speech level
    peak_dbfs: float
    wpm: float        # words a minute, over the speech between lead-in and tail


class ProcessingError(Exception):
    pass


def words(text: str) -> int:
    return len(text.split())


def trim(segment: AudioSegment, margin_ms: int) -> AudioSegment:
    """Cut the engine's leading and trailing silence, keeping `margin_ms` of it."""
    # Relative threshold: quiet compared with this prompt's own peak, whatever the engine's level.
    threshold = max(segment.max_dBFS - 45.0, -70.0)
    start = detect_leading_silence(segment, silence_threshold=threshold, chunk_size=5)
    end = len(segment) - detect_leading_silence(segment.reverse(), silence_threshold=threshold, chunk_size=5)
    if end <= start:
        raise ProcessingError("the engine produced silence")
    return segment[max(0, start - margin_ms):min(len(segment), end + margin_ms)]


def tempo_for(wpm: float, shape: Shape) -> float:
    """The atempo factor that brings `wpm` into range (1.0 when it already is)."""
    if shape.min_wpm <= wpm <= shape.max_wpm:
        return 1.0
    return ((shape.min_wpm + shape.max_wpm) / 2) / wpm  # below 1 slows the speech down


def tempo_steps(tempo: float) -> list[float]:
    """`tempo` as ffmpeg's atempo takes it: each step 0.5 to 2 (slower than half is done in steps)."""
    steps = []
    while tempo < 0.5:
        steps.append(0.5)
        tempo /= 0.5
    return [*steps, tempo] if tempo != 1.0 else steps


def ffmpeg(args: list[str], data: bytes) -> bytes:
    try:
        run = subprocess.run(["ffmpeg", "-hide_banner", "-loglevel", "error", *args],
                             input=data, capture_output=True, check=False)
    except FileNotFoundError as exc:
        raise ProcessingError("ffmpeg is not installed; run scripts/setup, which installs it") from exc
    if run.returncode:
        raise ProcessingError(f"ffmpeg failed: {run.stderr.decode(errors='replace').strip()[-300:]}"
                              " (is ffmpeg installed? scripts/setup installs it)")
    return run.stdout


def to_phone_rate(segment: AudioSegment, tempo: float, shape: Shape) -> np.ndarray:
    """Tempo change, anti-aliased resampling and padding, by ffmpeg; float samples out."""
    filters = [f"atempo={factor:.4f}" for factor in tempo_steps(tempo)]
    filters += [f"aresample={shape.sample_rate}:resampler=soxr",
                f"adelay={shape.lead_ms}:all=1", f"apad=pad_dur={shape.tail_ms / 1000}"]
    wav = segment.export(format="wav").read()
    raw = ffmpeg(["-i", "pipe:0", "-af", ",".join(filters), "-ac", "1", "-f", "f32le", "pipe:1"], wav)
    return np.frombuffer(raw, dtype=np.float32).astype(np.float64)


def active_level(x: np.ndarray, fs: int) -> float:
    """Active speech level in dBov by ITU-T P.56 method B (0 dBov = full-scale square wave)."""
    energy = float(np.sum(x ** 2))
    if energy == 0:
        return -100.0
    from scipy.signal import lfilter
    g = np.exp(-1 / (fs * 0.03))  # 30 ms envelope time constant
    envelope = lfilter([(1 - g) ** 2], [1, -2 * g, g * g], np.abs(x))  # two one-pole stages
    hang = int(np.ceil(0.2 * fs))  # 200 ms hangover
    levels, margins = [], []
    for c in 2.0 ** np.arange(-15, 1):
        over = np.concatenate([[0], np.cumsum(envelope >= c)])
        active = np.count_nonzero(over[hang + 1:] - over[:-hang - 1]) + np.count_nonzero(over[1:hang + 1])
        if active == 0:
            break
        level = 10 * np.log10(energy / active)
        levels.append(level)
        margins.append(level - 20 * np.log10(c))
    # The level is where the distance above the threshold falls to 15.9 dB.
    for i in range(1, len(margins)):
        if margins[i] <= 15.9 <= margins[i - 1]:
            frac = (margins[i - 1] - 15.9) / (margins[i - 1] - margins[i])
            return levels[i - 1] + frac * (levels[i] - levels[i - 1])
    return levels[0] if levels else -100.0


def limit(x: np.ndarray, fs: int, peak_dbfs: float) -> np.ndarray:
    """Peak limiter: smooth gain reduction (5 ms attack window, lookahead) instead of clipping."""
    ceiling = 10 ** (peak_dbfs / 20) * 0.98  # a little room for mu-law rounding
    if np.max(np.abs(x)) <= ceiling:
        return x
    from scipy.ndimage import maximum_filter1d, minimum_filter1d, uniform_filter1d
    width = int(0.005 * fs) * 2 + 1
    need = np.minimum(1.0, ceiling / np.maximum(maximum_filter1d(np.abs(x), size=width), 1e-9))
    # Spread each reduction either side before smoothing, so the smoothed gain never exceeds it.
    gain = uniform_filter1d(minimum_filter1d(need, size=2 * width), size=width)
    return np.clip(x * gain, -ceiling, ceiling)


def level(x: np.ndarray, shape: Shape) -> np.ndarray:
    """Bring active speech to the target level, limiting peaks; a few passes converge."""
    for _ in range(4):
        x = x * 10 ** ((shape.target_dbov - active_level(x, shape.sample_rate)) / 20)
        x = limit(x, shape.sample_rate, shape.peak_dbfs)
        if abs(active_level(x, shape.sample_rate) - shape.target_dbov) < 0.2:
            break
    return x


def encode_mulaw(x: np.ndarray, out: Path, shape: Shape) -> None:
    ffmpeg(["-f", "f32le", "-ar", str(shape.sample_rate), "-ac", "1", "-i", "pipe:0",
            "-c:a", "pcm_mulaw", "-f", "wav", "-y", str(out)], x.astype(np.float32).tobytes())


def decode(path: Path, sample_rate: int = SAMPLE_RATE) -> np.ndarray:
    raw = ffmpeg(["-i", str(path), "-ac", "1", "-ar", str(sample_rate), "-f", "f32le", "pipe:1"], b"")
    return np.frombuffer(raw, dtype=np.float32).astype(np.float64)


def measure(path: Path, text: str, shape: Shape) -> Measured:
    x = decode(path, shape.sample_rate)
    seconds = len(x) / shape.sample_rate
    speech = seconds - (shape.lead_ms + shape.tail_ms) / 1000
    peak = float(np.max(np.abs(x))) if len(x) else 0.0
    return Measured(duration=round(seconds, 3), level_dbov=round(float(active_level(x, shape.sample_rate)), 2),
                    peak_dbfs=round(float(20 * np.log10(max(peak, 1e-9))), 2),
                    wpm=round(words(text) / speech * 60, 1) if speech > 0 else 0.0)


def process(raw: Path, out: Path, text: str, shape: Shape) -> Measured:
    """Engine output at `raw` -> finished mu-law prompt at `out`; returns what it measures."""
    segment = trim(AudioSegment.from_file(raw).set_channels(1), shape.margin_ms)
    wpm = words(text) / (len(segment) / 60000)
    x = level(to_phone_rate(segment, tempo_for(wpm, shape), shape), shape)
    encode_mulaw(x, out, shape)
    return measure(out, text, shape)
