"""Readiness on the ``large`` dataset against one scan of tblNode and the role tables (ratio printed).
Same databases and method as bench_parity.py (which see); this runs its readiness half only.

    .venv/bin/python benchmarks/bench_readiness.py [--workdir DIR] [--profile large] [--repeat 3]
"""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_parity  # noqa: E402

if __name__ == "__main__":
    sys.argv[1:1] = ["--only", "readiness"]
    sys.exit(bench_parity.main())
