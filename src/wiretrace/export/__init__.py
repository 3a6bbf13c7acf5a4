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


def _story_rows(row: dict[str, Any], story: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield {
        "story_id": row["id"], "title": row["title"], "summary": row["summary"], "n_articles": row["n_articles"],
        "independent_origins": row["n_independent"],
        "n_claims": len(story["claims"]) if story.get("claims") is not None else None,
        "n_conflicts": row["n_conflicts"], "first_published": row["first_published"],
        "last_published": row["last_published"],
    }


def _reuse_rows(row: dict[str, Any], story: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for e in story.get("reuse") or []:
        yield {"story_id": row["id"], "source_article_id": e["from"], "target_article_id": e["to"],
               "relation": e["relation"], "share": e["share"], "confidence": e["confidence"],
               "n_sentence_pairs": len(e.get("pairs") or [])}


def _origin_rows(row: dict[str, Any], story: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for o in story.get("origins") or []:
        yield {"story_id": row["id"], "name": o["name"], "kind": o["kind"], "secondary": bool(o.get("secondary")),
               "in_corpus": bool(o.get("in_corpus")), "closest_witness": o.get("closest_witness"),
               "n_articles": len(o.get("article_ids") or []), "article_ids": _ids(o.get("article_ids"))}


def _claim_rows(row: dict[str, Any], story: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for c in story.get("claims") or []:
        yield {"story_id": row["id"], "claim_id": c["id"], "kind": c["kind"], "text": c["text"],
               "speaker": c.get("speaker"), "independent_origins": c.get("independent_origins"),
               "n_articles": len(c.get("article_ids") or []), "article_ids": _ids(c.get("article_ids")),
               "origins": _names(c.get("origins"))}


def _conflict_rows(row: dict[str, Any], story: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for n, c in enumerate(story.get("conflicts") or []):
        yield {"story_id": row["id"], "conflict_no": n, "kind": c["kind"], "summary": c["summary"],
               "claim_ids": _ids(c.get("claim_ids")), "article_ids": _ids(c.get("article_ids"))}


# Tables with one or more rows per story, filled in one pass over the stored stories (each story is read once).
STORY_ROWS: dict[str, Callable[[dict[str, Any], dict[str, Any]], Iterator[dict[str, Any]]]] = {
    "stories": _story_rows, "reuse_edges": _reuse_rows, "origins": _origin_rows, "claims": _claim_rows,
    "conflicts": _conflict_rows,
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


class _Writer:
    """One table file, written row by row (Parquet in row groups of ROW_GROUP)."""

    def __init__(self, fmt: str, path: Path, columns: list[Column]):
        if fmt not in FORMATS:
            raise ExportError(f"unknown format {fmt!r}: use {', '.join(FORMATS)}")
        self.fmt, self.path, self.columns, self.rows = fmt, path, columns, 0
        if fmt == "parquet":
            import pyarrow as pa
            import pyarrow.parquet as pq

            types = {"string": pa.string(), "int": pa.int64(), "float": pa.float64(), "bool": pa.bool_()}
            self._pa = pa
            self.schema = pa.schema([pa.field(c.name, types[c.type]) for c in columns])
            self._pq = pq.ParquetWriter(str(path), self.schema, compression="zstd")
            self._buf: dict[str, list[Any]] = {c.name: [] for c in columns}
        else:
            self._fh = path.open("w", encoding="utf-8", newline="" if fmt == "csv" else None)
            if fmt == "csv":
                self._csv = csv.writer(self._fh)
                self._csv.writerow([c.name for c in columns])

    def add(self, row: dict[str, Any]) -> None:
        values = [_cast(c, row.get(c.name)) for c in self.columns]
        self.rows += 1
        if self.fmt == "csv":
            self._csv.writerow([_csv_cell(v) for v in values])
        elif self.fmt == "jsonl":
            self._fh.write(json.dumps(dict(zip((c.name for c in self.columns), values, strict=True)),
                                      ensure_ascii=False) + "\n")
        else:
            for c, v in zip(self.columns, values, strict=True):
                self._buf[c.name].append(v)
            if self.rows % ROW_GROUP == 0:
                self._flush()

    def _flush(self) -> None:
        self._pq.write_table(self._pa.table(self._buf, schema=self.schema))
        self._buf = {c.name: [] for c in self.columns}

    def close(self) -> None:
        if self.fmt == "parquet":
            if self._buf[self.columns[0].name] or self.rows == 0:
                self._flush()
            self._pq.close()
        else:
            self._fh.close()


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
    final name and renamed into place once complete, so a reader never sees half a table."""
    check_format(fmt)
    wanted = [t for t in TABLES if tables is None or t in tables]
    out_dir.mkdir(parents=True, exist_ok=True)
    finals = {name: out_dir / f"{name}.{fmt}" for name in wanted}
    writers: dict[str, _Writer] = {}
    try:
        for name in wanted:
            writers[name] = _Writer(fmt, finals[name].with_name(finals[name].name + ".tmp"), TABLES[name])
        if "articles" in writers:
            for row in _article_rows(store):
                writers["articles"].add(row)
        story_tables = [(writers[n], fn) for n, fn in STORY_ROWS.items() if n in writers]
        if story_tables:
            for row in store.list_stories():
                story = store.story_report(row["id"]) or {}
                for writer, fn in story_tables:
                    for out_row in fn(row, story):
                        writer.add(out_row)
        for w in writers.values():
            w.close()
        for name, w in writers.items():
            os.replace(w.path, finals[name])
    finally:
        for w in writers.values():
            if w.path.exists():
                try:
                    w.close()
                except Exception:  # noqa: BLE001 - already closed, or failing: the .tmp file goes either way
                    pass
                w.path.unlink()
    return {name: (finals[name], w.rows) for name, w in writers.items()}
