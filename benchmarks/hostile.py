"""Hostile and careless inputs of our own, generated on demand (nothing large is checked in).

`make_cases(folder, tag, big)` writes one file (or FIFO, link, folder) per case and returns what each must do:

- "error": named in an error line, nothing stored from it;
- "good": its article stored (found by its marker word), whatever warnings it gets;
- "mixed": its good part stored and the bad part named;
- "named": named in an error or a warning line (e.g. cut to the budget), and stored when it has a marker;
- "any": anything but a crash or a hang (random mutations).

`big=True` gives the sizes of the issue's attacks (1 GB gzip bomb, 10 MB text, 800,000 unclosed script tags);
`big=False` keeps each under a few MB for the test suite. Used by tests/ingest/test_fuzz.py and benchmarks/stress.py.
"""

from __future__ import annotations

import gzip
import json
import os
import random
from dataclasses import dataclass
from pathlib import Path

SENTENCES = [
    "The council said the harbour bridge would reopen on Monday after repairs.",
    "Officials expect traffic to return to normal levels within a week.",
    "A spokeswoman for the transport ministry declined to comment on the costs.",
    "Residents had complained about the detour for more than three months.",
    "The engineering firm said the work was finished ahead of schedule.",
]


@dataclass
class Case:
    name: str  # file name (as written; may hold odd bytes)
    kind: str  # the class of attack
    expect: str  # error | good | mixed | named | any
    marker: str | None = None  # a word only this case's good article holds


def good_text(marker: str, n: int = 6) -> str:
    body = " ".join(SENTENCES[i % len(SENTENCES)] for i in range(n))
    return f"Bridge report {marker}\n\n{body} The marker is {marker}.\n"


_BOMB_CACHE: dict[tuple[int, bytes, bytes], bytes] = {}


def _bomb(size: int, fill: bytes = b"\0", prefix: bytes = b"") -> bytes:
    """gzip of `prefix` + `size` bytes of `fill`, compressed a MiB at a time (never `size` bytes in memory)."""
    key = (size, fill, prefix)
    if key not in _BOMB_CACHE:
        comp = __import__("zlib").compressobj(9, 8, 31)  # gzip container
        chunk = fill * (1 << 20)
        parts = [comp.compress(prefix)] + [comp.compress(chunk) for _ in range(size >> 20)]
        _BOMB_CACHE[key] = b"".join(parts) + comp.flush()
    return _BOMB_CACHE[key]


def _warc_record(body: bytes, headers: str, uri: str) -> bytes:
    http = f"HTTP/1.1 200 OK\r\n{headers}\r\n".encode() + body
    head = (f"WARC/1.0\r\nWARC-Type: response\r\nWARC-Target-URI: {uri}\r\nWARC-Record-ID: <urn:uuid:{abs(hash(uri))}>"
            "\r\nWARC-Date: 2024-01-01T00:00:00Z\r\nContent-Type: application/http; msgtype=response\r\n"
            f"Content-Length: {len(http)}\r\n\r\n").encode()
    return head + http + b"\r\n\r\n"


def _page(marker: str) -> bytes:
    return (f"<html><head><title>Bridge report {marker}</title></head><body><article><h1>Bridge report {marker}</h1>"
            + "".join(f"<p>{s} The marker is {marker}.</p>" for s in SENTENCES) + "</article></body></html>").encode()


def make_cases(folder: Path, tag: str, big: bool = False, rng: random.Random | None = None) -> list[Case]:
    """Write every hostile case into `folder` (created); `tag` keeps markers unique across calls."""
    rng = rng or random.Random(tag)
    folder.mkdir(parents=True, exist_ok=True)
    cases: list[Case] = []

    def write(name: str, data: bytes | str, kind: str, expect: str, marker: str | None = None) -> None:
        path = folder / name
        path.write_bytes(data.encode() if isinstance(data, str) else data)
        cases.append(Case(name, kind, expect, marker))

    m = lambda k: f"zq{tag}{k}".replace("-", "")  # noqa: E731 - a marker word per case
    bomb = _bomb((1024 if big else 64) << 20)
    write("bomb.txt.gz", bomb, "gzip bomb", "error")
    write("bomb.jsonl.gz", bomb, "gzip bomb (JSON Lines)", "error")
    ce_bomb = _bomb((1024 if big else 200) << 20, b" ", b"<html>")
    write("ce-bomb.warc", _warc_record(_page(m("w1")), "Content-Type: text/html\r\n", f"http://ex.org/{m('w1')}")
          + _warc_record(ce_bomb, "Content-Type: text/html\r\nContent-Encoding: gzip\r\n", "http://ex.org/bomb"),
          "WARC Content-Encoding bomb", "mixed", m("w1"))
    members = [gzip.compress(_warc_record(_page(m(f"t{i}")), "Content-Type: text/html\r\n", f"http://ex.org/{m(f't{i}')}"))
               for i in range(3)]
    blob = b"".join(members)
    write("cut.warc.gz", blob[: len(blob) - len(members[-1]) // 2], "truncated last WARC record", "mixed", m("t0"))
    write("trailing.txt.gz", gzip.compress(good_text(m("gz")).encode()) + b"garbage after the stream",
          "gzip with trailing garbage", "good", m("gz"))
    write("truncated.txt.gz", gzip.compress(good_text(m("tr"), 40).encode())[:-60], "truncated gzip", "error")
    write("nul.txt", good_text(m("nul")).replace("harbour", "har\0bour", 4).encode(), "4 NUL bytes", "good", m("nul"))
    write("utf16.txt", good_text(m("u16")).encode("utf-16-le"), "UTF-16 without BOM", "good", m("u16"))
    write("bigint.jsonl", json.dumps({"title": f"Bridge report {m('int')}", "text": good_text(m("int"))})[:-1]
          + ', "n": ' + "9" * 5000 + "}\n", "JSON integer of 5,000 digits", "good", m("int"))
    write("deep.json", "[" * 100_000 + "]" * 100_000, "JSON nested 100,000 deep", "error")
    write("malformed.jsonl", '{"title": "x", "text": \n' + json.dumps({"title": f"Bridge report {m('ml')}",
                                                                       "text": good_text(m("ml"))}) + "\n",
          "malformed JSON line beside a good one", "mixed", m("ml"))
    long_sents = (len(SENTENCES[0]) + 1)
    n_long = (10_000_000 if big else 1_200_000) // long_sents
    write("long.txt", f"Bridge report {m('long')}\n\n" + (SENTENCES[0] + " ") * n_long,
          "over-long article (spaCy E088)", "named", m("long"))
    write("longword.txt", good_text(m("lw")) + " " + "x" * (40_000 if big else 5_000) + ".\n",
          "a 40,000-letter word", "good", m("lw"))
    write("scripts.html", "<html><body>" + "<script>" * (800_000 if big else 20_000), "unclosed <script> tags", "any")
    paras = 100_000 if big else 5_000
    write("paragraphs.html", f"<html><head><title>Bridge report {m('par')}</title></head><body><article>"
          + "".join(f"<p>{SENTENCES[i % 5]} Paragraph {i} of {m('par')}.</p>" for i in range(paras))
          + "</article></body></html>", "100,000-paragraph page", "named" if big else "good", m("par"))
    write("binary.txt", bytes(rng.randrange(256) for _ in range(20_000)), "binary garbage", "error")
    write("empty.txt", b"", "empty file", "error")
    write("laughs.xml", '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
          + "".join(f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10 if i else "&lol;" * 10}">' for i in range(9))
          + ']><rss><channel><title>&lol8;</title></channel></rss>', "billion laughs", "error")
    write("xxe.rss", '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><rss version="2.0">'
          f"<channel><title>T</title><item><title>Bridge report {m('xxe')}</title><description>&x; "
          f"{good_text(m('xxe'))}</description></item></channel></rss>", "XXE entity", "any")
    write("nocontent.rss", '<?xml version="1.0"?><rss version="2.0"><channel><title>T</title><item><title>x</title>'
          "</item></channel></rss>", "feed entry without content", "error")
    write("garbage.warc", b"WARC/1.0\r\nContent-Length: 99999999999\r\n\r\n" + os.urandom(2000), "garbage WARC", "error")
    write(f"esc-\x1b[31m{m('esc')}.txt", good_text(m("esc")), "terminal escapes in the file name", "good", m("esc"))
    raw = os.fsencode(str(folder)) + f"/latin1-caf\xe9-{m('l1')}.txt".encode("latin-1")
    with open(raw, "wb") as fh:
        fh.write(good_text(m("l1")).encode())
    cases.append(Case(os.fsdecode(raw).rsplit("/", 1)[1], "file name not valid UTF-8", "good", m("l1")))
    write("xss.html", _page(m("xss")).replace(b"<h1>", b"<h1><script>alert(1)</script><img src=x onerror=alert(2)>"),
          "script payload", "good", m("xss"))
    if hasattr(os, "mkfifo"):
        os.mkfifo(folder / "pipe.txt")
        cases.append(Case("pipe.txt", "FIFO", "error"))
    (folder / "zero.txt").symlink_to("/dev/zero")
    cases.append(Case("zero.txt", "link to /dev/zero", "error"))
    (folder / "dangling.txt").symlink_to(folder / "nowhere")
    cases.append(Case("dangling.txt", "dangling link", "error"))
    (folder / "loop").symlink_to(folder)  # a folder link loop: not followed
    # random mutations of good files: anything but a crash or a hang
    for i in range(3):
        base = bytearray(rng.choice([good_text(m(f"r{i}")).encode(), _page(m(f"r{i}")),
                                     (json.dumps({"title": "t", "text": good_text(m(f"r{i}"))}) + "\n").encode()]))
        for _ in range(rng.randrange(1, 40)):
            base[rng.randrange(len(base))] = rng.randrange(256)
        suffix = rng.choice([".txt", ".html", ".jsonl", ".json", ".xml", ".warc", ".txt.gz"])
        data = gzip.compress(bytes(base)) if suffix.endswith(".gz") else bytes(base)
        write(f"mutant{i}{suffix}", data, "random mutation", "any")
    return cases


def good_articles(folder: Path, tag: str, n: int = 15) -> list[str]:
    """`n` good plain-text articles (two stories' worth of wire copies); returns their markers."""
    folder.mkdir(parents=True, exist_ok=True)
    markers = []
    for i in range(n):
        marker = f"zg{tag}{i}".replace("-", "")
        (folder / f"good-{i:02d}.txt").write_text(good_text(marker, 8 + i % 4))
        markers.append(marker)
    return markers
