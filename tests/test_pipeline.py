"""End to end through the real CLI, store and stages: the spine's promises."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from wiretrace import pipeline as local
from wiretrace.cli import app
from wiretrace.pipeline import Context
from wiretrace.report.json_report import validate
from wiretrace.samples import corpus_path
from wiretrace.store import Store

DATA = Path(__file__).parent / "data" / "ingest"
SEEDS = Path(__file__).resolve().parents[1].parent / "shared" / "seeds"
runner = CliRunner()


def analyze(tmp_path: Path, *paths: str | Path, db: str = "w.db", out: str = "r.json") -> tuple[int, dict, str]:
    result = runner.invoke(app, ["analyze", *map(str, paths), "-o", str(tmp_path / out), "--db", str(tmp_path / db)])
    report = json.loads((tmp_path / out).read_text()) if (tmp_path / out).exists() and out.endswith(".json") else {}
    return result.exit_code, report, result.output


def test_sample_corpus_report_is_valid_and_rerun_adds_nothing(tmp_path):
    code, report, _ = analyze(tmp_path, corpus_path())
    assert code == 0
    validate(report)
    assert len(report["articles"]) == 6
    assert report["run"]["counts"]["articles_new"] == 6
    with Store(tmp_path / "w.db") as store:
        n_stories = len(store.story_ids())
    import copy

    import jsonschema

    for path, bad in ((("stories", 0, "article_ids"), "not a list"), (("articles", 0, "id"), None)):
        broken = copy.deepcopy(report)
        target = broken
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = bad
        with pytest.raises(jsonschema.ValidationError):
            validate(broken)
    code, again, _ = analyze(tmp_path, corpus_path(), out="r2.json")
    assert code == 0
    assert again["run"]["counts"]["articles_new"] == 0
    with Store(tmp_path / "w.db") as store:
        assert store.count_articles() == 6
        assert len(store.story_ids()) == n_stories
        assert [r["status"] for r in store.runs()] == ["ok", "ok"]
    assert sorted(a["id"] for a in again["articles"]) == sorted(a["id"] for a in report["articles"])


def test_mixed_folder_two_articles_two_errors(tmp_path):
    code, report, output = analyze(tmp_path, DATA / "mixed")
    assert code == 1  # some inputs failed (each named), the rest was analysed
    assert len(report["articles"]) == 2
    assert {Path(e["source"]).name for e in report["errors"]} == {"binary.txt", "empty.txt"}
    assert "binary.txt" in output and "empty.txt" in output
    with Store(tmp_path / "w.db") as store:
        assert store.count_articles() == 2


def test_nothing_readable_exits_2(tmp_path):
    code, report, output = analyze(tmp_path, DATA / "mixed" / "empty.txt", DATA / "truncated.txt.gz")
    assert code == 2
    assert report["articles"] == [] and len(report["errors"]) == 2
    assert "truncated" in output


def test_second_batch_extends_existing_stories(tmp_path):
    first, second = tmp_path / "first", tmp_path / "second"
    first.mkdir()
    second.mkdir()
    for f in corpus_path().iterdir():
        if f.name == "README.md":
            continue
        target = first if f.name.startswith(("meridian", "northgate", "port-sella")) else second
        shutil.copy(f, target / f.name)
    analyze(tmp_path, first, db="halves.db")
    code, report, _ = analyze(tmp_path, second, db="halves.db", out="r2.json")
    assert code == 0
    validate(report)
    analyze(tmp_path, corpus_path(), db="once.db", out="r3.json")

    def partition(db: str) -> set[frozenset[str]]:
        with Store(tmp_path / db) as store:
            return {frozenset(store.story_article_ids(s)) for s in store.story_ids()}

    assert partition("halves.db") == partition("once.db")


def test_interrupted_run_is_completed_by_the_next(tmp_path, monkeypatch):
    db = tmp_path / "w.db"

    def boom(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(local, "analyse_pending", boom)
    with Store(db) as store, pytest.raises(KeyboardInterrupt):
        local.analyze([str(corpus_path())], store, Context())
    with Store(db) as store:
        assert store.count_articles() == 6
        assert store.runs()[-1]["status"] == "failed"
        pending = store.stories_needing_analysis()
        assert pending  # clustered but not analysed
    monkeypatch.undo()
    # Die inside clustering this time, on a fresh store: articles stored, nothing assigned.
    db2 = tmp_path / "w2.db"
    monkeypatch.setattr(local, "cluster_pending", boom)
    with Store(db2) as store, pytest.raises(KeyboardInterrupt):
        local.analyze([str(corpus_path())], store, Context())
    monkeypatch.undo()
    with Store(db2) as store:
        assert len(store.unassigned_article_ids()) == 6
    for path in (db, db2):
        code, report, _ = analyze(tmp_path, corpus_path(), db=path.name, out=path.stem + ".json")
        assert code == 0
        validate(report)
        with Store(path) as store:
            assert store.count_articles() == 6
            assert store.unassigned_article_ids() == []
            assert store.stories_needing_analysis() == []
            assert sum(len(store.story_article_ids(s)) for s in store.story_ids()) == 6


def test_html_report_is_self_contained(tmp_path):
    code, _, _ = analyze(tmp_path, corpus_path(), out="r.html")
    assert code == 0
    html = (tmp_path / "r.html").read_text()
    assert "<html" in html and "Velmora" in html
    assert "http://" not in html.replace("http://www.w3.org", "") and "https://cdn" not in html
    assert "<script src=" not in html


def test_extract_json_lines(tmp_path):
    result = runner.invoke(app, ["extract", str(DATA / "page.html"), str(DATA / "articles.jsonl"), "--json"])
    assert result.exit_code == 1  # one malformed record: named on stderr, the rest printed
    lines = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    assert len(lines) == 3
    assert lines[0]["source"] == str(DATA / "page.html")
    assert "Ferry workers" in lines[0]["text"]
    assert lines[1]["external_id"] == "a-1"
    assert "malformed JSON" in result.output


def test_every_command_has_help_with_an_example():
    for args in (["--help"], ["analyze", "--help"], ["extract", "--help"], ["demo", "--help"]):
        result = runner.invoke(app, args)
        assert result.exit_code == 0
        assert "Example" in result.output


@pytest.mark.skipif(not SEEDS.exists(), reason="../shared/seeds not present")
def test_seeds_report(tmp_path):
    code, report, _ = analyze(tmp_path, SEEDS)
    assert code == 0
    validate(report)
    assert len(report["articles"]) == 5
    _, again, _ = analyze(tmp_path, SEEDS, out="again.json")
    assert again["run"]["counts"]["articles_new"] == 0


@pytest.mark.ray
def test_ray_executor_gives_the_same_stories(tmp_path, monkeypatch):
    pytest.importorskip("ray")
    import wiretrace.pipeline as local_executor

    # The article stages (clean, analyse, fingerprint) are mapped over the workers per batch: several batches here.
    monkeypatch.setattr(local_executor, "BATCH", 2)
    result = runner.invoke(
        app,
        ["analyze", str(corpus_path()), "-o", str(tmp_path / "ray.json"), "--db", str(tmp_path / "ray.db"),
         "--executor", "ray", "--workers", "2"],
    )
    assert result.exit_code == 0, result.output
    ray_report = json.loads((tmp_path / "ray.json").read_text())
    validate(ray_report)
    _, local_report, _ = analyze(tmp_path, corpus_path(), db="local.db", out="local.json")

    def shape(report: dict) -> set[frozenset[str]]:
        return {frozenset(s["article_ids"]) for s in report["stories"]}

    assert shape(ray_report) == shape(local_report)
    # Same stages, same answers. Scores may differ in the last bits (embedding batch shapes differ per process),
    # so compare the decisions, not the floats.
    assert decisions(ray_report) == decisions(local_report)
    assert all(s["stages"] == ["align", "provenance", "claims", "timeline", "entities"] for s in ray_report["stories"])


def decisions(report: dict) -> list[tuple]:
    out = []
    for s in sorted(report["stories"], key=lambda s: s["id"]):
        origins = sorted((o["name"], o["kind"], o.get("secondary", False), tuple(sorted(o["article_ids"])),
                          o["closest_witness"]) for o in s.get("origins", []))
        edges = sorted((e["from"], e["to"], e["relation"]) for e in s.get("reuse", []))
        out.append((s["id"], tuple(s["article_ids"]), s.get("independent_origins"), tuple(origins), tuple(edges)))
    return out


def test_no_singleton_claims_leaves_one_article_stories_without_claims(tmp_path):
    result = runner.invoke(app, ["analyze", str(corpus_path()), "-o", str(tmp_path / "r.json"),
                                 "--db", str(tmp_path / "w.db"), "--no-singleton-claims"])
    assert result.exit_code == 0, result.output
    report = json.loads((tmp_path / "r.json").read_text())
    validate(report)
    sizes = {len(s["article_ids"]): s for s in report["stories"]}
    assert sizes[1]["stages"] == ["align", "provenance"] and "claims" not in sizes[1]
    assert sizes[5]["stages"] == ["align", "provenance", "claims", "timeline", "entities"] and sizes[5]["claims"]


def test_process_executor_gives_the_same_answers(tmp_path):
    result = runner.invoke(app, ["analyze", str(corpus_path()), "-o", str(tmp_path / "p.json"),
                                 "--db", str(tmp_path / "p.db"), "--executor", "process", "--workers", "2"])
    assert result.exit_code == 0, result.output
    proc = json.loads((tmp_path / "p.json").read_text())
    _, local_report, _ = analyze(tmp_path, corpus_path(), db="local.db", out="local.json")
    assert decisions(proc) == decisions(local_report)


def test_the_claims_parse_is_made_with_the_article_once():
    """Issue 19: the parse is article-level work, made in the article stages (where the executor spreads it) when
    one-article stories get claims, and the story stage reads it instead of parsing again."""
    from wiretrace import claims
    from wiretrace.ingest import ReadError, read_paths
    from wiretrace.model import Story
    from wiretrace.pipeline import clean_batch

    items = [i for i in read_paths([str(corpus_path())]) if not isinstance(i, ReadError)]
    arts = clean_batch(items, Context())
    assert arts and all(a.analysis.parse is not None for a in arts)
    made = {a.id: a.analysis.parse for a in arts}
    claims.run(Story(id="s", article_ids=[a.id for a in arts]), {a.id: a for a in arts}, Context())
    assert all(a.analysis.parse is made[a.id] for a in arts)  # read, not parsed again

    off = Context()
    off.config.singleton_claims = False  # a one-article story never needs it: the story stage parses when it grows
    items = [i for i in read_paths([str(corpus_path())]) if not isinstance(i, ReadError)]
    assert all(a.analysis.parse is None for a in clean_batch(items, off))


def test_a_worker_keeps_its_models_across_tasks():
    """An executor pickles the context with every task; a worker must not load spaCy again for each one."""
    import pickle

    from wiretrace.config import Config

    ctx = Context()
    first, second = pickle.loads(pickle.dumps(ctx)), pickle.loads(pickle.dumps(ctx))
    assert first._cache is second._cache and not ctx._cache  # the driver's own cache is its own
    assert pickle.loads(pickle.dumps(Context(Config(embedder="lexical"))))._cache is not first._cache


class _CountingNlp:
    """The real spaCy pipeline, recording how many texts each call parses."""

    def __init__(self, nlp) -> None:
        self.nlp, self.calls = nlp, []

    def pipe(self, texts, **kw):
        texts = list(texts)
        self.calls.append(len(texts))
        return self.nlp.pipe(texts, **kw)

    def __getattr__(self, name):
        return getattr(self.nlp, name)


def test_a_stored_article_is_parsed_once_across_stages_and_runs(tmp_path):
    """Issue 19: the parse made at ingest (one call over the batch) is stored and read by the story stage; when a
    later run adds an article to the story, only that article is parsed."""
    from wiretrace.pipeline import analyze as run

    ctx = Context()
    counting = _CountingNlp(ctx.nlp(ner=True))
    ctx._cache[next(k for k in ctx._cache if k.startswith("spacy:"))] = counting
    with Store(tmp_path / "w.db") as store:
        first = run([str(corpus_path())], store, ctx)
        assert not first.errors and len(first.new_article_ids) == 6
        assert counting.calls == [6]  # ingest, all at once; the story stages parsed nothing again
        later = tmp_path / "later"
        later.mkdir()
        wire = (corpus_path() / "meridian-wire.txt").read_text().split("\n", 1)
        (later / "carried.jsonl").write_text(json.dumps({  # the wire copy carried by one more outlet
            "url": "https://another-outlet.example/dam", "outlet": "Another Outlet", "title": wire[0],
            "text": wire[1]}) + "\n")
        second = run([str(later)], store, ctx)
        assert len(second.new_article_ids) == 1 and second.story_ids
        grown = store.story_article_ids(second.story_ids[0])
        assert len(grown) == 6  # it joined the wire story, whose five stored articles were not parsed again
        assert counting.calls == [6, 1]


def test_an_input_read_again_is_not_analysed_again(tmp_path, monkeypatch):
    """Issue 19: a feed read every hour repeats most of its items. A publication the store holds with a current
    analysis is cleaned (its id is known only then) and recorded as seen again, never re-analysed; one stored with
    an analysis of another version is analysed again."""
    import wiretrace.analysis as analysis
    from wiretrace.pipeline import analyze as run

    ctx = Context()
    counting = _CountingNlp(ctx.nlp(ner=True))
    ctx._cache[next(k for k in ctx._cache if k.startswith("spacy:"))] = counting
    analysed: list[int] = []
    real = analysis.analyse
    monkeypatch.setattr(analysis, "analyse", lambda art: analysed.append(1) or real(art))
    with Store(tmp_path / "w.db") as store:
        first = run([str(corpus_path())], store, ctx)
        assert len(first.new_article_ids) == 6 and len(analysed) == 6 and counting.calls == [6]
        copy = tmp_path / "again"
        shutil.copytree(corpus_path(), copy)  # the same publications, read from another input
        again = run([str(corpus_path()), str(copy)], store, ctx)
        assert not again.errors and not again.new_article_ids
        assert len(analysed) == 6 and counting.calls == [6]  # nothing analysed, nothing parsed
        assert sorted(again.article_ids) == sorted(first.article_ids) and again.story_ids == first.story_ids
        inputs = store.article_inputs(first.article_ids)
        assert all(len(v) == 2 for v in inputs.values())  # each seen in both inputs
        monkeypatch.setattr(analysis, "ANALYSIS_VERSION", analysis.ANALYSIS_VERSION + 1)
        run([str(corpus_path())], store, ctx)
        assert len(analysed) == 12 and counting.calls == [6, 6]  # another version: analysed (and stored) again
        assert store.analysis_counts() == {"current": 6, "missing_or_outdated": 0}


def test_a_parse_that_runs_out_of_time_is_left_to_the_story_stage():
    """The article stages' deadline never costs an article its place: the parse is optional, the article goes on
    unparsed, and claims parses it."""
    from wiretrace import claims
    from wiretrace.ingest import ReadError, read_paths
    from wiretrace.model import Story
    from wiretrace.pipeline import _run_article_stage, article_stages, clean_batch

    ctx = Context()
    items = [i for i in read_paths([str(corpus_path())]) if not isinstance(i, ReadError)]
    arts = clean_batch(items, ctx, through="cluster.fingerprint")
    ctx.nlp(ner=True)  # loaded outside the deadline
    ctx.config.max_input_seconds = 0.001
    stage = next(st for st in article_stages() if st.name == "claims.parse")
    failed: list = []
    out = [x for a in arts for x in _run_article_stage(stage, [a], ctx, failed)]
    assert all(x is a for x, a in zip(out, arts, strict=True)) and not failed
    assert any(a.analysis.parse is None for a in arts)
    for k, a in enumerate(arts):
        a.id = f"a{k}"
    claims.run(Story(id="s", article_ids=[a.id for a in arts]), {a.id: a for a in arts}, ctx)
    assert all(a.analysis.parse is not None for a in arts)


def test_the_cluster_step_reads_stored_articles_a_chunk_at_a_time_with_the_same_decisions(tmp_path, monkeypatch):
    """Issue 19 (memory): a big first run must not hold every stored article in memory to cluster them; reading
    them a chunk at a time changes no decision, merges across chunks included."""
    inputs = [corpus_path(), *([SEEDS] if SEEDS.exists() else [])]
    code, whole, _ = analyze(tmp_path, *inputs, db="whole.db", out="whole.json")
    monkeypatch.setattr(local, "CLUSTER_CHUNK", 2)
    code2, chunked, _ = analyze(tmp_path, *inputs, db="chunked.db", out="chunked.json")
    assert code == code2 == 0
    assert decisions(chunked) == decisions(whole) and len(whole["stories"]) >= 2


def test_the_cluster_step_commits_a_few_articles_at_a_time_with_the_same_decisions(tmp_path, monkeypatch):
    """Issue 19 (memory): the cluster step writes its state every CLUSTER_COMMIT articles, so a run's overlay
    follows the step, not the run; the next step reads what the last wrote and decides the same."""
    inputs = [corpus_path(), *([SEEDS] if SEEDS.exists() else [])]
    code, whole, _ = analyze(tmp_path, *inputs, db="whole.db", out="whole.json")
    monkeypatch.setattr(local, "CLUSTER_CHUNK", 2)
    monkeypatch.setattr(local, "CLUSTER_COMMIT", 3)
    code2, stepped, _ = analyze(tmp_path, *inputs, db="stepped.db", out="stepped.json")
    assert code == code2 == 0
    assert decisions(stepped) == decisions(whole) and len(whole["stories"]) >= 2
    with Store(tmp_path / "stepped.db") as store:
        assert store.conn.execute("SELECT COUNT(*) FROM cluster_articles").fetchone()[0] == len(whole["articles"])


def test_a_run_killed_between_cluster_steps_is_finished_by_the_next_with_the_same_decisions(tmp_path, monkeypatch):
    """A run that dies after some cluster steps committed keeps them; the next run assigns the rest and the
    stories, edges and origins are those of an uninterrupted run (no article assigned twice)."""
    inputs = [corpus_path(), *([SEEDS] if SEEDS.exists() else [])]
    code, whole, _ = analyze(tmp_path, *inputs, db="whole.db", out="whole.json")
    monkeypatch.setattr(local, "CLUSTER_COMMIT", 3)
    step = local._cluster_step
    calls = []

    class Killed(BaseException):
        pass

    def dies_on_the_third(*args, **kwargs):
        calls.append(1)
        if len(calls) == 3:
            raise Killed
        return step(*args, **kwargs)

    monkeypatch.setattr(local, "_cluster_step", dies_on_the_third)
    with Store(tmp_path / "killed.db") as store, pytest.raises(Killed):
        local.analyze([str(p) for p in inputs], store, Context())
    with Store(tmp_path / "killed.db") as store:
        assert store.conn.execute("SELECT COUNT(*) FROM cluster_articles").fetchone()[0] == 6  # two steps kept
    monkeypatch.setattr(local, "_cluster_step", step)
    code2, again, _ = analyze(tmp_path, *inputs, db="killed.db", out="again.json")
    assert code == code2 == 0
    assert decisions(again) == decisions(whole)
    with Store(tmp_path / "killed.db") as store:
        n = store.conn.execute("SELECT COUNT(*), COUNT(DISTINCT article_id) FROM cluster_articles").fetchone()
        assert n[0] == n[1] == len(whole["articles"])


def test_a_stepped_cluster_step_reports_every_story_it_made_and_none_a_later_step_absorbed(tmp_path, monkeypatch):
    """Into an empty store every story is new: the changed stories are exactly the stored ones, whatever a later
    step merged away."""
    from wiretrace.executors import LocalExecutor

    monkeypatch.setattr(local, "CLUSTER_COMMIT", 2)
    inputs = [corpus_path(), *([SEEDS] if SEEDS.exists() else [])]
    with Store(tmp_path / "s.db") as store:
        ctx = Context()
        run_id = store.start_run([])
        result = local.AnalyzeResult(run_id=run_id)
        local.ingest([str(p) for p in inputs], store, run_id, ctx, result, local._no_progress, LocalExecutor())
        touched = local.cluster_pending(store, run_id, ctx, local._no_progress)
        assert touched == set(store.story_ids()) and touched
