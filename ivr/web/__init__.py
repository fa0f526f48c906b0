"""The browser pages, and the gate in front of them: signing in (`signin.py`, with the
authenticator in `authenticator.py` and the guessing limits in `guessing.py`), the staff home
page at /staff/ (`home.py`), default-deny for every page of the app (`gate.py`), and the phone
in a web page (`phone.py`, with the advisers' side of option 9 in `adviser_side.py`: Twilio's
queue and the pretend advisers, on the switchboard the app factory hands it; and how the local
preview starts in `preview.py`; on the real line, the same phone for signed-in staff in
`staff_phone.py`), and the usage figures (`figures.py`, from the report in
`report.py`).

May import the audio, the line, running it, the database and the settings; never the staff tools.

To serve a staff page from another part: make a Blueprint for it and register it in create_app
(ivr/__init__.py). That is all. Every route of the app refuses anyone not signed in (GET and HEAD
go to the sign-in page, anything else gets 403) unless it is in one of the blueprints create_app
hands `init_app` as the line's own (the Twilio webhooks, /audio, /healthz) or is a sign-in page.
Each staff answer gets the security headers (a Content-Security-Policy that allows no inline
script or style: put scripts and styles in your blueprint's static files). Flask-WTF checks a
CSRF token on every POST, PUT, PATCH and DELETE: a form puts `{{ csrf_token() }}` in a hidden
`csrf_token` field, JavaScript sends it in an `X-CSRFToken` header. Templates may extend
"web/page.html" for the staff look. `tests/web/test_gate.py` walks the app's URL map, so a page
that anyone can open fails the tests.
"""
from __future__ import annotations

from typing import Iterable

from flask import Blueprint, Flask, render_template

from ..settings import Settings


def init_app(app: Flask, settings: Settings, line_blueprints: Iterable[Blueprint]) -> None:
    """Close every page of `app` to all but signed-in staff, except `line_blueprints` (already
    registered) and the sign-in pages; add the sign-in pages and the staff home page."""
    from flask_wtf.csrf import CSRFError, CSRFProtect

    from . import gate, home, keys, signin

    line_blueprints = tuple(line_blueprints)
    https = settings.public_base_url.startswith("https://")
    app.config.update(
        SECRET_KEY=keys.secret_key(settings),
        # __Host-: a browser keeps it only for this exact host, sent over https, for every path.
        SESSION_COOKIE_NAME="__Host-staff" if https else "staff",
        SESSION_COOKIE_SECURE=https, SESSION_COOKIE_HTTPONLY=True, SESSION_COOKIE_SAMESITE="Lax",
        PERMANENT_SESSION_LIFETIME=signin.IDLE,  # Flask refuses a cookie signed longer ago than this
        # Flask-WTF's https check wants a Referer, which Referrer-Policy: no-referrer stops browsers
        # sending; the token and SameSite=Lax cookies stop forged forms without it.
        WTF_CSRF_SSL_STRICT=False,
        WTF_CSRF_CHECK_DEFAULT=False,  # the gate calls Flask-WTF's check; the line's own never pay for it
    )
    csrf = CSRFProtect(app)  # checked by the gate, after it has let a request in (below)
    door = gate.Gate(app, frozenset(bp.name for bp in line_blueprints), https, csrf)
    app.session_interface = gate.StaffSessions(door)
    app.before_request(door.check)
    app.after_request(door.headers)
    app.register_blueprint(signin.bp)
    app.register_blueprint(home.bp)
    signin.init_app(app)

    @app.errorhandler(CSRFError)
    def form_too_old(error):
        return render_template("web/form_expired.html"), 400
