"""Hostile and careless inputs at the reader: each one is one clear error line (or good data kept), never a crash,
a hang or unbounded memory. Every file is generated here (nothing large checked in)."""

from __future__ import annotations

import gzip
import os
import time
from pathlib import Path

import pytest

from wiretrace.config import Config
from wiretrace.ingest import ReadError, read_paths
from wiretrace.ingest.budget import cut_at_sentence
from wiretrace.ingest.errors import printable
from wiretrace.model import Article

GOOD = ("Harbour bridge reopens\n\nThe Old Harbour bridge reopened on Monday after repairs, the council said. "
        "Traffic was light in the morning.\n")


def split(items):
    arts, errs = [], []
    for it in items:
        (errs if isinstance(it, ReadError) else arts).append(it)
    return arts, errs


def small_config(**kw) -> Config:
    cfg = Config()
    for k, v in kw.items():
        setattr(cfg, k, v)
    return cfg


def test_gzip_bomb_stops_at_the_budget_quickly(tmp_path):
    # 200 MB of zeros in ~200 KB: refused once 8 MB came out, long before the end
    (tmp_path / "bomb.txt.gz").write_bytes(gzip.compress(b"\0" * (200 * 1024 * 1024), 1))
    (tmp_path / "good.txt").write_text(GOOD)
    t = time.perf_counter()
    arts, errs = split(read_paths([tmp_path], config=small_config(max_input_bytes=8 * 1024 * 1024)))
    assert time.perf_counter() - t < 5
    assert [a.title for a in arts] == ["Harbour bridge reopens"]
    assert len(errs) == 1 and "bomb.txt.gz" in errs[0].source and "budget" in errs[0].reason


def _warc_record(body: bytes, headers: str, uri: str = "http://example.org/a") -> bytes:
    http = f"HTTP/1.1 200 OK\r\n{headers}\r\n".encode() + body
    head = (f"WARC/1.0\r\nWARC-Type: response\r\nWARC-Target-URI: {uri}\r\nWARC-Record-ID: <urn:uuid:{abs(hash(uri))}>\r\n"
            f"WARC-Date: 2024-01-01T00:00:00Z\r\nContent-Type: application/http; msgtype=response\r\n"
            f"Content-Length: {len(http)}\r\n\r\n").encode()
    return head + http + b"\r\n\r\n"


PAGE = (b"<html><head><title>Bridge</title></head><body><article><h1>Bridge reopens</h1><p>The Old Harbour bridge "
        b"reopened on Monday after repairs, the council said on Tuesday in a statement.</p></article></body></html>")


def test_warc_content_encoding_bomb_is_bounded_and_earlier_records_kept(tmp_path):
    bomb = gzip.compress(b"<html>" + b" " * (64 * 1024 * 1024), 1)
    data = (_warc_record(PAGE, "Content-Type: text/html\r\n", "http://example.org/good")
            + _warc_record(bomb, "Content-Type: text/html\r\nContent-Encoding: gzip\r\n", "http://example.org/bomb"))
    (tmp_path / "crawl.warc").write_bytes(data)
    arts, errs = split(read_paths([tmp_path], config=small_config(max_input_bytes=4 * 1024 * 1024)))
    assert [a.url for a in arts] == ["http://example.org/good"]
    assert len(errs) == 1 and "#record2" in errs[0].source and "budget" in errs[0].reason


def test_truncated_last_record_of_warc_gz_keeps_the_earlier_records(tmp_path):
    members = [gzip.compress(_warc_record(PAGE.replace(b"Monday", day), "Content-Type: text/html\r\n",
                                          f"http://example.org/{day.decode()}"))
               for day in (b"Monday", b"Tuesday", b"Friday")]
    data = b"".join(members)
    (tmp_path / "cut.warc.gz").write_bytes(data[: len(data) - len(members[-1]) // 2])
    arts, errs = split(read_paths([tmp_path]))
    assert [a.url for a in arts] == ["http://example.org/Monday", "http://example.org/Tuesday"]
    assert len(errs) == 1 and "#record3" in errs[0].source and "kept" in errs[0].reason


def test_gz_with_trailing_garbage_is_read_with_a_warning(tmp_path):
    (tmp_path / "a.txt.gz").write_bytes(gzip.compress(GOOD.encode()) + b"\x00\x00garbage after the stream")
    arts, errs = split(read_paths([tmp_path]))
    assert not errs and arts[0].title == "Harbour bridge reopens"
    assert any("trailing data" in w for w in arts[0].metadata["warnings"])


def test_truncated_jsonl_gz_keeps_complete_lines(tmp_path):
    lines = "".join(f'{{"title": "T{i}", "text": "Body number {i} of the feed, long enough."}}\n' for i in range(200))
    blob = gzip.compress(lines.encode())
    (tmp_path / "feed.jsonl.gz").write_bytes(blob[: len(blob) - 40])
    arts, errs = split(read_paths([tmp_path]))
    assert len(arts) > 100 and not [e for e in errs if "T0" in e.source]
    assert any("truncated" in w for w in arts[0].metadata["warnings"])


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_fifo_and_device_link_are_skipped_not_read(tmp_path):
    os.mkfifo(tmp_path / "pipe.txt")
    (tmp_path / "zero.txt").symlink_to("/dev/zero")
    (tmp_path / "dangling.txt").symlink_to(tmp_path / "nowhere.txt")
    (tmp_path / "good.txt").write_text(GOOD)
    t = time.perf_counter()
    arts, errs = split(read_paths([tmp_path]))
    assert time.perf_counter() - t < 5
    assert len(arts) == 1
    reasons = {Path(e.source).name: e.reason for e in errs}
    assert "FIFO" in reasons["pipe.txt"] and "character device" in reasons["zero.txt"]
    assert "dangling" in reasons["dangling.txt"]
    # named directly, too
    _, errs = split(read_paths([tmp_path / "pipe.txt", "/dev/zero"]))
    assert len(errs) == 2 and all("not a regular file" in e.reason for e in errs)


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads every folder")
def test_unreadable_subfolder_is_an_error_line(tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir()
    (locked / "a.txt").write_text(GOOD)
    (tmp_path / "good.txt").write_text(GOOD)
    locked.chmod(0)
    try:
        arts, errs = split(read_paths([tmp_path]))
    finally:
        locked.chmod(0o755)
    assert len(arts) == 1
    assert len(errs) == 1 and "locked" in errs[0].source and "folder not read" in errs[0].reason


def test_non_utf8_file_name_is_read_and_named_printably(tmp_path):
    raw = os.fsencode(str(tmp_path)) + b"/caf\xe9-\x1b[31mred.txt"
    with open(raw, "wb") as fh:
        fh.write(GOOD.encode())
    arts, errs = split(read_paths([tmp_path]))
    assert not errs and len(arts) == 1
    assert arts[0].source.endswith("caf\\xe9-\x1b[31mred.txt")
    arts[0].source.encode("utf-8")  # storable
    assert "\x1b" not in printable(arts[0].source) and "\\x1b[31m" in printable(arts[0].source)


def test_error_lines_never_carry_terminal_escapes():
    e = ReadError("evil\x1b]0;owned\x07.txt", "bad \x1b[2J thing\nsecond line")
    text = str(e)
    assert "\x1b" not in text and "\x07" not in text and "\n" not in text
    assert "\\x1b" in text


def test_json_integer_over_4300_digits_does_not_abort_the_file(tmp_path):
    big = "9" * 5000
    (tmp_path / "a.jsonl").write_text(
        f'{{"id": {big}, "title": "Huge id", "text": "A body with a very large identifier."}}\n'
        '{"title": "Second", "text": "The second record is fine as well."}\n')
    (tmp_path / "b.json").write_text(f'[{{"title": "In a list", "text": "Body text here.", "n": {big}}}]')
    arts, errs = split(read_paths([tmp_path]))
    assert not errs
    assert {a.title for a in arts} == {"Huge id", "Second", "In a list"}
    assert next(a for a in arts if a.title == "Huge id").external_id == big


def test_four_nul_bytes_do_not_make_an_article_binary(tmp_path):
    (tmp_path / "nul.txt").write_bytes(GOOD.encode().replace(b"bridge reopened", b"bridge\x00\x00 reopened\x00\x00"))
    arts, errs = split(read_paths([tmp_path]))
    assert not errs and "\x00" not in arts[0].raw_text


def test_utf16_without_bom_is_text(tmp_path):
    (tmp_path / "le.txt").write_bytes(GOOD.encode("utf-16-le"))
    (tmp_path / "be.txt").write_bytes(GOOD.encode("utf-16-be"))
    arts, errs = split(read_paths([tmp_path]))
    assert not errs and [a.title for a in arts] == ["Harbour bridge reopens"] * 2


def test_binary_file_still_refused(tmp_path):
    (tmp_path / "x.txt").write_bytes(bytes(range(256)) * 40)
    _, errs = split(read_paths([tmp_path]))
    assert len(errs) == 1 and "binary" in errs[0].reason


def test_long_text_cut_at_a_sentence_end_with_a_warning(tmp_path):
    sentence = "The council said the harbour bridge would reopen on Monday. "
    (tmp_path / "long.txt").write_text("Title\n\n" + sentence * 400)
    arts, _ = split(read_paths([tmp_path], config=small_config(max_article_chars=5000)))
    text = arts[0].raw_text
    assert len(text) <= 5000 and text.endswith("Monday.")
    assert any("cut to" in w and "sentence end" in w for w in arts[0].metadata["warnings"])


def test_cut_at_sentence_falls_back_to_spaces_then_hard_cut():
    assert cut_at_sentence("no sentence end here at all", 12) == "no sentence"
    assert cut_at_sentence("x" * 50, 10) == "x" * 10
    assert cut_at_sentence("Short.", 100) == "Short."


def test_over_long_text_never_reaches_spacy_through_the_article_stages():
    """The E088 case: a 1.2M-character paste is cut before any stage that parses it."""
    from wiretrace.pipeline import Context, clean_batch

    ctx = Context()
    art = Article(source="paste", raw_text="Title\n\n" + "A short sentence about the bridge. " * 35_000)
    out = clean_batch([art], ctx, through="bound")[0]
    assert len(out.text) <= ctx.config.max_article_chars
    assert out.text.endswith("bridge.")
    assert any("cut to" in w for w in out.metadata["warnings"])


def test_article_stage_failure_stays_with_its_article():
    """A stage that raises on a batch is rerun per article: only the article that breaks it is marked."""
    from wiretrace.pipeline import FAILED, Context, Stage, _run_article_stage

    def upper(batch, ctx):
        for art in batch:
            art.text = art.raw_text.upper()  # raises on an article without raw text
        return batch

    arts = [Article(source="a", raw_text="one"), Article(source="b"), Article(source="c", raw_text="three")]
    failed: list[Article] = []
    out = _run_article_stage(Stage("upper", upper, (), ()), arts, Context(), failed)
    assert [a.text for a in out] == ["ONE", "THREE"]
    assert [a.source for a in failed] == ["b"]
    assert failed[0].metadata[FAILED].startswith("upper stage failed: AttributeError")


def test_input_over_its_wall_clock_budget_is_one_error_and_the_batch_goes_on():
    """A backtracking regex on one hostile text (the classic slow-regex hang) is stopped at the budget."""
    import re

    from wiretrace.pipeline import FAILED, Context, Stage, _run_article_stage

    def slow_regex(batch, ctx):
        for art in batch:
            re.match(r"(a+)+$", art.raw_text)  # exponential on "aaa...ab"
            art.text = art.raw_text
        return batch

    ctx = Context()
    ctx.config.max_input_seconds = 1.0
    arts = [Article(source="good", raw_text="a short text"), Article(source="hostile", raw_text="a" * 60 + "b"),
            Article(source="also good", raw_text="another text")]
    failed: list[Article] = []
    t = time.perf_counter()
    out = _run_article_stage(Stage("slow", slow_regex, (), ()), arts, ctx, failed)
    assert time.perf_counter() - t < 10
    assert [a.source for a in out] == ["good", "also good"]
    assert [a.source for a in failed] == ["hostile"] and "over 1 s" in failed[0].metadata[FAILED]
