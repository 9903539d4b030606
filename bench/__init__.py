"""Benchmarks. Run them all with `.venv/bin/python -m bench` from the repository root."""
