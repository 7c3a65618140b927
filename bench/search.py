"""`python -m bench.search [--against REV ...]`: the search function alone, in process, at
5,000 articles, for an anonymous reader and a subscriber, now and as it was at git revisions.

Builds the reader bench's corpus once (bench/data.py, VACUUM ANALYZE), then times
`content.search.search` for the bench's common words and its rarer (selective) words, per
reader tier: each query warmed once, then rounds in which every version searches in turn (so
a noisy machine weighs on all of them alike). Prints p50/p95 of the wall time (the statement
included), the slowest query's best round (near what a quiet machine takes), the Python CPU
per search, and how many snippets differ from the first version given with --against.

`--database NAME` reuses an existing bench database (not dropped); `--keep` keeps the new one.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import ModuleType

from bench import data
from bench.__main__ import SEARCHES
from bench.serve import ROOT, Setup, throwaway
from portal import create_app
from portal.content import search
from portal.extensions import db
from tests.support.database import ThrowawayDatabase

ARTICLES = int(os.environ.get("BENCH_ARTICLES", "5000"))
ROUNDS = int(os.environ.get("BENCH_SEARCH_ROUNDS", "10"))
TIERS = {"anonymous": ["public"], "subscriber": ["public", "members", "paid"]}
# bench/data.py's pick of rarer words for the default corpus (it returns them when it builds).
SELECTIVE = [
    "elektroinstallasjonsfirma",
    "regnskapsavdelingen",
    "brukerkompetanse",
    "sanntidsdata",
    "taktisk",
]


def at_revision(revision: str) -> ModuleType:
    """portal/content/search.py as it was at `revision`, imported beside today's."""
    source = subprocess.run(
        ["git", "show", f"{revision}:portal/content/search.py"],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    path = Path(tempfile.mkdtemp(prefix="veivalg-search-")) / "search_then.py"
    path.write_text(source)
    name = f"search_at_{abs(hash(revision))}"
    spec = importlib.util.spec_from_file_location(name, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * p / 100))]


def measure(setup: Setup, versions: dict[str, ModuleType], words: dict[str, list[str]]) -> None:
    app = create_app(setup.config)
    wall: dict[tuple[str, str, str], list[float]] = {}
    cpu: dict[tuple[str, str, str], list[float]] = {}
    best: dict[tuple[str, str, str], dict[str, float]] = {}  # each query's fastest round
    with app.test_request_context():
        snippets: dict[str, list[str]] = {}
        for version, module in versions.items():  # warm: statements built, plans, pages read
            snippets[version] = [
                str(hit.snippet)
                for queries in words.values()
                for readable in TIERS.values()
                for query in queries
                for hit in module.search(query, readable).hits
            ]
        for _ in range(ROUNDS):
            for version, module in versions.items():
                for name, queries in words.items():
                    for tier, readable in TIERS.items():
                        key = (name, tier, version)
                        for query in queries:
                            began, began_cpu = time.perf_counter(), time.process_time()
                            module.search(query, readable)
                            # The transaction ends as a request's would (a version's
                            # transaction-local settings must not carry over to the next).
                            db.session.rollback()
                            took = 1000 * (time.perf_counter() - began)
                            wall.setdefault(key, []).append(took)
                            cpu.setdefault(key, []).append(1000 * (time.process_time() - began_cpu))
                            fastest = best.setdefault(key, {})
                            fastest[query] = min(took, fastest.get(query, took))
        db.engine.dispose()
    print(f"\n{ROUNDS} rounds; ms per search; load average {os.getloadavg()[0]:.1f}\n")
    # Best of the rounds, per query: what a search costs when nothing else runs (the slowest
    # query's best is shown); the percentiles include whatever else the machine was doing.
    print("| words | reader | version | p50 | p95 | slowest query's best | Python CPU p50 |")
    print("|---|---|---|---|---|---|---|")
    for key, took in wall.items():
        name, tier, version = key
        print(
            f"| {name} | {tier} | {version} | {percentile(took, 50):.2f} | "
            f"{percentile(took, 95):.2f} | {max(best[key].values()):.2f} | "
            f"{percentile(cpu[key], 50):.2f} |"
        )
    first, *others = snippets
    for version in others:
        differ = sum(a != b for a, b in zip(snippets[first], snippets[version], strict=True))
        print(f"\nsnippets of {version} unlike {first}'s: {differ} of {len(snippets[first])}")


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.search")
    parser.add_argument("--against", action="append", default=[], metavar="REV")
    parser.add_argument("--database", metavar="NAME", help="reuse this bench database")
    parser.add_argument("--keep", action="store_true", help="keep the new database")
    args = parser.parse_args()
    versions = {f"at {rev}": at_revision(rev) for rev in args.against}
    versions["this checkout"] = search
    words = {"common": SEARCHES, "selective": SELECTIVE}
    if args.database:
        database = ThrowawayDatabase("search")
        database.name = args.database
        measure(Setup(database), versions, words)
        return 0
    with throwaway("search") as setup:
        started = time.perf_counter()
        owner = setup.owner_app()
        with owner.app_context():
            rare = data.generate(ARTICLES, owner.config["TEASER_MAX_CHARS"])
            db.engine.dispose()
        data.vacuum(setup.database.owner_url)
        print(f"data: {ARTICLES} articles in {time.perf_counter() - started:.0f} s", flush=True)
        measure(setup, versions, {**words, "selective": rare})
        if args.keep:
            print(f"\nkept: --database {setup.database.name}")
            setup.database.drop = lambda: None  # type: ignore[method-assign]
    return 0


if __name__ == "__main__":
    sys.exit(main())
