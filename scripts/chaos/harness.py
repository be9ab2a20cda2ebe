"""Chaos harness: a real ``estatedesk serve`` (gunicorn) on loopback, API clients that retry with
an ``Idempotency-Key``, SIGKILLs of the server's processes mid-load, and the checks afterwards.

Used by ``scripts/chaos/crash_load.py`` and ``scripts/chaos/db_faults.py`` (``make chaos``) and by
the bounded versions in ``tests/reliability/`` (``make test``, PostgreSQL only). Traffic goes to
127.0.0.1 only; every loop is bounded in count and time.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import requests

DESCRIPTION_PREFIX = "chaos load "
ESTATEDESK = str(Path(sys.executable).with_name("estatedesk"))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def database_url(settings_dict: dict[str, Any]) -> str:
    """A ``postgres://`` URL for Django's connection settings (e.g. the pytest test database)."""
    user = quote(settings_dict.get("USER") or "")
    password = settings_dict.get("PASSWORD") or ""
    auth = f"{user}:{quote(password)}@" if password else (f"{user}@" if user else "")
    host = settings_dict.get("HOST") or "127.0.0.1"
    port = settings_dict.get("PORT") or 5432
    return f"postgres://{auth}{host}:{port}/{settings_dict['NAME']}"


def production_env(
    *, database_url: str, var_dir: Path, extra: dict[str, str] | None = None
) -> dict:
    """The environment of a production-like server: DEBUG off, a real secret, one host."""
    env = dict(os.environ)
    env.update(
        {
            "DEBUG": "false",
            "SECRET_KEY": secrets.token_urlsafe(48),
            "ALLOWED_HOSTS": "127.0.0.1",
            "SECURE_SSL_REDIRECT": "false",  # plain HTTP on loopback; TLS is the proxy's job
            "DATABASE_URL": database_url,
            "ESTATEDESK_VAR_DIR": str(var_dir),
            "SCHEDULER_ENABLED": "true",
            "SCHEDULER_INTERVAL_SECONDS": "2",
            "LOG_LEVEL": "WARNING",
            "AXES_FAILURE_LIMIT": "1000",
        }
    )
    env.pop("DJANGO_SETTINGS_MODULE", None)
    env.update(extra or {})
    return env


class Server:
    """``estatedesk serve`` in its own process group, so one ``killpg`` takes every process."""

    def __init__(
        self, *, env: dict[str, str], port: int, log_path: Path, workers: int = 2, threads: int = 4
    ) -> None:
        self.env = env
        self.port = port
        self.log_path = log_path
        self.workers = workers
        self.threads = threads
        self.proc: subprocess.Popen[bytes] | None = None
        self.starts = 0
        self.restart_seconds: list[float] = []

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, *, timeout: float = 60) -> float:
        began = time.monotonic()
        log = self.log_path.open("ab")
        self.proc = subprocess.Popen(  # noqa: S603 - fixed argv, no shell
            [
                ESTATEDESK,
                "serve",
                "--bind",
                f"127.0.0.1:{self.port}",
                "--workers",
                str(self.workers),
                "--threads",
                str(self.threads),
            ],
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        self.starts += 1
        self.wait_ready(timeout=timeout)
        return time.monotonic() - began

    def wait_ready(self, *, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc is not None and self.proc.poll() is not None:
                raise RuntimeError(
                    f"server exited with {self.proc.returncode}: see {self.log_path}"
                )
            try:
                if requests.get(f"{self.base}/api/v1/openapi.json", timeout=2).status_code == 200:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"server not ready after {timeout} s: see {self.log_path}")

    def _pids(self) -> list[int]:
        """Every live process of the server's process group."""
        assert self.proc is not None
        pgid = self.proc.pid
        found = []
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            fields = stat.rsplit(")", 1)[1].split()
            if int(fields[2]) == pgid and fields[0] != "Z":  # fields: state ppid pgrp
                found.append(int(entry.name))
        return found

    def worker_pids(self) -> list[int]:
        """gunicorn's workers: the processes of the group whose parent is not the serve command."""
        assert self.proc is not None
        pids = set(self._pids())
        workers = []
        for pid in pids:
            try:
                ppid = int(
                    (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[1]
                )
            except (OSError, IndexError):
                continue
            if ppid in pids and ppid != self.proc.pid:
                workers.append(pid)
        return workers

    def kill_all(self) -> int:
        """SIGKILL the whole group (serve, its scheduler thread, gunicorn master and workers)."""
        assert self.proc is not None
        victims = len(self._pids())
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=30)
        deadline = time.monotonic() + 30
        while self._pids() and time.monotonic() < deadline:
            time.sleep(0.05)
        return victims

    def kill_workers(self) -> int:
        """SIGKILL gunicorn's workers only; the master forks new ones."""
        victims = self.worker_pids()
        for pid in victims:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        return len(victims)

    def restart(self) -> None:
        self.kill_all()
        self.restart_seconds.append(self.start())

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.kill_all()


@dataclass
class LoadStats:
    planned: int = 0
    requests: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    connection_errors: int = 0
    retries: int = 0
    acked_after_retry: int = 0  # 201 answers that needed more than one attempt
    acked: dict[str, int] = field(default_factory=dict)  # Idempotency-Key -> ticket id
    refused: dict[str, str] = field(default_factory=dict)  # key -> unexpected 4xx answer
    given_up: list[str] = field(default_factory=list)
    kills: list[dict[str, Any]] = field(default_factory=list)
    seconds: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def as_dict(self) -> dict[str, Any]:
        return {
            "planned": self.planned,
            "requests": self.requests,
            "statuses": {str(k): v for k, v in sorted(self.statuses.items())},
            "server_errors_5xx": sum(v for k, v in self.statuses.items() if k >= 500),
            "connection_errors": self.connection_errors,
            "retries": self.retries,
            "acked_after_retry": self.acked_after_retry,
            "acked": len(self.acked),
            "refused": len(self.refused),
            "refused_samples": list(self.refused.items())[:5],
            "given_up": len(self.given_up),
            "kills": self.kills,
            "seconds": round(self.seconds, 1),
        }


def ticket_body(site_id: int, key: str) -> dict[str, Any]:
    return {
        "site_id": site_id,
        "kind": "repair",
        "channel": "hotline",
        "description": f"{DESCRIPTION_PREFIX}{key}",
        "reporter_name": "压测住户",
        "reporter_phone": "13800000000",
        "location_text": "1栋1201",
    }


def _create_with_retries(
    session: requests.Session,
    server: Server,
    token: str,
    site_id: int,
    key: str,
    stats: LoadStats,
    deadline: float,
) -> None:
    """POST one ticket until the server answers it: connection errors and 5xx are retried with
    the same key (backoff 0.1 s doubling to 2 s); the first 201 is the acknowledgement."""
    delay = 0.1
    attempts = 0
    while time.monotonic() < deadline:
        attempts += 1
        try:
            response = session.post(
                f"{server.base}/api/v1/tickets/",
                json=ticket_body(site_id, key),
                headers={"Authorization": f"Bearer {token}", "Idempotency-Key": key},
                timeout=15,
            )
        except requests.RequestException:
            with stats.lock:
                stats.requests += 1
                stats.connection_errors += 1
                stats.retries += 1
            time.sleep(delay)
            delay = min(delay * 2, 2.0)
            continue
        with stats.lock:
            stats.requests += 1
            stats.statuses[response.status_code] += 1
        if response.status_code == 201:
            with stats.lock:
                stats.acked[key] = int(response.json()["id"])
                if attempts > 1:
                    stats.acked_after_retry += 1
            return
        if response.status_code >= 500:
            with stats.lock:
                stats.retries += 1
            time.sleep(delay)
            delay = min(delay * 2, 2.0)
            continue
        with stats.lock:
            stats.refused[key] = f"{response.status_code} {response.text[:200]}"
        return
    with stats.lock:
        stats.given_up.append(key)


def run_load(
    *,
    server: Server,
    token: str,
    site_id: int,
    tickets: int,
    clients: int,
    kills: int,
    max_seconds: float,
    on_kill: Callable[[Server, int], dict[str, Any]] | None = None,
) -> LoadStats:
    """Create ``tickets`` tickets from ``clients`` threads; ``kills`` times, when another
    ``tickets / (kills + 1)`` are acknowledged, kill the server's processes (alternately the
    whole group, restarted, and gunicorn's workers only, respawned by the master)."""
    stats = LoadStats(planned=tickets)
    keys = [str(uuid.uuid4()) for _ in range(tickets)]
    queue_lock = threading.Lock()
    began = time.monotonic()
    deadline = began + max_seconds
    done = threading.Event()

    def client() -> None:
        session = requests.Session()
        while True:
            with queue_lock:
                if not keys:
                    return
                key = keys.pop()
            _create_with_retries(session, server, token, site_id, key, stats, deadline)

    def killer() -> None:
        for n in range(kills):
            threshold = tickets * (n + 1) // (kills + 1)
            while len(stats.acked) < threshold:
                if done.is_set() or time.monotonic() > deadline:
                    return
                time.sleep(0.01)
            action = on_kill or default_kill
            record = action(server, n)
            record["after_acked"] = len(stats.acked)
            with stats.lock:
                stats.kills.append(record)

    threads = [threading.Thread(target=client, name=f"client-{i}") for i in range(clients)]
    killer_thread = threading.Thread(target=killer, name="killer")
    killer_thread.start()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    done.set()
    killer_thread.join()
    stats.seconds = time.monotonic() - began
    return stats


def default_kill(server: Server, n: int) -> dict[str, Any]:
    if n % 2 == 0:
        victims = server.kill_all()
        began = time.monotonic()
        server.start()
        return {
            "kind": "all",
            "processes": victims,
            "restart_s": round(time.monotonic() - began, 2),
        }
    return {"kind": "workers", "processes": server.kill_workers()}


def verify_tickets(*, site_id: int, stats: LoadStats) -> dict[str, Any]:
    """Every acknowledged ticket exists exactly once; no key made two tickets (Django ORM)."""
    from estatedesk.tickets.models import Ticket

    rows = list(
        Ticket.objects.filter(site_id=site_id, description__startswith=DESCRIPTION_PREFIX)
        .order_by("pk")
        .values_list("pk", "description")
    )
    per_key = Counter(description.removeprefix(DESCRIPTION_PREFIX) for _pk, description in rows)
    by_id = {pk: description.removeprefix(DESCRIPTION_PREFIX) for pk, description in rows}
    lost = sorted(key for key, pk in stats.acked.items() if by_id.get(pk) != key)
    duplicated = sorted(key for key, n in per_key.items() if n > 1)
    unacknowledged = sorted(set(per_key) - set(stats.acked))
    return {
        "tickets_in_db": len(rows),
        "acked": len(stats.acked),
        "lost": len(lost),
        "lost_samples": lost[:5],
        "duplicated": len(duplicated),
        "duplicated_samples": duplicated[:5],
        "created_but_not_acked": len(unacknowledged),
    }


def check_integrity(env: dict[str, str]) -> dict[str, Any]:
    """``estatedesk check-integrity --json`` against the server's database."""
    done = subprocess.run(  # noqa: S603 - fixed argv, no shell
        [ESTATEDESK, "check-integrity", "--json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    try:
        report = json.loads(done.stdout)
    except json.JSONDecodeError:
        report = {"ok": False, "error": done.stdout[-2000:] + done.stderr[-2000:]}
    report["exit_code"] = done.returncode
    return report
