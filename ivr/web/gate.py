"""Default-deny: every page of the app is for signed-in staff, except the line's own and the
sign-in pages. Decided once a request before any view, so a new page needs nothing to be closed.

Open without a session: the blueprints create_app names as the line's own (the Twilio webhooks,
which check Twilio's signature instead; /audio; /healthz), and the sign-in pages. The line's own
requests get no session at all (Flask's null session), so a cookie can never change what a
webhook does, and no webhook answer ever sets one. Every other answer gets the staff pages'
security headers.
"""
from __future__ import annotations

from flask import Flask, abort, redirect, request, url_for
from flask.sessions import SecureCookieSessionInterface
from flask_wtf.csrf import CSRFProtect

from .. import local
from . import context, signin

# No inline script or style anywhere (nor eval); our own files only; no frames, no plug-ins.
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; "
       "base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
HEADERS = {"Content-Security-Policy": CSP, "X-Frame-Options": "DENY", "Referrer-Policy": "no-referrer",
           "Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}
SAFE_METHODS = ("GET", "HEAD", "OPTIONS", "TRACE")  # the rest need a CSRF token
HSTS = "max-age=31536000"  # a year; not includeSubDomains: the charity's other addresses are not ours


def preview(settings, req) -> bool:
    """The local preview, asked from a browser on this computer, needs no sign-in (the one
    answer is ivr.local.local_preview; in the preview every other request is refused anyway)."""
    return local.local_preview(settings, req)


class Gate:
    def __init__(self, app: Flask, open_blueprints: frozenset[str], https: bool, csrf: CSRFProtect):
        self.open = open_blueprints
        self.https, self.csrf = https, csrf
        exact, prefixes = set(), []
        for rule in app.url_map.iter_rules():
            if rule.endpoint.rpartition(".")[0] in open_blueprints:
                (prefixes.append(rule.rule.split("<")[0]) if rule.arguments else exact.add(rule.rule))
        self.open_paths, self.open_prefixes = frozenset(exact), tuple(prefixes)

    def open_path(self, path: str) -> bool:
        """Known before routing, for the session: a path that only the line's own routes serve."""
        return path in self.open_paths or path.startswith(self.open_prefixes)

    def is_open(self, req) -> bool:
        if req.url_rule is None:  # no route: 404 or 405 as ever, but staff headers off the line's paths
            return self.open_path(req.path)
        return req.blueprint in self.open

    def check(self):
        """Before every request: None to go on, or the refusal. The line's own requests pay for
        one look-up of the request and a set lookup here, and nothing else of this module."""
        req = request._get_current_object()
        if req.url_rule is None or req.blueprint in self.open:
            return None  # the line's own, or no such page (the 404 or 405 it always was)
        if not (req.blueprint == signin.bp.name or preview(context.service().settings, req)
                or signin.still_signed_in()):
            if req.method in ("GET", "HEAD"):
                return redirect(url_for("signin.sign_in", next=req.full_path.rstrip("?")))
            abort(403)
        if req.method not in SAFE_METHODS and not local.passed_on_by_staff_gate(req):
            # Flask-WTF's check, here: in a hook of its own every webhook would pay. The staff
            # phone's requests had theirs checked by the real line's gate, with its token.
            self.csrf.protect()
        return None

    def headers(self, response):
        req = request._get_current_object()
        if not self.is_open(req):
            response.headers.update(HEADERS)
            if self.https or req.is_secure:
                response.headers["Strict-Transport-Security"] = HSTS
        return response


class StaffSessions(SecureCookieSessionInterface):
    """Flask's signed-cookie session for staff pages; none at all for the line's own paths."""

    def __init__(self, gate: Gate):
        self.gate = gate

    def open_session(self, app, request):
        if self.gate.open_path(request.path):
            return None  # Flask's null session: nothing read, nothing ever sent back
        return super().open_session(app, request)
