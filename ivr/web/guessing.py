"""Protection against guessing: after 5 wrong tries in a row, an account name waits, and so does
the address the tries came from, twice as long after each further wrong try (1 minute, 2, 4, ...
up to an hour). The counts are in the database, so every worker and every server shares them.

A name is counted whether or not there is such an account, so being made to wait tells a guesser
nothing. Both are kept as keyed hashes (HMAC with SECRET_KEY), never as typed: an address is
personal, and what was typed as a name may be someone's password in the wrong box. A count is
deleted a day after its last wrong try.
"""
from __future__ import annotations

import hashlib
import hmac
import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import case, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite

from ..store.accounts import NAME_LENGTH, Guesses
from ..store.database import Database
from .accounts import db_time, plain_name

FREE_TRIES = 5
FIRST_WAIT = timedelta(minutes=1)
LONGEST_WAIT = timedelta(hours=1)
FORGET_AFTER = timedelta(hours=24)  # a day without a wrong try starts the count again


@dataclass(frozen=True)
class Keys:
    """What one sign-in attempt is counted under."""
    name: str
    address: str

    @classmethod
    def of(cls, name: str, address: str, secret: str) -> "Keys":
        def keyed(text: str) -> str:
            return hmac.new(secret.encode(), text.encode(), hashlib.sha256).hexdigest()
        return cls("name:" + keyed(plain_name(name)[:NAME_LENGTH]), "address:" + keyed(address))

    def both(self) -> tuple[str, str]:
        return (self.name, self.address)


def wait_after(failures: int) -> timedelta:
    if failures < FREE_TRIES:
        return timedelta(0)
    return min(FIRST_WAIT * 2 ** min(failures - FREE_TRIES, 16), LONGEST_WAIT)


def seconds(delta: timedelta) -> int:
    return max(0, math.ceil(delta.total_seconds()))


def waiting(database: Database, keys: Keys, now: datetime) -> int:
    """Seconds before this name and address may try again (0: now)."""
    with database.transaction() as session:
        until = session.scalars(select(Guesses.locked_until).where(Guesses.key.in_(keys.both()),
                                                                   Guesses.locked_until.is_not(None))).all()
    return max((seconds(u - db_time(now)) for u in until), default=0)


def failed(database: Database, keys: Keys, now: datetime) -> dict[str, int]:
    """Count a wrong try under both keys; the keys it made wait, and for how many seconds.

    One upsert a key (INSERT ... ON CONFLICT DO UPDATE ... RETURNING, on SQLite and PostgreSQL
    alike), so tries at the same moment on two servers are both counted.
    """
    at = db_time(now)
    insert = sqlite.insert if database.is_sqlite else postgresql.insert
    locked = {}
    with database.transaction() as session:
        session.execute(delete(Guesses).where(Guesses.last_failure < at - FORGET_AFTER,
                                              Guesses.key.not_in(keys.both())))
        for key in keys.both():
            count = insert(Guesses).values(key=key, failures=1, last_failure=at, locked_until=None)
            count = count.on_conflict_do_update(index_elements=[Guesses.key], set_={
                "failures": case((Guesses.last_failure < at - FORGET_AFTER, 1), else_=Guesses.failures + 1),
                "last_failure": at}).returning(Guesses.failures)
            failures = session.execute(count).scalar_one()
            wait = wait_after(failures)
            if wait:
                session.execute(update(Guesses).where(Guesses.key == key).values(locked_until=at + wait))
                locked[key] = seconds(wait)
    return locked


def forget(database: Database, *keys: str) -> None:
    """A right answer: start the count again for these keys."""
    with database.transaction() as session:
        session.execute(delete(Guesses).where(Guesses.key.in_(keys)))
