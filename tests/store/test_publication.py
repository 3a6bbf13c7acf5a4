"""Publication identity: one article per publication (URL, else outlet + input, else input), never per batch."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from wiretrace.model import Article, normalise_url
from wiretrace.pipeline import Context, analyze, clean_batch, report_for
from wiretrace.report.json_report import validate
from wiretrace.store import Store
from wiretrace.store.schema import MIGRATIONS

DATA = Path(__file__).parents[1] / "data" / "provenance"
TEXT = "The harbour board met on Tuesday.\n\nIt approved a new crane for the east quay by nine votes to two."


def _art(source: str, text: str = TEXT, **meta) -> Article:
    art = Article(source=source, title="Crane approved", text=text, **meta)
    art.compute_id()
    return art


def test_normalised_url_ignores_scheme_www_tracking_fragment_and_slash():
    same = ["https://www.harbour.example/news/crane/", "http://harbour.example/news/crane?utm_source=feed",
            "HTTPS://Harbour.example/news/crane#comments"]
    assert {normalise_url(u) for u in same} == {"harbour.example/news/crane"}
    assert normalise_url("https://harbour.example/news/crane?id=2") != normalise_url("https://harbour.example/news/crane")
    assert normalise_url("not a url") is None and normalise_url("ftp://harbour.example/x") is None


def test_same_text_from_another_outlet_or_url_is_another_article(tmp_path):
    one = _art("a.jsonl:1", outlet="Daily One", url="https://one.example/crane")
    two = _art("a.jsonl:2", outlet="Gazette Two", url="https://two.example/crane")
    plain_one, plain_two = _art("x.txt", outlet="Daily One"), _art("y.txt", outlet="Gazette Two")
    assert len({one.id, two.id, plain_one.id, plain_two.id}) == 4
    again = _art("b.jsonl:7", outlet="Daily One", url="http://www.one.example/crane/?utm_medium=rss")
    assert again.id == one.id  # the same publication, read from another input
    with Store(tmp_path / "p.db") as store:
        assert store.add_articles([one, two], run_id=None) == [one.id, two.id]
        assert store.add_articles([again], run_id=None) == []
        assert store.count_articles() == 2
        assert store.get_article(one.id).inputs == ["a.jsonl:1", "b.jsonl:7"]
        assert store.get_article(two.id).inputs == ["a.jsonl:2"]


def test_without_url_or_outlet_the_input_content_names_the_publication(tmp_path):
    a, b = _art("one.txt"), _art("two.txt", text=TEXT.replace("\n\n", "\n"))
    assert a.id == b.id  # the same text read from two files (whitespace aside) is one publication
    assert _art("three.txt", text=TEXT + " Work starts in May.").id != a.id


def test_ids_do_not_depend_on_the_batch():
    """The id is taken from the input as read (cleaning drops lines repeated across a batch, so the cleaned text
    may depend on the batch; the id must not): every article gets the id of its raw input, in any batch."""
    bodies = [f"Story {k}: the council voted on item {k} of the budget for the harbour district on Monday.\n\n"
              "Subscribe to the Harbour Gazette newsletter\n\n"
              "The vote was close and a second reading is planned for June, officials said." for k in range(5)]

    def read(k: int) -> Article:
        return Article(source=f"s{k}.txt", title=f"Budget item {k}", raw_text=bodies[k], outlet="Harbour Gazette")

    ctx = Context()
    as_read = {k: read(k).compute_id() for k in range(5)}
    alone = {k: clean_batch([read(k)], ctx, through="clean")[0].id for k in range(5)}
    together = {int(a.source[1]): a.id for a in clean_batch([read(k) for k in (4, 2, 0, 3, 1)], ctx, through="clean")}
    assert alone == together == as_read
    assert len(set(as_read.values())) == 5


def _v3_store(path: Path) -> None:
    """A store as written before publication identity: every migration up to (not including) it."""
    mine = next(i for i, m in enumerate(MIGRATIONS) if "ADD COLUMN publication" in m)
    conn = sqlite3.connect(path, isolation_level=None)
    for m in MIGRATIONS[:mine]:
        for statement in m.split(";"):
            if statement.strip():
                conn.execute(statement)
    conn.execute("INSERT OR REPLACE INTO meta(key, value) VALUES('schema_version', ?)", (str(mine),))
    old = Article(source="a.jsonl:1", title="Crane approved", text=TEXT, outlet="Daily One", url="https://one.example/c")
    legacy = old.legacy_id()
    conn.execute("INSERT INTO articles(id, source, url, title, outlet, data, added) VALUES(?,?,?,?,?,?,?)",
                 (legacy, old.source, old.url, old.title, old.outlet, json.dumps({**old.to_report(), "id": legacy}),
                  "2025-01-01"))
    conn.execute("INSERT INTO article_sources(article_id, source) VALUES(?,?)", (legacy, old.source))
    conn.close()


def test_old_store_migrates_and_keeps_its_articles(tmp_path):
    _v3_store(tmp_path / "old.db")
    legacy = Article(source="", title="Crane approved", text=TEXT).legacy_id()
    with Store(tmp_path / "old.db") as store:
        assert store.schema_version() == len(MIGRATIONS)
        again = _art("a.jsonl:1", outlet="Daily One", url="https://one.example/c")
        other = _art("a.jsonl:2", outlet="Gazette Two", url="https://two.example/c")
        assert store.add_articles([again], run_id=None) == []  # the stored publication, recognised by its old id
        assert again.id == legacy
        assert store.add_articles([other], run_id=None) == [other.id]  # the same text elsewhere: a new article
        assert store.count_articles() == 2
        row = store.conn.execute("SELECT publication FROM articles WHERE id=?", (legacy,)).fetchone()
        assert row[0] == "url one.example/c"  # the legacy row now has its real key
        assert store.add_articles([_art("a.jsonl:1", outlet="Daily One", url="https://one.example/c")], None) == []


def test_verbatim_syndication_counts_every_carrier(tmp_path):
    """Three outlets carry one wire text verbatim, a fourth rewrites it: 4 articles, 1 independent origin, the
    three carriers joined by copy edges of share 1.0 (from the closest witness), every input listed."""
    ctx = Context()
    with Store(tmp_path / "s.db") as store:
        result = analyze([str(DATA / "syndication.jsonl")], store, ctx)
        report = report_for(store, result, ctx)
        again = analyze([str(DATA / "syndication.jsonl")], store, ctx)
        assert again.new_article_ids == [] and sorted(again.article_ids) == sorted(result.article_ids)
    validate(report)
    outlets = {a["id"]: a["outlet"] for a in report["articles"]}
    assert sorted(outlets.values()) == ["Coastline News", "Harlow Bay Echo", "Tammer Herald", "Veskland Daily"]
    assert all(len(a["inputs"]) == 1 and a["inputs"][0].startswith(str(DATA)) for a in report["articles"])
    (story,) = report["stories"]
    assert len(story["article_ids"]) == 4 and story["independent_origins"] == 1
    (origin,) = [o for o in story["origins"] if not o["secondary"]]
    assert origin["name"] == "Polar Wire" and len(origin["article_ids"]) == 4
    carriers = {i for i, o in outlets.items() if o != "Tammer Herald"}
    copies = [e for e in story["reuse"] if e["relation"] == "copy"]
    assert len(copies) == 2 and all(e["share"] == 1.0 for e in copies)
    assert {e["from"] for e in copies} == {origin["closest_witness"]} and origin["closest_witness"] in carriers
    assert {e["to"] for e in copies} | {origin["closest_witness"]} == carriers  # 3 exact carriers
    (rewrite,) = [e for e in story["reuse"] if e["relation"] == "rewrite"]
    assert outlets[rewrite["to"]] == "Tammer Herald"


def test_a_wire_text_carried_by_sixty_outlets_gives_every_carrier_a_copy_edge(tmp_path):
    """Past the size where a story compares every pair (and past the trigram count taken as boilerplate), each of
    sixty verbatim carriers is still joined to the wire's text by a copy edge; the pairs grow with the story."""
    from wiretrace.align.settings import AlignSettings

    rows = [json.loads(line) for line in (DATA / "syndication.jsonl").read_text().splitlines()]
    wire = next(r for r in rows if "Polar Wire" in r["text"] and r.get("outlet") != "Tammer Herald")
    src = tmp_path / "sixty.jsonl"
    src.write_text("".join(json.dumps({**wire, "outlet": f"Outlet {k}", "url": f"https://o{k}.example/w"}) + "\n"
                           for k in range(60)), encoding="utf-8")
    ctx = Context()
    with Store(tmp_path / "s.db") as store:
        report = report_for(store, analyze([str(src)], store, ctx), ctx)
    (story,) = report["stories"]
    assert len(story["article_ids"]) == 60 and story["independent_origins"] == 1
    copies = [e for e in story["reuse"] if e["relation"] == "copy"]
    assert len(copies) == 59 and {e["to"] for e in copies} | {e["from"] for e in copies} == set(story["article_ids"])
    assert len(story["alignments"]) <= 60 * AlignSettings().wide_partners


def test_two_outlets_quoting_one_statement_are_two_independent_reports(tmp_path):
    ctx = Context()
    with Store(tmp_path / "q.db") as store:
        report = report_for(store, analyze([str(DATA / "statement.jsonl")], store, ctx), ctx)
    validate(report)
    (story,) = report["stories"]
    assert story["independent_origins"] == 2
    assert not [e for e in story["reuse"] if e["relation"] in ("copy", "rewrite", "translation")]
    (statement,) = [o for o in story["origins"] if o["kind"] == "statement"]
    assert statement["name"] == "Dara Quell" and statement["secondary"]
    assert sorted(statement["article_ids"]) == sorted(story["article_ids"])
    ev = statement["evidence"][0]
    assert ev["kind"] == "quote" and sorted(ev["articles"]) == sorted(story["article_ids"]) and ev["weight"] >= 4
    quotes = [c for c in story["claims"] if c["text"].startswith("No one should board a train")]
    assert quotes and all(c["independent_origins"] == 2 for c in quotes)
