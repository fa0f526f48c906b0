"""Callers waiting for an adviser, and the calls to advisers' phones (ivr/store/waits.py).

No column holds anything of the caller's: the token is random, the call SIDs are the advisers'.

Revision ID: 0010
"""
import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "adviser_waits",
        sa.Column("token", sa.String(32), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("outcome", sa.String(32), nullable=True),
        sa.Column("started", sa.Float, nullable=False),
        sa.Column("ringing_since", sa.Float, nullable=True),
        sa.Column("queue_sid", sa.String(34), nullable=True),
        sa.Column("winner", sa.Integer, nullable=True),
        sa.Column("problem", sa.String(200), nullable=True),
        sa.PrimaryKeyConstraint("token", name="pk_adviser_waits"),
    )
    op.create_index("ix_adviser_waits_started", "adviser_waits", ["started"])
    op.create_table(
        "adviser_legs",
        sa.Column("token", sa.String(32), nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("call_sid", sa.String(34), nullable=True),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=True),
        sa.ForeignKeyConstraint(["token"], ["adviser_waits.token"], name="fk_adviser_legs_token",
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("token", "position", name="pk_adviser_legs"),
    )


def downgrade() -> None:
    op.drop_table("adviser_legs")
    op.drop_index("ix_adviser_waits_started", table_name="adviser_waits")
    op.drop_table("adviser_waits")
