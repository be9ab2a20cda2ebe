"""Production shape: does W1 intake throughput rise with a second app process on the same
database? ``python -m bench.two_servers [--tickets N]`` (``make bench`` runs it too).

Two ``estatedesk serve --no-scheduler`` processes (gunicorn, 2 workers x 4 threads each, as
docs/deploy.md runs them behind nginx) on two ports, the 8 clients split between them,
against one process serving all 8; same database, back to back.
"""

from __future__ import annotations

import argparse
import json
from typing import Any

from bench import common, generate, server, workloads


def prepare(database: str) -> dict[str, Any]:
    output = common.estatedesk_module(database, "bench.prepare")
    return json.loads(output.strip().splitlines()[-1])


def compare(
    database: str, prep: dict[str, Any], *, total: int = 2000
) -> dict[int, workloads.Result]:
    results: dict[int, workloads.Result] = {}
    for count in (1, 2):
        with server.servers(database, count) as ports:
            results[count] = workloads.w1_intake(ports, prep, total=total, seed=10 + count)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tickets", type=int, default=20_000, help="benchmark database size")
    parser.add_argument("--total", type=int, default=2000, help="tickets registered per arm")
    args = parser.parse_args()
    generate.ensure(args.tickets)
    common.clone(generate.template_name(args.tickets), common.WORK_DB)
    prep = prepare(common.WORK_DB)
    results = compare(common.WORK_DB, prep, total=args.total)
    print("| app processes | tickets/s | p50 ms | p95 ms | p99 ms | errors |")
    print("|---:|---:|---:|---:|---:|---|")
    for count, result in results.items():
        print(
            f"| {count} | {result.rate:,.0f} | {result.ms(50):.0f} | {result.ms(95):.0f} "
            f"| {result.ms(99):.0f} | {result.errors or '-'} |"
        )


if __name__ == "__main__":
    main()
