"""Default-deny: every route of the app refuses anyone not signed in, except the line's own
(Twilio's webhooks, /audio, /healthz) and the sign-in pages; the line's own never use a session."""
from __future__ import annotations

import pytest
from flask import Blueprint

from ivr.web.gate import CSP

from .. import wire
from .conftest import Browser, add_account, client_from

LINE = ("/voice", "/audio/", "/healthz")  # the line's own: Twilio's webhooks, prompt audio, health
SIGN_IN = "/staff/sign-in"
STAFF_HEADERS = {"Content-Security-Policy", "X-Frame-Options", "Referrer-Policy", "Cache-Control",
                 "Strict-Transport-Security"}


def requests_for_every_route(app):
    """(method, path, blueprint) for each method of each route in the app's URL map."""
    urls = app.url_map.bind("line.example.org")
    for rule in app.url_map.iter_rules():
        path = urls.build(rule.endpoint, {name: 1 for name in rule.arguments}, force_external=False)
        for method in sorted(rule.methods - {"OPTIONS"}):
            yield method, path, rule.endpoint.rpartition(".")[0]


def another_engineers_page() -> Blueprint:
    """A staff page added the way the brief says: a blueprint, registered, with no decorator."""
    bp = Blueprint("usage", __name__)
    bp.add_url_rule("/usage", "figures", lambda: "the usage figures")
    bp.add_url_rule("/usage/export", "export", lambda: "exported", methods=["POST"])
    return bp


@pytest.fixture
def app(staff_app):
    app = staff_app()
    app.register_blueprint(another_engineers_page())
    return app


def test_every_route_but_the_lines_own_and_signing_in_refuses_an_anonymous_request(app):
    client, checked = app.test_client(), []
    for method, path, blueprint in requests_for_every_route(app):
        if path.startswith(LINE):
            assert blueprint in ("voice", "audio", "health"), f"{path} looks like the line's but is {blueprint}'s"
            continue
        if blueprint == "signin":
            assert path.startswith(SIGN_IN + "/") or path == SIGN_IN, path
            continue
        answer = client.open(path, method=method)
        if method in ("GET", "HEAD"):
            assert answer.status_code == 302, (method, path, answer.status_code)
            assert answer.headers["Location"].startswith(SIGN_IN + "?next="), (method, path)
        else:
            assert answer.status_code == 403, (method, path, answer.status_code)
        assert b"usage figures" not in answer.data and b"exported" not in answer.data
        assert STAFF_HEADERS <= set(answer.headers.keys()), (method, path)
        checked.append(path)
    assert {"/staff/", "/staff/sign-out", "/usage", "/usage/export", "/static/1"} <= set(checked)


def test_every_webhook_still_refuses_an_unsigned_request_and_the_rest_of_the_line_needs_no_sign_in(app):
    client = app.test_client()
    for method, path, blueprint in requests_for_every_route(app):
        if not path.startswith(LINE):
            continue
        answer = client.open(path, method=method)
        if blueprint == "voice":
            assert answer.status_code == 403, path  # Twilio's signature, not a session, lets it in
        else:
            assert answer.status_code in (200, 404), path  # /healthz, and /audio/1 (no such file)
        assert "Set-Cookie" not in answer.headers and "Content-Security-Policy" not in answer.headers


def test_a_page_added_by_another_part_opens_once_signed_in(app, database, clock):
    add_account(database)
    person = Browser(app.test_client(), clock)
    person.full_sign_in()
    assert person.get("/usage").get_data(as_text=True) == "the usage figures"
    assert person.get("/usage").headers["Content-Security-Policy"] == CSP


def test_a_signed_in_session_never_lets_a_webhook_skip_its_signature_check(app, database, clock):
    add_account(database)
    person = Browser(app.test_client(), clock)
    person.full_sign_in()
    assert person.signed_in()
    unsigned = person.client.post("/voice", data=wire.CALL_FIELDS)
    assert unsigned.status_code == 403
    signed = wire.post(person.client, "/voice", form=list(wire.CALL_FIELDS.items()))
    assert signed.status_code == 200 and b"<Response>" in signed.data
    # Twilio keeps a call's cookies; the line neither reads nor sets one, nor marks its answers with them.
    assert "Set-Cookie" not in signed.headers and "Vary" not in signed.headers
    assert not STAFF_HEADERS & set(signed.headers.keys())


def test_staff_pages_send_the_security_headers_and_no_inline_script(app, database, clock):
    add_account(database)
    person = Browser(app.test_client(), clock)
    pages = [person.get(SIGN_IN), person.get("/staff/sign-in/static/staff.css")]
    pages.append(person.sign_in())  # the authenticator's QR code
    person.set_up_authenticator()
    pages += [person.page, person.get("/staff/")]
    assert sum("<form" in p.get_data(as_text=True) for p in pages) == 3  # sign-in, authenticator, sign-out
    for page in pages:
        headers = page.headers
        assert headers["X-Frame-Options"] == "DENY" and headers["Referrer-Policy"] == "no-referrer"
        assert headers["Cache-Control"] == "no-store"
        assert headers["Strict-Transport-Security"].startswith("max-age=")  # PUBLIC_BASE_URL is https
        policy = dict(part.strip().split(" ", 1) for part in headers["Content-Security-Policy"].split(";"))
        assert policy["script-src"] == "'self'" and policy["frame-ancestors"] == "'none'"
        assert "unsafe-inline" not in headers["Content-Security-Policy"]
        html = page.get_data(as_text=True)
        assert "<script" not in html and "style=" not in html and "<style" not in html
        assert html.count("<form") == html.count('name="csrf_token"')  # every form has its token


def test_the_cookie_is_secure_httponly_samesite_lax_and_ends_with_the_browser(app, database, clock):
    add_account(database)
    person = Browser(app.test_client(), clock)
    person.sign_in()
    cookie = person.client.get_cookie("__Host-staff")
    assert cookie is not None
    assert cookie.secure and cookie.http_only and cookie.same_site == "Lax" and cookie.path == "/"
    assert cookie.expires is None and cookie.domain in ("localhost", "")  # no Domain: this host only
    (set_cookie,) = person.page.headers.getlist("Set-Cookie")  # ours, and no other
    assert set_cookie.startswith("__Host-staff=") and "Expires" not in set_cookie and "Domain" not in set_cookie


@pytest.mark.parametrize("environ, headers, open_", [
    ({"REMOTE_ADDR": "127.0.0.1"}, {}, True),
    ({"REMOTE_ADDR": "::1"}, {}, True),
    ({"REMOTE_ADDR": "192.0.2.20"}, {}, False),  # another computer on the network
    ({"REMOTE_ADDR": "127.0.0.1"}, {"X-Forwarded-For": "203.0.113.9"}, False),  # through a proxy
], ids=["loopback", "loopback-v6", "another-computer", "through-a-proxy"])
def test_a_local_preview_needs_no_sign_in_on_this_computer_only(make_app, environ, headers, open_):
    app = make_app(TWILIO_AUTH_TOKEN="", PUBLIC_BASE_URL="", ADVISER_NUMBERS="")
    page = client_from(app, environ["REMOTE_ADDR"]).get("/staff/", headers=headers)
    if open_:
        assert page.status_code == 200 and "Local preview" in page.get_data(as_text=True)
    else:  # the preview answers nothing from elsewhere, not even a sign-in page
        assert page.status_code == 403


def test_production_needs_a_sign_in_even_from_this_computer(make_app):
    page = client_from(make_app(), "127.0.0.1").get("/staff/")
    assert page.status_code == 302


def test_a_form_without_its_csrf_token_is_refused_with_400_and_changes_nothing(app, database, clock):
    add_account(database)
    stranger = app.test_client()
    page = stranger.post(SIGN_IN, data={"name": "sam", "password": "purple monkey dishwasher"})
    assert page.status_code == 400 and "Please try again" in page.get_data(as_text=True)

    person = Browser(app.test_client(), clock)
    person.full_sign_in()
    assert person.client.post("/staff/sign-out").status_code == 400
    assert person.client.post("/staff/sign-out", data={"csrf_token": "made-up"}).status_code == 400
    assert person.signed_in()
