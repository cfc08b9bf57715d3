"""The contacts-page benchmark: `make bench` (full) and `make bench-smoke` (CI).

The server as in production and a hand-written baseline beside it answer the same query
over loopback; wrk drives both in alternating rounds. See bench/README.md.
"""
