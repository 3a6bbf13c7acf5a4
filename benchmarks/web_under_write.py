"""Page latency while "add to store" runs (on demand): p50/p99 at concurrency 16 over real HTTP.

    python benchmarks/web_under_write.py --requests 800
    PYTHONPATH=/path/to/older/src python benchmarks/web_under_write.py   # the same against another checkout

Builds a store from the sample corpus, serves it on 127.0.0.1 with `wiretrace serve` in its own process (as
deployed; `--server thread` runs uvicorn inside this process instead, where the client threads share the server's
GIL, as the figures of 2026-12-02 were taken), keeps one client adding new texts through POST /api/check (add=true)
back to back, and meanwhile 16 threads fetch /api/stories, a story page and the stories page, starting once the
first add is under way.
"""

from __future__ import annotations

import argparse
import json
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--requests", type=int, default=800)
    ap.add_argument("--concurrency", type=int, default=16)
    ap.add_argument("--settle", type=float, default=5.0, help="seconds between the server answering and the run")
    ap.add_argument("--cold", action="store_true", help="no untimed first add: the first add's window is measured")
    ap.add_argument("--server", choices=["process", "thread"], default="process",
                    help="`wiretrace serve` in its own process (as deployed), or uvicorn in this process")
    args = ap.parse_args()

    import uvicorn

    from wiretrace.pipeline import Context, analyze
    from wiretrace.samples import corpus_path
    from wiretrace.store import Store
    from wiretrace.web.app import create_app

    tmp = Path(tempfile.mkdtemp())
    db = tmp / "w.db"
    with Store(db) as store:
        analyze([str(corpus_path())], store, Context())
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    base = f"http://127.0.0.1:{port}"
    server = proc = None
    if args.server == "process":  # as deployed: `wiretrace serve` in its own process, the clients in this one
        proc = subprocess.Popen([sys.executable, "-m", "wiretrace", "serve", "--db", str(db), "--port", str(port)],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(600):
            try:
                urllib.request.urlopen(f"{base}/api/stories", timeout=5).read()
                break
            except OSError:
                time.sleep(0.1)
        time.sleep(args.settle)  # a server up for a few seconds, as one is when its first user arrives
    else:  # the server in this process: the 17 client threads share its GIL (the figures of 2026-12-02)
        app = create_app(db)
        try:
            from wiretrace.web.server import server_config

            config = server_config(app, "127.0.0.1", port)
        except ImportError:
            config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
        server = uvicorn.Server(config)
        threading.Thread(target=server.run, daemon=True).start()
        while not server.started:
            time.sleep(0.05)
    stories = json.loads(urllib.request.urlopen(f"{base}/api/stories").read())["stories"]
    paths = ["/api/stories", f"/stories/{stories[0]['id']}", "/"]

    adding = threading.Event()
    stop = threading.Event()
    adds: list[float] = []

    def add(i: int) -> None:
        text = (f"Report {i}: the Port Sella council said on Friday that the harbour bridge, closed since "
                f"March, will reopen to traffic next month after repairs costing {i + 3} million euros. "
                "Residents welcomed the news. " * 3)
        req = urllib.request.Request(f"{base}/api/check", data=json.dumps({"text": text, "add": True}).encode(),
                                     headers={"Content-Type": "application/json"}, method="POST")
        urllib.request.urlopen(req, timeout=300).read()

    if not args.cold:
        add(10_000)  # warm-up, not timed: whatever the server loads on its first add is loaded

    def adder() -> None:
        i = 0
        while not stop.is_set():
            adding.set()
            t = time.perf_counter()
            add(i)
            adds.append(time.perf_counter() - t)
            i += 1

    latencies: list[float] = []
    lock = threading.Lock()
    counter = iter(range(args.requests))

    def reader() -> None:
        adding.wait()
        for n in counter:
            t = time.perf_counter()
            urllib.request.urlopen(base + paths[n % len(paths)], timeout=300).read()
            with lock:
                latencies.append(time.perf_counter() - t)

    threading.Thread(target=adder, daemon=True).start()
    readers = [threading.Thread(target=reader) for _ in range(args.concurrency)]
    for r in readers:
        r.start()
    for r in readers:
        r.join()
    stop.set()
    latencies.sort()
    print(json.dumps({
        "requests": len(latencies), "concurrency": args.concurrency, "adds_completed": len(adds),
        "add_seconds_median": round(statistics.median(adds), 2) if adds else None,
        "p50_ms": round(1000 * latencies[len(latencies) // 2]), "p99_ms": round(1000 * latencies[int(len(latencies) * 0.99)]),
        "max_ms": round(1000 * latencies[-1]),
    }))
    if server is not None:
        server.should_exit = True
    if proc is not None:
        proc.terminate()
        proc.wait(timeout=30)


if __name__ == "__main__":
    main()
