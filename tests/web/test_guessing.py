"""Guessing: after 5 wrong tries an account name waits, and so does an address, longer each time;
shared by every server; the same answer, and the same work, whether or not the account exists."""
from __future__ import annotations

import json
import logging
import re

import pytest
from argon2 import PasswordHasher, profiles
from sqlalchemy import select

from ivr.store.accounts import Guesses
from ivr.web import passwords

from .conftest import PASSWORD, Browser, add_account, client_from

WRONG = "That account name and password do not match."


def page_text(browser: Browser) -> str:
    """What the person reads, without the form's own CSRF token."""
    return re.sub(r'value="[^"]*"', "", browser.text())


def try_password(browser: Browser, name: str = "sam", password: str = "not the password") -> str:
    browser.get("/staff/sign-in")
    browser.submit(name=name, password=password)
    return browser.text() if browser.page.status_code == 200 else "went on to " + browser.page.headers["Location"]


def test_after_5_wrong_tries_an_account_waits_longer_each_time_on_every_server(staff_app, clock):
    first, second = staff_app(), staff_app()  # two servers sharing one database
    add_account(first.extensions["ivr"].database)
    guesser = Browser(client_from(first, "198.51.100.1"), clock)
    for _ in range(4):
        assert WRONG in try_password(guesser)
    assert "Too many tries. Wait 1 minute, then try again." in try_password(guesser)

    # The right password from another address, on the other server, has to wait too.
    owner = Browser(client_from(second, "198.51.100.2"), clock)
    assert "Wait 1 minute" in try_password(owner, password=PASSWORD)
    clock.advance(seconds=61)
    assert "Wait 2 minutes" in try_password(guesser)  # the 6th wrong try
    clock.advance(seconds=60)
    assert "Wait 1 minute" in try_password(owner, password=PASSWORD)  # still waiting, not extended
    clock.advance(seconds=61)
    assert try_password(owner, password=PASSWORD) == "went on to /staff/sign-in/authenticator"


def test_after_5_wrong_tries_an_address_waits_whichever_names_it_tries(app, database, clock):
    add_account(database)
    guesser = Browser(client_from(app, "198.51.100.1"), clock)
    for name in ("ann", "bob", "cat", "dan"):
        assert WRONG in try_password(guesser, name)
    assert "Wait 1 minute" in try_password(guesser, "eve")
    assert "Wait 1 minute" in try_password(guesser, "sam", PASSWORD)  # from that address
    owner = Browser(client_from(app, "198.51.100.2"), clock)
    assert try_password(owner, "sam", PASSWORD) == "went on to /staff/sign-in/authenticator"


def test_behind_a_proxy_the_address_is_the_one_the_proxy_saw_not_one_the_guesser_claims(app, database, clock):
    add_account(database)
    proxy = client_from(app, "127.0.0.1")  # nginx on this machine
    guesser = Browser(proxy, clock)
    for n in range(5):  # a made-up address each time, before the one nginx adds
        proxy.environ_base["HTTP_X_FORWARDED_FOR"] = f"81.2.69.{n}, 81.2.69.50"
        try_password(guesser, f"name{n}")
    assert "Wait 1 minute" in try_password(guesser, "sam", PASSWORD)
    proxy.environ_base["HTTP_X_FORWARDED_FOR"] = "81.2.69.51"  # someone else, through the same proxy
    assert try_password(Browser(proxy, clock), "sam", PASSWORD) == "went on to /staff/sign-in/authenticator"


def test_wrong_codes_count_as_wrong_tries_too(app, database, clock):
    add_account(database)
    owner = Browser(client_from(app, "198.51.100.2"), clock)
    owner.full_sign_in()
    owner.get("/staff/")
    owner.submit("/staff/sign-out")
    thief = Browser(client_from(app, "198.51.100.1"), clock)  # has the password, not the phone
    thief.sign_in()
    for _ in range(4):
        thief.submit(code="123456")
        assert "That code is not right" in thief.text()
    thief.submit(code="123456")
    assert "Wait 1 minute" in thief.text()
    clock.advance(seconds=30)
    thief.submit(code=owner.app_code())  # even a right code is not tried while it waits
    assert "Wait 1 minute" in thief.text()


def test_the_answer_and_the_work_are_the_same_whether_or_not_the_account_exists(app, database, clock,
                                                                                monkeypatch):
    add_account(database)
    add_account(database, "alex", password=None)  # sent a sign-up link, not used yet
    checks = []

    class Counting(PasswordHasher):
        def verify(self, stored, password):
            checks.append(stored.rsplit("$", 2)[0])  # the algorithm and its settings
            return super().verify(stored, password)
    monkeypatch.setattr(passwords, "HASHER", Counting.from_parameters(profiles.CHEAPEST))
    answers = {}
    for n, name in enumerate(["sam", "nobody", "alex"]):
        browser = Browser(client_from(app, f"198.51.100.{n}"), clock)
        try_password(browser, name)
        answers[name] = page_text(browser).replace(f'"{name}"', "")
    assert answers["sam"] == answers["nobody"] == answers["alex"] and WRONG in answers["sam"]
    assert len(checks) == 3 and len(set(checks)) == 1  # one Argon2id check each, same settings: same time

    waits = {}
    for name in ("sam", "nobody"):
        browser = Browser(client_from(app, "198.51.100.9"), clock)
        for _ in range(5):
            try_password(browser, name)
        waits[name] = page_text(browser).replace(f'"{name}"', "")
        clock.advance(hours=25)
    assert waits["sam"] == waits["nobody"] and "Too many tries" in waits["sam"]


@pytest.fixture
def sign_in_log(caplog):
    caplog.set_level(logging.INFO, logger="ivr.signin")
    return lambda: [json.loads(r.getMessage()) for r in caplog.records if r.name == "ivr.signin"]


def test_one_log_line_per_sign_in_failure_and_lock_with_the_name_and_nothing_secret(app, database, clock,
                                                                                    sign_in_log, caplog):
    add_account(database)
    try_password(Browser(client_from(app, "198.51.100.2"), clock), "nobody", PASSWORD)
    browser = Browser(client_from(app, "198.51.100.1"), clock)
    for _ in range(5):
        try_password(browser, "sam", "wrong horse battery")
    clock.advance(minutes=2)
    browser.full_sign_in()
    assert sign_in_log() == [
        {"event": "sign-in-failed", "account": None, "step": "password"},  # what was typed may be a password
        *[{"event": "sign-in-failed", "account": "sam", "step": "password"}] * 4,
        {"event": "sign-in-failed", "account": "sam", "step": "password"},
        {"event": "locked", "by": "account name", "account": "sam", "seconds": 60},
        {"event": "locked", "by": "address", "seconds": 60},
        {"event": "authenticator-set-up", "account": "sam"},
        {"event": "signed-in", "account": "sam", "using": "new authenticator"},
    ]
    everything = caplog.text
    for secret in (PASSWORD, "wrong horse battery", "nobody", browser.secret, *browser.codes):
        assert secret not in everything


def test_the_count_keeps_neither_the_name_typed_nor_the_address_and_is_forgotten_after_a_day(app, database, clock):
    add_account(database)
    browser = Browser(client_from(app, "81.2.69.160"), clock)
    try_password(browser, "kettle orbit garden swim")  # a password typed in the name box
    with database.transaction() as session:
        keys = session.scalars(select(Guesses.key)).all()
    assert len(keys) == 2 and not any("kettle" in k or "81.2.69" in k for k in keys)
    clock.advance(hours=25)
    try_password(Browser(client_from(app, "81.2.69.161"), clock), "someone")
    with database.transaction() as session:
        assert len(session.scalars(select(Guesses.key)).all()) == 2  # only the new try's
