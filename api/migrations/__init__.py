"""Alembic migrations of Guilu's schema (run them with ``guilu db upgrade``; see :mod:`api.migrate`)."""
