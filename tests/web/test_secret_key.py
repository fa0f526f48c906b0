"""SECRET_KEY: required and checked at start-up in production; made once and kept in a local preview.
And the staff tables in the database are the ones the code describes."""
from __future__ import annotations

import stat

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from ivr.settings import SettingsError
from ivr.store import accounts as tables
from ivr.store.models import Base
from ivr.web import keys


@pytest.mark.parametrize("value, says", [
    ("", "SECRET_KEY: missing"),
    ("too-short", "SECRET_KEY: too short (9 characters); use at least 32"),
])
def test_production_will_not_start_without_a_good_secret_key(make_app, value, says):
    with pytest.raises(SettingsError) as caught:
        make_app(SECRET_KEY=value)
    assert says in str(caught.value) and "secrets.token_hex(32)" in str(caught.value)


def test_a_preview_makes_its_key_once_and_keeps_it_in_the_instance_folder(make_app, monkeypatch, tmp_path):
    monkeypatch.setattr(keys, "INSTANCE", tmp_path / "instance")
    preview = dict(TWILIO_AUTH_TOKEN="", PUBLIC_BASE_URL="", ADVISER_NUMBERS="", SECRET_KEY="")
    first = make_app(**preview)
    kept = tmp_path / "instance" / keys.KEY_FILE
    assert kept.read_text().strip() == first.secret_key and len(first.secret_key) == 64
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600  # only the line's own user can read it
    assert make_app(**preview).secret_key == first.secret_key  # a restart signs nobody out


def test_the_migration_makes_the_tables_the_code_describes(database_url):
    from ivr.store.database import Database
    database = Database(database_url)
    database.upgrade()
    staff = {t for name, t in Base.metadata.tables.items() if name.startswith("staff_")}
    assert {t.name for t in staff} == {"staff_accounts", "staff_recovery_codes", "staff_guesses"}
    assert tables.StaffAccount.__table__ in staff
    with database.engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"include_object": lambda obj, name, kind, *_:
                                                               kind != "table" or name.startswith("staff_")})
        assert compare_metadata(context, Base.metadata) == []
