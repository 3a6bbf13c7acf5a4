"""The web app in a real browser: Playwright driving Debian's Chromium (never a downloaded browser).

`wiretrace serve` is started as a child process on a free port over a store built by the real pipeline from the sample corpus plus
`tests/data/web/xss-stories.jsonl` (two articles whose every field carries script payloads). The tests walk the
five pages as a user would (following links, submitting the check form), save a screenshot of each into
`screenshots/` at the repository root, and assert that no payload ever runs: any dialog fails the test, and so
does any Content-Security-Policy violation (which would mean markup got through escaping and only the CSP
stopped it).
"""

from __future__ import annotations

import json
import re
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
CORPUS = ROOT / "src" / "wiretrace" / "samples" / "corpus"
XSS = ROOT / "tests" / "data" / "web" / "xss-stories.jsonl"
SHOTS = ROOT / "screenshots"
SEEDS = ROOT.parent / "shared" / "seeds"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not CHROMIUM.exists(), reason="/usr/bin/chromium is missing: apt-get install -y chromium"),
]
sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install playwright)")


# -- fixtures --------------------------------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Run the real pipeline (read, clean, cluster, story stages) into a fresh store; write the HTML report too."""
    from wiretrace.pipeline import Context, analyze, report_for
    from wiretrace.report.html_report import write_html
    from wiretrace.store import Store

    tmp = tmp_path_factory.mktemp("web")
    db = tmp / "web.db"
    ctx = Context()
    # One pipeline run (models load once): the sample corpus, the hostile articles and, when present, the seeds.
    inputs = [str(CORPUS), str(XSS)] + ([str(SEEDS)] if SEEDS.is_dir() else [])
    with Store(db) as store:
        result = analyze(inputs, store, ctx)
        report = report_for(store, result, ctx)
        xss = {a.external_id: a.id for a in store.iter_articles() if a.external_id in {"xss-1", "xss-2"}}
        # the wire story's cluster: the largest story that holds the Meridian wire article
        wire = next(a.id for a in store.iter_articles() if a.source.endswith("meridian-wire.txt"))
        seed_story = {"id": store.story_of(wire)}
        xss_story = store.story_of(xss["xss-1"])
        seed_ids = [a.id for a in store.iter_articles() if Path(a.source).parent == SEEDS]
        seed_stories = sorted({store.story_of(i) for i in seed_ids} - {None})
    html = tmp / "report.html"
    write_html(report, html)
    return {"db": db, "report": html, "xss": xss, "xss_story": xss_story, "seed_story": seed_story["id"],
            "seed_stories": seed_stories}


@contextmanager
def _serve(db: Path) -> Iterator[str]:
    """`wiretrace serve --db DB --port PORT` as a child process (the real command and uvicorn), stopped afterwards."""
    import httpx

    exe = shutil.which("wiretrace", path=str(Path(sys.executable).parent)) or shutil.which("wiretrace")
    if exe is None:
        pytest.skip("the wiretrace command is not installed (pip install -e .)")
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    proc = subprocess.Popen([exe, "serve", "--db", str(db), "--host", "127.0.0.1", "--port", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                pytest.fail(f"wiretrace serve exited with {proc.returncode}: {proc.stderr.read().decode()[-2000:]}")
            try:
                if httpx.get(url + "/api/stories?limit=1", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                pytest.fail("wiretrace serve did not answer within 60 s")
            time.sleep(0.2)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if proc.stderr:
            proc.stderr.close()


@pytest.fixture(scope="module")
def server(built: dict[str, Any]) -> Iterator[str]:
    with _serve(built["db"]) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield b
        b.close()


class Watch:
    """What the page did that it should not: dialogs, uncaught errors, CSP violations."""

    def __init__(self, page: Any):
        self.dialogs: list[str] = []
        self.errors: list[str] = []
        self.csp: list[str] = []
        page.on("dialog", self._dialog)
        page.on("pageerror", lambda exc: self.errors.append(str(exc)))
        page.on("console", self._console)

    def _dialog(self, dialog: Any) -> None:
        self.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    def _console(self, msg: Any) -> None:
        if "Content Security Policy" in msg.text or "Content-Security-Policy" in msg.text:
            self.csp.append(msg.text)

    def check(self, where: str) -> None:
        assert not self.dialogs, f"{where}: a dialog fired: {self.dialogs}"
        assert not self.errors, f"{where}: script errors: {self.errors}"
        assert not self.csp, f"{where}: CSP had to block something (escaping failed?): {self.csp}"


@pytest.fixture
def page(browser: Any) -> Iterator[tuple[Any, Watch]]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    pg = context.new_page()
    pg.set_default_timeout(15_000)
    watch = Watch(pg)
    yield pg, watch
    context.close()


def _shot(pg: Any, name: str) -> None:
    SHOTS.mkdir(exist_ok=True)
    pg.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def _page_kind(pg: Any) -> str:
    return pg.locator("main#main").get_attribute("data-page") or ""


def _inert(pg: Any, where: str) -> None:
    """No element the payloads would create exists, and no attribute carries a handler or a javascript: URL."""
    found = pg.evaluate(
        """() => {
          const bad = [];
          for (const s of document.querySelectorAll('script')) {
            if (!s.src || new URL(s.src).origin !== location.origin || s.textContent.trim()) bad.push('script');
          }
          for (const el of document.querySelectorAll('*')) {
            for (const at of el.attributes) {
              if (/^on/i.test(at.name)) bad.push(el.tagName + '[' + at.name + ']');
              if (/^\\s*javascript:/i.test(at.value)) bad.push(el.tagName + '[' + at.name + '=javascript:]');
            }
          }
          for (const img of document.querySelectorAll('img')) if (img.getAttribute('src') === 'x') bad.push('img[src=x]');
          return bad;
        }"""
    )
    assert not found, f"{where}: live markup from article text: {found}"


# -- tests -----------------------------------------------------------------------------------------------------------


def test_five_pages_in_chromium(server: str, built: dict[str, Any], page: tuple[Any, Watch]) -> None:
    """Stories -> story -> compare -> check -> article, following links and submitting the form as a user would."""
    pg, watch = page
    pg.goto(server + "/")
    assert _page_kind(pg) == "stories"
    assert pg.locator(f'a[href="/stories/{built["seed_story"]}"]').count() >= 1
    _shot(pg, "1-stories")

    pg.locator(f'a[href="/stories/{built["seed_story"]}"]').first.click()
    pg.wait_for_load_state()
    assert _page_kind(pg) == "story"
    svg = pg.locator("svg").first
    assert svg.is_visible()
    graph = svg.text_content() or ""
    assert "Meridian" in graph, "the wire agency is not drawn as an origin"
    assert re.search(r"\b(copy|rewrite) \d+%", graph), "no reuse edge labelled with relation and share"
    assert pg.locator("a.cmp").count() >= 1, "no comparison links on the story page"
    _shot(pg, "2-story")

    pg.locator("a.cmp").first.click()
    pg.wait_for_load_state()
    assert _page_kind(pg) == "compare"
    assert pg.locator("tr.pair.verbatim, tr.pair.paraphrase").count() >= 1, "no aligned sentence in the comparison"
    _shot(pg, "3-compare")

    pg.goto(server + "/check")
    assert _page_kind(pg) == "check"
    wire = (CORPUS / "meridian-wire.txt").read_text(encoding="utf-8").split("\n", 1)[1]
    pasted = wire.strip() + "\n\nThe mayor of Ostrel, who is fictional, said the deal changed nothing for her town."
    pg.fill('textarea[name="text"]', pasted)
    pg.click("#check-submit")
    pg.wait_for_load_state()
    assert _page_kind(pg) == "check"
    body = pg.locator("main#main").inner_text()
    assert re.search(r"\d+\s*%", body), "the check result shows no copied share"
    assert "Ostrel" in body, "the new sentence is not listed"
    _shot(pg, "4-check")

    link = pg.locator('main a[href^="/articles/"]').first
    link.click()
    pg.wait_for_load_state()
    assert _page_kind(pg) == "article"
    assert len(pg.locator("main#main").inner_text()) > 200
    _shot(pg, "5-article")
    watch.check("five pages")


def test_stories_search_and_sort(server: str, built: dict[str, Any], page: tuple[Any, Watch]) -> None:
    pg, watch = page
    pg.goto(server + "/?q=bakery")
    links = pg.locator('main a[href^="/stories/"]')
    hrefs = {links.nth(i).get_attribute("href") for i in range(links.count())}
    assert f"/stories/{built['xss_story']}" in hrefs
    assert f"/stories/{built['seed_story']}" not in hrefs, "a word search returned a story without the word"
    for sort in ("size", "recency", "conflicts"):
        pg.goto(server + f"/?sort={sort}")
        assert _page_kind(pg) == "stories"
    watch.check("stories search")


def test_untrusted_text_is_inert(server: str, built: dict[str, Any], page: tuple[Any, Watch]) -> None:
    """Every page that shows the payload articles renders them as text: no dialog, no live markup, no CSP block."""
    pg, watch = page
    a, b = built["xss"]["xss-1"], built["xss"]["xss-2"]
    urls = {
        "stories": "/",
        "search": "/?q=Ostrel",
        "story": f"/stories/{built['xss_story']}",
        "compare": f"/compare?a={a}&b={b}",
        "article-1": f"/articles/{a}",
        "article-2": f"/articles/{b}",
    }
    for name, url in urls.items():
        resp = pg.goto(server + url)
        assert resp is not None and resp.ok, f"{name}: HTTP {resp.status if resp else '?'}"
        csp = resp.headers.get("content-security-policy", "")
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp.split("script-src", 1)[1].split(";")[0]
        _inert(pg, name)
        pg.wait_for_timeout(50)
        watch.check(name)
    # The payload is visible as text on the article page (escaped, not dropped).
    pg.goto(server + f"/articles/{a}")
    assert "<script>alert(1)</script>" in pg.locator("main#main").inner_text()
    _shot(pg, "6-xss-article")

    # The check page echoes pasted text: paste the payload itself.
    pg.goto(server + "/check")
    first = json.loads(XSS.read_text(encoding="utf-8").splitlines()[0])
    pg.fill('textarea[name="text"]', first["title"] + "\n\n" + first["text"])
    pg.click("#check-submit")
    pg.wait_for_load_state()
    _inert(pg, "check")
    watch.check("check")
    assert pg.locator(f'main a[href="/articles/{a}"]').count() >= 1, "the pasted copy does not match its stored article"
    _shot(pg, "7-xss-check")

    # The self-contained report: opened from disk, hovered over, nothing runs.
    pg.goto(built["report"].as_uri())
    _inert(pg, "report")
    for el in pg.locator("details > summary").all()[:20]:
        el.click()
    pg.mouse.move(10, 10)
    watch.check("report")
    assert "<script>alert(1)</script>" in (pg.locator("body").text_content() or "")
    _shot(pg, "8-report")


# -- the seeds' story (end-to-end check on ../shared/seeds, analysed into the same store; skipped when absent) ------


def _story_pages(pg: Any, url: str, db: Path, story_ids: list[str]) -> list[dict[str, Any]]:
    """Open each story page; return what the page shows next to what the store holds."""
    from wiretrace.store import Store

    with Store(db) as store:
        stories = [story.to_report() for sid in story_ids if (story := store.get_story(sid)) is not None]
    seen = []
    for story in stories:
        pg.goto(f"{url}/stories/{story['id']}")
        seen.append({
            "story": story,
            "graph": pg.locator("svg").first.text_content() or "",
            "article_rows": pg.locator("table.articles tbody tr").count(),
            "conflict_items": pg.locator("ul.conflicts li").count(),
        })
    return seen


@pytest.fixture(scope="module")
def seed_pages(server: str, built: dict[str, Any], browser: Any) -> list[dict[str, Any]]:
    if not built["seed_stories"]:
        pytest.skip(f"{SEEDS} is absent")
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    pg = context.new_page()
    watch = Watch(pg)
    seen = _story_pages(pg, server, built["db"], built["seed_stories"])
    biggest = max(seen, key=lambda s: len(s["story"]["article_ids"]))
    pg.goto(f"{server}/stories/{biggest['story']['id']}")
    _shot(pg, "9-seeds-story")
    watch.check("seed story pages")
    context.close()
    return seen


def test_seed_story_pages_show_what_the_store_holds(seed_pages: list[dict[str, Any]]) -> None:
    """Each seed story page draws every origin, lists every article and every conflict the stages found."""
    for s in seed_pages:
        story = s["story"]
        for o in story.get("origins") or []:
            assert o["name"][:20] in s["graph"], f"origin {o['name']!r} missing from the graph"
        assert s["article_rows"] == len(story["article_ids"])
        assert s["conflict_items"] == len(story.get("conflicts") or [])


def test_seed_story_shows_two_origins_and_four_reuters_articles(seed_pages: list[dict[str, Any]]) -> None:
    """Issue 7's end-to-end check: the seeds' story page shows the two origins and the four Reuters-derived articles."""
    biggest = max(seed_pages, key=lambda s: len(s["story"]["article_ids"]))
    origins = [o for o in biggest["story"].get("origins") or [] if not o.get("secondary")]
    reuters = next((o for o in origins if "reuters" in o["name"].lower()), None)
    assert len(origins) >= 2 and reuters is not None
    assert len(reuters["article_ids"]) == 4
    assert "Reuters" in biggest["graph"] and biggest["article_rows"] == 5


def test_the_inertness_checks_catch_a_live_payload(page: tuple[Any, Watch]) -> None:
    """The checks above can fail: a page where the payload is live trips both the dialog watch and the DOM scan."""
    pg, watch = page
    pg.set_content('<p>ok</p><img src=x onerror="alert(1)"><a href="javascript:alert(2)">x</a>')
    pg.wait_for_timeout(200)
    assert watch.dialogs, "the dialog watch missed alert(1)"
    with pytest.raises(AssertionError):
        _inert(pg, "live")
    with pytest.raises(AssertionError):
        watch.check("live")


def test_check_by_upload_and_the_local_script(server: str, page: tuple[Any, Watch], tmp_path: Path) -> None:
    """The page's only script (served from /static, allowed by the CSP) refuses a wrong file type before sending;
    a .html upload is extracted, matched, and its copied share shown."""
    pg, watch = page
    pg.goto(server + "/check")
    bad = tmp_path / "payload.exe"
    bad.write_bytes(b"MZ\x90\x00")
    pg.set_input_files("#check-file", str(bad))
    assert pg.locator("#file-error").is_visible(), "the upload check in /static/wiretrace.js did not run"
    assert "upload" in pg.locator("#file-error").inner_text().lower()

    page_html = tmp_path / "repost.html"
    page_html.write_bytes((CORPUS / "harbour-daily-repost.html").read_bytes())
    pg.set_input_files("#check-file", str(page_html))
    assert not pg.locator("#file-error").is_visible()
    pg.click("#check-submit")
    pg.wait_for_load_state()
    assert _page_kind(pg) == "check"
    share = re.search(r"(\d+)% of its \d+ sentences", pg.locator("main#main").inner_text())
    assert share and int(share.group(1)) >= 50, "a re-post of the wire story should be mostly copied"
    watch.check("upload")
