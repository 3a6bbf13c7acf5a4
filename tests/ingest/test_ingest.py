"""Every reader, and the per-file errors that keep a batch running."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from wiretrace.ingest import ReadError, read_paths
from wiretrace.ingest.decode import decode_bytes
from wiretrace.ingest.errors import DecodeError
from wiretrace.model import Article

DATA = Path(__file__).parents[1] / "data" / "ingest"


def split(items):
    items = list(items)
    arts = [i for i in items if isinstance(i, Article)]
    errs = [i for i in items if isinstance(i, ReadError)]
    return arts, errs


def test_plain_text_first_line_is_title():
    arts, errs = split(read_paths([DATA / "mixed" / "good.txt"]))
    assert not errs
    assert arts[0].title == "Harbour bridge reopens after repairs"
    assert "Old Harbour bridge" in arts[0].raw_text
    assert "Harbour bridge reopens" not in arts[0].raw_text


def test_mixed_folder_reports_binary_and_empty_and_reads_latin1():
    arts, errs = split(read_paths([DATA / "mixed"]))
    assert sorted(Path(a.source).name for a in arts) == ["good.txt", "latin1.txt"]
    latin = next(a for a in arts if a.source.endswith("latin1.txt"))
    assert latin.title == "Café owners in Sérès protest rent rise"
    assert "président, Amélie Dûrand" in latin.raw_text
    reasons = {Path(e.source).name: e.reason for e in errs}
    assert set(reasons) == {"binary.txt", "empty.txt"}
    assert "binary" in reasons["binary.txt"]
    assert "empty" in reasons["empty.txt"]


def test_html_and_gzipped_html():
    arts, errs = split(read_paths([DATA / "page.html", DATA / "page.html.gz"]))
    assert not errs
    assert len(arts) == 2
    assert all("<article>" in a.raw_html for a in arts)
    assert arts[1].source.endswith("page.html.gz")


def test_truncated_gzip_is_a_clear_error():
    arts, errs = split(read_paths([DATA / "truncated.txt.gz"]))
    assert not arts
    assert len(errs) == 1 and "truncated" in errs[0].reason


def test_jsonl_fields_metadata_and_malformed_line():
    arts, errs = split(read_paths([DATA / "articles.jsonl"]))
    assert [a.source.rsplit(":", 1)[1] for a in arts] == ["1", "3"]
    first = arts[0]
    assert first.external_id == "a-1"
    assert first.byline == ["Ida Marsh"]
    assert first.outlet == "Port Sella Gazette"
    assert first.metadata == {"section": "Local"}
    assert first.raw_text.startswith("A school")
    assert arts[1].raw_html and arts[1].external_id is None and arts[1].url == "https://gazette.example/rain"
    assert len(errs) == 1
    assert errs[0].source.endswith("articles.jsonl:2") and "malformed JSON" in errs[0].reason


def test_json_array(tmp_path):
    path = tmp_path / "two.json"
    path.write_text('[{"title": "A", "text": "First text here."}, {"title": "B"}]', encoding="utf-8")
    arts, errs = split(read_paths([path]))
    assert len(arts) == 1 and arts[0].source.endswith("two.json#0")
    assert len(errs) == 1 and "neither" in errs[0].reason


def test_rss_feed_full_content_and_summary():
    arts, errs = split(read_paths([DATA / "feed.xml"]))
    assert not errs
    assert [a.title for a in arts] == ["Lighthouse to be restored", "Market hours extended"]
    assert "lighthouse" in arts[0].raw_html and arts[0].published == "2025-02-11"
    assert arts[0].outlet == "Port Sella Gazette" and arts[0].external_id == "lh-1"
    assert arts[1].raw_text.startswith("The Saturday market")


def _warc_bytes(pages: list[tuple[str, str]]) -> bytes:
    buf = io.BytesIO()
    writer = WARCWriter(buf, gzip=False)
    for url, html in pages:
        headers = StatusAndHeaders("200 OK", [("Content-Type", "text/html; charset=utf-8")], protocol="HTTP/1.1")
        writer.write_record(writer.create_warc_record(url, "response", payload=io.BytesIO(html.encode()),
                                                      http_headers=headers))
    return buf.getvalue()


def test_warc_html_responses(tmp_path):
    page = (DATA / "page.html").read_text(encoding="utf-8")
    path = tmp_path / "crawl.warc"
    path.write_bytes(_warc_bytes([("https://gazette.example/ferry", page), ("https://gazette.example/2", page)]))
    arts, errs = split(read_paths([path]))
    assert not errs
    assert [a.url for a in arts] == ["https://gazette.example/ferry", "https://gazette.example/2"]


def test_warc_with_broken_record_keeps_earlier_records(tmp_path):
    page = (DATA / "page.html").read_text(encoding="utf-8")
    good = _warc_bytes([("https://gazette.example/ferry", page)])
    path = tmp_path / "broken.warc"
    path.write_bytes(good + b"WARC/1.0\r\nWARC-Type: response\r\nContent-Length: 99999\r\n\r\ngarbage")
    arts, errs = split(read_paths([path]))
    assert len(arts) == 1
    assert len(errs) == 1 and "#record2" in errs[0].source and "broken WARC" in errs[0].reason


def test_missing_and_oversized_files(tmp_path):
    big = tmp_path / "big.txt"
    big.write_text("Title\n\n" + "word " * 3000, encoding="utf-8")
    arts, errs = split(read_paths([tmp_path / "nope.txt", big], max_bytes=1000))
    assert not arts
    assert "no such file" in errs[0].reason
    assert "over the" in errs[1].reason


def test_decode_prefers_declared_then_detects():
    assert decode_bytes("Übermut".encode("cp1252"), "cp1252") == ("Übermut", "cp1252")
    text, _ = decode_bytes("Ça va très bien, merci beaucoup à vous.".encode("latin-1"))
    assert text == "Ça va très bien, merci beaucoup à vous."
    with pytest.raises(DecodeError):
        decode_bytes(b"   \n ")


def test_published_normalised_or_dropped(tmp_path):
    path = tmp_path / "dates.jsonl"
    lines = [
        '{"title": "A", "text": "Alpha text.", "published": "2024"}',
        '{"title": "B", "text": "Beta text.", "published": "Tue, 11 Feb 2025 09:00:00 GMT"}',
        '{"title": "C", "text": "Gamma text.", "published": "2025-02-11T09:00:00Z"}',
        '{"title": "D", "text": "Delta text.", "published": "March 4, 2025"}',
    ]
    path.write_text("\n".join(lines), encoding="utf-8")
    arts, errs = split(read_paths([path]))
    assert not errs
    assert [a.published for a in arts] == [None, "2025-02-11", "2025-02-11T09:00:00Z", "2025-03-04"]
    assert arts[0].metadata["published_raw"] == "2024" and arts[0].metadata["warnings"]


def test_deeply_nested_json_is_an_error_not_a_crash(tmp_path):
    deep = "[" * 100_000 + "]" * 100_000
    (tmp_path / "deep.json").write_text(deep, encoding="utf-8")
    (tmp_path / "deep.jsonl").write_text('{"title": "ok", "text": "Fine text."}\n' + deep, encoding="utf-8")
    arts, errs = split(read_paths([tmp_path / "deep.json", tmp_path / "deep.jsonl"]))
    assert len(arts) == 1
    assert [e.reason for e in errs] == ["JSON nested too deeply", "JSON nested too deeply"]
    assert errs[1].source.endswith("deep.jsonl:2")


def test_lone_surrogates_are_replaced(tmp_path):
    path = tmp_path / "lone.jsonl"
    path.write_text('{"title": "T\\ud800", "text": "Broken \\udc00 text here."}', encoding="utf-8")
    arts, errs = split(read_paths([path]))
    assert not errs
    arts[0].text = arts[0].raw_text
    arts[0].compute_id()
    arts[0].text.encode("utf-8")  # would raise on a surrogate
    assert "\ufffd" not in arts[0].title or arts[0].title.startswith("T")


def test_utf16_with_bom_is_text(tmp_path):
    path = tmp_path / "bom16.txt"
    path.write_bytes("Title here\n\nSome body text in UTF-16, with accents: é à ü.".encode("utf-16"))
    arts, errs = split(read_paths([path]))
    assert not errs and arts[0].title == "Title here" and "é à ü" in arts[0].raw_text


def test_warc_without_html_records_says_so(tmp_path):
    path = tmp_path / "garbage.warc"
    path.write_bytes(b"this is not a warc file at all\n" * 10)
    arts, errs = split(read_paths([path]))
    assert not arts and len(errs) == 1 and "garbage.warc" in errs[0].source


def test_malformed_pretty_json_gets_one_error(tmp_path):
    path = tmp_path / "pretty.json"
    path.write_text('{\n  "title": "A",\n  "text": "B",\n}\n', encoding="utf-8")
    arts, errs = split(read_paths([path]))
    assert not arts and len(errs) == 1 and "malformed JSON" in errs[0].reason and "line 4" in errs[0].reason
