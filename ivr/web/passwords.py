"""Staff passwords: what is allowed, and Argon2id hashes (argon2-cffi).

The rules follow the UK's National Cyber Security Centre and NIST SP 800-63B: long rather than
complicated (three random words make a good one), and never one that attackers try first.
`common-passwords.txt.gz` beside this file is Django's list of 20,000 common passwords
(django/contrib/auth/common-passwords.txt.gz, Django 5.2, BSD licence; made by Royce Williams
from leaked passwords, lower-cased), copied unchanged: sha256 3c1baed6...afe4.
"""
from __future__ import annotations

import functools
import gzip
import secrets
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

# argon2-cffi's default is Argon2id with RFC 9106's second recommended settings (3 passes over
# 64 MiB, 4 lanes): about a third of a second here, so each guess costs a guesser as much.
HASHER = PasswordHasher()
MIN_LENGTH = 12
MAX_LENGTH = 256  # long enough for any passphrase; longer is a way to make the server work
COMMON = Path(__file__).with_name("common-passwords.txt.gz")
ADVICE = "Three or four random words make a strong password that is easy to remember."


@functools.cache
def common_passwords() -> frozenset[str]:
    with gzip.open(COMMON, "rt", encoding="utf-8") as lines:
        return frozenset(line.strip() for line in lines)


def problem(password: str, name: str) -> str | None:
    """Why this password will not do for account `name`, in words for the person choosing it."""
    if len(password) < MIN_LENGTH:
        return f"Use at least {MIN_LENGTH} characters. {ADVICE}"
    if len(password) > MAX_LENGTH:
        return f"Use at most {MAX_LENGTH} characters."
    plain = password.strip().lower()
    if plain in common_passwords() or plain == name.lower():
        return f"That password is one that attackers try first. Choose another. {ADVICE}"
    return None


def hash_password(password: str) -> str:
    return HASHER.hash(password)


@functools.cache
def _stand_in(hasher: PasswordHasher) -> str:
    return hasher.hash(secrets.token_hex(16))


def matches(stored: str | None, password: str) -> bool:
    """Whether `password` is the one hashed in `stored`.

    With no hash (no such account, or one not set up yet) a stand-in hash made with the same
    settings is checked instead, so every answer takes as long and nobody can tell from the
    time taken whether an account exists.
    """
    try:
        return HASHER.verify(stored or _stand_in(HASHER), password) and stored is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored: str) -> bool:
    """A hash made with older settings, to be remade while the password is at hand."""
    return HASHER.check_needs_rehash(stored)
