"""The report tables of a fresh benchmark database, in parallel parts:
``python -m bench.rollup --part K --parts N`` runs ``reports.rollups.rebuild_all`` (what
``estatedesk reports-rollup --all --site`` does) for every N-th site of the benchmark company,
so N processes fill the tables of disjoint sites at once."""

from __future__ import annotations

import argparse
import os
import time


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--part", type=int, default=0)
    parser.add_argument("--parts", type=int, default=1)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "estatedesk.settings")
    import django

    django.setup()
    from estatedesk.core import clock
    from estatedesk.core.benchdata import COMPANY_CODE
    from estatedesk.org.models import Site
    from estatedesk.reports import rollups

    sites = list(
        Site.objects.filter(company__code=COMPANY_CODE).order_by("pk").values_list("pk", flat=True)
    )
    mine = sites[args.part :: args.parts]
    started = time.perf_counter()
    result = rollups.rebuild_all(now=clock.now(), site_ids=mine)
    print(
        f"part {args.part}: {len(mine)} sites, {result.tickets:,} tickets, "
        f"{result.ticket_days:,} ticket days, {result.clock_days:,} clock days "
        f"in {time.perf_counter() - started:,.0f} s"
    )


if __name__ == "__main__":
    main()
