"""Report scaling benchmark (on demand, not in CI): `wiretrace report` over stores of 5k ... 100k articles.

    python benchmarks/report_scale.py --base BASE.db --sizes 5000,20000,100000
    python benchmarks/report_scale.py --base BASE.db --sizes 20000 --src OLD/src     # the same with other code

BASE.db is a store written by `wiretrace analyze` over real articles (e.g. ECB+: every story analysed, claims,
alignments, timelines). Analysing 100,000 articles takes hours, and the report reads only what is stored, so a larger
store is made by copying BASE's articles, their inputs, stories and story memberships under new ids (every article
and story id inside the stored story JSON is renamed with them): the stored rows have the real sizes and shapes;
the pair alignments, analyses and clustering tables, which the report never reads, are not copied. Each size is then
reported to JSON and to HTML by the real CLI in its own process; wall time and peak memory (wait4's ru_maxrss) are
printed, and the JSON report is checked to load and to hold every article once.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HEX_ID = re.compile(r"\b(?:s-)?[0-9a-f]{16}\b")


def _renamed(old: str, copy: int) -> str:
    prefix = "s-" if old.startswith("s-") else ""
    return prefix + hashlib.sha1(f"{old}/{copy}".encode()).hexdigest()[:16]


def make_store(base: Path, target: Path, n_articles: int) -> int:
    """Copy BASE to TARGET and add renamed copies of its articles and stories until it holds >= n_articles."""
    if target.exists():
        target.unlink()
    src = sqlite3.connect(f"file:{base}?mode=ro", uri=True)
    src.execute(f"VACUUM INTO '{target}'")
    src.close()
    db = sqlite3.connect(target)
    db.execute("PRAGMA journal_mode=OFF")
    db.execute("PRAGMA synchronous=OFF")
    art_cols = [r[1] for r in db.execute("PRAGMA table_info(articles)")]
    story_cols = [r[1] for r in db.execute("PRAGMA table_info(stories)")]
    articles = db.execute(f"SELECT {','.join(art_cols)} FROM articles").fetchall()
    stories = db.execute(f"SELECT {','.join(story_cols)} FROM stories").fetchall()
    sources = db.execute("SELECT article_id, source, run_id FROM article_sources").fetchall()
    members = db.execute("SELECT article_id, story_id FROM story_articles").fetchall()
    base_n = len(articles)
    copy = 0
    while base_n * (copy + 1) < n_articles:
        copy += 1
        ids: dict[str, str] = {}

        def rename(match: re.Match[str], ids: dict[str, str] = ids, copy: int = copy) -> str:
            old = match.group(0)
            if old not in ids:
                ids[old] = _renamed(old, copy)
            return ids[old]

        def with_ids(row: tuple, cols: list[str], copy: int = copy) -> tuple:
            out = []
            for col, value in zip(cols, row, strict=True):
                if col in {"id", "data"} and isinstance(value, str):
                    value = HEX_ID.sub(rename, value)
                elif col == "publication" and value:
                    value = f"{value} #copy{copy}"
                out.append(value)
            return tuple(out)

        db.executemany(f"INSERT INTO articles({','.join(art_cols)}) VALUES({','.join('?' * len(art_cols))})",
                       [with_ids(r, art_cols) for r in articles])
        db.executemany(f"INSERT INTO stories({','.join(story_cols)}) VALUES({','.join('?' * len(story_cols))})",
                       [with_ids(r, story_cols) for r in stories])
        db.executemany("INSERT INTO article_sources(article_id, source, run_id) VALUES(?,?,?)",
                       [(HEX_ID.sub(rename, a), f"{s}#copy{copy}", r) for a, s, r in sources])
        db.executemany("INSERT INTO story_articles(article_id, story_id) VALUES(?,?)",
                       [(HEX_ID.sub(rename, a), HEX_ID.sub(rename, s)) for a, s in members])
        db.commit()
    total = db.execute("SELECT COUNT(*) FROM articles").fetchone()[0]
    db.close()
    return int(total)


def wiretrace_cmd() -> list[str]:
    exe = shutil.which("wiretrace")
    return [exe] if exe else [sys.executable, "-m", "wiretrace"]


def timed_report(db: Path, output: Path, src: Path, timeout: float) -> dict:
    env = {**os.environ, "PYTHONPATH": str(src)}
    t = time.perf_counter()
    proc = subprocess.Popen([*wiretrace_cmd(), "report", "--db", str(db), "-o", str(output)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    try:
        _, err = proc.communicate(timeout=timeout)
        timed_out = False
    except subprocess.TimeoutExpired:
        proc.kill()
        _, err = proc.communicate()
        timed_out = True
    seconds = time.perf_counter() - t
    # ru_maxrss of the children reaped so far: the largest one, which is this process when it is the largest
    peak = _child_peak_mb()
    return {"output": output.suffix, "exit": proc.returncode, "timed_out": timed_out, "seconds": round(seconds, 1),
            "peak_mb_children_max": peak, "bytes": output.stat().st_size if output.exists() else 0,
            "stderr_tail": err.decode("utf-8", "replace")[-300:]}


def _child_peak_mb() -> int:
    import resource

    return int(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024)


def check_json(path: Path, expected_articles: int) -> str:
    report = json.loads(path.read_text(encoding="utf-8"))
    ids = [a["id"] for a in report["articles"]]
    in_stories = {aid for s in report["stories"] for aid in s["article_ids"]}
    ok = len(ids) == len(set(ids)) == expected_articles and in_stories <= set(ids)
    return "ok" if ok else f"articles {len(ids)} (unique {len(set(ids))}), expected {expected_articles}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--base", type=Path, required=True, help="a store written by `wiretrace analyze`")
    ap.add_argument("--sizes", default="5000,10000,20000,100000")
    ap.add_argument("--formats", default="json,html")
    ap.add_argument("--work", type=Path, default=Path("/tmp/wiretrace-report-scale"))
    ap.add_argument("--src", type=Path, default=ROOT / "src", help="the wiretrace source to run (before/after)")
    ap.add_argument("--timeout", type=float, default=900)
    ap.add_argument("--no-check", action="store_true", help="do not load the JSON report back to check it")
    args = ap.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    for size in (int(s) for s in args.sizes.split(",")):
        db = args.work / f"store-{size}.db"
        t = time.perf_counter()
        n = make_store(args.base, db, size)
        made = time.perf_counter() - t
        stories = sqlite3.connect(db).execute("SELECT COUNT(*) FROM stories").fetchone()[0]
        print(json.dumps({"size": size, "articles": n, "stories": stories, "store_mb": round(db.stat().st_size / 2**20),
                          "made_s": round(made, 1)}), flush=True)
        for fmt in args.formats.split(","):
            out = args.work / f"report-{size}.{fmt}"
            out.unlink(missing_ok=True)
            # each report in a fresh child so its ru_maxrss is its own: run through a small wrapper process
            row = _in_own_process(db, out, args.src, args.timeout)
            if fmt == "json" and row["exit"] == 0 and not args.no_check:
                row["check"] = check_json(out, n)
            print(json.dumps({"size": size, **row}), flush=True)
            out.unlink(missing_ok=True)
        db.unlink(missing_ok=True)


def _in_own_process(db: Path, out: Path, src: Path, timeout: float) -> dict:
    """Run timed_report in a fresh Python process, so RUSAGE_CHILDREN holds only this report's peak."""
    code = ("import json,sys; sys.path.insert(0, %r); import report_scale as r; "
            "print(json.dumps(r.timed_report(*map(__import__('pathlib').Path, sys.argv[1:4]), float(sys.argv[4]))))")
    proc = subprocess.run([sys.executable, "-c", code % str(Path(__file__).parent), str(db), str(out), str(src),
                           str(timeout)], capture_output=True, text=True, check=True)
    return json.loads(proc.stdout.strip().splitlines()[-1])


if __name__ == "__main__":
    main()
