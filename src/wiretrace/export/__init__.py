"""The store as tables: articles, stories, reuse edges, origins, claims and conflicts as CSV, JSON Lines or Parquet.

The schema (every table, column, type and meaning) is `TABLES` below and is documented in docs/export.md; a test
keeps the two in step. Every column is a scalar (lists are joined: `"; "` for names, `" "` for ids), so the same
table loads the same way in pandas, DuckDB or a spreadsheet. Rows are read through the store's own API and written
as they come (Parquet in row groups), so a large store is exported in bounded memory.

CSV and JSON Lines need nothing beyond the standard library; Parquet needs pyarrow (`pip install 'wiretrace[export]'`).
"""

from __future__ import annotations

import csv
import json
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

FORMATS = ("csv", "jsonl", "parquet")
ROW_GROUP = 2000


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # "string" | "int" | "float" | "bool"
    doc: str


def _c(name: str, type_: str, doc: str) -> Column:
    return Column(name, type_, doc)


TABLES: dict[str, list[Column]] = {
    "articles": [
        _c("article_id", "string", "Content hash of title and cleaned text (16 hex characters); the key of every table."),
        _c("story_id", "string", "The story the article belongs to (empty when not yet clustered)."),
        _c("source", "string", "The file, record or URL it was read from, as given."),
        _c("url", "string", "The article's URL (for fetched pages: the final URL after redirects)."),
        _c("title", "string", "Headline."),
        _c("outlet", "string", "Publishing outlet, where known."),
        _c("byline", "string", "Authors, joined with '; '."),
        _c("dateline", "string", "Dateline place, where found."),
        _c("published", "string", "Publication date (ISO 8601), where known."),
        _c("language", "string", "ISO 639-1 language code."),
        _c("cited_sources", "string", "Agencies and outlets the article credits, joined with '; '."),
        _c("n_chars", "int", "Length of the cleaned text in characters."),
        _c("text", "string", "The cleaned article text."),
    ],
    "stories": [
        _c("story_id", "string", "Story id."),
        _c("title", "string", "A title chosen from the members' headlines."),
        _c("summary", "string", "A short summary (the lead of the most central article)."),
        _c("n_articles", "int", "Articles in the story."),
        _c("independent_origins", "int", "Independent origins behind the story (empty until provenance has run)."),
        _c("n_claims", "int", "Claims grouped across the story's articles (empty when claims did not run)."),
        _c("n_conflicts", "int", "Conflicts between versions (empty when claims did not run)."),
        _c("first_published", "string", "Earliest publication date among its articles."),
        _c("last_published", "string", "Latest publication date among its articles."),
    ],
    "reuse_edges": [
        _c("story_id", "string", "Story id."),
        _c("source_article_id", "string", "The article that was reused."),
        _c("target_article_id", "string", "The article that reused it."),
        _c("relation", "string", "copy | rewrite | translation | cites."),
        _c("share", "float", "Share of the target's sentences aligned to the source (0-1)."),
        _c("confidence", "float", "Confidence in the edge and its direction (0-1)."),
        _c("n_sentence_pairs", "int", "Aligned sentence pairs behind the edge."),
    ],
    "origins": [
        _c("story_id", "string", "Story id."),
        _c("name", "string", "The origin: an agency or outlet name, or an article's label when it is in the corpus."),
        _c("kind", "string", "agency | outlet | article."),
        _c("secondary", "bool", "True when the origin backs only some sentences of its articles."),
        _c("in_corpus", "bool", "True when the origin is itself one of the stored articles."),
        _c("closest_witness", "string", "The article closest to the origin's text."),
        _c("n_articles", "int", "Articles deriving from this origin."),
        _c("article_ids", "string", "Those articles' ids, joined with ' '."),
    ],
    "claims": [
        _c("story_id", "string", "Story id."),
        _c("claim_id", "string", "Claim id (unique within its story)."),
        _c("kind", "string", "claim | quote."),
        _c("text", "string", "The claim as written in one representative article."),
        _c("speaker", "string", "Who is said to have said it, where attributed."),
        _c("independent_origins", "int", "Independent origins carrying the claim."),
        _c("n_articles", "int", "Articles carrying the claim."),
        _c("article_ids", "string", "Those articles' ids, joined with ' '."),
        _c("origins", "string", "The origins carrying it, joined with '; '."),
    ],
    "conflicts": [
        _c("story_id", "string", "Story id."),
        _c("conflict_no", "int", "Position of the conflict within its story (0-based)."),
        _c("kind", "string", "number | denial | assessment | date | other."),
        _c("summary", "string", "What the versions disagree on."),
        _c("claim_ids", "string", "The claims in conflict, joined with ' '."),
        _c("article_ids", "string", "The articles on either side, joined with ' '."),
    ],
}


def _names(values: Any) -> str:
    return "; ".join(str(v) for v in values or [])


def _ids(values: Any) -> str:
    return " ".join(str(v) for v in values or [])


# -- rows, read through the store's API -----------------------------------------------------------------------------
def _article_rows(store) -> Iterator[dict[str, Any]]:
    for art in store.iter_articles():
        yield {
            "article_id": art.id, "story_id": store.story_of(art.id), "source": art.source, "url": art.url,
            "title": art.title, "outlet": art.outlet, "byline": _names(art.byline), "dateline": art.dateline,
            "published": art.published, "language": art.language, "cited_sources": _names(art.cited_sources),
            "n_chars": len(art.text), "text": art.text,
        }


def _stories(store) -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
    for row in store.list_stories():
        yield row, store.get_story(row["id"]) or {}


def _story_rows(store) -> Iterator[dict[str, Any]]:
    for row, story in _stories(store):
        yield {
            "story_id": row["id"], "title": row["title"], "summary": row["summary"], "n_articles": row["n_articles"],
            "independent_origins": row["n_independent"],
            "n_claims": len(story["claims"]) if story.get("claims") is not None else None,
            "n_conflicts": row["n_conflicts"], "first_published": row["first_published"],
            "last_published": row["last_published"],
        }


def _reuse_rows(store) -> Iterator[dict[str, Any]]:
    for row, story in _stories(store):
        for e in story.get("reuse") or []:
            yield {"story_id": row["id"], "source_article_id": e["from"], "target_article_id": e["to"],
                   "relation": e["relation"], "share": e["share"], "confidence": e["confidence"],
                   "n_sentence_pairs": len(e.get("pairs") or [])}


def _origin_rows(store) -> Iterator[dict[str, Any]]:
    for row, story in _stories(store):
        for o in story.get("origins") or []:
            yield {"story_id": row["id"], "name": o["name"], "kind": o["kind"], "secondary": bool(o.get("secondary")),
                   "in_corpus": bool(o.get("in_corpus")), "closest_witness": o.get("closest_witness"),
                   "n_articles": len(o.get("article_ids") or []), "article_ids": _ids(o.get("article_ids"))}


def _claim_rows(store) -> Iterator[dict[str, Any]]:
    for row, story in _stories(store):
        for c in story.get("claims") or []:
            yield {"story_id": row["id"], "claim_id": c["id"], "kind": c["kind"], "text": c["text"],
                   "speaker": c.get("speaker"), "independent_origins": c.get("independent_origins"),
                   "n_articles": len(c.get("article_ids") or []), "article_ids": _ids(c.get("article_ids")),
                   "origins": _names(c.get("origins"))}


def _conflict_rows(store) -> Iterator[dict[str, Any]]:
    for row, story in _stories(store):
        for n, c in enumerate(story.get("conflicts") or []):
            yield {"story_id": row["id"], "conflict_no": n, "kind": c["kind"], "summary": c["summary"],
                   "claim_ids": _ids(c.get("claim_ids")), "article_ids": _ids(c.get("article_ids"))}


ROWS: dict[str, Callable[[Any], Iterator[dict[str, Any]]]] = {
    "articles": _article_rows, "stories": _story_rows, "reuse_edges": _reuse_rows, "origins": _origin_rows,
    "claims": _claim_rows, "conflicts": _conflict_rows,
}


# -- writers --------------------------------------------------------------------------------------------------------
def _cast(col: Column, value: Any) -> Any:
    if value is None or value == "" and col.type != "string":
        return None
    if col.type == "int":
        return int(value)
    if col.type == "float":
        return float(value)
    if col.type == "bool":
        return bool(value)
    return str(value)


def _csv_cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return value


class ExportError(RuntimeError):
    pass


def _write(fmt: str, path: Path, columns: list[Column], rows: Iterator[dict[str, Any]]) -> int:
    names = [c.name for c in columns]
    n = 0
    if fmt == "csv":
        with path.open("w", encoding="utf-8", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(names)
            for row in rows:
                w.writerow([_csv_cell(_cast(c, row.get(c.name))) for c in columns])
                n += 1
    elif fmt == "jsonl":
        with path.open("w", encoding="utf-8") as fh:
            for row in rows:
                fh.write(json.dumps({c.name: _cast(c, row.get(c.name)) for c in columns}, ensure_ascii=False) + "\n")
                n += 1
    elif fmt == "parquet":
        import pyarrow as pa
        import pyarrow.parquet as pq

        types = {"string": pa.string(), "int": pa.int64(), "float": pa.float64(), "bool": pa.bool_()}
        schema = pa.schema([pa.field(c.name, types[c.type]) for c in columns])
        with pq.ParquetWriter(str(path), schema, compression="zstd") as writer:
            buf: dict[str, list[Any]] = {c.name: [] for c in columns}
            for row in rows:
                for c in columns:
                    buf[c.name].append(_cast(c, row.get(c.name)))
                n += 1
                if n % ROW_GROUP == 0:
                    writer.write_table(pa.table(buf, schema=schema))
                    buf = {c.name: [] for c in columns}
            if buf[names[0]] or n == 0:
                writer.write_table(pa.table(buf, schema=schema))
    else:
        raise ExportError(f"unknown format {fmt!r}: use {', '.join(FORMATS)}")
    return n


def check_format(fmt: str) -> None:
    """Raise ExportError for an unknown format, or Parquet without pyarrow (before anything is written)."""
    if fmt not in FORMATS:
        raise ExportError(f"unknown format {fmt!r}: use {', '.join(FORMATS)}")
    if fmt == "parquet":
        try:
            import pyarrow.parquet  # noqa: F401
        except ImportError as exc:
            raise ExportError(f"Parquet needs pyarrow ({exc}); pip install 'wiretrace[export]', or use csv/jsonl") \
                from exc


def export_store(store, fmt: str, out_dir: Path, tables: list[str] | None = None) -> dict[str, tuple[Path, int]]:
    """Write each table to `out_dir/<table>.<fmt>`; return {table: (path, rows)}. Each file is written beside its
    final name and renamed into place, so a reader never sees half a table."""
    check_format(fmt)
    out_dir.mkdir(parents=True, exist_ok=True)
    written: dict[str, tuple[Path, int]] = {}
    for name in tables or list(TABLES):
        path = out_dir / f"{name}.{fmt}"
        tmp = path.with_name(path.name + ".tmp")
        try:
            n = _write(fmt, tmp, TABLES[name], ROWS[name](store))
            os.replace(tmp, path)
        finally:
            if tmp.exists():
                tmp.unlink()
        written[name] = (path, n)
    return written
