"""Usage figures: day totals, and each week's totals per hour of the week (issue 14).

No column can hold a caller's number, a call SID or a time finer than the day; the tables have
no row numbers (WITHOUT ROWID on SQLite), so nothing keeps the order in which rows were written.

Revision ID: 0014
"""
import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "figures_days",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("what", sa.String(20), nullable=False),
        sa.Column("name", sa.String(60), nullable=False),
        sa.Column("count", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("day", "what", "name", name="pk_figures_days"),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "figures_hours",
        sa.Column("week", sa.Date(), nullable=False),
        sa.Column("weekday", sa.SmallInteger(), nullable=False),
        sa.Column("hour", sa.SmallInteger(), nullable=False),
        sa.Column("what", sa.String(20), nullable=False),
        sa.Column("count", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("week", "weekday", "hour", "what", name="pk_figures_hours"),
        sqlite_with_rowid=False,
    )


def downgrade() -> None:
    op.drop_table("figures_hours")
    op.drop_table("figures_days")
