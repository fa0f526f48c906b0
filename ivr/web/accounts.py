"""Staff accounts: adding, resetting and removing them, sign-up links, and who a cookie names.

Used by the sign-in pages and by `ivr staff` (ivr/staff/accounts.py). An account is a name and
the secrets that check who is signing in; nothing else about the person is kept.
"""
from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from flask_login import UserMixin
from sqlalchemy import func, select

from ..store.accounts import NAME_LENGTH, RecoveryCode, StaffAccount
from ..store.database import Database
from . import passwords

SIGN_UP_FOR = timedelta(hours=24)  # how long a sign-up link works (once)
NAME = re.compile(rf"[a-z0-9][a-z0-9._-]{{0,{NAME_LENGTH - 1}}}")
SIGN_UP_PATH = "/staff/sign-in/new?link="  # signin.new_password, built here without an app for the CLI


class AccountError(Exception):
    """Something staff asked for that cannot be done, said so they can put it right."""


@dataclass(frozen=True)
class Staff(UserMixin):
    """A signed-in member of staff, as Flask-Login holds them for one request."""
    name: str
    token: str

    def get_id(self) -> str:
        # The account's session token, not its row id: see signin.py for why.
        return self.token


def db_time(moment: datetime) -> datetime:
    """UTC without a zone, as the tables keep times on SQLite and PostgreSQL alike."""
    return moment.astimezone(timezone.utc).replace(tzinfo=None)


def digest(token: str) -> str:
    """SHA-256 of a random token: enough for secrets this long, and the table never holds the token."""
    return hashlib.sha256(token.encode()).hexdigest()


def plain_name(name: str) -> str:
    return name.strip().lower()


def checked_name(name: str) -> str:
    name = plain_name(name)
    if not NAME.fullmatch(name):
        raise AccountError(f"'{name}' cannot be an account name: use up to {NAME_LENGTH} letters, digits, "
                           "dots, dashes or underscores, starting with a letter or digit (like sam or sam.jones). "
                           "A first name or a role is enough; no email address is needed.")
    return name


def checked_password(password: str, name: str) -> str:
    problem = passwords.problem(password, name)
    if problem:
        raise AccountError(problem)
    return password


def find(session, name: str) -> StaffAccount | None:
    return session.scalar(select(StaffAccount).where(StaffAccount.name == plain_name(name)[:NAME_LENGTH]))


def by_session_token(session, token: str) -> StaffAccount | None:
    return session.scalar(select(StaffAccount).where(StaffAccount.session_token == token))


def signed_in_as(database: Database, token: str) -> Staff | None:
    """Flask-Login's user loader: the account whose current session token the cookie holds."""
    with database.transaction() as session:
        account = by_session_token(session, token)
        return Staff(account.name, account.session_token) if account and account.totp_secret else None


def _start_over(account: StaffAccount, now: datetime, password: str | None) -> str | None:
    """No authenticator, no recovery codes, signed out everywhere; the new password, or a sign-up link's token."""
    account.totp_secret, account.totp_last_step = None, 0
    account.recovery_codes.clear()
    account.session_token = secrets.token_urlsafe(32)
    if password is not None:
        account.password_hash = passwords.hash_password(password)
        account.signup_digest = account.signup_expires = None
        return None
    token = secrets.token_urlsafe(32)
    account.password_hash = None
    account.signup_digest, account.signup_expires = digest(token), db_time(now + SIGN_UP_FOR)
    return token


def add(database: Database, name: str, now: datetime, password: str | None = None) -> str | None:
    """A new account, with this password or (None) waiting for its sign-up link: the link's token."""
    name = checked_name(name)
    if password is not None:
        checked_password(password, name)
    with database.transaction() as session:
        if find(session, name):
            raise AccountError(f"There is already an account called {name}. "
                               f"To give them a new password, use: ivr staff reset {name}")
        account = StaffAccount(name=name, totp_last_step=0)
        token = _start_over(account, now, password)
        session.add(account)
    return token


def reset(database: Database, name: str, now: datetime, password: str | None = None) -> str | None:
    """A new password (or sign-up link) and a new authenticator, and every browser signed out."""
    with database.transaction() as session:
        account = _existing(session, name)
        if password is not None:
            checked_password(password, account.name)
        return _start_over(account, now, password)


def remove(database: Database, name: str) -> None:
    with database.transaction() as session:
        session.delete(_existing(session, name))


def sign_out_everywhere(database: Database, token: str) -> None:
    """A new session token: every cookie that names the old one no longer signs anyone in."""
    with database.transaction() as session:
        account = by_session_token(session, token)
        if account:
            account.session_token = secrets.token_urlsafe(32)


def reset_hash(database: Database, account_id: int, password: str) -> None:
    """The same password, hashed again with today's settings."""
    with database.transaction() as session:
        session.get(StaffAccount, account_id).password_hash = passwords.hash_password(password)


def _existing(session, name: str) -> StaffAccount:
    account = find(session, name)
    if account is None:
        raise AccountError(f"There is no account called {plain_name(name)}. See them all with: ivr staff list")
    return account


@dataclass(frozen=True)
class Listing:
    name: str
    state: str  # "ready", "sign-up link sent", "waiting for its authenticator"
    recovery_codes: int
    link_expires: datetime | None  # UTC, while a sign-up link is waiting


def listing(database: Database, now: datetime) -> list[Listing]:
    codes = (select(RecoveryCode.account_id, func.count().label("n")).group_by(RecoveryCode.account_id)
             .subquery())
    with database.transaction() as session:
        rows = session.execute(select(StaffAccount, codes.c.n)
                               .outerjoin(codes, codes.c.account_id == StaffAccount.id)
                               .order_by(StaffAccount.name)).all()
    out = []
    for account, n in rows:
        if account.password_hash is None:
            expires = account.signup_expires.replace(tzinfo=timezone.utc) if account.signup_expires else None
            live = expires is not None and expires > now
            out.append(Listing(account.name, "sign-up link sent" if live else "sign-up link expired", 0,
                               expires if live else None))
        else:
            out.append(Listing(account.name, "ready" if account.totp_secret else "waiting for its authenticator",
                               n or 0, None))
    return out


def by_sign_up_link(session, token: str, now: datetime) -> StaffAccount | None:
    """The account a sign-up link is for, while the link is unused and under 24 hours old."""
    account = session.scalar(select(StaffAccount).where(StaffAccount.signup_digest == digest(token)))
    if account is None or account.signup_expires is None or account.signup_expires <= db_time(now):
        return None
    return account


def set_password_from_link(database: Database, token: str, password: str, now: datetime) -> str | None:
    """Use a sign-up link (once): the account's session token, or None if the link no longer works."""
    with database.transaction() as session:
        account = by_sign_up_link(session, token, now)
        if account is None:
            return None
        checked_password(password, account.name)
        _start_over(account, now, password)
        return account.session_token


def recovery_codes_left(database: Database, token: str) -> int:
    with database.transaction() as session:
        return session.scalar(select(func.count()).select_from(RecoveryCode).join(StaffAccount)
                              .where(StaffAccount.session_token == token)) or 0



def sign_up_link(base: str, token: str) -> str:
    return base.rstrip("/") + SIGN_UP_PATH + token
