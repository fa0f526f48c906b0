"""Staff accounts and the record of wrong guesses at signing in (ivr/web uses them, `ivr staff` keeps them).

An account holds its name and the secrets needed to check who is signing in: nothing else about
the person. A wrong guess is counted under a keyed hash of the name typed, and of the address it
came from, never either as typed: nothing there says where anyone was, or what they typed.
Times are UTC without a zone, the same on SQLite (which keeps no zone) and PostgreSQL.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, DateTime, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .models import Base

NAME_LENGTH = 64


class StaffAccount(Base):
    __tablename__ = "staff_accounts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(NAME_LENGTH), unique=True)  # lower case
    password_hash: Mapped[str | None] = mapped_column(String(255))  # Argon2id; None until sign-up
    totp_secret: Mapped[str | None] = mapped_column(String(64))  # None until the authenticator is set up
    totp_last_step: Mapped[int] = mapped_column(BigInteger, default=0)  # a code is good once (RFC 6238, 5.2)
    # What a signed-in browser's cookie names (Flask-Login's user id): a new one signs out everywhere.
    session_token: Mapped[str] = mapped_column(String(64), unique=True)
    signup_digest: Mapped[str | None] = mapped_column(String(64), unique=True)  # SHA-256 of the link's token
    signup_expires: Mapped[datetime | None] = mapped_column(DateTime)
    recovery_codes: Mapped[list[RecoveryCode]] = relationship(cascade="all, delete-orphan", passive_deletes=True)


class RecoveryCode(Base):
    """One unused recovery code, as its SHA-256 (the codes are random, so a fast hash is enough)."""
    __tablename__ = "staff_recovery_codes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("staff_accounts.id", ondelete="CASCADE"), index=True)
    digest: Mapped[str] = mapped_column(String(64))


class Guesses(Base):
    """Wrong guesses in a row under one key, and until when that key must wait."""
    __tablename__ = "staff_guesses"

    key: Mapped[str] = mapped_column(String(80), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer)
    last_failure: Mapped[datetime] = mapped_column(DateTime)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime)
