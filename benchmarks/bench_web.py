"""Web page latency on a store of ~10,000 articles (run on demand, not in the test suite).

    python benchmarks/bench_web.py --articles 10000 --repeat 20      # build the store (cached) and time every page
    python benchmarks/bench_web.py --db /tmp/wt-bench.db --repeat 20  # reuse a store built earlier
    python benchmarks/bench_web.py --http                             # the same over HTTP to a real uvicorn server

How the store is built: the real pipeline (`wiretrace.pipeline.analyze`) runs once on the sample corpus;
then each analysed story is replicated with fresh article copies (a unique closing sentence appended, so ids
differ and every sentence index and character span of the stage results stays valid) until the store holds the
requested number of articles. Running the whole pipeline on 10,000 articles would take far longer than a page
benchmark needs and would measure the stages, not the pages; the replicas give the pages realistic story data.

Pages are requested in-process through FastAPI's TestClient (routing, store reads, templating; no socket), each
`--repeat` times after one warm-up request; the figures are the median and the 95th percentile. The check page is
timed cold (first request builds the shingle index over the whole store) and warm.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "src" / "wiretrace" / "samples" / "corpus"


def build_store(db: Path, n_articles: int) -> None:
    from wiretrace.model import Article, Story
    from wiretrace.pipeline import Context, analyze
    from wiretrace.store import Store

    with Store(db) as store:
        analyze([str(CORPUS)], store, Context())
        base = [(sid, store.get_story(sid)) for sid in store.story_ids()]
        base = [(sid, s.to_report()) for sid, s in base if s]
        originals = store.get_articles([a for _, s in base for a in s["article_ids"]])
        total = store.count_articles()
        copy = 0
        while total < n_articles:
            copy += 1
            new_articles: list[Article] = []
            assignments: dict[str, str] = {}
            stories: list[dict] = []
            for sid, story in base:
                blob = json.dumps(story)
                for aid in story["article_ids"]:
                    src = originals[aid]
                    art = Article.from_report(src.to_report())
                    art.title = f"{src.title or ''} (copy {copy})"
                    art.text = src.text.rstrip() + f"\n\nThis is benchmark replica {copy} of the story."
                    art.id = ""
                    art.compute_id()
                    new_articles.append(art)
                    blob = blob.replace(aid, art.id)
                new_sid = f"{sid}-r{copy}"
                data = json.loads(blob)
                data["id"] = new_sid
                data["title"] = f"{story.get('title', '')} (copy {copy})"
                for aid in data["article_ids"]:
                    assignments[aid] = new_sid
                stories.append(data)
            store.add_articles(new_articles, None)
            store.apply_clustering(None, "bench", b"", assignments, [])
            for data in stories:
                store.save_story(Story.from_report(data), None)
            total += len(new_articles)
        print(f"store {db}: {store.count_articles()} articles, {len(store.story_ids())} stories", file=sys.stderr)


def _time(client, method: str, url: str, repeat: int, **kw) -> tuple[float, float, int]:
    client.request(method, url, **kw)  # warm-up
    times = []
    status = 0
    for _ in range(repeat):
        t0 = time.perf_counter()
        resp = client.request(method, url, **kw)
        times.append((time.perf_counter() - t0) * 1000)
        status = resp.status_code
    times.sort()
    p95 = times[min(len(times) - 1, int(round(0.95 * (len(times) - 1))))]
    return statistics.median(times), p95, status


def _http_client(db: Path):  # -> (httpx.Client, stop)
    """A real uvicorn server in a thread (startup warm-up included) and an HTTP client to it."""
    import socket
    import threading

    import httpx
    import uvicorn

    from wiretrace.web.app import create_app

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    srv = uvicorn.Server(uvicorn.Config(create_app(db), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    while not srv.started:
        time.sleep(0.05)

    def stop() -> None:
        srv.should_exit = True
        thread.join(timeout=10)

    return httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=120), stop


def run(db: Path, repeat: int, http: bool = False) -> list[tuple[str, float, float, int]]:
    from fastapi.testclient import TestClient

    from wiretrace.store import Store
    from wiretrace.web.app import create_app

    with Store(db) as store:
        rows = store.list_stories()
        big = max(rows, key=lambda r: r["n_articles"] or 0)
        story = store.get_story(big["id"]) or {}
        a, b = story["article_ids"][:2]
        n_articles = store.count_articles()
        wire = store.get_article(a)
    text = (wire.text if wire else "") + "\n\nA sentence nobody has written before about a fictional ferry."
    from wiretrace.web.check import ShingleIndex

    out = []
    with Store(db) as store:
        t0 = time.perf_counter()
        ShingleIndex().sync(store)
        out.append(("shingle index build over the store (server start, background thread)",
                    (time.perf_counter() - t0) * 1000, 0.0, 0))
    stop = None
    if http:
        client, stop = _http_client(db)
        time.sleep(2)
    else:
        client = TestClient(create_app(db))  # not entered: no startup warm-up, so the first check builds everything
    t0 = time.perf_counter()
    resp = client.post("/api/check", json={"text": text, "add": False})
    out.append(("POST /api/check, first request" + (" 2 s after server start" if http else " with nothing warm"),
                (time.perf_counter() - t0) * 1000, 0.0, resp.status_code))
    pages = [
        ("GET / (stories, first page)", "GET", "/", {}),
        ("GET /?sort=recency", "GET", "/?sort=recency", {}),
        ("GET /?sort=conflicts", "GET", "/?sort=conflicts", {}),
        ("GET /?q=dam (word search)", "GET", "/?q=dam", {}),
        ("GET /?entity=Meridian", "GET", "/?entity=Meridian", {}),
        ("GET /stories/{id}", "GET", f"/stories/{big['id']}", {}),
        ("GET /compare?a=&b=", "GET", f"/compare?a={a}&b={b}", {}),
        ("GET /articles/{id}", "GET", f"/articles/{a}", {}),
        ("GET /check", "GET", "/check", {}),
        ("GET /api/stories", "GET", "/api/stories", {}),
        ("GET /api/stories/{id}", "GET", f"/api/stories/{big['id']}", {}),
        ("POST /api/check (warm)", "POST", "/api/check", {"json": {"text": text, "add": False}}),
    ]
    for name, method, url, kw in pages:
        med, p95, status = _time(client, method, url, repeat, **kw)
        out.append((name, med, p95, status))
    if stop:
        stop()
    how = "HTTP to uvicorn on 127.0.0.1" if http else "in-process TestClient"
    print(f"\n{n_articles} articles, {len(rows)} stories; {how}; median / p95 over {repeat} requests (ms)\n")
    print("| page | median ms | p95 ms | status |\n|---|---:|---:|---:|")
    for name, med, p95, status in out:
        print(f"| {name} | {med:.1f} | {p95:.1f} | {status} |")
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--db", type=Path, default=None, help="store to use (built first if it does not exist)")
    ap.add_argument("--articles", type=int, default=10_000)
    ap.add_argument("--repeat", type=int, default=20)
    ap.add_argument("--http", action="store_true", help="time over HTTP against a real uvicorn server")
    args = ap.parse_args()
    db = args.db or Path(tempfile.gettempdir()) / f"wiretrace-bench-web-{args.articles}.db"
    if not db.exists():
        t0 = time.perf_counter()
        build_store(db, args.articles)
        print(f"built in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
    run(db, args.repeat, args.http)


if __name__ == "__main__":
    main()
