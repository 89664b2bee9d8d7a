"""Backups: ``bangfu backup PATH`` and ``bangfu restore PATH`` — the database (SQLite or PostgreSQL) and
the media folder in one verified ``.tar.gz``. Not a Django app: no models, nothing to install."""
