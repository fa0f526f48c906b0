"""The line's database: brought up to date on start, on SQLite and on PostgreSQL, with clear errors."""
from __future__ import annotations

import pytest
from sqlalchemy import inspect, text

from ivr import create_app
from ivr.settings import SettingsError
from ivr.store.database import Database, DatabaseError, engine_url

from .conftest import settings


def test_the_line_brings_its_database_up_to_date_when_it_starts(database_url):
    app = create_app(settings(DATABASE_URL=database_url))
    database = app.extensions["ivr"].database
    assert database.pending() == set()
    assert "alembic_version" in inspect(database.engine).get_table_names()
    with database.transaction() as session:
        assert session.execute(text("SELECT 1")).scalar() == 1


def test_a_second_start_changes_nothing(database_url):
    first = Database(database_url)
    first.upgrade()
    with first.engine.connect() as connection:
        before = connection.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
    Database(database_url).upgrade()
    with first.engine.connect() as connection:
        assert connection.execute(text("SELECT version_num FROM alembic_version")).scalars().all() == before


def test_a_postgresql_url_uses_psycopg_however_it_is_written():
    assert engine_url("postgres://u:p@h/db") == "postgresql+psycopg://u:p@h/db"
    assert engine_url("postgresql://u:p@h/db") == "postgresql+psycopg://u:p@h/db"
    assert engine_url("sqlite:////tmp/x.sqlite3") == "sqlite:////tmp/x.sqlite3"


def test_a_database_that_does_not_answer_stops_the_line_naming_the_setting_not_the_password(tmp_path):
    from .wire import free_port
    url = f"postgresql://line:s3cret-pass@127.0.0.1:{free_port()}/line"
    with pytest.raises(SettingsError) as caught:
        create_app(settings(DATABASE_URL=url))
    message = str(caught.value)
    assert isinstance(caught.value, DatabaseError)
    assert "DATABASE_URL" in message and "127.0.0.1" in message
    assert "s3cret-pass" not in message


def test_a_url_that_is_not_a_database_is_a_settings_problem():
    with pytest.raises(SettingsError) as caught:
        create_app(settings(DATABASE_URL="mysql://somewhere/line"))
    assert "DATABASE_URL: write it like postgresql://" in str(caught.value)
