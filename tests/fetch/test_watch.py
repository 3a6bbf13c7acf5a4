"""`wiretrace watch` against a real server on 127.0.0.1 whose feed changes between polls: new items fetched once,
analysed into the store, and what changed said; a sitemap index; Ctrl-C during a poll loses nothing."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from local_site import LocalSite, Route, rss, sitemap, text_file_page
from wiretrace.cli import app
from wiretrace.fetch.watch import Watcher, listing_urls, parse_duration
from wiretrace.pipeline import Context
from wiretrace.samples import corpus_path
from wiretrace.store import Store

runner = CliRunner()
ROOT = Path(__file__).resolve().parents[2]
CORPUS = corpus_path()


def test_parse_duration():
    assert parse_duration("15m") == 900 and parse_duration("30s") == 30 and parse_duration("2h") == 7200
    assert parse_duration("45") == 45 and parse_duration("1.5min") == 90
    with pytest.raises(ValueError):
        parse_duration("soon")


def test_listing_urls_reads_feeds_sitemaps_and_indexes():
    items, nested = listing_urls(rss([("A", "/a.html", "x"), ("B", "http://h/b.html", "y")]), "http://h/feed.xml")
    assert items == ["http://h/a.html", "http://h/b.html"] and nested == []
    items, nested = listing_urls(sitemap(["http://h/1.html", "http://h/2.html"]), "http://h/sitemap.xml")
    assert items == ["http://h/1.html", "http://h/2.html"] and nested == []
    index = (b'<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
             b"<sitemap><loc>http://h/s1.xml</loc></sitemap></sitemapindex>")
    assert listing_urls(index, "http://h/") == ([], ["http://h/s1.xml"])
    with pytest.raises(ValueError):
        listing_urls(b"<html><body>a page</body></html>", "http://h/")


def _pages(site: LocalSite) -> dict[str, str]:
    """The sample corpus's text files served as article pages: {stem: url}."""
    urls = {}
    for f in sorted(CORPUS.glob("*.txt")):
        site.routes[f"/news/{f.stem}.html"] = Route(text_file_page(f, outlet=f.stem.split("-")[0].title()))
        urls[f.stem] = site.url(f"/news/{f.stem}.html")
    return urls


def test_a_feed_that_changes_between_polls(tmp_path):
    with LocalSite() as site:
        pages = _pages(site)
        site.routes["/robots.txt"] = Route(b"User-agent: *\nDisallow: /private/\n", content_type="text/plain")
        site.routes["/feed.xml"] = Route(rss([("Dam deal", pages["meridian-wire"], "..."),
                                              ("Rewrite", pages["northgate-rewrite"], "...")]),
                                         content_type="application/rss+xml")
        ctx = Context()
        ctx.config.fetch.delay = 0
        with Store(tmp_path / "w.db") as store:
            watcher = Watcher([site.url("/feed.xml")], store, ctx)
            first = watcher.poll()
            assert (first.listed, first.new_urls, first.fetched, first.articles_new) == (2, 2, 2, 2)
            assert len(first.new_stories) == 1 and first.new_stories[0]["n_articles"] == 2
            dam_id = first.new_stories[0]["id"]

            # the feed grows: one more version of the dam story, an unrelated story, a dead link, a forbidden one
            site.routes["/feed.xml"] = Route(rss([
                ("Independent", pages["valley-ledger-independent"], "..."),
                ("Festival", pages["port-sella-festival"], "..."),
                ("Gone", site.url("/news/gone.html"), "..."),
                ("Hidden", site.url("/private/x.html"), "..."),
                ("Dam deal", pages["meridian-wire"], "..."),
                ("Rewrite", pages["northgate-rewrite"], "..."),
            ]), content_type="application/rss+xml")
            second = watcher.poll()
            assert (second.listed, second.new_urls, second.fetched, second.articles_new) == (6, 4, 2, 2)
            assert sorted(second.failures) == sorted([f"{site.url('/news/gone.html')}: HTTP 404 Not Found",
                                                      f"{site.url('/private/x.html')}: forbidden by robots.txt"])
            assert [g["id"] for g in second.grown] == [dam_id] and second.grown[0]["was"] == 2
            assert second.grown[0]["n_articles"] == 3
            assert [s["n_articles"] for s in second.new_stories] == [1]
            assert [c["id"] for c in second.new_conflicts] == [dam_id]  # the independent account's other figure

            third = watcher.poll()  # nothing new: nothing fetched, the dead links not asked for again
            assert (third.new_urls, third.fetched, third.articles_new) == (0, 0, 0)
            assert not (third.new_stories or third.grown or third.new_conflicts) and third.failures == []
        assert site.hits(pages["meridian-wire"].removeprefix(site.base)) == 1  # each page fetched once
        assert site.hits("/news/gone.html") == 1 and site.hits("/private/x.html") == 0
        assert site.hits("/feed.xml") == 3 and site.hits("/robots.txt") == 1


def test_watch_once_through_the_cli_with_a_sitemap_index(tmp_path):
    with LocalSite() as site:
        pages = _pages(site)
        site.routes["/sitemap.xml"] = Route(
            b'<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
            + f"<sitemap><loc>{site.url('/sitemap-news.xml')}</loc></sitemap></sitemapindex>".encode(),
            content_type="application/xml")
        site.routes["/sitemap-news.xml"] = Route(sitemap([pages["meridian-wire"], pages["northgate-rewrite"]]),
                                                 content_type="application/xml")
        result = runner.invoke(app, ["watch", site.url("/sitemap.xml"), "--once", "--json", "--db",
                                     str(tmp_path / "w.db"), "--fetch-delay", "0"])
        assert result.exit_code == 0, result.output
        (line,) = [json.loads(ln) for ln in result.stdout.splitlines() if ln.startswith("{")]
        assert (line["listed"], line["fetched"], line["articles_new"]) == (2, 2, 2)
        assert len(line["new_stories"]) == 1
        # the store is a product at once
        listed = runner.invoke(app, ["stories", "--db", str(tmp_path / "w.db"), "--json"])
        assert listed.exit_code == 0 and json.loads(listed.stdout.splitlines()[0])["n_articles"] == 2
        bad = runner.invoke(app, ["watch", "feeds.txt", "--once", "--db", str(tmp_path / "w.db")])
        assert bad.exit_code == 2 and "not an http(s) URL" in bad.output
        dead = runner.invoke(app, ["watch", site.url("/nothing.xml"), "--once", "--db", str(tmp_path / "w.db")])
        assert dead.exit_code == 2 and "HTTP 404" in dead.output


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_ctrl_c_during_a_poll_keeps_the_batch(tmp_path):
    with LocalSite() as site:
        pages = _pages(site)
        slow = site.url("/news/slow.html")
        site.routes["/news/slow.html"] = Route(text_file_page(CORPUS / "port-sella-festival.txt"), sleep=2.0)
        site.routes["/feed.xml"] = Route(rss([("a", pages["meridian-wire"], "."), ("b", slow, ".")]),
                                         content_type="application/rss+xml")
        env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
        proc = subprocess.Popen([sys.executable, "-m", "wiretrace", "watch", site.url("/feed.xml"), "--every", "1h",
                                 "--json", "--db", str(tmp_path / "w.db"), "--fetch-delay", "0"],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=tmp_path)
        deadline = time.monotonic() + 120
        while site.hits("/news/slow.html") == 0 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert site.hits("/news/slow.html") == 1
        proc.send_signal(signal.SIGINT)  # mid-poll: the slow page is still being served
        stdout, stderr = proc.communicate(timeout=180)
    assert proc.returncode == 0, stderr
    assert "stopping after this poll" in stderr
    (line,) = [json.loads(ln) for ln in stdout.splitlines() if ln.startswith("{")]
    assert line["fetched"] == 2 and line["articles_new"] == 2
    with Store(tmp_path / "w.db") as store:
        assert store.count_articles() == 2 and store.unassigned_article_ids() == []
        assert not store.stories_needing_analysis()
