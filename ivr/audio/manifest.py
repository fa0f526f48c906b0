"""The audio manifest (audio/manifest.json) and the index the line reads it through.

One entry per prompt, language and speech rate: its file, the hashes of the text and of
the settings that shaped it, the engine and voice, and what the build measured. File
names carry the hashes, so after an edit Twilio fetches a new URL instead of a cached one.
"""
from __future__ import annotations

import functools
import hashlib
import json
import logging
import os
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable, Mapping

from ..line.content import Prompt

MANIFEST = "manifest.json"
log = logging.getLogger("ivr.audio")


@functools.lru_cache(maxsize=4096)  # the line hashes each prompt's words on every request
def _digest_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def digest(value) -> str:
    return _digest_text(value if isinstance(value, str) else json.dumps(value, sort_keys=True))


def key(language: str, rate: str, prompt_id: str) -> str:
    return f"{language}/{rate}/{prompt_id}"


def file_name(language: str, rate: str, prompt_id: str, text_hash: str, settings_hash: str) -> str:
    return f"{language}.{rate}.{prompt_id}.{digest(text_hash + settings_hash)[:12]}.wav"


@dataclass(frozen=True)
class Entry:
    language: str
    rate: str
    prompt: str
    text: str
    file: str
    text_hash: str
    settings_hash: str
    engine: str
    voice: str
    duration: float
    level_dbov: float
    peak_dbfs: float
    wpm: float


@dataclass
class Manifest:
    entries: dict[str, Entry]
    failed: dict[str, str]

    @classmethod
    def load(cls, folder: Path) -> "Manifest":
        path = Path(folder) / MANIFEST
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
            entries = {k: Entry(**v) for k, v in raw.get("prompts", {}).items()}
        except FileNotFoundError:
            return cls({}, {})
        except (ValueError, TypeError) as exc:
            log.error("%s cannot be read (%s); every prompt will use <Say>. Run `ivr build-audio`.", path, exc)
            return cls({}, {})
        return cls(entries, dict(raw.get("failed", {})))

    def save(self, folder: Path) -> None:
        """Write atomically: readers see the old manifest or the new one, never half of one."""
        path = Path(folder) / MANIFEST
        tmp = path.with_suffix(f".tmp{os.getpid()}")
        data = {"version": 1, "prompts": {k: asdict(e) for k, e in sorted(self.entries.items())},
                "failed": dict(sorted(self.failed.items()))}
        tmp.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, path)


CHECK_EVERY_SECONDS = 1.0  # how often a running line looks for audio files gone or changed


class ManifestIndex:
    """The AudioIndex the line uses: loaded once at start-up, then dictionary look-ups only."""

    def __init__(self, folder: Path, base_url: str, settings_hashes: Mapping[tuple[str, str], str],
                 host: Callable[[], str] = lambda: ""):
        self.folder = Path(folder)
        self.base_url = base_url.rstrip("/")
        self.host = host  # for a base without a host (development): the address being called
        self.settings_hashes = settings_hashes  # (language, rate) -> hash of what the build would use now
        self.entries = Manifest.load(self.folder).entries
        self.files = {e.file: e for e in self.entries.values()}
        self._checked, self._generation = float("-inf"), None
        self._readable: frozenset[str] = frozenset()  # the entries' files that open, as of _generation

    def generation(self) -> int:
        """Changes when a file is added to, removed from or replaced in the folder.

        Pages built from this index are kept only while it is unchanged, so a file deleted or
        broken under a running line is spoken with <Say> within a second. The folder is looked
        at once a second, not once a webhook, and its files are opened only when it changed: a
        system call in the middle of a webhook lets the worker's other thread take Python's
        lock, and, measured, halved the line's throughput.
        """
        now = time.monotonic()
        if now - self._checked >= CHECK_EVERY_SECONDS:
            self._checked = now
            try:
                changed = os.stat(self.folder).st_mtime_ns
            except OSError:
                changed = -1
            if changed != self._generation:
                self._readable = frozenset(e.file for e in self.entries.values() if _opens(self.folder / e.file))
                self._generation = changed
        return self._generation

    def _entry(self, language: str, rate: str, prompt: Prompt) -> Entry | None:
        return self.entries.get(key(language, rate, prompt.id))

    def status(self, language: str, rate: str, prompt: Prompt) -> str:
        entry = self._entry(language, rate, prompt)
        self.generation()  # so a file gone since the last look counts as missing
        if entry is None or entry.file not in self._readable:
            return "missing"
        if entry.text_hash != digest(prompt.text) or entry.settings_hash != self.settings_hashes[language, rate]:
            return "stale"
        return "current"

    def url(self, language: str, rate: str, prompt: Prompt) -> str | None:
        if self.status(language, rate, prompt) != "current":
            return None
        return f"{self._base()}/{self._entry(language, rate, prompt).file}"

    def duration(self, language: str, rate: str, prompt: Prompt) -> float | None:
        if self.status(language, rate, prompt) != "current":
            return None
        return self._entry(language, rate, prompt).duration

    def _base(self) -> str:
        return self.base_url if "://" in self.base_url else self.host() + self.base_url


def _opens(path: Path) -> bool:
    """Whether the line could serve this file: it exists and can be read."""
    try:
        with open(path, "rb"):
            return True
    except OSError:
        return False
