"""URLs, watch and export, measured (run on demand, not in the test suite). Every server is a real HTTP server on
127.0.0.1 (tests/local_site.py) that logs each request's time, so politeness is measured on the server's side.

    python benchmarks/bench_front.py --part fetch            # 200 real news pages (L3S-GN1) from 4 hosts via --urls
    python benchmarks/bench_front.py --part watch            # a feed growing by 50 ECB+ articles a poll, 10 polls
    python benchmarks/bench_front.py --part export --articles 10000   # export a 10k store; load in pandas and DuckDB

fetch: the pages are served as they were saved (gzip-decoded HTML), 50 per host; `analyze` reads the URL list with
the default politeness (1 s between requests to a host, 2 in flight per host) unless `--delay` says otherwise, then
the same list is analysed again into the same store (nothing may be fetched again). A fetch-only pass with the delay
at 0 shows what the fetcher does when politeness does not hold it back.
watch: ECB+ articles (real news, 22 topics) served as pages; poll k lists the newest 50*k items; per-poll times are
split into listing, fetching and analysis.
export: a store built like benchmarks/bench_web.py's (the sample corpus analysed by the real pipeline, then its
stories replicated) is exported in each format, then each table is loaded with pandas and with DuckDB.
"""

from __future__ import annotations

import argparse
import gzip
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(Path(__file__).parent))

from local_site import LocalSite, Route, article_page, rss  # noqa: E402


def host_rates(log: list[tuple[float, str, str]]) -> dict[str, float]:
    """Requests per second to one host: overall mean, the most in any 1 s window, the smallest gap between starts."""
    times = sorted(t for t, path, _ in log)
    if len(times) < 2:
        return {"requests": len(times), "mean_per_s": 0.0, "max_in_1s": len(times), "min_gap_s": float("nan")}
    span = times[-1] - times[0]
    max_window = max(sum(1 for u in times[i:] if u - t < 1.0) for i, t in enumerate(times))
    return {"requests": len(times), "mean_per_s": (len(times) - 1) / span if span else float("inf"),
            "max_in_1s": max_window, "min_gap_s": min(b - a for a, b in zip(times, times[1:], strict=False))}


def part_fetch(args: argparse.Namespace) -> None:
    from wiretrace.fetch.client import Fetcher, Page
    from wiretrace.pipeline import Context, analyze
    from wiretrace.store import Store

    files = sorted((DATA / "extraction" / "l3s-gn1" / "input").glob("*.html.gz"))[: args.pages]
    if len(files) < args.pages:
        sys.exit(f"need {args.pages} pages under {DATA}/extraction/l3s-gn1/input (found {len(files)})")
    sites = [LocalSite().__enter__() for _ in range(args.hosts)]
    try:
        urls = []
        for i, f in enumerate(files):
            site = sites[i % len(sites)]
            site.routes[f"/p/{f.name[:-3]}"] = Route(gzip.decompress(f.read_bytes()))
            urls.append(site.url(f"/p/{f.name[:-3]}"))
        ctx = Context()
        ctx.config.fetch.delay = args.delay
        with tempfile.TemporaryDirectory() as tmp, Store(Path(tmp) / "w.db") as store:
            t0 = time.perf_counter()
            result = analyze(urls, store, ctx)
            total = time.perf_counter() - t0
            rates = [host_rates([r for r in s.log if not r[1].endswith("robots.txt")]) for s in sites]
            fetch_span = max(t for s in sites for t, _, _ in s.log) - min(t for s in sites for t, _, _ in s.log)
            hits = sum(len(s.log) for s in sites)
            t1 = time.perf_counter()
            again = analyze(urls, store, ctx)
            second = time.perf_counter() - t1
            refetched = sum(len(s.log) for s in sites) - hits
        fetch_only = Fetcher(type(ctx.config.fetch)(delay=0.0))
        for s in sites:
            s.log.clear()
        t2 = time.perf_counter()
        res = fetch_only.fetch_many(urls)
        raw = time.perf_counter() - t2
        raw_rates = [host_rates([r for r in s.log if not r[1].endswith("robots.txt")]) for s in sites]
    finally:
        for s in sites:
            s.__exit__()
    out = {
        "pages": len(urls), "hosts": len(sites), "delay_s": args.delay, "per_host": ctx.config.fetch.per_host,
        "articles": len(result.article_ids), "errors": [str(e) for e in result.errors],
        "analyze_s": round(total, 1), "pages_per_s": round(len(urls) / total, 2),
        "fetch_span_s": round(fetch_span, 1), "timings": {k: round(v, 1) for k, v in result.timings.items()},
        "server_per_host": [{k: round(v, 3) for k, v in r.items()} for r in rates],
        "second_run_s": round(second, 1), "second_run_requests": refetched, "second_run_new": len(again.new_article_ids),
        "fetch_only_delay0_s": round(raw, 2), "fetch_only_ok": sum(isinstance(r, Page) for r in res),
        "fetch_only_pages_per_s": round(len(urls) / raw, 1),
        "fetch_only_max_in_1s_per_host": [r["max_in_1s"] for r in raw_rates],
    }
    print(json.dumps(out, indent=1))


def _ecb_pages() -> list[tuple[str, list[str]]]:
    rows = [json.loads(line) for line in (DATA / "clustering" / "ecbplus.jsonl").read_text().splitlines() if line]
    pages = []
    for r in rows:
        lines = [ln.strip() for ln in r["text"].split("\n") if ln.strip()]
        if len(lines) >= 3:
            pages.append((lines[0], lines[1:]))
    return pages


def part_watch(args: argparse.Namespace) -> None:
    from wiretrace.fetch.watch import Watcher
    from wiretrace.pipeline import Context
    from wiretrace.store import Store

    pages = _ecb_pages()[: args.per_poll * args.polls]
    rows = []
    with LocalSite() as site, tempfile.TemporaryDirectory() as tmp, Store(Path(tmp) / "w.db") as store:
        items = []
        for i, (title, paras) in enumerate(pages):
            site.routes[f"/a/{i}.html"] = Route(article_page(title, paras, outlet="ECB+"))
            items.append((title, site.url(f"/a/{i}.html"), paras[0]))
        ctx = Context()
        ctx.config.fetch.delay = args.delay
        watcher = Watcher([site.url("/feed.xml")], store, ctx)
        for k in range(1, args.polls + 1):
            listed = items[: args.per_poll * k][::-1]  # newest first, as feeds list them
            site.routes["/feed.xml"] = Route(rss(listed), content_type="application/rss+xml")
            rep = watcher.poll()
            rows.append({"poll": k, "listed": rep.listed, "new": rep.new_urls, "articles_new": rep.articles_new,
                         "seconds": round(rep.seconds, 2),
                         **{k2: round(v, 2) for k2, v in rep.timings.items()},
                         "stories": len(store.story_ids()), "new_stories": len(rep.new_stories),
                         "grown": len(rep.grown), "new_conflicts": len(rep.new_conflicts),
                         "failures": len(rep.failures)})
            print(json.dumps(rows[-1]), flush=True)
    secs = [r["seconds"] for r in rows]
    print(json.dumps({"polls": len(rows), "per_poll": args.per_poll, "first_half_median_s": statistics.median(
        secs[: len(secs) // 2]), "second_half_median_s": statistics.median(secs[len(secs) // 2:]),
        "last_over_first": round(secs[-1] / secs[0], 2)}))


def part_export(args: argparse.Namespace) -> None:
    import duckdb
    import pandas as pd

    from bench_web import build_store
    from wiretrace.export import TABLES, export_store
    from wiretrace.store import Store

    db = Path(args.db or f"/tmp/wiretrace-bench-export-{args.articles}.db")
    if not db.exists():
        t = time.perf_counter()
        build_store(db, args.articles)
        print(f"built {db} in {time.perf_counter() - t:.0f} s", file=sys.stderr)
    with Store(db) as store:
        n = store.count_articles()
    print(json.dumps({"store": str(db), "articles": n, "store_mb": round(db.stat().st_size / 1e6, 1)}))
    for fmt in ("csv", "jsonl", "parquet"):
        with tempfile.TemporaryDirectory() as tmp:
            t0 = time.perf_counter()
            with Store(db) as store:
                written = export_store(store, fmt, Path(tmp))
            export_s = time.perf_counter() - t0
            size = sum(p.stat().st_size for p, _ in written.values())
            read = {"csv": pd.read_csv, "jsonl": lambda p: pd.read_json(p, lines=True),
                    "parquet": pd.read_parquet}[fmt]
            scan = {"csv": "read_csv('{}')", "jsonl": "read_json('{}', format='newline_delimited')",
                    "parquet": "read_parquet('{}')"}[fmt]
            t1 = time.perf_counter()
            frames = {name: read(written[name][0]) for name in TABLES}
            pandas_s = time.perf_counter() - t1
            con = duckdb.connect()
            t2 = time.perf_counter()
            counts = {name: con.execute(f"SELECT count(*) FROM {scan.format(written[name][0])}").fetchone()[0]
                      for name in TABLES}
            duck_s = time.perf_counter() - t2
            ok = all(len(frames[k]) == written[k][1] == counts[k] for k in TABLES)
            print(json.dumps({"format": fmt, "rows": {k: v[1] for k, v in written.items()}, "mb": round(size / 1e6, 1),
                              "export_s": round(export_s, 2), "pandas_load_s": round(pandas_s, 2),
                              "duckdb_count_s": round(duck_s, 2), "row_counts_agree": ok}))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--part", choices=["fetch", "watch", "export"], required=True)
    ap.add_argument("--pages", type=int, default=200)
    ap.add_argument("--hosts", type=int, default=4)
    ap.add_argument("--delay", type=float, default=None, help="seconds between requests to a host "
                    "(fetch: default 1.0, the shipped default; watch: default 0)")
    ap.add_argument("--polls", type=int, default=10)
    ap.add_argument("--per-poll", type=int, default=50)
    ap.add_argument("--articles", type=int, default=10000)
    ap.add_argument("--db", default=None)
    args = ap.parse_args()
    if args.delay is None:
        args.delay = 1.0 if args.part == "fetch" else 0.0
    {"fetch": part_fetch, "watch": part_watch, "export": part_export}[args.part](args)


if __name__ == "__main__":
    main()
