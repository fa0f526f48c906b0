"""`ivr listen`: how well a machine understands each built prompt over a phone line.

Each prompt goes through a simulated phone channel (300-3400 Hz, 8 kHz, mu-law), is
upsampled to 16 kHz and transcribed offline by pocketsphinx with a language model built
from the content; the word error rate (jiwer) against the prompt's text is the score.
A prompt that scores badly usually has wording that is hard to hear: fix the words.
Every speed is scored (the slow audio is stretched further, so it is worth hearing too). The
recogniser knows English only: prompts in other languages are listed as not scored.
"""
from __future__ import annotations

import re
import sys
import tempfile
from dataclasses import dataclass
from io import StringIO
from pathlib import Path

import click

from .listening import sentences
from ..audio.manifest import Entry, Manifest
from ..line.speech import RATES

TARGET_WER = 0.10
_SMALL = ("zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
          "fifteen sixteen seventeen eighteen nineteen").split()
_TENS = "_ _ twenty thirty forty fifty sixty seventy eighty ninety".split()


def number_words(n: int) -> str:
    if n < 20:
        return _SMALL[n]
    return _TENS[n // 10] + ("" if n % 10 == 0 else " " + _SMALL[n % 10])


def normalise(text: str) -> str:
    """Lower-case words only, numbers spelled out as a listener hears them ('9am' -> 'nine a m')."""
    text = text.lower().replace("-", " ")
    text = re.sub(r"(\d+):(\d\d)", lambda m: f"{m[1]} {m[2]}", text)
    text = re.sub(r"(\d+)\s*(am|pm)\b", lambda m: f"{m[1]} {m[2][0]} m", text)
    text = re.sub(r"\d+", lambda m: f" {number_words(int(m[0]))} ", text)
    return " ".join(re.sub(r"[^a-z' ]", " ", text).split())


def phone_channel(path: Path) -> bytes:
    """The prompt as a caller's handset gets it, upsampled to 16 kHz 16-bit for the recogniser."""
    from ..audio.processing import ffmpeg
    narrow = ffmpeg(["-i", str(path), "-af", "highpass=f=300,lowpass=f=3400", "-ar", "8000", "-ac", "1",
                     "-c:a", "pcm_mulaw", "-f", "wav", "pipe:1"], b"")
    return ffmpeg(["-i", "pipe:0", "-af", "aresample=16000:resampler=soxr", "-ac", "1", "-f", "s16le",
                   "pipe:1"], narrow)


def _pronunciation(decoder, word: str) -> str | None:
    """A word the American dictionary lacks: a British spelling ('neighbour') or a compound."""
    for guess in (word, word.replace("our", "or"), word.replace("ise", "ize"), word.replace("ogue", "og")):
        phones = decoder.lookup_word(guess)
        if phones:
            return phones
    for cut in range(2, len(word) - 1):  # a compound of two known words: 'helpline'
        first, second = decoder.lookup_word(word[:cut]), decoder.lookup_word(word[cut:])
        if first and second:
            return f"{first} {second}"
    return None


def recogniser(texts: list[str]):
    """A pocketsphinx decoder whose language model is built from the prompts' own words."""
    from pocketsphinx import Decoder
    from pocketsphinx.lm import ArpaBoLM
    corpus = "\n".join(said for t in texts for s in sentences(t) if (said := normalise(s)))
    lm = ArpaBoLM(text=corpus, add_start=True)
    lm.compute()
    with tempfile.NamedTemporaryFile("w", suffix=".arpa", delete=False) as fh:
        out = StringIO()
        lm.write(out)
        fh.write(out.getvalue())
    decoder = Decoder(lm=fh.name, samprate=16000, loglevel="FATAL")
    missing = []
    for word in sorted(set(corpus.split())):
        if not decoder.lookup_word(word):
            phones = _pronunciation(decoder, word)
            if phones:
                decoder.add_word(word, phones, True)
            else:
                missing.append(word)
    Path(fh.name).unlink()
    return decoder, missing


def transcribe(decoder, pcm: bytes) -> str:
    decoder.start_utt()
    decoder.process_raw(pcm, full_utt=True)
    decoder.end_utt()
    hyp = decoder.hyp()
    return hyp.hypstr if hyp else ""


@dataclass(frozen=True)
class Score:
    entry: Entry
    wer: float
    heard: str


def recognised(language: str) -> bool:
    """Whether the recogniser (pocketsphinx's US English model) can score this language."""
    return language.lower().split("-")[0] == "en"


def score(folder: Path) -> tuple[list[Score], list[str]]:
    """Every built English prompt's word error rate, at each speed, worst first, and words the
    recogniser cannot know."""
    import jiwer
    entries = [e for e in Manifest.load(folder).entries.values() if recognised(e.language)]
    if not entries:
        return [], []
    decoder, missing = recogniser([e.text for e in entries])
    scores = []
    for entry in entries:
        heard = transcribe(decoder, phone_channel(Path(folder) / entry.file))
        scores.append(Score(entry, jiwer.wer(normalise(entry.text), heard or "<nothing>"), heard))
    return sorted(scores, key=lambda s: -s.wer), missing


def table(scores: list[Score], worst: int | None = None) -> str:
    rows = ["| prompt | speed | WER | seconds | level dBov | peak dBFS | words/min | heard (worst only) |",
            "|---|---|---|---|---|---|---|---|"]
    for s in scores[:worst]:
        e = s.entry
        heard = s.heard if s.wer > 0 else ""
        rows.append(f"| {e.prompt} | {e.rate} | {s.wer:.2f} | {e.duration:.1f} | {e.level_dbov:.1f} "
                    f"| {e.peak_dbfs:.1f} | {e.wpm:.0f} | {heard} |")
    return "\n".join(rows)


@click.command("listen")
@click.option("--worst", default=10, show_default=True, help="How many of the worst prompts to list.")
def listen(worst: int):
    """Score how clearly each built prompt is understood over a phone line."""
    from ..local import settings as local_settings
    settings = local_settings()
    scores, missing = score(settings.audio_dir)
    if not scores:
        click.echo(f"No audio in {settings.audio_dir}: run `ivr build-audio` first.", err=True)
        sys.exit(2)
    click.echo(table(scores, worst))
    bad = [s for s in scores if s.wer > TARGET_WER]
    click.echo("")
    for rate in RATES:
        at = [s for s in scores if s.entry.rate == rate]
        if at:
            mean = sum(s.wer for s in at) / len(at)
            click.echo(f"At the {rate} speed: {len(at)} prompts, mean WER {mean:.3f}, "
                       f"{sum(s.wer > TARGET_WER for s in at)} above {TARGET_WER:.2f}.")
    others = sorted({e.language for e in Manifest.load(settings.audio_dir).entries.values()
                     if not recognised(e.language)})
    if others:
        click.echo(f"Not scored (the recogniser knows English only): {', '.join(others)}. Ask a speaker of "
                   "each to listen to the line instead (`ivr call`).")
    if missing:
        click.echo(f"Words the recogniser does not know: {', '.join(missing)}")
    sys.exit(1 if bad else 0)
