"""Benchmarks: `make bench` (`python -m benchmarks`). Results are recorded in docs/benchmarks.md."""
