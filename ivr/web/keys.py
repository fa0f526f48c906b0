"""SECRET_KEY, which signs staff cookies and CSRF tokens.

In production it is a setting that every server shares (checked at start-up in ivr/settings.py).
A development line without one makes a key once and keeps it in the instance folder, so a restart
or a second worker does not sign anyone out or break a form.
"""
from __future__ import annotations

import os
import secrets
from pathlib import Path

from ..settings import DEFAULT_DATABASE, Settings

INSTANCE = DEFAULT_DATABASE.parent  # instance/, beside the default database (not in git)
KEY_FILE = "secret_key"


def secret_key(settings: Settings, instance: Path | None = None) -> str:
    if settings.secret_key:
        return settings.secret_key
    path = (instance or INSTANCE) / KEY_FILE
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    try:  # O_EXCL: of two processes starting at once, the first one's key is kept
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text(encoding="utf-8").strip()
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(key + "\n")
    return key
