"""`ivr staff add|list|remove|reset`, as the person who looks after the line types them."""
from __future__ import annotations

import os
import re

import pytest
from argon2 import PasswordHasher, profiles
from click.testing import CliRunner

from ivr.cli import main
from ivr.settings import PACKAGE_DIR
from ivr.store.database import Database
from ivr.web import accounts, passwords
from ..helpers import isolate, ivr

GOOD = "purple monkey dishwasher"


@pytest.fixture
def local(monkeypatch, tmp_path) -> str:
    """This computer's settings as the tools read them, in a folder of the test's own: the database URL."""
    isolate(monkeypatch, tmp_path)
    monkeypatch.setenv("PUBLIC_BASE_URL", "https://line.example.org")
    monkeypatch.setattr(passwords, "HASHER", PasswordHasher.from_parameters(profiles.CHEAPEST))
    return os.environ["DATABASE_URL"]


@pytest.fixture
def database(local, monkeypatch, database_url) -> Database:
    """The accounts' database: SQLite, then PostgreSQL."""
    monkeypatch.setenv("DATABASE_URL", database_url)
    return Database(database_url)


def typed(command: str, text: str):
    return CliRunner().invoke(main, command.split()[1:], input=text, catch_exceptions=False)


def stored(database: Database, name: str):
    with database.transaction() as session:
        return accounts.find(session, name)


def test_add_with_a_link_prints_a_one_time_sign_up_link(database):
    result = ivr("ivr staff add Sam --link")
    assert result.exit_code == 0, result.output
    link = re.search(r"https://line\.example\.org/staff/sign-in/new\?link=(\S+)", result.output)
    assert "Added sam." in result.output and "works once, for the next 24 hours" in result.output and link
    account = stored(database, "sam")
    assert account.password_hash is None and account.signup_digest == accounts.digest(link.group(1))
    assert link.group(1) not in str(account.__dict__)  # only its SHA-256 is kept


def test_add_asks_for_the_password_twice_and_says_why_a_weak_one_will_not_do(database):
    result = typed("ivr staff add alex", f"password1234\npassword1234\n{GOOD}\n{GOOD}x\n{GOOD}\n{GOOD}\n")
    assert result.exit_code == 0, result.output
    assert "one that attackers try first" in result.output
    assert "The two entered values do not match" in result.output
    assert "Added alex." in result.output and "set up the authenticator app" in result.output
    assert passwords.matches(stored(database, "alex").password_hash, GOOD)


def test_list_says_where_each_account_is(database):
    ivr("ivr staff add sam --link")
    typed("ivr staff add alex", f"{GOOD}\n{GOOD}\n")
    result = ivr("ivr staff list")
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert lines[0].startswith("alex") and "sets up the authenticator at first sign-in" in lines[0]
    assert lines[1].startswith("sam ") and re.search(r"sign-up link works until \d\d \w{3} \d{4} \d\d:\d\d UK time",
                                                     lines[1])


def test_reset_gives_a_new_link_and_signs_out_everywhere(database):
    typed("ivr staff add alex", f"{GOOD}\n{GOOD}\n")
    before = stored(database, "alex").session_token
    result = ivr("ivr staff reset ALEX --link")
    assert result.exit_code == 0, result.output
    assert "Reset alex: signed out everywhere" in result.output and "/staff/sign-in/new?link=" in result.output
    after = stored(database, "alex")
    assert after.session_token != before and after.password_hash is None and after.totp_secret is None


def test_remove_deletes_the_account(database):
    ivr("ivr staff add sam --link")
    result = ivr("ivr staff remove sam")
    assert result.exit_code == 0 and "Removed sam." in result.output
    assert stored(database, "sam") is None
    assert "No staff accounts yet" in ivr("ivr staff list").output


@pytest.mark.parametrize("command, says", [
    ("ivr staff add sam@example.org --link", "cannot be an account name"),
    ("ivr staff reset nobody --link", "There is no account called nobody"),
    ("ivr staff remove nobody", "There is no account called nobody. See them all with: ivr staff list"),
])
def test_mistakes_are_explained(local, command, says):
    result = ivr(command)
    assert result.exit_code == 1 and says in result.output


def test_an_account_name_is_taken_once(local):
    ivr("ivr staff add sam --link")
    result = ivr("ivr staff add SAM --link")
    assert result.exit_code == 1 and "There is already an account called sam" in result.output


def test_passwords_are_hashed_with_argon2id_and_checked_against_the_common_list():
    real = PasswordHasher()
    assert passwords.HASHER.type == real.type and real.type.name == "ID"
    assert passwords.HASHER.memory_cost >= 65536 and passwords.HASHER.time_cost >= 3  # RFC 9106's second choice
    assert real.hash(GOOD).startswith("$argon2id$")
    assert len(passwords.common_passwords()) > 19000 and "qwertyuiop123" in passwords.common_passwords()
    assert passwords.COMMON.parent == PACKAGE_DIR / "web"
    assert passwords.problem("Qwertyuiop123", "sam") and passwords.problem("samsamsamsam", "samsamsamsam")
    assert passwords.problem(GOOD, "sam") is None
