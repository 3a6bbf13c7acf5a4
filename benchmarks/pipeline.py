"""Whole-pipeline speed benchmark: the real `wiretrace analyze` command line, timed in a child process.

The child is `python -c "from wiretrace.cli import app; app()" analyze FILE... --db DB -o report.json` run with this
interpreter, so it measures whatever wiretrace this venv imports; `--wiretrace-src DIR` puts another checkout's
`src` first on PYTHONPATH (e.g. a frozen BEFORE copy made with `git worktree add /tmp/wt-before HEAD`). Nothing in
this script imports wiretrace itself.

Parts (`--parts`, comma-separated):
- `ecb_basil`: ECB+ and BASIL from ../shared/data/clustering (never copied into the repo), each converted to a
  temporary JSONL (ECB+: `id` = doc_name, `text`; BASIL: `id` = file, `title`, `published` = date, `outlet`,
  `url`, `text`), shuffled with a fixed seed as `clustering.py` does, and analysed into a fresh store. Reported:
  articles/s, wall time, story B-cubed precision/recall/F1 against the gold events/triplets.
- `stream`: the synthetic labelled stream of `make_corpus.py --stream` (size `--n`) analysed at once: articles/s,
  B-cubed against the gold stories.
- `incremental`: the same stream (size `--incremental-n`, default `--n`) fed as 24 batches (its `hour` field) into
  one store, each batch timed; then the final stories compared with an all-at-once run of the same stream (the
  `stream` part's run when the sizes match, else a run made here): articles whose story-mates differ, and B-cubed
  of one partition against the other.

Each CLI call records wall time, the child's CPU time and peak RSS (os.wait4 on that child), the report's own
`run.timings`, and the store size (.db + -wal bytes) per stored article; the child's RSS is also sampled every
`RSS_EVERY_S` seconds into `<log>.rss.tsv` beside its log (kept with `--keep`), so a run that is cut off still
shows its memory curve. Records are mapped back to the report by
the input's `id` (`articles[].external_id`); a record the pipeline stored once with an identical earlier record
(same title and cleaned text: it has no report entry of its own) is mapped through the store's `article_sources`
table (input path:line) when the store has one. Load average is recorded before and after each part.

    python benchmarks/pipeline.py                                    # all parts, --n 2000
    python benchmarks/pipeline.py --parts stream --n 500 --out /tmp/p.json
    python benchmarks/pipeline.py --wiretrace-src /tmp/wt-before/src --parts ecb_basil --out /tmp/before.json
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shlex
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import metrics  # noqa: E402
from make_corpus import build_stream, describe  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data" / "clustering"
PARTS = ("ecb_basil", "stream", "incremental")
CLI = "import sys; sys.argv[0] = 'wiretrace'; from wiretrace.cli import app; app()"
EXTRA_ARGS: list[str] = []  # --analyze-args: appended to every `wiretrace analyze` call
INPUT_FIELDS = ("id", "title", "text", "outlet", "url", "published")  # never the gold label


def log(msg: str) -> None:
    print(f"[{datetime.now():%H:%M:%S}] {msg}", file=sys.stderr, flush=True)


def load_avg() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


# ---------------------------------------------------------------- the child process


def child_env(src: str | None) -> dict[str, str]:
    env = os.environ.copy()
    if src:
        env["PYTHONPATH"] = os.pathsep.join([str(Path(src).resolve())] + [p for p in [env.get("PYTHONPATH")] if p])
    return env


def code_info(env: dict[str, str]) -> dict:
    """Which wiretrace the child imports, its version and git commit (with a dirty flag)."""
    out = subprocess.run([sys.executable, "-c", "import wiretrace; print(wiretrace.__file__); print(wiretrace.__version__)"],
                         env=env, capture_output=True, text=True)
    lines = out.stdout.split()
    info = {"module": lines[0] if lines else None, "version": lines[1] if len(lines) > 1 else None,
            "python": sys.executable}
    if lines:
        src = Path(lines[0]).parent
        head = subprocess.run(["git", "-C", str(src), "rev-parse", "HEAD"], capture_output=True, text=True)
        dirty = subprocess.run(["git", "-C", str(src), "status", "--porcelain", "--", "."], capture_output=True,
                               text=True)
        info["commit"] = head.stdout.strip() or None
        info["dirty"] = bool(dirty.stdout.strip())
    return info


def store_bytes(db: Path) -> int:
    return sum(p.stat().st_size for p in (db, Path(f"{db}-wal")) if p.exists())


RSS_EVERY_S = 5.0  # how often run_cli samples the child's resident memory into its .rss.tsv


def rss_mb(pid: int) -> float | None:
    """The process's resident memory in MB from /proc (Linux), or None where it cannot be read."""
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def run_cli(inputs: list[Path], db: Path, report: Path, env: dict[str, str], timeout: float, logfile: Path) -> dict:
    """One `wiretrace analyze` in a child process: wall, CPU, peak RSS of that child, the report's run block."""
    cmd = [sys.executable, "-c", CLI, "analyze", *map(str, inputs), "--db", str(db), "-o", str(report), *EXTRA_ARGS]
    t0 = time.perf_counter()
    trace = logfile.with_suffix(".rss.tsv")  # seconds since start, RSS MB: survives a run that is cut off
    next_sample = 1.0
    with open(logfile, "w") as fh, open(trace, "w") as rss_out:
        proc = subprocess.Popen(cmd, env=env, stdout=fh, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        timed_out = False
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            elapsed = time.perf_counter() - t0
            if elapsed > timeout:
                proc.kill()
                timed_out = True
                pid, status, usage = os.wait4(proc.pid, 0)
                break
            if elapsed >= next_sample:
                rss = rss_mb(proc.pid)
                if rss is not None:
                    rss_out.write(f"{elapsed:.1f}\t{rss:.1f}\n")
                    rss_out.flush()
                next_sample = elapsed + RSS_EVERY_S
            time.sleep(0.05)
    wall = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    res = {"rc": proc.returncode, "timed_out": timed_out, "wall_s": round(wall, 3),
           "cpu_s": round(usage.ru_utime + usage.ru_stime, 2), "peak_rss_mb": round(usage.ru_maxrss / 1024, 1),
           "store_bytes": store_bytes(db)}
    if proc.returncode != 0 or not report.exists():
        res["log_tail"] = logfile.read_text(errors="replace")[-2000:]
        return res
    rep = json.loads(report.read_text())
    res["counts"] = rep["run"]["counts"]
    res["timings"] = {k: round(v, 3) for k, v in rep["run"].get("timings", {}).items()}
    res["embedder"] = rep["run"].get("embedder")
    res["report_errors"] = len(rep.get("errors", []))
    warnings = [ln for ln in logfile.read_text(errors="replace").splitlines() if ln.startswith(("warning", "error"))]
    res["log_warnings"] = len(warnings)
    if warnings:
        res["log_warning_sample"] = warnings[:5]
    return res


# ---------------------------------------------------------------- mapping and scoring


def store_maps(db: Path) -> tuple[dict[str, str], dict[str, str]] | None:
    """(input source "path:line" -> article id, article id -> story id) from the store, or None if its schema differs."""
    if not db.exists():
        return None
    try:
        con = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
        try:
            src = dict((s, a) for a, s in con.execute("SELECT article_id, source FROM article_sources"))
            story = dict(con.execute("SELECT article_id, story_id FROM story_articles"))
        finally:
            con.close()
    except sqlite3.Error:
        return None
    return src, story


def predicted(records: list[dict], sources: list[str], report: dict | None, db: Path,
              prefer_store: bool = False) -> tuple[list[str], dict]:
    """Story id per record (records the run lost get a singleton `unmapped-K`) and how each was mapped.

    `prefer_store`: take article -> story from the store (the final state after several runs) rather than from
    one run's report; the report then only fills what the store lacks.
    """
    rep_story: dict[str, str] = {}
    by_ext: dict[str, str] = {}
    by_src: dict[str, str] = {}
    if report:
        for s in report.get("stories", []):
            for aid in s.get("article_ids", []):
                rep_story[aid] = s["id"]
        for a in report.get("articles", []):
            if a.get("external_id") is not None:
                by_ext[a["external_id"]] = a["id"]
            by_src[a["source"]] = a["id"]
    st = store_maps(db)
    st_src, st_story = st if st else ({}, {})
    story = {**rep_story, **st_story} if prefer_store else {**st_story, **rep_story}
    pred, how = [], defaultdict(int)
    for k, (r, src) in enumerate(zip(records, sources, strict=True)):
        aid, via = by_ext.get(r["id"]), "report"
        if aid is None:
            aid, via = st_src.get(src) or by_src.get(src), "store"
        sid = story.get(aid) if aid else None
        if sid is None:
            pred.append(f"unmapped-{k}")
            how["unmapped"] += 1
        else:
            pred.append(sid)
            how[via] += 1
    info = dict(how)
    info["store_schema_read"] = st is not None
    return pred, info


def bcubed(pred: list[str], gold: list[str]) -> dict[str, float]:
    """`metrics.bcubed` as a results row, with the number of predicted and gold clusters."""
    prec, rec, f1 = metrics.bcubed(pred, gold)
    return {"P": round(prec, 4), "R": round(rec, 4), "F1": round(f1, 4), "clusters": len(set(pred)),
            "gold": len(set(gold))}


def differing(a: list[str], b: list[str]) -> int:
    """Records whose set of story-mates is not the same in partitions a and b."""
    ga, gb = defaultdict(set), defaultdict(set)
    for i, (x, y) in enumerate(zip(a, b, strict=True)):
        ga[x].add(i)
        gb[y].add(i)
    return sum(1 for x, y in zip(a, b, strict=True) if ga[x] != gb[y])


# ---------------------------------------------------------------- inputs


def write_jsonl(rows: list[dict], path: Path) -> list[str]:
    """Write the CLI's input (no gold fields); return each record's source as the reader names it (path:line)."""
    with open(path, "w") as fh:
        for r in rows:
            fh.write(json.dumps({k: r[k] for k in INPUT_FIELDS if r.get(k) is not None}) + "\n")
    return [f"{path}:{i}" for i in range(1, len(rows) + 1)]


def load_set(name: str, seed: int = 0) -> tuple[list[dict], list[str]]:
    path = DATA / f"{name}.jsonl"
    if not path.exists():
        raise SystemExit(f"missing {path}: the ecb_basil part needs ../shared/data/clustering")
    rows, gold = [], []
    for line in path.open():
        r = json.loads(line)
        if name == "ecbplus":
            rows.append({"id": r["doc_name"], "text": r["text"]})
            gold.append(r["event_cluster"])
        else:
            rows.append({"id": r["file"], "title": r.get("title"), "published": r.get("date"), "outlet": r.get("source"),
                         "url": r.get("url"), "text": r["text"]})
            gold.append(r["triplet_uuid"])
    order = list(range(len(rows)))
    random.Random(seed).shuffle(order)  # arrival order not grouped by story, as in clustering.py
    return [rows[i] for i in order], [gold[i] for i in order]


def rate(n: int, res: dict) -> dict:
    out = {"records": n, "articles_per_s": round(n / res["wall_s"], 3) if res["wall_s"] else None,
           "articles_per_cpu_s": round(n / res["cpu_s"], 3) if res.get("cpu_s") else None}
    stored = (res.get("counts") or {}).get("articles_new")
    if stored:
        out["stored_articles"] = stored
        out["store_bytes_per_article"] = round(res["store_bytes"] / stored)
    return out


# ---------------------------------------------------------------- parts


def part_ecb_basil(args: argparse.Namespace, env: dict, work: Path) -> dict:
    out: dict = {}
    for name in ("ecbplus", "basil"):
        rows, gold = load_set(name, args.seed)
        if args.limit:
            rows, gold = rows[: args.limit], gold[: args.limit]
        inp, db, rep = work / f"{name}.jsonl", work / f"{name}.db", work / f"{name}.report.json"
        sources = write_jsonl(rows, inp)
        log(f"ecb_basil: {name} ({len(rows)} articles) ...")
        res = run_cli([inp], db, rep, env, args.timeout, work / f"{name}.log")
        res.update(rate(len(rows), res))
        if res["rc"] == 0:
            pred, res["mapped"] = predicted(rows, sources, json.loads(rep.read_text()), db)
            res["b3"] = bcubed(pred, gold)
        log(f"ecb_basil: {name} {summary(res)}")
        out[name] = res
    done = [r for r in out.values() if r["rc"] == 0]
    if done:
        n = sum(r["records"] for r in done)
        wall = sum(r["wall_s"] for r in done)
        out["total"] = {"records": n, "wall_s": round(wall, 2), "articles_per_s": round(n / wall, 3)}
    return out


def stream_rows(n: int, args: argparse.Namespace) -> list[dict]:
    return build_stream(n, args.seed, days=args.days)


FILE_RECORDS = 10_000  # records per input file: the CLI refuses a file over its size limit (a 50k stream is ~80 MB)


def all_at_once(rows: list[dict], env: dict, work: Path, tag: str, timeout: float) -> tuple[dict, list[str] | None]:
    db, rep = work / f"{tag}.db", work / f"{tag}.report.json"
    parts = [rows[k : k + FILE_RECORDS] for k in range(0, len(rows), FILE_RECORDS)]
    inputs = [work / f"{tag}.jsonl"] if len(parts) == 1 else [work / f"{tag}-{k:02d}.jsonl" for k in range(len(parts))]
    sources = [s for part, inp in zip(parts, inputs, strict=True) for s in write_jsonl(part, inp)]
    log(f"{tag}: {len(rows)} articles at once ({len(inputs)} input file(s)) ...")
    res = run_cli(inputs, db, rep, env, timeout, work / f"{tag}.log")
    res.update(rate(len(rows), res))
    pred = None
    # 1 = some inputs or stories failed (named in the log): a 50k stream has records with no text, and the report
    # still holds every other article, so it is scored; a killed run or one with nothing done is not.
    if res["rc"] in (0, 1) and not res["timed_out"] and rep.exists():
        pred, res["mapped"] = predicted(rows, sources, json.loads(rep.read_text()), db)
        res["b3"] = bcubed(pred, [r["label"] for r in rows])
    log(f"{tag}: {summary(res)}")
    return res, pred


def part_stream(args: argparse.Namespace, env: dict, work: Path, cache: dict) -> dict:
    rows = stream_rows(args.n, args)
    res, pred = all_at_once(rows, env, work, f"stream{args.n}", args.timeout)
    res["corpus"] = describe(rows)
    cache[args.n] = (res, pred)
    return res


def cost_model(batches: list[dict], key: str) -> dict | None:
    """Least squares over the batches: cost = fixed + per_article x articles + per_hour x hour, with standard errors.

    Why: the issue's figure (the last batch against the first, per article) compares two small batches of different
    sizes, and one run's batches spread from 0.15 to 0.28 s an article with no trend; a run-wide fit says whether the
    cost grows with the store (per_hour) apart from the batch's size and the fixed cost of one run. `mean_batch_ratio`:
    a batch of the mean size at the last hour against the same batch at the first."""
    import numpy as np

    if len(batches) < 4:
        return None
    n = np.asarray([b["records"] for b in batches], dtype=float)
    h = np.asarray([b["hour"] for b in batches], dtype=float)
    y = np.asarray([b[key] for b in batches], dtype=float)
    x = np.column_stack([np.ones_like(n), n, h])
    coef, *_ = np.linalg.lstsq(x, y, rcond=None)
    resid = y - x @ coef
    se = np.sqrt(np.diag((resid @ resid) / (len(y) - 3) * np.linalg.pinv(x.T @ x)))
    first = coef[0] + coef[1] * n.mean() + coef[2] * h.min()
    last = first + coef[2] * (h.max() - h.min())
    return {"fixed_s": round(float(coef[0]), 3), "fixed_se": round(float(se[0]), 3),
            "per_article_s": round(float(coef[1]), 4), "per_article_se": round(float(se[1]), 4),
            "per_hour_s": round(float(coef[2]), 4), "per_hour_se": round(float(se[2]), 4),
            "mean_batch_ratio": round(float(last / first), 3) if first > 0 else None}


def part_incremental(args: argparse.Namespace, env: dict, work: Path, cache: dict) -> dict:
    n = args.incremental_n or args.n
    rows = stream_rows(n, args)
    db, batches = work / f"incr{n}.db", []
    sources: list[str | None] = [None] * len(rows)
    t_all = time.perf_counter()
    for h in range(24):
        idx = [i for i, r in enumerate(rows) if r["hour"] == h]
        if not idx:
            continue
        inp, rep = work / f"incr{n}-h{h:02d}.jsonl", work / f"incr{n}-h{h:02d}.report.json"
        for i, s in zip(idx, write_jsonl([rows[i] for i in idx], inp), strict=True):
            sources[i] = s
        res = run_cli([inp], db, rep, env, args.timeout, work / f"incr{n}-h{h:02d}.log")
        res.update(rate(len(idx), res))
        res["hour"] = h
        res["s_per_article"] = round(res["wall_s"] / len(idx), 4)
        pipe = sum((res.get("timings") or {}).values())
        res["pipeline_s_per_article"] = round(pipe / len(idx), 4) if pipe else None
        res["stories_in_report"] = (res.get("counts") or {}).get("stories")
        batches.append(res)
        log(f"incremental: hour {h:2d} {len(idx):4d} articles {summary(res)}")
        if res["rc"] != 0:
            log("incremental: batch failed; stopping")
            break
    out: dict = {"records": n, "batches": batches, "wall_s": round(time.perf_counter() - t_all, 2),
                 "corpus": describe(rows)}
    ok = [b for b in batches if b["rc"] == 0]
    if not ok:
        return out
    first, last = ok[0], ok[-1]
    out.update({
        "first_batch": {k: first[k] for k in ("hour", "records", "wall_s", "s_per_article", "pipeline_s_per_article")},
        "last_batch": {k: last[k] for k in ("hour", "records", "wall_s", "s_per_article", "pipeline_s_per_article")},
        "ratio_last_first_s_per_article": round(last["s_per_article"] / first["s_per_article"], 3),
        "ratio_last_first_pipeline_s_per_article": round(last["pipeline_s_per_article"] / first["pipeline_s_per_article"], 3)
        if first.get("pipeline_s_per_article") and last.get("pipeline_s_per_article") else None,
        "articles_per_s": round(sum(b["records"] for b in ok) / sum(b["wall_s"] for b in ok), 3),
        "cpu_s": round(sum(b["cpu_s"] for b in ok), 2),
        "articles_per_cpu_s": round(sum(b["records"] for b in ok) / (sum(b["cpu_s"] for b in ok) or 1), 3),
        "peak_rss_mb": max(b["peak_rss_mb"] for b in ok),
        "store_bytes": store_bytes(db),
        "cost_model": {key: cost_model(ok, key) for key in ("wall_s", "cpu_s")},
    })
    stored = sum((b.get("counts") or {}).get("articles_new", 0) for b in ok)
    if stored:
        out["store_bytes_per_article"] = round(out["store_bytes"] / stored)
    if len(ok) < len([h for h in range(24) if any(r["hour"] == h for r in rows)]):
        return out
    last_report = work / f"incr{n}-h{last['hour']:02d}.report.json"
    pred, out["mapped"] = predicted(rows, [s or "" for s in sources], json.loads(last_report.read_text()), db,
                                    prefer_store=True)
    if not out["mapped"]["store_schema_read"]:
        # the store's schema is not the one this script knows: read the final stories back with one more
        # (untimed) run over every batch file, whose report lists every article and its story
        files = sorted(work.glob(f"incr{n}-h*.jsonl"))
        rb = run_cli(files, db, work / f"incr{n}-readback.json", env, args.timeout, work / f"incr{n}-readback.log")
        out["readback"] = {k: rb[k] for k in ("rc", "wall_s")}
        if rb["rc"] == 0:
            pred, out["mapped"] = predicted(rows, [s or "" for s in sources],
                                            json.loads((work / f"incr{n}-readback.json").read_text()), db)
    out["b3_vs_gold"] = bcubed(pred, [r["label"] for r in rows])
    ref_res, ref = cache.get(n, (None, None))
    if ref is None:
        ref_res, ref = all_at_once(rows, env, work, f"stream{n}", args.timeout)
        out["all_at_once_run"] = ref_res
    out["all_at_once_wall_s"] = ref_res["wall_s"] if ref_res else None
    if ref is not None:
        out["vs_all_at_once"] = {"same_partition": differing(pred, ref) == 0, "differing_articles": differing(pred, ref),
                                 "b3_incremental_vs_all_at_once": bcubed(pred, ref)}
    return out


# ---------------------------------------------------------------- output


def summary(res: dict) -> str:
    if res.get("rc") not in (0, 1) or res.get("timed_out"):
        return f"FAILED rc={res.get('rc')} timed_out={res.get('timed_out')} after {res.get('wall_s')}s"
    b3 = res.get("b3")
    return (("some inputs or stories failed (see the log), " if res.get("rc") else "")
            + f"{res['wall_s']:.1f}s wall, {res.get('articles_per_s')} art/s, cpu {res['cpu_s']}s, "
            f"rss {res['peak_rss_mb']:.0f} MB, timings {res.get('timings')}"
            + (f", B3 P/R/F1 {b3['P']:.3f}/{b3['R']:.3f}/{b3['F1']:.3f}" if b3 else ""))


def table(results: dict) -> str:
    rows = [("part", "records", "wall s", "art/s", "art/cpu-s", "peak RSS MB", "store B/art", "B3 P/R/F1")]

    def add(name: str, r: dict) -> None:
        b3 = r.get("b3") or r.get("b3_vs_gold")
        rows.append((name, str(r.get("records", "")), f"{r.get('wall_s', '')}", f"{r.get('articles_per_s', '')}",
                     f"{r.get('articles_per_cpu_s', '')}", f"{r.get('peak_rss_mb', '')}",
                     f"{r.get('store_bytes_per_article', '')}",
                     f"{b3['P']:.3f}/{b3['R']:.3f}/{b3['F1']:.3f}" if b3 else
                     # a sum row (no run of its own, no rc) is not a failure
                     ("FAILED" if "rc" in r and (r["rc"] not in (0, 1) or r.get("timed_out")) else "")))

    parts = results["parts"]
    for name in ("ecbplus", "basil", "total"):
        if name in parts.get("ecb_basil", {}):
            add("ecb+basil" if name == "total" else name, parts["ecb_basil"][name])
    if "stream" in parts:
        add(f"stream n={parts['stream']['records']}", parts["stream"])
    inc = parts.get("incremental")
    if inc:
        if "all_at_once_run" in inc:
            add(f"stream n={inc['records']} (ref)", inc["all_at_once_run"])
        add(f"incremental n={inc['records']} (24 runs)", inc)
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in rows]
    if inc and inc.get("first_batch"):
        f, la = inc["first_batch"], inc["last_batch"]
        lines.append(f"incremental: first batch (hour {f['hour']}, {f['records']} art) {f['wall_s']}s = "
                     f"{f['s_per_article']} s/art; last (hour {la['hour']}, {la['records']} art) {la['wall_s']}s = "
                     f"{la['s_per_article']} s/art; ratio last/first {inc['ratio_last_first_s_per_article']} "
                     f"(in-pipeline s/art {f['pipeline_s_per_article']} -> {la['pipeline_s_per_article']})")
        lines.append("incremental s/article per batch: " + " ".join(f"{b['s_per_article']:.2f}" for b in inc["batches"]))
        for key, m in (inc.get("cost_model") or {}).items():
            if m:
                lines.append(f"incremental {key} per batch = {m['fixed_s']} (se {m['fixed_se']}) + {m['per_article_s']} "
                             f"(se {m['per_article_se']}) x articles + {m['per_hour_s']} (se {m['per_hour_se']}) x hour; "
                             f"a mean-size batch, last hour / first: {m['mean_batch_ratio']}")
        if inc.get("vs_all_at_once"):
            v = inc["vs_all_at_once"]
            b = v["b3_incremental_vs_all_at_once"]
            lines.append(f"incremental vs all at once: same partition {v['same_partition']}, "
                         f"{v['differing_articles']} articles differ, B3 P/R/F1 {b['P']:.3f}/{b['R']:.3f}/{b['F1']:.3f}")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--parts", default=",".join(PARTS), help=f"comma-separated, of {', '.join(PARTS)}")
    ap.add_argument("--n", type=int, default=2000, help="stream size for the stream part")
    ap.add_argument("--incremental-n", type=int, default=None, help="stream size for the incremental part (default --n)")
    ap.add_argument("--limit", type=int, default=None, help="ecb_basil: only the first N (shuffled) articles of each set")
    ap.add_argument("--seed", type=int, default=0, help="stream seed and ECB+/BASIL arrival-order seed")
    ap.add_argument("--days", type=float, default=6.0, help="days the synthetic stream covers (24 batches over them)")
    ap.add_argument("--wiretrace-src", default=None, help="a checkout's src/ to put first on the child's PYTHONPATH")
    ap.add_argument("--analyze-args", default="", help="extra options for every `wiretrace analyze` call, "
                    "e.g. \"--executor process\" (recorded in the results)")
    ap.add_argument("--timeout", type=float, default=1800, help="seconds allowed to one CLI call")
    ap.add_argument("--workdir", default=None, help="where inputs, stores and reports go (default: a temp dir)")
    ap.add_argument("--keep", action="store_true", help="keep the work dir (stores, reports, logs)")
    ap.add_argument("--label", default="", help="free text recorded in the results (e.g. before / after)")
    ap.add_argument("--out", default=str(ROOT / "benchmarks" / "results" / "pipeline.json"), help="JSON results")
    ap.add_argument("--show", nargs="+", default=None, metavar="JSON",
                    help="only print the table of earlier results files")
    args = ap.parse_args()
    if args.show:
        for path in args.show:
            res = json.loads(Path(path).read_text())
            print(f"{path}: {res.get('label')} {res['code'].get('module')} {res['code'].get('commit')} "
                  f"dirty={res['code'].get('dirty')} {res['started']} .. {res.get('finished')}")
            print(table(res))
            print("load average: " + "; ".join(f"{k} {v['before']} -> {v['after']}" for k, v in res["load_avg"].items()))
        return
    parts = [p.strip() for p in args.parts.split(",") if p.strip()]
    bad = [p for p in parts if p not in PARTS]
    if bad:
        raise SystemExit(f"unknown part(s) {bad}: choose from {PARTS}")
    EXTRA_ARGS[:] = shlex.split(args.analyze_args)
    env = child_env(args.wiretrace_src)
    work = Path(args.workdir) if args.workdir else Path(tempfile.mkdtemp(prefix="wiretrace-pipeline-"))
    work.mkdir(parents=True, exist_ok=True)
    results: dict = {
        "label": args.label, "started": datetime.now(UTC).isoformat(timespec="seconds"),
        "args": vars(args), "code": code_info(env), "cpus": os.cpu_count(), "parts": {}, "load_avg": {},
    }
    log(f"measuring {results['code']} in {work}")
    cache: dict = {}
    try:
        for part in PARTS:
            if part not in parts:
                continue
            before = load_avg()
            t = time.perf_counter()
            if part == "ecb_basil":
                results["parts"][part] = part_ecb_basil(args, env, work)
            elif part == "stream":
                results["parts"][part] = part_stream(args, env, work, cache)
            else:
                results["parts"][part] = part_incremental(args, env, work, cache)
            results["load_avg"][part] = {"before": before, "after": load_avg(),
                                         "part_wall_s": round(time.perf_counter() - t, 1)}
    finally:
        results["finished"] = datetime.now(UTC).isoformat(timespec="seconds")
        Path(args.out).parent.mkdir(parents=True, exist_ok=True)
        Path(args.out).write_text(json.dumps(results, indent=1))
        if not args.keep and not args.workdir:
            shutil.rmtree(work, ignore_errors=True)
    print(table(results))
    print("load average (1/5/15 min) before/after each part: "
          + "; ".join(f"{k} {v['before']} -> {v['after']}" for k, v in results["load_avg"].items()))
    print(f"results: {args.out}")


if __name__ == "__main__":
    main()
