"""Seed (and optionally export/import) timings of the chatdb datasets. Figures only, no assertions.

    .venv/bin/python benchmarks/bench_seed.py            # small, standard, hostile
    .venv/bin/python benchmarks/bench_seed.py --large    # also large (>= 10,000 rooms, 5,000,000 messages)
    .venv/bin/python benchmarks/bench_seed.py --migrate  # also time export + import of each profile
"""
from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "lab"))

from pchat_lab.chatdb import datasets, migration  # noqa: E402


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--large", action="store_true", help="include the large profile (takes a while)")
    parser.add_argument("--migrate", action="store_true", help="also time export and import")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    profiles = ["small", "standard", "hostile"] + (["large"] if args.large else [])
    header = ("profile", "rooms", "messages", "files", "seed s", "export s", "import s", "max RSS MB")
    print("%-9s %9s %11s %8s %9s %10s %10s %10s" % header)
    for profile in profiles:
        with tempfile.TemporaryDirectory(prefix="bench_seed_") as tmp:
            root = Path(tmp)
            paths = {"legacy": root / "gc.db", "mgc": root / "mgc.db", "mgccomp": root / "mgccomp.db"}
            start = time.perf_counter()
            summary = datasets.seed(paths, profile, seed=args.seed, filestore_dir=root / "files")
            seeded = time.perf_counter() - start
            exported = imported = float("nan")
            if args.migrate:
                start = time.perf_counter()
                migration.export(paths["legacy"], root / "export.zip")
                exported = time.perf_counter() - start
                start = time.perf_counter()
                migration.import_(root / "export.zip", paths["mgc"])
                imported = time.perf_counter() - start
            legacy = summary["legacy"]
            print("%-9s %9d %11d %8d %9.2f %10.2f %10.2f %10.0f" % (
                profile, legacy["rooms"], legacy["messages"], legacy["files"], seeded, exported, imported, _rss_mb()),
                flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
