"""Signing in as staff do: password, the authenticator app (set up with a QR code at the first
sign-in), recovery codes, sign-up links, signing out; on SQLite and PostgreSQL."""
from __future__ import annotations

from datetime import timedelta

from argon2 import PasswordHasher

from ivr.web import accounts, passwords

from .conftest import PASSWORD, START, Browser, add_account


def test_the_first_sign_in_sets_up_the_authenticator_and_shows_recovery_codes_once(app, database, browser):
    add_account(database)
    page = browser.sign_in()
    assert page.status_code == 200 and "Set up your authenticator app" in page.get_data(as_text=True)
    assert "<svg" in page.get_data(as_text=True) and "<img" not in page.get_data(as_text=True)  # drawn inline
    assert not browser.signed_in()  # a right password alone opens nothing

    browser.submit(code="000000")
    assert "That code is not right" in browser.text()
    page = browser.set_up_authenticator()
    assert "Your recovery codes" in page.get_data(as_text=True) and len(browser.codes) == 8
    assert len(set(browser.codes)) == 8
    assert browser.signed_in()
    assert "Recovery codes left: 8" in browser.get("/staff/").get_data(as_text=True)
    assert browser.get("/staff/sign-in/authenticator").status_code == 302  # never shown again


def test_later_sign_ins_ask_for_the_apps_code_and_take_each_code_once(app, database, browser, clock):
    add_account(database)
    browser.full_sign_in()
    browser.get("/staff/")
    browser.submit("/staff/sign-out")
    assert not browser.signed_in()

    page = browser.sign_in()
    assert "Type your code" in page.get_data(as_text=True)
    used = browser.app_code()  # the code from setting up, still on the phone's screen
    browser.submit(code=used)
    assert "That code is not right" in browser.text() and not browser.signed_in()
    clock.advance(seconds=60)
    browser.submit(code=browser.app_code(seconds=-30))  # a phone half a minute slow is fine
    assert browser.page.status_code == 302 and browser.signed_in()


def test_a_recovery_code_signs_in_once_instead_of_the_app(app, database, browser, clock):
    add_account(database)
    browser.full_sign_in()
    code = browser.codes[0]
    browser.get("/staff/")
    browser.submit("/staff/sign-out")

    browser.sign_in()
    browser.submit(code=code.upper().replace("-", " "))  # however it was written down
    assert browser.page.status_code == 302
    home = browser.follow().get_data(as_text=True)
    assert "You signed in with a recovery code" in home and "you have 7 left" in home

    browser.submit("/staff/sign-out")
    browser.sign_in()
    browser.submit(code=code)
    assert "That code is not right" in browser.text() and not browser.signed_in()


def test_a_sign_up_link_chooses_the_password_once_within_24_hours(app, database, clock):
    link = add_account(database, "alex", password=None)
    visitor = Browser(app.test_client(), clock)
    page = visitor.get(accounts.SIGN_UP_PATH + link)
    assert page.status_code == 200 and "Your account name is <strong>alex</strong>" in visitor.text()

    visitor.submit(password="password1234", again="password1234")
    assert "one that attackers try first" in visitor.text()
    visitor.submit(password="short", again="short")
    assert "at least 12 characters" in visitor.text()
    visitor.submit(password=PASSWORD, again=PASSWORD + "!")
    assert "The two passwords are not the same." in visitor.text()
    visitor.submit(password=PASSWORD, again=PASSWORD)
    assert visitor.page.headers["Location"] == "/staff/sign-in/authenticator"
    visitor.follow()
    visitor.set_up_authenticator()
    assert visitor.signed_in()

    again = Browser(app.test_client(), clock).get(accounts.SIGN_UP_PATH + link)
    assert again.status_code == 404 and "This link does not work" in again.get_data(as_text=True)
    clock.advance(seconds=30)
    later = Browser(app.test_client(), clock, secret=visitor.secret)
    later.full_sign_in("alex")
    assert later.signed_in()  # with the password chosen


def test_a_sign_up_link_stops_working_after_24_hours(app, database, clock):
    link = add_account(database, "alex", password=None)
    clock.advance(hours=23, minutes=59)
    assert Browser(app.test_client(), clock).get(accounts.SIGN_UP_PATH + link).status_code == 200
    clock.advance(minutes=2)
    page = Browser(app.test_client(), clock).get(accounts.SIGN_UP_PATH + link)
    assert page.status_code == 404 and "works once, for 24 hours" in page.get_data(as_text=True)
    assert Browser(app.test_client(), clock).get(accounts.SIGN_UP_PATH + "made-up").status_code == 404


def test_after_signing_in_staff_go_to_the_page_they_asked_for_and_never_to_another_site(app, database, clock):
    add_account(database)
    person = Browser(app.test_client(), clock)
    asked = person.get("/staff/?tab=1")
    assert asked.headers["Location"] == "/staff/sign-in?next=/staff/?tab%3D1"
    person.follow()
    person.submit(name="sam", password=PASSWORD)
    person.follow()
    person.set_up_authenticator()
    assert 'href="/staff/?tab=1"' in person.text()

    other = Browser(app.test_client(), clock)
    other.get("/staff/sign-in?next=//evil.example/")
    other.submit(name="sam", password=PASSWORD)
    other.follow()
    other.submit(code=person.app_code(seconds=30))
    assert other.page.headers["Location"] == "/staff/"


def test_signing_out_or_a_reset_signs_out_every_browser(app, database, clock):
    add_account(database)
    office, laptop = Browser(app.test_client(), clock), Browser(app.test_client(), clock)
    office.full_sign_in()
    laptop.secret = office.secret
    clock.advance(seconds=30)
    laptop.full_sign_in()
    assert office.signed_in() and laptop.signed_in()

    laptop.get("/staff/")
    laptop.submit("/staff/sign-out")
    assert "You are signed out, on every computer." in laptop.follow().get_data(as_text=True)
    assert not office.signed_in() and not laptop.signed_in()

    clock.advance(seconds=30)
    office.full_sign_in()
    assert office.signed_in()
    accounts.reset(database, "sam", clock.now, password="a brand new passphrase")
    assert not office.signed_in()
    assert "Set up your authenticator" in office.sign_in(password="a brand new passphrase").get_data(as_text=True)


def test_a_half_finished_sign_in_runs_out_and_cannot_skip_the_code(app, database, browser, clock):
    add_account(database)
    browser.full_sign_in()
    browser.get("/staff/")
    browser.submit("/staff/sign-out")
    browser.sign_in()
    assert browser.get("/staff/").status_code == 302  # the password alone opens nothing
    clock.advance(minutes=11)
    page = browser.get("/staff/sign-in/code")
    assert page.headers["Location"] == "/staff/sign-in"
    assert "Please sign in again." in browser.follow().get_data(as_text=True)
    assert START < clock.now < START + timedelta(hours=1)


def test_a_password_hashed_with_older_settings_is_hashed_again_at_sign_in(app, database, browser, monkeypatch):
    add_account(database)  # hashed with the settings of the time
    stronger = PasswordHasher(time_cost=2, memory_cost=16, parallelism=1)
    monkeypatch.setattr(passwords, "HASHER", stronger)
    browser.sign_in()
    with database.transaction() as session:
        stored = accounts.find(session, "sam").password_hash
    assert stored.startswith("$argon2id$v=19$m=16,t=2,p=1$") and stronger.verify(stored, PASSWORD)
