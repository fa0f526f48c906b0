"""The start: an empty database that later migrations build on.

Each part that keeps something (the adviser queue, staff accounts, usage figures) adds its
own migration with down_revision "0001"; `upgrade` applies every head.

Revision ID: 0001
"""
revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
