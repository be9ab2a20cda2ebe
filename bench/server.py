"""The real server for the workloads: ``estatedesk serve`` (gunicorn) on 127.0.0.1 ports."""

from __future__ import annotations

import http.client
import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO, Any

from bench import common

BASE_PORT = 8710
READY_PATH = "/api/v1/openapi.json"


@contextmanager
def servers(
    database: str, count: int = 1, *, workers: int = 2, threads: int = 4
) -> Iterator[list[int]]:
    """``count`` app servers (``estatedesk serve --no-scheduler``, production settings) on one
    database; yields their ports and stops them on exit."""
    ports = [BASE_PORT + n for n in range(count)]
    processes: list[tuple[subprocess.Popen[Any], IO[Any]]] = []
    common.LOGS.mkdir(parents=True, exist_ok=True)
    try:
        for port in ports:
            log = (common.LOGS / f"server-{port}.log").open("a", encoding="utf-8")
            command = [
                common.PYTHON,
                "-m",
                "estatedesk.cli",
                "serve",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                str(workers),
                "--threads",
                str(threads),
                "--no-scheduler",
            ]
            process = subprocess.Popen(
                command,
                env=common.env(database),
                cwd=common.ROOT,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
            processes.append((process, log))
        for port in ports:
            _wait_ready(port)
        yield ports
    finally:
        for process, _log in processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process, log in processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
            log.close()


def _wait_ready(port: int, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", READY_PATH, headers={"X-Forwarded-Proto": "https"})
            status = conn.getresponse().status
            conn.close()
            if status == 200:
                return
        except OSError:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"server on port {port} did not start (see {common.LOGS})")
