"""Run every benchmark module (or those named: `python -m bench transcribe slides`), print each
figure, and write them all to bench-results.json."""

from __future__ import annotations

import importlib
import json
import pkgutil
import sys
import time
from pathlib import Path

import bench

ROOT = Path(__file__).resolve().parent.parent


def main(argv: list[str]) -> None:
    names = sorted(
        m.name.removeprefix("bench_")
        for m in pkgutil.iter_modules(bench.__path__)
        if m.name.startswith("bench_")
    )
    chosen = argv or names
    results: dict[str, float] = {}
    for name in chosen:
        module = importlib.import_module(f"bench.bench_{name}")
        t0 = time.perf_counter()
        print(f"== {name}", flush=True)
        figures = module.run()
        for key, value in figures.items():
            print(f"  {key:<40} {value}", flush=True)
        print(f"  ({time.perf_counter() - t0:.0f} s)", flush=True)
        results.update(figures)
    out = ROOT / "bench-results.json"
    previous = json.loads(out.read_text()) if out.is_file() else {}
    out.write_text(json.dumps({**previous, **results}, indent=2) + "\n")
    print(f"wrote {out}")


if __name__ == "__main__":
    main(sys.argv[1:])
