"""Exit 0 when the PostgreSQL of the given URL answers within 3 seconds."""

import sys

import dj_database_url
import psycopg

cfg = dj_database_url.parse(sys.argv[1])
try:
    psycopg.connect(
        host=cfg["HOST"] or "127.0.0.1", port=cfg["PORT"] or 5432, user=cfg["USER"],
        dbname=cfg["NAME"], password=cfg["PASSWORD"] or None, connect_timeout=3,
    ).close()
except psycopg.Error as exc:
    print(f"PostgreSQL: {exc}".strip())
    sys.exit(1)
