"""Fetching pages over real HTTP from a server on 127.0.0.1 started by the test: saved pages, redirects, a 404, a
page that times out, oversized pages, robots.txt, politeness measured on the server's side, and `analyze` on URLs
(the raw page kept in the store: a second run fetches nothing)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from local_site import LocalSite, Route, article_page, text_file_page
from wiretrace.cli import app
from wiretrace.fetch import FetchConfig, is_url
from wiretrace.fetch.client import Fetcher, FetchError, Page
from wiretrace.report.json_report import validate
from wiretrace.samples import corpus_path
from wiretrace.store import Store

runner = CliRunner()
ROBOTS = b"User-agent: *\nDisallow: /private/\n"


@pytest.fixture()
def site():
    with LocalSite() as s:
        s.routes["/robots.txt"] = Route(ROBOTS, content_type="text/plain")
        yield s


def test_is_url():
    assert is_url("https://example.org/a") and is_url("HTTP://x") and not is_url("news/a.html")
    assert not is_url("ftp://x/y")


def test_each_case_is_one_page_or_one_clear_error(site):
    site.routes["/a.html"] = Route(article_page("Ferry strike ends", ["Workers returned on Monday."]))
    site.routes["/old"] = Route(status=301, headers={"Location": "/new/a.html"})
    site.routes["/new/a.html"] = Route(article_page("Moved story", ["It moved."]))
    site.routes["/loop"] = Route(status=302, headers={"Location": "/loop"})
    site.routes["/slow.html"] = Route(article_page("Slow", ["Slow."]), sleep=3)
    site.routes["/big.html"] = Route(b"<html><body>" + b"x" * 300_000 + b"</body></html>")
    site.routes["/big-stream.html"] = Route(b"<html><body>" + b"y" * 300_000 + b"</body></html>", chunked=True)
    site.routes["/private/secret.html"] = Route(article_page("Secret", ["No robots here."]))
    site.routes["/picture.png"] = Route(b"\x89PNG....", content_type="image/png")
    site.routes["/to-private"] = Route(status=302, headers={"Location": "/private/secret.html"})
    cfg = FetchConfig(delay=0, timeout=0.5, max_bytes=100_000)
    names = ["/a.html", "/old", "/loop", "/slow.html", "/missing.html", "/big.html", "/big-stream.html",
             "/private/secret.html", "/picture.png", "/to-private"]
    fetcher = Fetcher(cfg)
    res = dict(zip(names, fetcher.fetch_many([site.url(n) for n in names]), strict=True))

    ok = res["/a.html"]
    assert isinstance(ok, Page) and ok.status == 200 and b"Ferry strike ends" in ok.body and ok.redirects == []
    moved = res["/old"]
    assert isinstance(moved, Page)
    assert moved.final_url == site.url("/new/a.html") and moved.redirects == [site.url("/old")]
    reasons = {n: r.reason for n, r in res.items() if isinstance(r, FetchError)}
    assert reasons["/loop"] == "more than 5 redirects"
    assert reasons["/slow.html"] == "timed out after 0.5 s"
    assert reasons["/missing.html"] == "HTTP 404 Not Found"
    assert reasons["/big.html"] == "page is 0.3 MB, over the 0.1 MB limit"
    assert reasons["/big-stream.html"] == "page over the 0.1 MB limit (stopped reading)"
    assert reasons["/private/secret.html"] == "forbidden by robots.txt"
    assert reasons["/picture.png"] == "not a text page (image/png)"
    assert reasons["/to-private"].startswith("forbidden by robots.txt (") and "/private/secret.html" in reasons[
        "/to-private"]
    # robots.txt was read once, the forbidden page never asked for, and every request said who we are
    assert site.hits("/robots.txt") == 1
    assert site.hits("/private/secret.html") == 0
    assert all(ua.startswith("wiretrace/") for _, _, ua in site.log)


def test_politeness_holds_on_the_server_side(site):
    for i in range(8):
        site.routes[f"/p{i}.html"] = Route(article_page(f"Page {i}", [f"Paragraph {i}."]))
    cfg = FetchConfig(delay=0.2, per_host=2, concurrency=16)
    results = Fetcher(cfg).fetch_many([site.url(f"/p{i}.html") for i in range(8)])
    assert all(isinstance(r, Page) for r in results)
    starts = sorted(t for t, path, _ in site.log)
    gaps = [b - a for a, b in zip(starts, starts[1:], strict=False)]
    assert len(starts) == 9  # robots.txt + 8 pages
    assert min(gaps) >= 0.2, gaps  # the next turn opens 0.2 s after the answer began: never closer on the server


def test_robots_crawl_delay_wins_over_a_shorter_delay():
    with LocalSite() as s:
        s.routes["/robots.txt"] = Route(b"User-agent: *\nCrawl-delay: 1\n", content_type="text/plain")
        for i in range(2):
            s.routes[f"/c{i}.html"] = Route(article_page(f"C {i}", ["Text."]))
        Fetcher(FetchConfig(delay=0.0)).fetch_many([s.url(f"/c{i}.html") for i in range(2)])
        starts = sorted(t for t, _, _ in s.log)
    assert len(starts) == 3 and min(b - a for a, b in zip(starts, starts[1:], strict=False)) >= 1.0


def test_a_server_error_on_robots_txt_means_wait():
    with LocalSite() as s:
        s.routes["/robots.txt"] = Route(b"oops", status=503, content_type="text/plain")
        s.routes["/a.html"] = Route(article_page("A", ["Text."]))
        (res,) = Fetcher(FetchConfig(delay=0)).fetch_many([s.url("/a.html")])
    assert isinstance(res, FetchError) and res.reason == "forbidden by robots.txt"
    assert s.hits("/a.html") == 0


def _serve_sample_corpus(site: LocalSite) -> list[str]:
    """The sample corpus's pages as a news site: text files as article pages, the saved HTML page as is."""
    paths = []
    for f in sorted(corpus_path().iterdir()):
        if f.suffix == ".txt":
            site.routes[f"/news/{f.stem}.html"] = Route(text_file_page(f, outlet=f.stem.split("-")[0].title()))
            paths.append(f"/news/{f.stem}.html")
        elif f.suffix == ".html":
            site.routes[f"/news/{f.name}"] = Route(f.read_bytes())
            paths.append(f"/news/{f.name}")
    return paths


def test_analyze_urls_end_to_end_and_never_refetch(site, tmp_path):
    paths = _serve_sample_corpus(site)
    site.routes["/short/meridian"] = Route(status=301, headers={"Location": "/news/meridian-wire.html"})
    site.routes["/private/x.html"] = Route(article_page("Hidden", ["Hidden text."]))
    site.routes["/slow.html"] = Route(article_page("Slow", ["Slow."]), sleep=3)
    urls = [site.url(p) for p in paths if "meridian" not in p] + [
        site.url("/private/x.html"), site.url("/gone.html"), site.url("/slow.html")]
    listing = tmp_path / "links.txt"
    listing.write_text("# links to check\n" + "\n".join(urls) + "\n\n")
    args = ["analyze", site.url("/short/meridian"), "--urls", str(listing), "-o", str(tmp_path / "r.json"),
            "--db", str(tmp_path / "w.db"), "--fetch-delay", "0", "--fetch-timeout", "0.5"]
    result = runner.invoke(app, args)
    assert result.exit_code == 1, result.output  # some inputs failed, the rest analysed
    errors = [ln for ln in result.output.splitlines() if ln.startswith("error: ")]
    assert sorted(errors) == sorted([
        f"error: {site.url('/private/x.html')}: forbidden by robots.txt",
        f"error: {site.url('/gone.html')}: HTTP 404 Not Found",
        f"error: {site.url('/slow.html')}: timed out after 0.5 s",
    ])
    report = json.loads((tmp_path / "r.json").read_text())
    validate(report)
    assert len(report["articles"]) == len(paths)
    by_source = {a["source"]: a for a in report["articles"]}
    meridian = by_source[site.url("/short/meridian")]
    assert meridian["url"] == site.url("/news/meridian-wire.html")  # the final URL
    assert meridian["metadata"]["fetch"]["redirects"] == [site.url("/short/meridian")]
    dam = max(report["stories"], key=lambda s: len(s["article_ids"]))
    assert len(dam["article_ids"]) == 4  # wire, harbour repost, northgate rewrite, valley ledger
    with Store(tmp_path / "w.db") as store:
        assert len(store.get_pages([site.url(p) for p in paths])) == len(paths)
    hits = list(site.log)

    again = runner.invoke(app, args[:-4] + ["--fetch-delay", "0", "--fetch-timeout", "0.5"])
    assert again.exit_code == 1
    report2 = json.loads((tmp_path / "r.json").read_text())
    assert report2["run"]["counts"]["articles_new"] == 0 and len(report2["articles"]) == len(paths)
    fetched_again = [p for _, p, _ in site.log[len(hits):]]
    # only what failed is asked for again; every stored page is read from the store
    assert sorted(fetched_again) == sorted(["/robots.txt", "/gone.html", "/slow.html"])


def test_a_url_that_is_a_feed_gives_its_entries(site, tmp_path):
    feed = Path(__file__).parents[1] / "data" / "ingest" / "feed.xml"
    site.routes["/feed.xml"] = Route(feed.read_bytes(), content_type="application/rss+xml")
    result = runner.invoke(app, ["analyze", site.url("/feed.xml"), "-o", str(tmp_path / "r.json"),
                                 "--db", str(tmp_path / "w.db"), "--fetch-delay", "0"])
    assert result.exit_code == 0, result.output
    report = json.loads((tmp_path / "r.json").read_text())
    assert {a["url"] for a in report["articles"]} == {"https://gazette.example/lighthouse",
                                                      "https://gazette.example/market"}
    assert all(a["metadata"]["fetch"]["final_url"] == site.url("/feed.xml") for a in report["articles"])


def test_extract_and_align_take_urls_too(site):
    site.routes["/wire.html"] = Route(text_file_page(corpus_path() / "meridian-wire.txt"))
    site.routes["/rewrite.html"] = Route(text_file_page(corpus_path() / "northgate-rewrite.txt"))
    result = runner.invoke(app, ["extract", site.url("/wire.html"), site.url("/gone.html"), "--json"])
    assert result.exit_code == 1  # one page read, one failed
    (art,) = [json.loads(ln) for ln in result.stdout.splitlines() if ln.startswith("{")]
    assert art["url"] == site.url("/wire.html") and "Istra river" in art["text"]
    assert f"error: {site.url('/gone.html')}: HTTP 404 Not Found" in result.output
    aligned = runner.invoke(app, ["align", site.url("/wire.html"), site.url("/rewrite.html"), "--json"])
    assert aligned.exit_code == 0, aligned.output
    assert json.loads(aligned.stdout)["pairs"]
