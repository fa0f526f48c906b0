"""Real databases for the tests: a SQLite file, or a PostgreSQL server the suite starts itself.

The PostgreSQL server is Debian's (`scripts/setup --test` installs it), run with initdb and
pg_ctl in a temporary folder on a loopback port, one per test process; each test gets a fresh
database in it. PostgreSQL refuses to run as root, so as root it runs as the postgres user.
"""
from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import tempfile
import uuid
from pathlib import Path

import pytest

from .wire import free_port


def postgres_bin() -> Path | None:
    """Debian keeps each PostgreSQL version's programs in /usr/lib/postgresql/<version>/bin."""
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=lambda p: int(p.split("/")[4]))
    if found:
        return Path(found[-1]).parent
    pg_ctl = shutil.which("pg_ctl")
    return Path(pg_ctl).parent if pg_ctl else None


class PostgresServer:
    """One throwaway server: no fsync (nothing here must survive a crash), trust on loopback only."""

    def __init__(self):
        self.bin = postgres_bin()
        if self.bin is None:
            pytest.fail("PostgreSQL is not installed: run scripts/setup --test, which installs it")
        self.user = "postgres" if os.geteuid() == 0 else None
        self.folder = Path(tempfile.mkdtemp(prefix="ivr-postgres-"))
        if self.user:
            entry = pwd.getpwnam(self.user)
            os.chown(self.folder, entry.pw_uid, entry.pw_gid)
        self.port = free_port()
        self.run("initdb", "-D", str(self.folder / "data"), "-A", "trust", "-U", "ivr", "--no-sync",
                 "-E", "UTF8", "--locale", "C")
        options = (f"-c listen_addresses=127.0.0.1 -p {self.port} -c unix_socket_directories={self.folder} "
                   "-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200")
        self.run("pg_ctl", "-D", str(self.folder / "data"), "-l", str(self.folder / "log"), "-o", options,
                 "-w", "-t", "60", "start")

    def run(self, program: str, *args: str) -> None:
        done = subprocess.run([str(self.bin / program), *args], capture_output=True, text=True, user=self.user,
                              cwd=self.folder, timeout=120)
        if done.returncode:
            log = self.folder / "log"
            raise RuntimeError(f"{program} failed: {done.stderr.strip()}\n"
                               f"{log.read_text() if log.exists() else ''}")

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://ivr@127.0.0.1:{self.port}/{database}"

    def new_database(self) -> str:
        """A new, empty database; its URL."""
        import psycopg
        name = "test_" + uuid.uuid4().hex[:16]
        with psycopg.connect(self.url(), autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def stop(self) -> None:
        try:
            self.run("pg_ctl", "-D", str(self.folder / "data"), "-m", "immediate", "stop")
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)


def sqlite_url(folder: Path) -> str:
    return f"sqlite:///{folder / ('line-' + uuid.uuid4().hex[:8] + '.sqlite3')}"
