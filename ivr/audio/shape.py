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

    def as_dict(self) -> dict:
        return asdict(self)


# One shape for each speech rate the line offers (ivr/line/speech.py RATES).
SHAPES = {"normal": Shape()}
