"""`make bench`: speed and memory figures, each printed as a ratio against a baseline measured
in the same run. Every module `bench/bench_*.py` exposes `run(ctx) -> dict[str, float]`."""
