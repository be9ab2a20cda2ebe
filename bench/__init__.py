"""Benchmarks: the data generator's command line and the workloads of ``make bench``.

Everything runs on this machine against PostgreSQL at 127.0.0.1 (``BENCH_PG``) and servers
bound to 127.0.0.1 only; see ``bench/run.py`` and docs/performance.md.
"""
