"""The line's database: SQLAlchemy tables, Alembic migrations, and one `Database` per app.

A SQLite file by default (one server), PostgreSQL when DATABASE_URL is set (several servers).
Imports only the settings. Nothing about a caller (number, call SID, country) is ever written here.
"""
