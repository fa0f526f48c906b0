"""The second factor: an authenticator app's six-digit codes (TOTP, RFC 6238, by pyotp), set up
with a QR code, and one-time recovery codes for when the phone is not at hand.
"""
from __future__ import annotations

import hmac
import secrets
from datetime import datetime

import pyotp
import segno
from sqlalchemy import delete, update

from ..store.accounts import RecoveryCode, StaffAccount
from ..store.database import Database
from .accounts import digest

ISSUER = "Keeping Safe line"  # what the authenticator app shows above the code
WINDOW = 1  # a code from the step before or after is accepted too: phone clocks drift
RECOVERY_CODES = 8
RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i to misread


def new_secret() -> str:
    return pyotp.random_base32()


def setup_link(secret: str, name: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=name, issuer_name=ISSUER)


def qr_svg(secret: str, name: str) -> str:
    """The set-up link as a QR code, as SVG to put straight in the page: nothing is fetched."""
    return segno.make(setup_link(secret, name), error="m").svg_inline(
        scale=5, dark="#000", light="#fff", title="QR code to scan with your authenticator app")


def spaced(secret: str) -> str:
    """The secret in groups of four, for typing into an app by hand."""
    return " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))


def plain_code(code: str) -> str:
    return "".join(code.split()).replace("-", "").lower()


def matching_step(secret: str, code: str, now: datetime, after: int = 0) -> int | None:
    """The time step whose code this is (within the window), if later than `after`; else None."""
    totp = pyotp.TOTP(secret)
    step = totp.timecode(now)
    for candidate in range(step - WINDOW, step + WINDOW + 1):
        if candidate > after and hmac.compare_digest(totp.generate_otp(candidate), code):
            return candidate
    return None


def new_recovery_codes() -> list[str]:
    codes = ["".join(secrets.choice(RECOVERY_ALPHABET) for _ in range(10)) for _ in range(RECOVERY_CODES)]
    return [f"{c[:5]}-{c[5:]}" for c in codes]


def check_code(database: Database, account_id: int, code: str, now: datetime) -> str | None:
    """Whether `code` signs this account in: "app" or "recovery code", or None.

    Each is good once, shared by every server: an app's code is refused once a code of the same
    or a later step has been used (RFC 6238, section 5.2), and a recovery code is deleted as it
    is used. Both are single UPDATE/DELETE statements, so two servers cannot both accept one.
    """
    code = plain_code(code)
    with database.transaction() as session:
        account = session.get(StaffAccount, account_id)
        if account is None or account.totp_secret is None:
            return None
        if code.isdigit() and len(code) == 6:
            step = matching_step(account.totp_secret, code, now, after=account.totp_last_step)
            if step is None:
                return None
            used = session.execute(update(StaffAccount).where(StaffAccount.id == account_id,
                                                              StaffAccount.totp_last_step < step)
                                   .values(totp_last_step=step))
            return "app" if used.rowcount == 1 else None
        gone = session.execute(delete(RecoveryCode).where(RecoveryCode.account_id == account_id,
                                                          RecoveryCode.digest == digest(code)))
        return "recovery code" if gone.rowcount == 1 else None


def enrol(database: Database, account_id: int, secret: str, code: str, now: datetime) -> list[str] | None:
    """Keep the app's secret once it has shown a right code; new recovery codes (shown once), or None."""
    step = matching_step(secret, plain_code(code), now)
    if step is None:
        return None
    codes = new_recovery_codes()
    with database.transaction() as session:
        account = session.get(StaffAccount, account_id)
        if account is None:
            return None
        account.totp_secret, account.totp_last_step = secret, step
        session.execute(delete(RecoveryCode).where(RecoveryCode.account_id == account_id))
        session.add_all(RecoveryCode(account_id=account_id, digest=digest(plain_code(c))) for c in codes)
    return codes

