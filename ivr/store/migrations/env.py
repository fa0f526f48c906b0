"""Alembic's entry point: migrate over the connection `Database.upgrade` hands in."""
from alembic import context

from ivr.store.models import Base

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations with `ivr db upgrade`, which connects to DATABASE_URL")
context.configure(connection=connection, target_metadata=Base.metadata,
                  render_as_batch=True)  # SQLite alters a table by copying it; batch mode does that
with context.begin_transaction():
    context.run_migrations()
