"""Benchmark databases: ``python -m bench.generate --tickets N [--sites S] [--fresh]``.

A thin wrapper around ``estatedesk bench-data`` (the generator lives in
``estatedesk.core.benchdata`` so the installed package has it): it makes the database
``estatedesk_bench_t<N>`` from a migrated empty one, generates N tickets, fills the report
tables (``estatedesk reports-rollup --all``), runs VACUUM ANALYZE and records in the database's
comment what it holds and how long each step took. ``make bench`` clones that database for
its workloads, so a database made in the last 24 hours by the same code is reused unless
``--fresh`` (``BENCH_FRESH=1``).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import subprocess
import time
from collections.abc import Callable
from typing import Any

import psycopg

from bench import common

MAX_AGE = dt.timedelta(hours=24)
ROLLUP_PARTS = 2


def template_name(tickets: int) -> str:
    return f"estatedesk_bench_t{tickets}"


def ensure_empty(log: Callable[[str], None] = print) -> None:
    """The migrated empty database every benchmark database is cloned from."""
    wanted = common.migrations_fingerprint()
    if (
        common.exists(common.EMPTY_DB)
        and common.comment(common.EMPTY_DB).get("migrations") == wanted
    ):
        return
    log(f"migrating {common.EMPTY_DB} ...")
    started = time.perf_counter()
    common.drop(common.EMPTY_DB)
    with common.admin() as conn:
        conn.execute(f'CREATE DATABASE "{common.EMPTY_DB}"')
    common.estatedesk(common.EMPTY_DB, "migrate", "--no-input", "-v0")
    common.set_comment(common.EMPTY_DB, {"migrations": wanted})
    log(f"migrated in {time.perf_counter() - started:.0f} s")


def data_fingerprint(tickets: int, sites: int | None) -> str:
    code = [
        common.SRC / "estatedesk/core/benchdata.py",
        common.SRC / "estatedesk/core/management/commands/bench_data.py",
        *common.SRC.glob("estatedesk/reports/rollups.py"),
        common.ROOT / "bench/rollup.py",
    ]
    return common.fingerprint(code, common.migrations_fingerprint(), str(tickets), str(sites))


def ensure(
    tickets: int,
    *,
    sites: int | None = None,
    fresh: bool = False,
    log: Callable[[str], None] = print,
) -> dict[str, Any]:
    """The benchmark database of ``tickets`` tickets, made now or reused; what it holds."""
    name = template_name(tickets)
    wanted = data_fingerprint(tickets, sites)
    if not fresh and common.exists(name):
        info = common.comment(name)
        made = info.get("generated_at")
        if info.get("fingerprint") == wanted and made:
            age = dt.datetime.now(dt.UTC) - dt.datetime.fromisoformat(made)
            if age < MAX_AGE:
                log(f"reusing {name} (generated {age.total_seconds() / 3600:.1f} h ago)")
                return {**info, "reused": True}
    ensure_empty(log)
    common.clone(common.EMPTY_DB, name)
    log(f"generating {tickets:,} tickets into {name} ...")
    args = ["bench-data", "--tickets", str(tickets)]
    if sites:
        args += ["--sites", str(sites)]
    started = time.perf_counter()
    summary = _stream(name, args, log)
    generate_s = time.perf_counter() - started
    log(f"report tables (reports.rollups.rebuild_all, {ROLLUP_PARTS} processes) ...")
    started = time.perf_counter()
    try:
        _rollups(name, log)
        rollup_s: float | None = time.perf_counter() - started
    except RuntimeError as exc:  # the reports app may be unfinished
        log(f"report tables failed: {exc}")
        rollup_s = None
    started = time.perf_counter()
    with psycopg.connect(common.db_url(name), autocommit=True) as conn:
        conn.execute("VACUUM (ANALYZE)")
    vacuum_s = time.perf_counter() - started
    info = {
        "fingerprint": wanted,
        "tickets": tickets,
        "generated_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "generate_s": round(generate_s, 1),
        "rollup_s": round(rollup_s, 1) if rollup_s is not None else None,
        "vacuum_s": round(vacuum_s, 1),
        "size_bytes": common.size(name),
        "summary": summary,
    }
    common.set_comment(name, info)
    log(
        f"{name}: {tickets:,} tickets generated in {generate_s:,.0f} s, report tables "
        f"{rollup_s or 0:,.0f} s, VACUUM ANALYZE {vacuum_s:,.0f} s, "
        f"{info['size_bytes'] / 2**30:.1f} GiB"
    )
    return {**info, "reused": False}


def _rollups(database: str, log: Callable[[str], None]) -> None:
    """``bench.rollup`` in ``ROLLUP_PARTS`` processes over disjoint sites."""
    common.LOGS.mkdir(parents=True, exist_ok=True)
    processes = [
        subprocess.Popen(
            [common.PYTHON, "-m", "bench.rollup", "--part", str(k), "--parts", str(ROLLUP_PARTS)],
            env=common.env(database),
            cwd=common.ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for k in range(ROLLUP_PARTS)
    ]
    failed = []
    for process in processes:
        output, _ = process.communicate()
        lines = output.strip().splitlines()
        if process.returncode != 0:
            failed.append("\n".join(lines[-5:]))
        elif lines:
            log(f"  {lines[-1]}")
    if failed:
        raise RuntimeError("\n".join(failed))


def _stream(database: str, args: list[str], log: Callable[[str], None]) -> list[str]:
    """Run an ``estatedesk`` command showing its progress; its summary lines."""
    common.LOGS.mkdir(parents=True, exist_ok=True)
    process = subprocess.Popen(
        [common.PYTHON, "-m", "estatedesk.cli", *args],
        env=common.env(database),
        cwd=common.ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert process.stdout is not None
    lines: list[str] = []
    for line in process.stdout:
        line = line.rstrip()
        lines.append(line)
        if line.startswith("[0]") or not line.startswith("["):
            log(f"  {line}")
    if process.wait() != 0:
        raise RuntimeError("bench-data failed:\n" + "\n".join(lines[-30:]))
    return [line for line in lines if line.startswith(("company ", "  "))][:3] + [
        line for line in lines if "tickets (" in line
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tickets", type=int, default=20_000)
    parser.add_argument("--sites", type=int, default=0)
    parser.add_argument("--fresh", action="store_true", default=bool(os.environ.get("BENCH_FRESH")))
    args = parser.parse_args()
    ensure(args.tickets, sites=args.sites or None, fresh=args.fresh)


if __name__ == "__main__":
    main()
