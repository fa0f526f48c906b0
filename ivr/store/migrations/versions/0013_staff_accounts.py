"""Staff accounts, their recovery codes, and wrong guesses at signing in (ivr/store/accounts.py).

Revision ID: 0013
Revises: 0001
"""
import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "staff_accounts",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("password_hash", sa.String(255)),
        sa.Column("totp_secret", sa.String(64)),
        sa.Column("totp_last_step", sa.BigInteger, nullable=False),
        sa.Column("session_token", sa.String(64), nullable=False),
        sa.Column("signup_digest", sa.String(64)),
        sa.Column("signup_expires", sa.DateTime),
        sa.PrimaryKeyConstraint("id", name="pk_staff_accounts"),
        sa.UniqueConstraint("name", name="uq_staff_accounts_name"),
        sa.UniqueConstraint("session_token", name="uq_staff_accounts_session_token"),
        sa.UniqueConstraint("signup_digest", name="uq_staff_accounts_signup_digest"),
    )
    op.create_table(
        "staff_recovery_codes",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("account_id", sa.Integer, nullable=False),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_staff_recovery_codes"),
        sa.ForeignKeyConstraint(["account_id"], ["staff_accounts.id"], ondelete="CASCADE",
                                name="fk_staff_recovery_codes_account_id"),
    )
    op.create_index("ix_staff_recovery_codes_account_id", "staff_recovery_codes", ["account_id"])
    op.create_table(
        "staff_guesses",
        sa.Column("key", sa.String(80), nullable=False),
        sa.Column("failures", sa.Integer, nullable=False),
        sa.Column("last_failure", sa.DateTime, nullable=False),
        sa.Column("locked_until", sa.DateTime),
        sa.PrimaryKeyConstraint("key", name="pk_staff_guesses"),
    )


def downgrade() -> None:
    op.drop_table("staff_guesses")
    op.drop_index("ix_staff_recovery_codes_account_id", "staff_recovery_codes")
    op.drop_table("staff_recovery_codes")
    op.drop_table("staff_accounts")
