"""Database faults under load (``make chaos``): the PostgreSQL under a running server crashes and
restarts, twice (``pg_ctl stop -m immediate``, then ``-m fast``), while clients create tickets
through the API and read an API list and a staff page.

    .venv/bin/python scripts/chaos/db_faults.py [--outage 5] [--faults 2]

Only a throwaway cluster of its own (port 5498 under /tmp) is stopped, never a shared server.
What must hold: while the database is away every request answers at once with a 503 (API: JSON
``{"code": "service_unavailable", "detail"}``; pages: an HTML page) and a ``Retry-After``, never
a 500 or a hang; when it is back the server recovers by itself (no restart), the API clients'
retried creates succeed, nothing is lost or duplicated and ``check-integrity`` passes. Numbers go
to ``var/chaos/db_faults.json``; exit code 1 when a rule was broken.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

import harness
import requests
from pgcluster import Cluster

ROOT = Path(__file__).resolve().parents[2]


class Recorder:
    """Every answer with its time, for the analysis of the outage windows."""

    def __init__(self) -> None:
        self.rows: list[dict[str, Any]] = []
        self.lock = threading.Lock()

    def add(
        self, kind: str, began: float, response: requests.Response | None, error: str = ""
    ) -> None:
        row: dict[str, Any] = {"kind": kind, "t": began, "status": None, "error": error}
        if response is not None:
            row["status"] = response.status_code
            row["type"] = response.headers.get("Content-Type", "")
            row["retry_after"] = response.headers.get("Retry-After", "")
            row["seconds"] = round(time.monotonic() - began, 3)
            if response.status_code >= 500:
                row["body"] = response.text[:300]
        with self.lock:
            self.rows.append(row)


def login_cookie(base: str, username: str, password: str) -> str:
    """A session cookie for a staff page. The cookies are Secure (DEBUG off) and this is plain
    HTTP on loopback, so they are carried by hand instead of by the cookie jar."""
    page = requests.get(f"{base}/login/", timeout=10)
    csrf = page.cookies.get("csrftoken", "")
    answer = requests.post(
        f"{base}/login/",
        data={"username": username, "password": password, "csrfmiddlewaretoken": csrf},
        headers={"Cookie": f"csrftoken={csrf}", "Referer": f"{base}/login/"},
        allow_redirects=False,
        timeout=10,
    )
    session = answer.cookies.get("sessionid")
    if answer.status_code != 302 or not session:
        raise RuntimeError(f"login failed: {answer.status_code} {answer.text[:300]}")
    return f"sessionid={session}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--faults", type=int, default=2)
    parser.add_argument("--outage", type=float, default=5.0, help="seconds the database is down")
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--pg-port", type=int, default=5498)
    parser.add_argument("--recovery-limit", type=float, default=15.0)
    parser.add_argument("--out", type=Path, default=ROOT / "var" / "chaos" / "db_faults.json")
    args = parser.parse_args(argv)

    work = Path(tempfile.mkdtemp(prefix="estatedesk-dbfaults-"))
    cluster = Cluster(
        directory=Path(tempfile.gettempdir()) / "estatedesk-chaos-pg-faults", port=args.pg_port
    )
    cluster.init()
    cluster.start()
    cluster.create_database()
    env = harness.production_env(database_url=cluster.url, var_dir=work)
    server = harness.Server(env=env, port=harness.free_port(), log_path=work / "server.log")
    recorder = Recorder()
    stats = harness.LoadStats()
    windows: list[dict[str, Any]] = []
    stop = threading.Event()
    try:
        import setup_db

        setup_db.migrate(env)
        prepared = setup_db.prepare(database_url=cluster.url, var_dir=work)
        server.start()
        cookie = login_cookie(server.base, prepared.username, prepared.password)
        auth = {"Authorization": f"Bearer {prepared.token}"}
        deadline = time.monotonic() + 120 + args.faults * (args.outage + args.recovery_limit)

        def creator() -> None:
            session = requests.Session()
            while not stop.is_set():
                key = str(uuid.uuid4())
                with stats.lock:
                    stats.planned += 1
                harness._create_with_retries(
                    session, server, prepared.token, prepared.site_id, key, stats, deadline
                )

        def reader(kind: str, url: str, headers: dict[str, str]) -> None:
            session = requests.Session()
            while not stop.is_set() and time.monotonic() < deadline:
                began = time.monotonic()
                try:
                    response = session.get(url, headers=headers, timeout=15, allow_redirects=False)
                except requests.RequestException as exc:
                    recorder.add(kind, began, None, type(exc).__name__)
                else:
                    recorder.add(kind, began, response)
                time.sleep(0.05)

        threads = [threading.Thread(target=creator) for _ in range(args.clients // 2 or 1)]
        threads += [
            threading.Thread(
                target=reader, args=("api", f"{server.base}/api/v1/tickets/?limit=5", auth)
            ),
            threading.Thread(
                target=reader, args=("page", f"{server.base}/tickets/", {"Cookie": cookie})
            ),
        ]
        for thread in threads:
            thread.start()
        time.sleep(3)
        for n in range(args.faults):
            mode = "immediate" if n % 2 == 0 else "fast"
            down = time.monotonic()
            cluster.stop(mode=mode)
            time.sleep(args.outage)
            cluster.start()
            up = time.monotonic()
            windows.append({"mode": mode, "down": down, "up": up})
            time.sleep(args.recovery_limit)
        stop.set()
        for thread in threads:
            thread.join(timeout=60)
        server.stop()
        from django.db import connection

        connection.close()  # this process's connection died with the first restart
        tickets = harness.verify_tickets(site_id=prepared.site_id, stats=stats)
        integrity = harness.check_integrity(env)
    finally:
        stop.set()
        server.stop()
        cluster.destroy()

    result = analyse(recorder.rows, windows, args.recovery_limit)
    result["creates"] = stats.as_dict()
    unexpected = sorted(set(stats.statuses) - {201, 503})
    if unexpected:
        result["failures"].append(f"ticket creates answered {unexpected}")
    result["tickets"] = tickets
    result["integrity"] = integrity
    ok = (
        result["failures"] == []
        and tickets["lost"] == 0
        and tickets["duplicated"] == 0
        and stats.as_dict()["given_up"] == 0
        and integrity.get("exit_code") == 0
    )
    result["ok"] = ok
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, ensure_ascii=False, indent=2))
    print(
        f"db_faults: {len(windows)} database restarts, {result['requests']} reads "
        f"({result['during_outage']} during outages: {result['outage_statuses']}), "
        f"recovered in {result['recovery_seconds']} s, {stats.as_dict()['acked']} tickets created "
        f"(statuses {stats.as_dict()['statuses']}), lost {tickets['lost']}, "
        f"duplicated {tickets['duplicated']}, integrity exit {integrity.get('exit_code')} "
        f"-> {'OK' if ok else 'FAILED: ' + '; '.join(result['failures'][:5])} ({args.out})"
    )
    return 0 if ok else 1


JSON_503 = re.compile(r'"code":\s*"service_unavailable"')


def analyse(rows: list[dict[str, Any]], windows: list[dict[str, Any]], limit: float) -> dict:
    failures: list[str] = []
    statuses: Counter[str] = Counter()
    outage: Counter[str] = Counter()
    during = 0
    for row in rows:
        label = f"{row['kind']}:{row['status'] or row['error']}"
        statuses[label] += 1
        in_outage = any(w["down"] + 0.5 <= row["t"] <= w["up"] for w in windows)
        if in_outage:
            during += 1
            outage[label] += 1
        status = row["status"]
        if status is None:
            failures.append(f"{row['kind']} request failed without an answer: {row['error']}")
        elif status >= 500 and status != 503:
            failures.append(f"{row['kind']} answered {status}: {row.get('body', '')[:120]}")
        elif status == 503:
            if not row.get("retry_after"):
                failures.append(f"{row['kind']} 503 without Retry-After")
            if row["kind"] == "api" and not JSON_503.search(row.get("body", "")):
                failures.append(f"api 503 without the JSON error: {row.get('body', '')[:120]}")
            if row["kind"] == "page" and "text/html" not in row.get("type", ""):
                failures.append(f"page 503 is not an HTML page: {row.get('type')}")
        elif status not in (200,):
            failures.append(f"{row['kind']} answered {status}")
    recovery: list[float | None] = []
    for window in windows:
        for kind in ("api", "page"):
            after = [
                r["t"] - window["up"]
                for r in rows
                if r["kind"] == kind and r["t"] >= window["up"] and r["status"] == 200
            ]
            seconds = round(min(after), 2) if after else None
            recovery.append(seconds)
            if seconds is None or seconds > limit:
                failures.append(f"{kind} did not recover within {limit} s after the restart")
    return {
        "requests": len(rows),
        "statuses": dict(sorted(statuses.items())),
        "during_outage": during,
        "outage_statuses": dict(sorted(outage.items())),
        "recovery_seconds": recovery,
        "windows": [
            {"mode": w["mode"], "down_seconds": round(w["up"] - w["down"], 2)} for w in windows
        ],
        "failures": sorted(set(failures)),
    }


if __name__ == "__main__":
    sys.exit(main())
