"""What every benchmark step shares: databases, the server environment, timing statistics."""

from __future__ import annotations

import hashlib
import json
import os
import platform
import statistics
import subprocess
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlparse, urlunparse

import psycopg

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src"
VAR = ROOT / "var" / "bench"
LOGS = VAR / "logs"
RESULTS = ROOT / "bench" / "results"
PYTHON = sys.executable
# The PostgreSQL server the benchmarks create their databases on (trust auth, loopback).
PG = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432/postgres")
EMPTY_DB = "estatedesk_bench_empty"
WORK_DB = "estatedesk_bench"
# One secret for every process of a run: sessions made by ``bench.prepare`` must be valid in
# the servers.
SECRET_KEY = os.environ.get(
    "BENCH_SECRET_KEY", "bench-" + hashlib.sha256(str(ROOT).encode()).hexdigest()
)


def db_url(name: str) -> str:
    parsed = urlparse(PG)
    if parsed.hostname not in {"127.0.0.1", "localhost", "::1"}:
        raise SystemExit("the benchmarks run against a PostgreSQL on this machine only")
    return urlunparse(parsed._replace(path=f"/{name}"))


def admin() -> psycopg.Connection[Any]:
    return psycopg.connect(db_url("postgres"), autocommit=True)


def exists(name: str) -> bool:
    with admin() as conn:
        row = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
    return row is not None


def comment(name: str) -> dict[str, Any]:
    """The JSON the benchmark stored as the database's comment (what it holds, when made)."""
    with admin() as conn:
        row = conn.execute(
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s",
            [name],
        ).fetchone()
    if not row or not row[0]:
        return {}
    try:
        value = json.loads(row[0])
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def set_comment(name: str, value: dict[str, Any]) -> None:
    with admin() as conn:
        text = json.dumps(value, sort_keys=True).replace("'", "''")
        conn.execute(f"COMMENT ON DATABASE \"{name}\" IS '{text}'")


def drop(name: str) -> None:
    with admin() as conn:
        conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", [name]
        )
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')


def clone(template: str, name: str) -> None:
    """``name`` as a file copy of ``template`` (far faster than reloading it)."""
    drop(name)
    with admin() as conn:
        # PostgreSQL 15 copies through the WAL by default (WAL_LOG): gigabytes of WAL for a
        # large template; FILE_COPY copies the files after one checkpoint.
        strategy = " STRATEGY FILE_COPY" if conn.info.server_version >= 150000 else ""
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"{strategy}')


def size(name: str) -> int:
    with admin() as conn:
        row = conn.execute("SELECT pg_database_size(%s)", [name]).fetchone()
    return int(row[0]) if row else 0


def env(database: str, **extra: str) -> dict[str, str]:
    """The environment of an ``estatedesk`` process on ``database``: production settings
    (DEBUG off, a secret key, loopback hosts), no scheduler thread (jobs are timed apart)."""
    VAR.mkdir(parents=True, exist_ok=True)
    values = dict(os.environ)
    values.update(
        {
            "DATABASE_URL": db_url(database),
            "ESTATEDESK_VAR_DIR": str(VAR),
            "DEBUG": "false",
            "SECRET_KEY": SECRET_KEY,
            "ALLOWED_HOSTS": "127.0.0.1",
            "SCHEDULER_ENABLED": "false",
            "LOG_LEVEL": "WARNING",
            "PYTHONPATH": os.pathsep.join(p for p in (str(SRC), str(ROOT)) if p),
        }
    )
    values.update(extra)
    return values


def estatedesk(database: str, *args: str, log: Path | None = None) -> str:
    """Run an ``estatedesk`` command on ``database``; its output (raises on failure)."""
    command = [PYTHON, "-m", "estatedesk.cli", *args]
    result = subprocess.run(command, env=env(database), capture_output=True, text=True, cwd=ROOT)
    if log is not None:
        log.parent.mkdir(parents=True, exist_ok=True)
        log.write_text(result.stdout + result.stderr, encoding="utf-8")
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


def estatedesk_module(database: str, module: str, *args: str) -> str:
    """Run ``python -m <module>`` (a bench module that sets up Django) on ``database``."""
    result = subprocess.run(
        [PYTHON, "-m", module, *args], env=env(database), capture_output=True, text=True, cwd=ROOT
    )
    if result.returncode != 0:
        raise RuntimeError(f"{module} failed:\n{result.stdout}\n{result.stderr}")
    return result.stdout


def fingerprint(paths: Iterable[Path], *extra: str) -> str:
    digest = hashlib.sha256()
    for path in sorted(paths):
        digest.update(str(path.relative_to(ROOT)).encode())
        digest.update(path.read_bytes())
    for item in extra:
        digest.update(item.encode())
    return digest.hexdigest()[:16]


def migrations_fingerprint() -> str:
    return fingerprint(SRC.glob("estatedesk/*/migrations/*.py"))


def percentile(values: Sequence[float], pct: float) -> float:
    """Nearest-rank percentile (no interpolation) of ``values``."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, min(len(ordered), round(pct / 100 * len(ordered) + 0.5)))
    return ordered[rank - 1]


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else float("nan")


def machine() -> dict[str, Any]:
    """What the figures were measured on."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                memory = f"{int(line.split()[1]) / 1024 / 1024:.0f} GB"
                break
    except OSError:
        pass
    with admin() as conn:
        version = conn.execute("SHOW server_version").fetchone()
        buffers = conn.execute("SHOW shared_buffers").fetchone()
    return {
        "cpu": cpu,
        "cores": os.cpu_count() or 0,
        "memory": memory,
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "postgresql": version[0] if version else "?",
        "shared_buffers": buffers[0] if buffers else "?",
        "load": " ".join(f"{x:.1f}" for x in os.getloadavg()),
    }
