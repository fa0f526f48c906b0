"""One database per app: the engine, short transactions, and the migrations that bring it up to date."""
from __future__ import annotations

import os
import weakref
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from ..settings import SettingsError

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
SQLITE_BUSY_MS = 5000  # how long a writer waits for another process's write to finish
CONNECT_SECONDS = 5  # a database that does not answer must not hold a webhook for long


class DatabaseError(SettingsError):
    """The database cannot be used: a problem with DATABASE_URL, or the server it names."""

    def __init__(self, problem: str):
        super().__init__([problem])


def engine_url(url: str) -> str:
    """DATABASE_URL as SQLAlchemy wants it: postgres:// and postgresql:// use psycopg (version 3)."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url.removeprefix(prefix)
    return url


def shown(url: str) -> str:
    """The URL with any password hidden, for messages and logs."""
    return make_url(url).render_as_string(hide_password=True)


class Database:
    """The engine and a session factory. Sessions are short: one transaction each, then closed."""

    def __init__(self, url: str):
        self.url = engine_url(url)
        parsed = make_url(self.url)
        self.is_sqlite = parsed.get_backend_name() == "sqlite"
        if self.is_sqlite and parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        args = {"timeout": SQLITE_BUSY_MS / 1000} if self.is_sqlite else {"connect_timeout": CONNECT_SECONDS}
        self.engine: Engine = create_engine(self.url, connect_args=args, pool_pre_ping=not self.is_sqlite)
        if self.is_sqlite:
            event.listen(self.engine, "connect", _sqlite_pragmas)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)
        # gunicorn loads the app before it forks its workers: a worker must never use the
        # master's connections (SQLAlchemy's documented pattern for os.fork).
        engine = weakref.ref(self.engine)
        os.register_at_fork(after_in_child=lambda: (e := engine()) is not None and e.dispose(close=False))

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A session in one transaction: committed if the block ends normally, rolled back if not."""
        with self.sessions.begin() as session:
            yield session

    # -- Migrations -------------------------------------------------------------------------
    def alembic(self, connection=None) -> Config:
        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        config.attributes["connection"] = connection
        return config

    def upgrade(self) -> None:
        """Bring the tables up to date (`ivr db upgrade`, and `ivr serve` before it starts).

        On PostgreSQL an advisory lock makes servers that start together migrate one at a time.
        """
        try:
            with self.engine.begin() as connection:
                if not self.is_sqlite:
                    connection.execute(text("SELECT pg_advisory_xact_lock(74810)"))
                command.upgrade(self.alembic(connection), "heads")
        except SQLAlchemyError as exc:
            raise DatabaseError(f"DATABASE_URL: cannot bring the database at {shown(self.url)} up to date "
                                f"({_reason(exc)})") from exc

    def pending(self) -> set[str]:
        """Migrations not yet applied (empty when the tables are up to date)."""
        heads = set(ScriptDirectory.from_config(self.alembic()).get_heads())
        try:
            with self.engine.connect() as connection:
                applied = set(MigrationContext.configure(connection).get_current_heads())
        except SQLAlchemyError as exc:
            raise DatabaseError(f"DATABASE_URL: cannot reach the database at {shown(self.url)} "
                                f"({_reason(exc)})") from exc
        return heads - applied

    def dispose(self) -> None:
        self.engine.dispose()


def _sqlite_pragmas(connection, _record) -> None:
    # WAL lets readers go on while one process writes; foreign keys are off in SQLite unless asked.
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _reason(exc: SQLAlchemyError) -> str:
    """The driver's own first line, without SQLAlchemy's long footer."""
    original = getattr(exc, "orig", None) or exc
    return str(original).strip().splitlines()[0] if str(original).strip() else type(original).__name__
