"""The numbers that shape every prompt's sound, per speech rate.

Kept apart from processing.py (numpy, pydub) so the line can check a prompt's audio is
current without loading the audio libraries.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass

SAMPLE_RATE = 8000


@dataclass(frozen=True)
class Shape:
    """Every number that shapes the sound; part of each prompt's settings hash."""
    target_dbov: float = -20.0     # active speech level, ITU-T P.56
    peak_dbfs: float = -3.0        # no sample louder than this
    margin_ms: int = 80            # kept around the speech when trimming
    lead_ms: int = 200             # quiet before the first word
    tail_ms: int = 350             # quiet after the last word
    min_wpm: float = 130.0
    max_wpm: float = 150.0
    sample_rate: int = SAMPLE_RATE
    sentence_pause_ms: int | None = None  # quiet the engine leaves between sentences (None: its own)
    # How much slower to ask the engine itself to speak, before the tempo step brings the speech
    # into range: an engine's own slow speech sounds more natural than audio stretched a long way
    # (Piper's length scale; an engine without one relies on the tempo step). None: its usual speed.
    engine_slowdown: float | None = None

    def as_dict(self) -> dict:
        # A number left at None is not part of the hash: adding one leaves audio built before it current.
        return {k: v for k, v in asdict(self).items() if v is not None}

    @property
    def wpm(self) -> float:
        """The speed the build aims at, words a minute (the middle of the range)."""
        return (self.min_wpm + self.max_wpm) / 2


# One shape for each speech rate the line offers (ivr/line/speech.py RATES): the usual 130 to 150
# words a minute (CALLERS.md), and, on request (key 7), about 110 with longer pauses between
# sentences, which also helps callers on a relay service.
SHAPES = {"normal": Shape(),
          "slow": Shape(min_wpm=105.0, max_wpm=115.0, sentence_pause_ms=700, engine_slowdown=1.3)}
