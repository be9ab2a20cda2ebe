"""The workloads, as HTTP clients of the real server (and the insert ceiling, as psycopg
clients of its database). Every request goes to 127.0.0.1 with ``X-Forwarded-Proto: https``,
as nginx would send it, so the production settings (DEBUG off, secure cookies, SSL redirect)
stay on. Latency is measured around one request and the reading of its whole answer."""

from __future__ import annotations

import http.client
import json
import random
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import psycopg

from bench import common

KINDS = [
    ("repair", 60),
    ("consultation", 15),
    ("other_help", 12),
    ("complaint", 8),
    ("paid_service", 5),
]
DESCRIPTIONS = [
    "卫生间天花板渗水，滴到地面",
    "楼道声控灯不亮",
    "厨房下水道堵塞",
    "门禁卡刷不开单元门",
    "请问装修申请需要哪些材料",
    "楼上晚上有噪音，影响休息",
    "电梯按钮失灵",
    "阳台地漏返水",
]


class Client:
    """One keep-alive HTTP connection, as one browser or integration would hold."""

    def __init__(self, port: int, *, token: str = "", cookie: str = "") -> None:
        self.port = port
        self.headers = {"X-Forwarded-Proto": "https", "Accept": "application/json, text/html"}
        if token:
            self.headers["Authorization"] = f"Bearer {token}"
        if cookie:
            self.headers["Cookie"] = cookie
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)

    def request(
        self, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None
    ) -> tuple[int, float, bytes]:
        data = json.dumps(body).encode() if body is not None else None
        sent = dict(self.headers)
        if data is not None:
            sent["Content-Type"] = "application/json"
        sent.update(headers or {})
        for attempt in (1, 2):
            started = time.perf_counter()
            try:
                self.conn.request(method, path, body=data, headers=sent)
                response = self.conn.getresponse()
                payload = response.read()
            except (http.client.HTTPException, OSError):
                # a worker closed the keep-alive connection: reconnect once
                self.conn.close()
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
                if attempt == 2:
                    raise
                continue
            return response.status, time.perf_counter() - started, payload
        raise AssertionError("unreachable")

    def close(self) -> None:
        self.conn.close()


@dataclass
class Result:
    """Latencies (seconds) of the successful requests, failures by status, wall time."""

    latencies: list[float] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)
    wall: float = 0.0
    extra: dict[str, Any] = field(default_factory=dict)

    def fail(self, status: int | str, body: bytes = b"") -> None:
        key = str(status)
        self.errors[key] = self.errors.get(key, 0) + 1
        if self.errors[key] == 1 and body:
            self.extra.setdefault("first_errors", []).append(body[:300].decode("utf-8", "replace"))

    @property
    def count(self) -> int:
        return len(self.latencies)

    @property
    def rate(self) -> float:
        return self.count / self.wall if self.wall else 0.0

    def ms(self, pct: float) -> float:
        return common.percentile(self.latencies, pct) * 1000

    def merge(self, other: Result) -> None:
        self.latencies += other.latencies
        for key, value in other.errors.items():
            self.errors[key] = self.errors.get(key, 0) + value
        for key, value in other.extra.items():
            if isinstance(value, list):
                self.extra.setdefault(key, []).extend(value)


def concurrently(count: int, work: Callable[[int], Result]) -> Result:
    """Run ``work(i)`` in ``count`` threads started together; their merged result with the
    wall time from the start until the last finished."""
    barrier = threading.Barrier(count + 1)
    results: list[Result | None] = [None] * count
    failures: list[BaseException] = []

    def run(index: int) -> None:
        barrier.wait()
        try:
            results[index] = work(index)
        except BaseException as exc:
            failures.append(exc)

    threads = [threading.Thread(target=run, args=(i,), daemon=True) for i in range(count)]
    for thread in threads:
        thread.start()
    barrier.wait()
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    total = Result(wall=time.perf_counter() - started)
    if failures:
        raise failures[0]
    for result in results:
        if result is not None:
            total.merge(result)
    return total


# --- W1 intake ---------------------------------------------------------------------------------


def w1_intake(
    ports: Sequence[int],
    prep: dict[str, Any],
    *,
    total: int = 3000,
    clients: int = 8,
    seed: int = 1,
) -> Result:
    """W1: ``clients`` desk staff register ``total`` hotline requests through the API
    (``POST /api/v1/tickets/`` with an Idempotency-Key, as an integration retrying safely)."""
    tokens = [t["token"] for t in prep["tokens"]]
    kinds, weights = zip(*KINDS, strict=True)

    def work(index: int) -> Result:
        rng = random.Random(seed * 1000 + index)
        client = Client(ports[index % len(ports)], token=tokens[index % len(tokens)])
        result = Result()
        created: list[tuple[int, int, int, str]] = []
        for _n in range(total // clients + (1 if index < total % clients else 0)):
            body = {
                "site_id": prep["site_id"],
                "kind": rng.choices(kinds, weights)[0],
                "channel": "hotline",
                "description": rng.choice(DESCRIPTIONS),
                "reporter_name": "压测住户",
                "reporter_phone": f"139{rng.randrange(10**8):08d}",
                "unit_id": rng.choice(prep["unit_ids"]),
            }
            status, elapsed, payload = client.request(
                "POST", "/api/v1/tickets/", body, {"Idempotency-Key": uuid.uuid4().hex}
            )
            if status == 201:
                result.latencies.append(elapsed)
                ticket = json.loads(payload)
                created.append((ticket["id"], ticket["version"], index, ticket["kind"]))
            else:
                result.fail(status, payload)
        client.close()
        result.extra["created"] = created
        return result

    return concurrently(clients, work)


# --- W2 queue ----------------------------------------------------------------------------------


def w2_queue(port: int, prep: dict[str, Any], *, requests: int = 200) -> dict[str, Result]:
    """W2: the dispatcher's open tickets of one site by next due time, first page: the board
    page (HTML, the dispatcher's session) and the board API (JSON, the dispatcher's token).
    One client, one request at a time, after 10 unmeasured requests."""
    site = prep["site_id"]
    cookie = f"{prep['cookie_name']}={prep['dispatcher_session']}"
    targets = {
        "html": (Client(port, cookie=cookie), f"/dispatch/?site={site}"),
        "api": (
            Client(port, token=prep["dispatcher_token"]),
            f"/api/v1/dispatch/board?site={site}&limit=50",
        ),
    }
    results: dict[str, Result] = {}
    for name, (client, path) in targets.items():
        result = Result()
        for n in range(requests + 10):
            status, elapsed, payload = client.request("GET", path)
            if status != 200:
                result.fail(status, payload)
            elif n >= 10:
                result.latencies.append(elapsed)
                result.extra["bytes"] = len(payload)
        result.wall = sum(result.latencies)
        client.close()
        results[name] = result
    return results


# --- W3 update ---------------------------------------------------------------------------------


def w3_update(
    ports: Sequence[int],
    prep: dict[str, Any],
    created: list[tuple[int, int, int, str]],
    *,
    total: int = 2000,
    clients: int = 8,
) -> Result:
    """W3: ``clients`` staff each work their own tickets (those W1 registered): a progress
    note, the dispatch to engineering, a note, the start (a paid service cannot start before
    the resident confirms the quote, RQ-12: a third note instead) - alternately, ``total``
    operations, actions with the version last seen (compare-and-set)."""
    tokens = [t["token"] for t in prep["tokens"]]
    department = prep["department_id"]
    cycle = ["note", "dispatch", "note", "start"]

    def work(index: int) -> Result:
        client = Client(ports[index % len(ports)], token=tokens[index % len(tokens)])
        mine = [t for t in created if t[2] == index]
        result = Result()
        operations = total // clients + (1 if index < total % clients else 0)
        done = 0
        for ticket_id, version, _owner, kind in mine:
            for step in cycle:
                if done >= operations:
                    break
                op = "note" if step == "start" and kind == "paid_service" else step
                if op == "note":
                    body: dict[str, Any] = {
                        "body": "已电话联系住户，约定今天下午上门",
                        "public": True,
                    }
                    path = f"/api/v1/tickets/{ticket_id}/notes"
                    expected = 201
                else:
                    payload = {"department_id": department} if op == "dispatch" else {}
                    body = {"version": version, "payload": payload}
                    path = f"/api/v1/tickets/{ticket_id}/actions/{op}"
                    expected = 200
                status, elapsed, answer = client.request("POST", path, body)
                done += 1
                if status == expected:
                    result.latencies.append(elapsed)
                    if op != "note":
                        version = json.loads(answer)["version"]
                else:
                    result.fail(f"{op} {status}", answer)
            if done >= operations:
                break
        client.close()
        if done < operations:
            result.extra.setdefault("short", []).append(operations - done)
        return result

    return concurrently(clients, work)


# --- W4 reports --------------------------------------------------------------------------------

# (name, path, company-wide too): the KPI pages are per site (a site's staff and departments)
REPORT_PAGES = [
    ("dashboard", "/reports/", True),
    ("KPIs", "/reports/kpis/", False),
    ("exceptions (RP-4)", "/reports/exceptions/", True),
]


def w4_reports(port: int, prep: dict[str, Any], *, runs: int = 3) -> list[dict[str, Any]]:
    """W4: each report page for one site and for the whole company, for a month and a year
    (the general manager's session); per page the median of ``runs`` after one warm-up, and
    the first (cold) request. The quarterly pack exists per site only."""
    cookie = f"{prep['cookie_name']}={prep['gm_session']}"
    client = Client(port, cookie=cookie)
    site = prep["site_id"]
    cases: list[tuple[str, str, str]] = []
    for name, path, company in REPORT_PAGES:
        scopes = [("site", str(site)), ("company", "all")] if company else [("site", str(site))]
        for scope, scope_param in scopes:
            for period in ("month", "year"):
                cases.append(
                    (name, f"{scope}, {period}", f"{path}?site={scope_param}&period={period}")
                )
    cases.append(("quarterly pack (RP-3)", "site, quarter", f"/reports/pack/?site={site}"))
    rows = []
    for name, case, path in cases:
        timings = []
        status = 0
        for _n in range(runs + 1):
            status, elapsed, _payload = client.request("GET", path)
            timings.append(elapsed)
            if status != 200:
                break
        rows.append(
            {
                "page": name,
                "case": case,
                "path": path,
                "status": status,
                "first_ms": timings[0] * 1000,
                "median_ms": common.median(timings[1:]) * 1000
                if len(timings) > 1
                else float("nan"),
            }
        )
    client.close()
    return rows


# --- the ceiling -------------------------------------------------------------------------------


def ceiling(database: str, *, clients: int = 8, seconds: float = 15.0) -> Result:
    """What the database itself does: ``clients`` psycopg connections each inserting one
    ticket-like row per transaction (autocommit, synchronous commit as the application) into
    a copy of the tickets table with its indexes and constraints (no foreign keys)."""
    url = common.db_url(database)
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("DROP TABLE IF EXISTS bench_ceiling")
        conn.execute("CREATE TABLE bench_ceiling (LIKE tickets_ticket INCLUDING ALL)")
        site, unit = conn.execute(
            "SELECT site_id, id FROM org_unit ORDER BY id LIMIT 1"
        ).fetchone() or (None, None)
    sql = (
        "INSERT INTO bench_ceiling (site_id, number, kind, channel, state, version, urgency,"
        " is_complex, confidential, description, unit_id, location_text, people_involved,"
        " reporter_name, reporter_phone, received_at, created_at, updated_at, repair_class,"
        " cancel_kind, cancel_reason, rating_comment, reopened_count, legal_hold)"
        " VALUES (%s, %s, 'repair', 'hotline', 'received', 1, 'normal', false, false, %s, %s,"
        " '', '', '压测住户', '13900000000', now(), now(), now(), 'normal', '', '', '', 0, false)"
    )
    stop_at = time.perf_counter() + seconds

    def work(index: int) -> Result:
        result = Result()
        with psycopg.connect(url, autocommit=True) as conn:
            n = 0
            while time.perf_counter() < stop_at:
                n += 1
                started = time.perf_counter()
                conn.execute(
                    sql, [site, f"C{index}-{n}", DESCRIPTIONS[n % len(DESCRIPTIONS)], unit]
                )
                result.latencies.append(time.perf_counter() - started)
        return result

    try:
        return concurrently(clients, work)
    finally:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("DROP TABLE IF EXISTS bench_ceiling")
