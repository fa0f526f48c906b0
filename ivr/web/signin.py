"""Signing in at /staff/sign-in: password, then the authenticator app's code (set up at the first
sign-in), or a recovery code; a sign-up link chooses the first password.

How a sign-in is kept, and why (the simplest design that does both things asked of it):
Flask's signed cookie (SECRET_KEY, which every server shares) holds Flask-Login's user id, and
that id is the account's *session token*, a random value in the accounts table (Flask-Login's
"alternative tokens"), not its row id. So:
  - any server with the key and the database knows the cookie: sign-in is shared by every app
    instance, with nothing kept in one server's memory;
  - a new token (a password reset, the account removed, signing out) means no cookie that names
    the old one signs anyone in any more, at once, on every server: signed out everywhere.
One indexed look-up a staff request, and no session table to clean up. Signing out signs that
person out on every computer, which is also what makes a copied cookie useless after it.
Idle (30 minutes) and absolute (8 hours) limits are checked here on each request from times in
the signed cookie, with the app's clock; Flask refuses a cookie signed more than 30 minutes ago.
"""
from __future__ import annotations

import json
import logging
import math
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from flask import (Blueprint, Response, current_app, flash, redirect, render_template, request, session,
                   url_for)
from flask_login import LoginManager, current_user, login_user, logout_user

from . import accounts, authenticator, context, forms, guessing, passwords
from .accounts import Staff, plain_name
from ..store.accounts import StaffAccount

bp = Blueprint("signin", __name__, url_prefix="/staff/sign-in", template_folder="templates",
               static_folder="static", static_url_path="/static")
log = logging.getLogger("ivr.signin")

IDLE = timedelta(minutes=30)
LIFETIME = timedelta(hours=8)
SECOND_STEP = timedelta(minutes=10)  # from a right password to the code
WRONG_PASSWORD = "That account name and password do not match. Check them and try again."
WRONG_CODE = "That code is not right. Type the code your authenticator app shows now, or a recovery code."
HOME = "staff.home"


def init_app(app) -> None:
    manager = LoginManager()
    # "strong": a cookie sent from another address or browser than the one that signed in is
    # dropped (Flask-Login checks this only for cookies that end with the browser, as ours do).
    manager.session_protection = "strong"
    manager.user_loader(lambda token: accounts.signed_in_as(context.database(), token))
    # What init_app does, less its after-request hook, which keeps "remember me" cookies (we have
    # none) and which every webhook would pay for; and less its current_user for templates, which
    # would run the "strong" check on a half-finished sign-in (see has_signed_in).
    app.login_manager = manager
    app.context_processor(lambda: {"staff": current_user if has_signed_in() else None})


def event(name: str, **fields) -> None:
    """One log line: the account name when there is such an account, never a password, code or link."""
    log.info(json.dumps({"event": name, **fields}))


def wait_message(seconds: int) -> str:
    minutes = max(1, math.ceil(seconds / 60))
    return f"Too many tries. Wait {minutes} minute{'s' if minutes > 1 else ''}, then try again."


def keys_for(name: str) -> guessing.Keys:
    return guessing.Keys.of(name, context.client_address(), current_app.secret_key)


def counted_wrong(keys: guessing.Keys, account_name: str | None, step: str) -> int:
    """Count a wrong try, log it and any lock it caused; seconds to wait now (0 if none)."""
    locked = guessing.failed(context.database(), keys, context.now())
    event("sign-in-failed", account=account_name, step=step)
    for key, seconds in locked.items():
        by = {"by": "account name", "account": account_name} if key == keys.name else {"by": "address"}
        event("locked", **by, seconds=seconds)
    return max(locked.values(), default=0)


def safe_next(target: str | None) -> str | None:
    """A page of ours to go on to after signing in: a path on this site, never another site."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    parts = urlsplit(target)
    return target if not parts.scheme and not parts.netloc else None


def has_signed_in() -> bool:
    """Whether this browser finished signing in (and still may). Flask-Login is asked only then:
    its "strong" check would otherwise treat a half-finished sign-in as a stolen cookie."""
    return "_user_id" in session and current_user.is_authenticated


@bp.route("", methods=["GET", "POST"])
def sign_in():
    if has_signed_in():
        return redirect(url_for(HOME))
    form, message = forms.SignIn(), None
    if form.validate_on_submit():
        name, now, database = plain_name(form.name.data), context.now(), context.database()
        keys = keys_for(name)
        with database.transaction() as db:
            account = accounts.find(db, name)
        known = account.name if account else None
        wait = guessing.waiting(database, keys, now)
        if wait:  # no password is checked while waiting: a guess now is not even tried
            event("sign-in-refused", account=known, why="waiting", seconds=wait)
        elif passwords.matches(account.password_hash if account else None, form.password.data):
            if passwords.needs_rehash(account.password_hash):
                accounts.reset_hash(database, account.id, form.password.data)
            return second_step(account, now)
        else:
            wait = counted_wrong(keys, known, "password")
        message = wait_message(wait) if wait else WRONG_PASSWORD
    return render_template("web/sign_in.html", form=form, message=message)


def second_step(account: StaffAccount, now: datetime) -> Response:
    target = safe_next(request.args.get("next"))
    session.clear()  # nothing from before the password is carried on
    session["pending"] = {"token": account.session_token, "at": now.timestamp(), "next": target}
    return redirect(url_for(".code" if account.totp_secret else ".set_up_authenticator"))


def pending() -> StaffAccount | None:
    """The account whose password was right in this browser in the last few minutes."""
    step = session.get("pending")
    if not step or context.now().timestamp() - step["at"] > SECOND_STEP.total_seconds():
        return None
    with context.database().transaction() as db:
        return accounts.by_session_token(db, step["token"])  # None once reset or removed


def signed_in(account: StaffAccount, how: str, now: datetime) -> str:
    """Sign this browser in; where to go next."""
    target = session.get("pending", {}).get("next")
    session.clear()
    login_user(Staff(account.name, account.session_token))
    session["staff_since"] = session["staff_seen"] = now.timestamp()
    guessing.forget(context.database(), *keys_for(account.name).both())
    event("signed-in", account=account.name, using=how)
    return target or url_for(HOME)


@bp.route("/code", methods=["GET", "POST"])
def code():
    account = pending()
    if account is None:
        flash("Please sign in again.")
        return redirect(url_for(".sign_in"))
    if account.totp_secret is None:
        return redirect(url_for(".set_up_authenticator"))
    form, message = forms.Code(), None
    if form.validate_on_submit():
        now, database, keys = context.now(), context.database(), keys_for(account.name)
        wait = guessing.waiting(database, keys, now)
        if wait:
            event("sign-in-refused", account=account.name, why="waiting", seconds=wait)
        else:
            how = authenticator.check_code(database, account.id, form.code.data, now)
            if how:
                target = signed_in(account, how, now)
                if how == "recovery code":
                    left = accounts.recovery_codes_left(database, account.session_token)
                    flash(f"You signed in with a recovery code. Each works once: you have {left} left. If you "
                          "have lost your phone, ask the person who looks after the line to reset your account.")
                return redirect(target)
            wait = counted_wrong(keys, account.name, "code")
        message = wait_message(wait) if wait else WRONG_CODE
    return render_template("web/code.html", form=form, message=message)


@bp.route("/authenticator", methods=["GET", "POST"])
def set_up_authenticator():
    """First sign-in: scan the QR code, type the app's code; then the recovery codes, shown once."""
    account = pending()
    if account is None:
        flash("Please sign in again.")
        return redirect(url_for(".sign_in"))
    if account.totp_secret is not None:
        return redirect(url_for(".code"))
    # The new secret waits in this browser's signed cookie until the app proves it has it.
    secret = session.setdefault("new_secret", authenticator.new_secret())
    form, message = forms.Code(), None
    if form.validate_on_submit():
        now = context.now()
        codes = authenticator.enrol(context.database(), account.id, secret, form.code.data, now)
        if codes:
            event("authenticator-set-up", account=account.name)
            target = signed_in(account, "new authenticator", now)
            return render_template("web/recovery_codes.html", codes=codes, target=target)
        message = ("That code is not right. Check that your phone sets its time automatically, "
                   "then type the code the app shows now.")
    return render_template("web/authenticator.html", form=form, message=message, name=account.name,
                           qr=authenticator.qr_svg(secret, account.name), secret=authenticator.spaced(secret))


@bp.route("/new", methods=["GET", "POST"])
def new_password():
    """A sign-up link (`ivr staff add NAME --link`): choose a password, once, within 24 hours.

    The link's token is in the query string, which the line's request log never writes.
    """
    token, now, database = request.args.get("link", ""), context.now(), context.database()
    with database.transaction() as db:
        account = accounts.by_sign_up_link(db, token, now) if token else None
    if account is None:
        return render_template("web/link_gone.html"), 404
    form = forms.NewPassword()
    if form.validate_on_submit():
        problem = passwords.problem(form.password.data, account.name)
        if problem:
            form.password.errors = [problem]
        else:
            session_token = accounts.set_password_from_link(database, token, form.password.data, now)
            if session_token is None:
                return render_template("web/link_gone.html"), 404
            event("password-set", account=account.name)
            session.clear()
            session["pending"] = {"token": session_token, "at": now.timestamp(), "next": None}
            return redirect(url_for(".set_up_authenticator"))
    return render_template("web/new_password.html", form=form, name=account.name)


def still_signed_in() -> bool:
    """Whether this request comes from a signed-in member of staff; signs out after 30 minutes
    unused or 8 hours in all (the gate asks, before every staff page)."""
    if not has_signed_in():
        return False
    now = context.now().timestamp()
    since, seen = session.get("staff_since", 0), session.get("staff_seen", 0)
    why = ("8 hours" if now - since > LIFETIME.total_seconds()
           else "30 minutes unused" if now - seen > IDLE.total_seconds() else None)
    if why:
        event("signed-out", account=current_user.name, why=why)
        logout_user()
        session.clear()
        flash(f"You were signed out after {why}. Please sign in again.")
        return False
    session["staff_seen"] = now
    return True


def sign_out() -> None:
    """Sign out on every computer: a new session token, so no copy of any cookie works."""
    event("signed-out", account=current_user.name, why="asked")
    accounts.sign_out_everywhere(context.database(), current_user.token)
    logout_user()
    session.clear()
