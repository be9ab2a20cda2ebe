"""Crash safety under load (``make chaos``): SIGKILL the server's processes while API clients
create tickets, restart, and prove nothing was lost or duplicated.

    .venv/bin/python scripts/chaos/crash_load.py [--tickets 2000] [--clients 8] [--kills 6]

A throwaway PostgreSQL cluster (port 5499 under /tmp) holds the data unless ``--database-url``
names another, empty database. The server runs with DEBUG off, a real SECRET_KEY and
ALLOWED_HOSTS=127.0.0.1, on loopback only. Kills alternate between the whole process group
(restarted) and gunicorn's workers (respawned by the master). Afterwards: every acknowledged
ticket exists exactly once and ``estatedesk check-integrity`` passes. The numbers are written
to ``var/chaos/crash_load.json``; exit code 1 when anything was lost, duplicated or a 5xx seen.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

import harness
from pgcluster import Cluster

ROOT = Path(__file__).resolve().parents[2]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=2000)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--kills", type=int, default=6)
    parser.add_argument("--max-seconds", type=float, default=300)
    parser.add_argument("--pg-port", type=int, default=5499)
    parser.add_argument("--database-url", default="")
    parser.add_argument("--out", type=Path, default=ROOT / "var" / "chaos" / "crash_load.json")
    args = parser.parse_args(argv)

    work = Path(tempfile.mkdtemp(prefix="estatedesk-crash-"))
    cluster = None
    url = args.database_url
    if not url:
        cluster = Cluster(
            directory=Path(tempfile.gettempdir()) / "estatedesk-chaos-pg-crash", port=args.pg_port
        )
        cluster.init()
        cluster.start()
        cluster.create_database()
        url = cluster.url
    server = None
    try:
        env = harness.production_env(database_url=url, var_dir=work)
        import setup_db

        setup_db.migrate(env)
        prepared = setup_db.prepare(database_url=url, var_dir=work)
        server = harness.Server(env=env, port=harness.free_port(), log_path=work / "server.log")
        server.start()
        stats = harness.run_load(
            server=server,
            token=prepared.token,
            site_id=prepared.site_id,
            tickets=args.tickets,
            clients=args.clients,
            kills=args.kills,
            max_seconds=args.max_seconds,
        )
        server.stop()
        tickets = harness.verify_tickets(site_id=prepared.site_id, stats=stats)
        integrity = harness.check_integrity(env)
    finally:
        if server is not None:
            server.stop()
        if cluster is not None:
            cluster.destroy()
    load = stats.as_dict()
    result = {"load": load, "tickets": tickets, "integrity": integrity}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, ensure_ascii=False, indent=2))
    ok = (
        tickets["lost"] == 0
        and tickets["duplicated"] == 0
        and load["server_errors_5xx"] == 0
        and load["refused"] == 0
        and load["given_up"] == 0
        and integrity.get("exit_code") == 0
    )
    print(
        f"crash_load: {load['acked']}/{load['planned']} tickets acknowledged in "
        f"{load['seconds']} s, {load['requests']} requests, {len(load['kills'])} kills, "
        f"{load['connection_errors']} connection errors retried, {load['acked_after_retry']} acked after a retry; "
        f"lost {tickets['lost']}, duplicated {tickets['duplicated']}, "
        f"5xx {load['server_errors_5xx']}, integrity exit {integrity.get('exit_code')} "
        f"-> {'OK' if ok else 'FAILED'} ({args.out})"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
