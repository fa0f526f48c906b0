"""How long a sign-in lasts (30 minutes unused, 8 hours in all), and that it is one sign-in
across every app instance that shares the database and SECRET_KEY."""
from __future__ import annotations

from ivr import create_app
from ..conftest import settings
from .conftest import Browser, add_account


def test_a_sign_in_ends_after_30_minutes_unused(app, database, browser, clock):
    add_account(database)
    browser.full_sign_in()
    clock.advance(minutes=29)
    assert browser.signed_in()
    clock.advance(minutes=29)  # each page opened starts the 30 minutes again
    assert browser.signed_in()
    clock.advance(minutes=31)
    page = browser.get("/staff/")
    assert page.status_code == 302 and page.headers["Location"].startswith("/staff/sign-in")
    assert "signed out after 30 minutes unused" in browser.follow().get_data(as_text=True)
    assert not browser.signed_in()


def test_a_sign_in_ends_after_8_hours_however_busy(app, database, browser, clock):
    add_account(database)
    browser.full_sign_in()
    for _ in range(23):  # a page every 20 minutes: 7 hours 40 minutes
        clock.advance(minutes=20)
        assert browser.signed_in()
    clock.advance(minutes=21)
    assert browser.get("/staff/").status_code == 302
    assert "signed out after 8 hours" in browser.follow().get_data(as_text=True)


def copy_cookie(browser: Browser, client):
    """The staff cookie of `browser`, sent by another client from now on."""
    client.set_cookie("__Host-staff", browser.client.get_cookie("__Host-staff").value, domain="localhost",
                      secure=True)
    return client


def test_a_cookie_copied_to_another_address_signs_nobody_in(app, database, browser, clock):
    add_account(database)
    browser.full_sign_in()
    same_place = copy_cookie(browser, app.test_client())
    assert same_place.get("/staff/").status_code == 200  # the copy itself works...
    thief = copy_cookie(browser, app.test_client())
    thief.environ_base.update(REMOTE_ADDR="203.0.113.66")
    assert thief.get("/staff/").status_code == 302  # ...but not from another address (Flask-Login "strong")


def test_sign_in_is_shared_by_two_app_instances_on_postgresql(postgres, clock, tmp_path):
    url = postgres.new_database()
    first, second = (create_app(settings(DATABASE_URL=url, CLOCK=clock, AUDIO_DIR=str(tmp_path))) for _ in "ab")
    add_account(first.extensions["ivr"].database)
    person = Browser(first.test_client(), clock)
    person.full_sign_in()
    assert "sam" in person.get("/staff/").get_data(as_text=True)

    elsewhere = Browser(copy_cookie(person, second.test_client()), clock)  # the same browser, the other server
    assert elsewhere.signed_in()
    elsewhere.get("/staff/")
    elsewhere.submit("/staff/sign-out")
    assert not elsewhere.signed_in() and not person.signed_in()  # signed out on both
