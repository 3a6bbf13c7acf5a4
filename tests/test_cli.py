"""The command line as a whole: every command's help, one way to print, one way to exit, `python -m wiretrace`,
and the store as a product (stories, report, export) over a store built by the real pipeline."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import typer.main
from typer.testing import CliRunner

from wiretrace.cli import app
from wiretrace.commands.output import for_terminal
from wiretrace.export import TABLES
from wiretrace.report.json_report import validate
from wiretrace.samples import corpus_path
from wiretrace.store import Store

ROOT = Path(__file__).resolve().parents[1]
runner = CliRunner()


def command_names() -> list[str]:
    return sorted(typer.main.get_command(app).commands)  # type: ignore[attr-defined]


def test_the_commands_are_all_there():
    assert {"analyze", "extract", "demo", "align", "attributions", "serve", "stories", "report", "export",
            "watch"} <= set(command_names())


@pytest.mark.parametrize("name", [None, *command_names()])
def test_every_command_help_reads_well_with_an_example(name):
    args = [name, "--help"] if name else ["--help"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    text = result.output
    assert "Example" in text
    # the example names the command itself (the top level names several)
    assert f"wiretrace {name or 'analyze'} " in text
    usage = text.splitlines()[0]
    assert "{" not in usage and "<list" not in text and "<path" not in usage, text


def test_help_shows_arguments_as_metavars():
    text = runner.invoke(app, ["analyze", "--help"]).output
    assert text.splitlines()[0] == "Usage: wiretrace analyze [OPTIONS] [PATH_OR_URL]..."
    assert "{paths}" not in text and "<list[str]>" not in text


def test_python_dash_m_runs_the_cli():
    done = subprocess.run([sys.executable, "-m", "wiretrace", "--version"], capture_output=True, text=True,
                          cwd=ROOT, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("wiretrace ")
    bad = subprocess.run([sys.executable, "-m", "wiretrace", "stories", "--no-such-option"], capture_output=True,
                         text=True, cwd=ROOT, timeout=120)
    assert bad.returncode == 2  # a usage error


def test_terminal_escapes():
    assert for_terminal("a\x1b[2Jb") == "a\\x1b[2Jb"
    assert for_terminal("one\ntwo") == "one\\ntwo"
    assert for_terminal("x\u202ey") == "x\\u202ey"
    assert for_terminal("Zürich — ok") == "Zürich — ok"


def test_a_hostile_file_name_is_shown_escaped_and_the_exit_code_says_nothing_read(tmp_path):
    bad = tmp_path / "evil\x1b[31mred.txt"
    result = runner.invoke(app, ["analyze", str(bad), "-o", str(tmp_path / "r.json"), "--db", str(tmp_path / "w.db")])
    assert result.exit_code == 2  # nothing could be read
    assert "\x1b[31m" not in result.output
    assert "evil\\x1b[31mred.txt: no such file or directory" in result.output


def test_analyze_without_inputs_is_a_usage_error(tmp_path):
    result = runner.invoke(app, ["analyze", "-o", str(tmp_path / "r.json"), "--db", str(tmp_path / "w.db")])
    assert result.exit_code == 2
    assert "give at least one file" in result.output


# -- the store as a product -----------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def built(tmp_path_factory) -> tuple[Path, dict]:
    tmp = tmp_path_factory.mktemp("store")
    result = runner.invoke(app, ["analyze", str(corpus_path()), "-o", str(tmp / "r.json"), "--db", str(tmp / "w.db")])
    assert result.exit_code == 0, result.output
    return tmp / "w.db", json.loads((tmp / "r.json").read_text())


def _stories_json(*args: str) -> list[dict]:
    result = runner.invoke(app, ["stories", *args, "--json"])
    assert result.exit_code == 0, result.output
    return [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]


def test_stories_lists_and_filters(built):
    db, report = built
    rows = _stories_json("--db", str(db))
    assert {r["id"] for r in rows} == {s["id"] for s in report["stories"]}
    by_size = _stories_json("--db", str(db), "--sort", "size")
    assert [r["n_articles"] for r in by_size] == [5, 1]
    assert [r["n_articles"] for r in _stories_json("--db", str(db), "--min-articles", "2")] == [5]
    assert [r["title"] for r in _stories_json("--db", str(db), "-q", "lantern festival")] == [
        "Lantern festival draws record crowds to Port Sella harbour"]
    assert [r["n_articles"] for r in _stories_json("--db", str(db), "--entity", "Petra Halvorsen")] == [5]
    assert _stories_json("--db", str(db), "--entity", "Nobody Atall") == []
    dam = by_size[0]
    assert dam["first_published"] and dam["last_published"]
    assert _stories_json("--db", str(db), "--since", "2099-01-01") == []
    assert [r["id"] for r in _stories_json("--db", str(db), "--since", dam["first_published"])] == [dam["id"]]
    assert _stories_json("--db", str(db), "--until", "1999-12-31") == []
    table = runner.invoke(app, ["stories", "--db", str(db)])
    assert table.exit_code == 0 and "Lantern" in table.stdout and "2 of 2 stories" in table.output


def test_stories_usage_errors(built, tmp_path):
    db, _ = built
    assert runner.invoke(app, ["stories", "--db", str(db), "--sort", "bogus"]).exit_code == 2
    missing = runner.invoke(app, ["stories", "--db", str(tmp_path / "none.db")])
    assert missing.exit_code == 2 and "no such store" in missing.output
    assert not (tmp_path / "none.db").exists()  # a read command never creates a store


def test_report_from_the_store_matches_the_run(built, tmp_path):
    db, report = built
    result = runner.invoke(app, ["report", "--db", str(db), "-o", str(tmp_path / "again.json")])
    assert result.exit_code == 0, result.output
    again = json.loads((tmp_path / "again.json").read_text())
    validate(again)
    assert sorted(again["stories"], key=lambda s: s["id"]) == sorted(report["stories"], key=lambda s: s["id"])
    assert sorted(a["id"] for a in again["articles"]) == sorted(a["id"] for a in report["articles"])
    one = report["stories"][0]["id"]
    result = runner.invoke(app, ["report", "--db", str(db), "--story", one, "-o", str(tmp_path / "one.html")])
    assert result.exit_code == 0, result.output
    html = (tmp_path / "one.html").read_text()
    assert "<html" in html and report["stories"][0]["title"].split()[0] in html
    unknown = runner.invoke(app, ["report", "--db", str(db), "--story", "s-nope", "-o", str(tmp_path / "x.json")])
    assert unknown.exit_code == 2 and "no story s-nope" in unknown.output


@pytest.mark.parametrize("fmt", ["csv", "jsonl", "parquet"])
def test_export_loads_in_pandas_and_duckdb(built, tmp_path, fmt):
    pd = pytest.importorskip("pandas")
    duckdb = pytest.importorskip("duckdb")
    db, report = built
    result = runner.invoke(app, ["export", "--db", str(db), "--format", fmt, "-o", str(tmp_path / "t")])
    assert result.exit_code == 0, result.output
    read = {"csv": pd.read_csv, "jsonl": lambda p: pd.read_json(p, lines=True), "parquet": pd.read_parquet}[fmt]
    scan = {"csv": "read_csv('{}')", "jsonl": "read_json('{}', format='newline_delimited')",
            "parquet": "read_parquet('{}')"}[fmt]
    with Store(db) as store:
        n_articles = store.count_articles()
    expected_rows = {
        "articles": n_articles,
        "stories": len(report["stories"]),
        "reuse_edges": sum(len(s.get("reuse", [])) for s in report["stories"]),
        "origins": sum(len(s.get("origins", [])) for s in report["stories"]),
        "claims": sum(len(s.get("claims", [])) for s in report["stories"]),
        "conflicts": sum(len(s.get("conflicts", [])) for s in report["stories"]),
    }
    con = duckdb.connect()
    for table, columns in TABLES.items():
        path = tmp_path / "t" / f"{table}.{fmt}"
        frame = read(path)
        if fmt != "jsonl" or len(frame):
            assert list(frame.columns) == [c.name for c in columns]
        assert len(frame) == expected_rows[table], table
        n = con.execute(f"SELECT count(*) FROM {scan.format(path)}").fetchone()[0]
        assert n == expected_rows[table], table
    edges = con.execute(f"SELECT a.outlet, count(*) FROM {scan.format(tmp_path / 't' / f'reuse_edges.{fmt}')} e "
                        f"JOIN {scan.format(tmp_path / 't' / f'articles.{fmt}')} a ON a.article_id = e.target_article_id "
                        "GROUP BY 1").fetchall()
    assert sum(n for _, n in edges) == expected_rows["reuse_edges"]  # every edge joins to its article
    stories = read(tmp_path / "t" / f"stories.{fmt}")
    assert sorted(stories["n_articles"].tolist()) == sorted(len(s["article_ids"]) for s in report["stories"])


def test_export_schema_is_documented():
    doc = (ROOT / "docs" / "export.md").read_text()
    for table, columns in TABLES.items():
        assert f"### {table}" in doc, table
        for c in columns:
            assert f"| `{c.name}` | {c.type} |" in doc, (table, c.name)


def test_export_unknown_format_is_a_usage_error(built, tmp_path):
    db, _ = built
    result = runner.invoke(app, ["export", "--db", str(db), "--format", "xlsx", "-o", str(tmp_path / "t")])
    assert result.exit_code == 2 and "unknown format" in result.output


def test_an_unreadable_url_list_is_a_usage_error(tmp_path):
    result = runner.invoke(app, ["analyze", "--urls", str(tmp_path / "none.txt"), "-o", str(tmp_path / "r.json"),
                                 "--db", str(tmp_path / "w.db")])
    assert result.exit_code == 2 and "cannot read the URL list" in result.output


def test_attributions_exit_rule(tmp_path: Path) -> None:
    """The one exit rule holds for `attributions` too: all inputs bad -> 2, some bad -> 1, each named once."""
    good, bad = tmp_path / "good.txt", tmp_path / "bad\x1b[2J.txt"
    good.write_text('"The talks went well," a spokesman said.\n', encoding="utf-8")
    bad.write_bytes(b"\xff\xfe not UTF-8")
    only_bad = runner.invoke(app, ["attributions", str(bad)])
    assert only_bad.exit_code == 2
    mixed = runner.invoke(app, ["attributions", str(good), str(bad), "--json"])
    assert mixed.exit_code == 1
    assert json.loads(mixed.stdout.splitlines()[0])["file"] == str(good)
    assert mixed.stderr.count("cannot read as UTF-8") == 1 and "\x1b" not in mixed.stderr


def test_no_crosslingual_turns_the_multilingual_vector_off(tmp_path):
    """On articles in four languages the default computes cross-lingual vectors (kept in the clustering rows) and
    joins every version; `--no-crosslingual` computes none: the French and Turkish translations still join their
    source by names and numbers, the Chinese one (no Latin-script names) does not."""
    import sqlite3

    from wiretrace.store.cluster_index import decode_row

    data = ROOT / "tests" / "data" / "multilingual"
    vectors, stories = {}, {}
    for flag in ("--crosslingual", "--no-crosslingual"):
        out, db = tmp_path / f"{flag}.json", tmp_path / f"{flag}.db"
        res = runner.invoke(app, ["analyze", str(data), "-o", str(out), "--db", str(db), flag])
        assert res.exit_code == 0, res.output
        conn = sqlite3.connect(db)
        rows = [decode_row(f) for (f,) in conn.execute("SELECT features FROM cluster_articles")]
        conn.close()
        vectors[flag] = sum(1 for r in rows if r[10] is not None)
        report = json.loads(out.read_text())
        name = {a["id"]: Path(a["source"]).name for a in report["articles"]}
        stories[flag] = sorted(sorted(name[a] for a in s["article_ids"]) for s in report["stories"])
    assert vectors["--crosslingual"] >= 3 and vectors["--no-crosslingual"] == 0
    wire = ["backtranslated-en.txt", "repost-fr.txt", "repost-tr.txt", "wire-en.txt"]
    assert stories["--crosslingual"] == [sorted([*wire, "repost-zh.txt"]), ["unrelated-en.txt"]]
    assert stories["--no-crosslingual"] == [wire, ["repost-zh.txt"], ["unrelated-en.txt"]]


def test_an_input_with_no_text_left_is_named_once(tmp_path):
    """A file whose every line is page junk is one error line naming it (not an error plus a warning saying the
    same); the good article beside it is stored."""
    data = tmp_path / "in"
    data.mkdir()
    (data / "junk.txt").write_text("Skip to main content\nMost read\nAdvertisement\nCookie settings\n", encoding="utf-8")
    (data / "good.txt").write_text(
        "Police in Lyon said on Tuesday that two men stole paintings worth three million euros from a gallery.\n"
        "The men threatened a guard with a knife before leaving in a grey van, a police spokeswoman said.\n",
        encoding="utf-8")
    res = runner.invoke(app, ["analyze", str(data), "-o", str(tmp_path / "r.json"), "--db", str(tmp_path / "s.db")])
    assert res.exit_code == 1, res.output
    named = [ln for ln in res.output.splitlines() if "junk.txt" in ln]
    assert len(named) == 1 and named[0].startswith("error:") and "no article text" in named[0], res.output
    assert "1 articles read" in res.output


def test_a_settings_file_reaches_the_stages_and_a_bad_one_is_one_usage_error(tmp_path):
    """`wiretrace --config FILE`: the align command aligns by the file's thresholds; an unknown key is named."""
    a, b = str(corpus_path() / "meridian-wire.txt"), str(corpus_path() / "northgate-rewrite.txt")
    default = runner.invoke(app, ["align", a, b, "--json"])
    assert default.exit_code == 0 and json.loads(default.stdout)["pairs"]
    strict = tmp_path / "strict.toml"
    strict.write_text("[align]\nstory_threshold = 1.01\nstory_cos = 2.0\nverbatim_ratio = 100.1\n", encoding="utf-8")
    result = runner.invoke(app, ["--config", str(strict), "align", a, b, "--json"])
    assert result.exit_code == 0 and json.loads(result.stdout)["pairs"] == []
    bad = tmp_path / "bad.toml"
    bad.write_text("[align]\nstory_treshold = 0.4\n", encoding="utf-8")
    result = runner.invoke(app, ["--config", str(bad), "align", a, b, "--json"])
    assert result.exit_code == 2 and "bad.toml" in result.stderr and "align.story_treshold" in result.stderr
    assert result.stdout == ""
