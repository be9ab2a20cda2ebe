"""``make bench``: the data generator and workloads W1-W5 at each scale, one table.

    BENCH_SCALE=200000,1000000 (default)   the full run: 200,000 and 1,000,000 tickets
    BENCH_SCALE=quick                      20,000 tickets, sweep at 1k/10k (a few minutes)
    BENCH_FRESH=1                          regenerate even a database made in the last 24 h
    BENCH_PG=postgres://postgres@127.0.0.1:5432/postgres   the PostgreSQL server (loopback)

Per scale: the benchmark database (``bench.generate``: generated, report tables filled,
VACUUM ANALYZE; reused when made by the same code in the last 24 hours) is cloned to
``estatedesk_bench``; one ``estatedesk serve`` (gunicorn 2 workers x 4 threads, DEBUG off, no
scheduler thread) serves it on 127.0.0.1; then the insert ceiling, W1 intake, W2 queue, W3
update and W4 reports run against it; at the largest scale W1 runs again with one and with two
app processes. W5 (``bench/sweep_bench.py``) runs once on its own database. The table is
printed, written to ``bench/results/<date>.md`` and put into docs/performance.md.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import re
import subprocess
import time
import traceback
from typing import Any

from bench import common, generate, server, two_servers, workloads

DOC = common.ROOT / "docs" / "performance.md"
LOADED_STEPS = ("ceiling", "w1", "w2", "w3", "w4")
BEGIN, END = "<!-- bench:latest -->", "<!-- /bench:latest -->"
GENERATE_TARGET_S = 600  # 1,000,000 tickets in under 10 minutes
# The sweep_bench column W5's target is judged on, in order of preference: the time of one
# periodic sweep run (bounded work per run), else the time per due clock.
SWEEP_JUDGED = ("one run", "per due clock")


def scales() -> tuple[list[int], bool]:
    raw = os.environ.get("BENCH_SCALE", "").strip().lower()
    if raw in {"quick", "small"}:
        return [20_000], True
    if not raw or raw == "full":
        return [200_000, 1_000_000], False
    return [int(x.replace("_", "")) for x in raw.split(",") if x.strip()], False


def log(line: str) -> None:
    print(f"[{dt.datetime.now():%H:%M:%S}] {line}", flush=True)


def run_scale(tickets: int, *, largest: bool, fresh: bool) -> dict[str, Any]:
    out: dict[str, Any] = {"tickets": tickets}
    out["data"] = generate.ensure(tickets, fresh=fresh, log=log)
    log(f"cloning into {common.WORK_DB} ...")
    started = time.perf_counter()
    common.clone(generate.template_name(tickets), common.WORK_DB)
    out["clone_s"] = time.perf_counter() - started
    prep = two_servers.prepare(common.WORK_DB)
    out["open_tickets"] = prep["open_tickets"]
    out["sites"] = prep["sites"]
    steps = [
        ("ceiling", lambda ports: workloads.ceiling(common.WORK_DB)),
        ("w1", lambda ports: workloads.w1_intake(ports, prep)),
        ("w2", lambda ports: workloads.w2_queue(ports[0], prep)),
        ("w3", lambda ports: workloads.w3_update(ports, prep, out["w1"].extra.get("created", []))),
        ("w4", lambda ports: workloads.w4_reports(ports[0], prep)),
    ]
    with server.servers(common.WORK_DB, 1) as ports:
        for name, step in steps:
            log(f"{tickets:,}: {name} ...")
            try:
                out[name] = step(ports)
            except Exception as exc:
                traceback.print_exc()
                out[name] = exc
            # the machine is shared: the 1-minute load average after each step says how
            # much else ran while it was measured
            out.setdefault("load", {})[name] = os.getloadavg()[0]
            _report_step(name, out[name])
    if largest:
        log(f"{tickets:,}: W1 with one and with two app processes ...")
        try:
            out["two"] = two_servers.compare(common.WORK_DB, prep)
        except Exception as exc:
            traceback.print_exc()
            out["two"] = exc
    return out


def _report_step(name: str, value: Any) -> None:
    if isinstance(value, workloads.Result):
        errors = f", errors {value.errors}" if value.errors else ""
        log(
            f"  {name}: {value.count:,} ok in {value.wall:.1f} s ({value.rate:,.1f}/s), "
            f"p50 {value.ms(50):.0f} ms p95 {value.ms(95):.0f} ms p99 {value.ms(99):.0f} ms"
            f"{errors}"
        )
    elif isinstance(value, dict):
        for key, result in value.items():
            if isinstance(result, workloads.Result):
                log(f"  {name} {key}: p50 {result.ms(50):.1f} ms p95 {result.ms(95):.1f} ms")
    elif isinstance(value, list):
        for row in value:
            log(f"  {row['page']} {row['case']}: {row['status']} {row['median_ms']:.0f} ms")
    else:
        log(f"  {name}: {value!r}")


def sweep(quick: bool) -> dict[str, Any]:
    """W5 through the SLA engineer's ``bench/sweep_bench.py`` on its own database."""
    sizes = "1000,10000" if quick else "1000,10000,100000"
    name = "estatedesk_bench_sweep"
    generate.ensure_empty(log)
    common.clone(common.EMPTY_DB, name)
    log(f"W5 sweep at {sizes} open tickets ...")
    result = subprocess.run(
        [
            common.PYTHON,
            "bench/sweep_bench.py",
            "--sizes",
            sizes,
            "--database-url",
            common.db_url(name),
        ],
        env=common.env(name),
        cwd=common.ROOT,
        capture_output=True,
        text=True,
    )
    (common.LOGS / "sweep.log").write_text(result.stdout + result.stderr, encoding="utf-8")
    rows = _sweep_rows(result.stdout)
    if not rows:
        return {"error": (result.stderr or result.stdout)[-500:]}
    common.drop(name)
    return {"rows": rows}


def _sweep_rows(output: str) -> list[dict[str, float]]:
    """The rows of sweep_bench's markdown table, keyed by its column headers."""
    header: list[str] = []
    rows: list[dict[str, float]] = []
    for line in output.splitlines():
        if not line.startswith("|"):
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if cells and cells[0] == "open tickets":
            header = cells
        elif header and len(cells) == len(header) and re.fullmatch(r"[\d,]+", cells[0]):
            rows.append({name: _number(cell) for name, cell in zip(header, cells, strict=True)})
    return rows


def _number(cell: str) -> float:
    match = re.search(r"[\d,.]+", cell)
    return float(match.group(0).replace(",", "")) if match else math.nan


# --- the table ----------------------------------------------------------------------------------


def _ms(value: float) -> str:
    if math.isnan(value):
        return "-"
    return f"{value:,.0f}" if value >= 10 else f"{value:.1f}"


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    minutes, secs = divmod(round(seconds), 60)
    return f"{minutes} min {secs:02d} s" if minutes else f"{secs} s"


def _cell(value: Any, render: Any) -> str:
    if isinstance(value, Exception):
        return f"failed: {type(value).__name__}"
    if value is None:
        return "-"
    try:
        return str(render(value))
    except Exception as exc:
        return f"failed: {type(exc).__name__}"


def _errors(result: workloads.Result) -> str:
    return "" if not result.errors else f" (errors {sum(result.errors.values())})"


def table(results: list[dict[str, Any]], w5: dict[str, Any]) -> tuple[list[str], list[str]]:
    """The markdown table and the list of targets with met / not met."""
    header = ["", *[f"{r['tickets']:,} tickets" for r in results], "target"]
    rows: list[list[str]] = []
    targets: list[str] = []
    big = results[-1]

    def row(label: str, render: Any, key: str, target: str = "") -> None:
        rows.append([label, *[_cell(r.get(key), render) for r in results], target])

    def data(d: dict[str, Any]) -> str:
        rate = d["tickets"] / d["generate_s"] if d.get("generate_s") else 0
        reused = " (reused)" if d.get("reused") else ""
        return f"{_duration(d.get('generate_s'))}, {rate:,.0f}/s{reused}"

    row("generate (bench-data, COPY)", data, "data", "1M < 10 min")
    row(
        "report tables / VACUUM ANALYZE / size",
        lambda d: f"{_duration(d.get('rollup_s'))} / {_duration(d.get('vacuum_s'))} / "
        f"{d.get('size_bytes', 0) / 2**30:.1f} GiB",
        "data",
    )
    rows.append(
        [
            "sites; open tickets of the busiest site",
            *[f"{r['sites']}; {r['open_tickets']:,}" for r in results],
            "",
        ]
    )
    row(
        "ceiling: 1-row INSERT tx, 8 connections",
        lambda r: f"{r.rate:,.0f}/s, p95 {_ms(r.ms(95))} ms",
        "ceiling",
    )
    row(
        "W1 intake, 8 clients, 3,000 API creates",
        lambda r: f"{r.rate:,.1f} tickets/s{_errors(r)}",
        "w1",
    )
    row(
        "W1 latency p50 / p95 / p99 ms",
        lambda r: f"{_ms(r.ms(50))} / {_ms(r.ms(95))} / {_ms(r.ms(99))}",
        "w1",
        "p99 < 50 ms",
    )
    rows.append(
        [
            "W1 as a share of the ceiling",
            *[
                _cell(r.get("w1"), lambda w, r=r: f"{w.rate / r['ceiling'].rate:.1%}")
                if isinstance(r.get("ceiling"), workloads.Result)
                else "-"
                for r in results
            ],
            ">= 20%",
        ]
    )
    for key, label in (("html", "W2 board page (HTML)"), ("api", "W2 board API (JSON)")):
        row(
            f"{label} p50 / p95 ms",
            lambda w, key=key: f"{_ms(w[key].ms(50))} / {_ms(w[key].ms(95))}{_errors(w[key])}",
            "w2",
            "p95 < 50 ms at 1M",
        )
    row("W3 update, 8 clients, 2,000 ops", lambda r: f"{r.rate:,.1f} ops/s{_errors(r)}", "w3")
    row(
        "W3 latency p50 / p95 ms",
        lambda r: f"{_ms(r.ms(50))} / {_ms(r.ms(95))}",
        "w3",
        "p95 < 50 ms",
    )
    pages: list[tuple[str, str]] = []
    for r in results:
        if isinstance(r.get("w4"), list):
            for page in r["w4"]:
                if (page["page"], page["case"]) not in pages:
                    pages.append((page["page"], page["case"]))
    for page, case in pages:
        cells = []
        for r in results:
            found = [
                p
                for p in r.get("w4") or []
                if isinstance(r.get("w4"), list) and p["page"] == page and p["case"] == case
            ]
            if not found:
                cells.append("-")
            elif found[0]["status"] != 200:
                cells.append(f"HTTP {found[0]['status']}")
            else:
                cells.append(f"{_ms(found[0]['median_ms'])} ms (first {_ms(found[0]['first_ms'])})")
        rows.append([f"W4 {page}: {case}", *cells, "< 1 s at 1M"])
    if "rows" in w5:
        sweep_rows = w5["rows"]
        judged = next((c for c in SWEEP_JUDGED if c in sweep_rows[0]), "")
        sizes = " / ".join(f"{int(x['open tickets']) // 1000}k" for x in sweep_rows)
        for column in list(sweep_rows[0])[1:]:
            values = " / ".join(
                f"{x[column]:,.0f}"
                if column.endswith(("clocks", "runs", "queries", "(1%)"))
                else _ms(x[column])
                for x in sweep_rows
            )
            unit = "" if column.endswith(("clocks", "runs", "queries", "(1%)")) else " ms"
            target = "within 2x" if column == judged else ""
            rows.append(
                [f"W5 {column}{unit} ({sizes} open)", values, *[""] * (len(results) - 1), target]
            )
    else:
        rows.append(
            ["W5 sweep", f"failed: {w5.get('error', '')[:80]}", *[""] * (len(results) - 1), ""]
        )
    two = big.get("two")
    if isinstance(two, dict):
        one_rate, two_rate = two[1].rate, two[2].rate
        rows.append(
            [
                "W1 with 1 / 2 app processes (2,000 creates)",
                *[""] * (len(results) - 1),
                f"{one_rate:,.1f} / {two_rate:,.1f} tickets/s; p95 {_ms(two[1].ms(95))} / {_ms(two[2].ms(95))} ms",
                "rises?",
            ]
        )
    rows.append(
        [
            "load average (1 min) after ceiling / W1 / W2 / W3 / W4",
            *[
                " / ".join(f"{r.get('load', {}).get(k, math.nan):.1f}" for k in LOADED_STEPS)
                for r in results
            ],
            "2 cores: > 2 means queueing",
        ]
    )
    lines = ["| " + " | ".join(header) + " |", "|---|" + "---:|" * len(results) + "---|"]
    lines += ["| " + " | ".join(cells) + " |" for cells in rows]

    # targets, judged at the largest scale of the run
    def judge(label: str, ok: bool | None) -> None:
        targets.append(
            f"- {label}: {'met' if ok else ('not measured' if ok is None else 'NOT met')}"
        )

    d = big.get("data") or {}
    judge(
        f"generate 1,000,000 tickets < 10 min ({_duration(d.get('generate_s'))} for {big['tickets']:,})",
        None
        if big["tickets"] < 1_000_000 or not d.get("generate_s")
        else d["generate_s"] < GENERATE_TARGET_S,
    )
    w1, ceil = big.get("w1"), big.get("ceiling")
    if isinstance(w1, workloads.Result) and isinstance(ceil, workloads.Result) and ceil.rate:
        judge(f"W1 >= 20% of the ceiling ({w1.rate / ceil.rate:.1%})", w1.rate / ceil.rate >= 0.2)
        judge(f"W1 p99 < 50 ms ({_ms(w1.ms(99))} ms)", w1.ms(99) < 50)
    w2 = big.get("w2")
    if isinstance(w2, dict):
        for key in ("html", "api"):
            judge(
                f"W2 {key} p95 < 50 ms ({_ms(w2[key].ms(95))} ms)",
                w2[key].ms(95) < 50 and not w2[key].errors,
            )
    w3 = big.get("w3")
    if isinstance(w3, workloads.Result):
        judge(f"W3 p95 < 50 ms ({_ms(w3.ms(95))} ms)", w3.ms(95) < 50 and not w3.errors)
    w4 = big.get("w4")
    if isinstance(w4, list) and w4:
        worst = max(w4, key=lambda p: p["median_ms"] if p["status"] == 200 else math.inf)
        ok = all(p["status"] == 200 and p["median_ms"] < 1000 for p in w4)
        judge(
            f"W4 every report < 1 s (slowest: {worst['page']} {worst['case']}, {_ms(worst['median_ms'])} ms)",
            ok,
        )
    if "rows" in w5 and len(w5["rows"]) >= 2:
        first, last = w5["rows"][0], w5["rows"][-1]
        column = next((c for c in SWEEP_JUDGED if c in first), "")
        if column:
            judge(
                f"W5 sweep within 2x from {first['open tickets']:,.0f} to "
                f"{last['open tickets']:,.0f} open tickets ({column}: {_ms(first[column])} -> "
                f"{_ms(last[column])} ms)",
                last[column] <= 2 * first[column],
            )
    if isinstance(two, dict):
        judge(
            f"W1 rises with a second app process ({two[1].rate:,.1f} -> {two[2].rate:,.1f} tickets/s)",
            two[2].rate > two[1].rate * 1.1,
        )
    return lines, targets


def write(
    lines: list[str], targets: list[str], machine: dict[str, Any], seconds: float, scale: str
) -> str:
    now = dt.datetime.now()
    body = [
        f"Run {now:%Y-%m-%d %H:%M} ({scale}), `make bench` took {_duration(seconds)}.",
        f"Machine: {machine['cpu']}, {machine['cores']} cores, {machine['memory']}, "
        f"{machine['os']}, Python {machine['python']}, PostgreSQL {machine['postgresql']} "
        f"(shared_buffers {machine['shared_buffers']}), load average at start {machine['load']}.",
        "",
        *lines,
        "",
        "Targets (at the largest scale of the run):",
        "",
        *targets,
    ]
    text = "\n".join(body) + "\n"
    common.RESULTS.mkdir(parents=True, exist_ok=True)
    path = common.RESULTS / f"{now:%Y-%m-%d}.md"
    path.write_text(f"# make bench {now:%Y-%m-%d}\n\n{text}", encoding="utf-8")
    if DOC.exists():
        doc = DOC.read_text(encoding="utf-8")
        if BEGIN in doc and END in doc:
            start, end = doc.index(BEGIN) + len(BEGIN), doc.index(END)
            DOC.write_text(doc[:start] + "\n" + text + doc[end:], encoding="utf-8")
    return text


def main() -> None:
    started = time.perf_counter()
    sizes, quick = scales()
    fresh = bool(os.environ.get("BENCH_FRESH"))
    machine = common.machine()
    log(
        f"make bench: {', '.join(f'{n:,}' for n in sizes)} tickets; {json.dumps(machine, ensure_ascii=False)}"
    )
    results = [
        run_scale(n, largest=(i == len(sizes) - 1), fresh=fresh) for i, n in enumerate(sizes)
    ]
    w5 = sweep(quick)
    common.drop(common.WORK_DB)
    lines, targets = table(results, w5)
    scale = "quick: " if quick else ""
    text = write(
        lines,
        targets,
        machine,
        time.perf_counter() - started,
        scale + ", ".join(f"{n:,}" for n in sizes) + " tickets",
    )
    print()
    print(text)


if __name__ == "__main__":
    main()
