"""`wiretrace serve`: a FastAPI app over the store, server-rendered with Jinja2.

Article text is untrusted HTML: every template is autoescaped (nothing is marked
safe), a strict Content-Security-Policy forbids inline script, and uploads are
limited in size and type. The only script is /static/wiretrace.js.
"""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlencode

from fastapi import FastAPI, File, Form, HTTPException, Query, Request, UploadFile
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from wiretrace import __version__
from wiretrace.config import Config
from wiretrace.report import views
from wiretrace.report.html_report import TEMPLATES as REPORT_TEMPLATES
from wiretrace.report.html_report import environment
from wiretrace.store.repository import StoreError
from wiretrace.web.check import ShingleIndex, check_text

HERE = Path(__file__).parent
MAX_UPLOAD = 2 * 1024 * 1024  # bytes: a press release or a long feature fits many times over
MAX_TEXT_FIELD = 1024 * 1024 - 1  # a pasted form field: Starlette refuses multipart parts over 1 MiB
MAX_BODY = MAX_UPLOAD + 64 * 1024
BODY_TIMEOUT = 30.0  # seconds between two parts of a request body (a slow sender holds a connection no longer)


class BodySizeLimit:
    """Refuse POST bodies over `limit` bytes, counted as they arrive (chunked bodies carry no Content-Length), and
    bodies that stall for over `BODY_TIMEOUT` seconds."""

    def __init__(self, app: Any, limit: int = MAX_BODY) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        chunks: list[bytes] = []
        size = 0
        more = True
        while more:
            try:
                message = await asyncio.wait_for(receive(), BODY_TIMEOUT)
            except TimeoutError:
                response = JSONResponse({"detail": f"request body not received within {BODY_TIMEOUT:.0f} s"},
                                        status_code=408, headers={"Content-Security-Policy": CSP, "Connection": "close"})
                await response(scope, receive, send)
                return
            if message["type"] == "http.disconnect":
                return
            body = message.get("body", b"")
            size += len(body)
            if size > self.limit:
                response = JSONResponse({"detail": f"request body over {MAX_UPLOAD} bytes"}, status_code=413,
                                        headers={"Content-Security-Policy": CSP})
                await response(scope, receive, send)
                return
            chunks.append(body)
            more = message.get("more_body", False)
        data = b"".join(chunks)
        replayed = False

        async def replay() -> dict[str, Any]:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": data, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)
UPLOAD_SUFFIXES = {".txt", ".text", ".md", ".html", ".htm"}
UPLOAD_TYPES = {"text/plain", "text/html", "text/markdown", "application/octet-stream", ""}
PAGE_SIZE = 50
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
    "base-uri 'none'; frame-ancestors 'none'; connect-src 'self'"
)
SortKey = Literal["recency", "size", "conflicts", "independent"]


# -- API models ----------------------------------------------------------------------------------------------------------


class StorySummary(BaseModel):
    id: str
    title: str | None = None
    summary: str | None = None
    n_articles: int | None = None
    n_independent: int | None = None
    n_conflicts: int | None = None
    first_published: str | None = None
    last_published: str | None = None


class StoryList(BaseModel):
    total: int
    offset: int
    stories: list[StorySummary]


class CheckRequest(BaseModel):
    text: str = Field(min_length=1, max_length=MAX_UPLOAD, description="The text to check (plain text or HTML).")
    html: bool = Field(False, description="Treat the text as an HTML page (extract its main text first).")
    add: bool = Field(False, description="Also add the cleaned text to the store and analyse its story.")


class CheckPair(BaseModel):
    a: int
    b: int
    label: str
    score: float


class CheckMatch(BaseModel):
    article_id: str
    title: str | None = None
    outlet: str | None = None
    published: str | None = None
    story_id: str | None = None
    story_title: str | None = None
    containment: float
    copied_share: float
    verbatim: int
    paraphrase: int
    pairs: list[CheckPair]


class CheckResult(BaseModel):
    sentences: list[str]
    copied_share: float = Field(description="Share of the text's sentences aligned to some stored article.")
    new_sentences: list[int] = Field(description="Indexes of sentences found in no stored article.")
    matches: list[CheckMatch]
    added_article_id: str | None = None
    added_story_id: str | None = None


# -- state -----------------------------------------------------------------------------------------------------------------


class State:
    """The store, opened twice over: one writer connection (the "add" of check, serialised by `write_lock`) and one
    read connection per server thread (WAL: a page never waits behind a write), plus lazy caches."""

    def __init__(self, db: Path, config: Config | None = None):
        from wiretrace.pipeline import Context
        from wiretrace.store import Store

        self.path = db
        self.store = Store(db)  # read-only when the file or its folder is not writable: viewing still works
        self.readonly = self.store.readonly
        self.write_lock = threading.RLock()
        self.lock = threading.RLock()  # the caches below
        self._local = threading.local()
        self.ctx = Context(config=config) if config is not None else Context()
        self.index = ShingleIndex()
        self._entities: tuple[Any, dict[str, set[str]]] | None = None
        self._listing: tuple[Any, list[dict[str, Any]]] | None = None

    def reader(self) -> Any:
        """This thread's read-only connection to the store (opened on first use)."""
        from wiretrace.store import Store

        store = getattr(self._local, "store", None)
        if store is None:
            store = self._local.store = Store(self.path, readonly=True)
        return store

    def entity_index(self) -> dict[str, set[str]]:
        """entity -> ids of the stories whose title, summary, origins, speakers or article titles/leads name it.

        Rebuilt when the stories change (count, last run, article count).
        """
        store = self.reader()
        with self.lock:
            key = self._entity_key(store)
            if self._entities and self._entities[0] == key:
                return self._entities[1]
            self._entities = (key, views.entity_index(store))
            return self._entities[1]

    def stories(self) -> list[dict[str, Any]]:
        """The store's summary rows, cached until the stories change (turning 10k sqlite rows into dicts costs ~50 ms)."""
        store = self.reader()
        with self.lock:
            key = self._entity_key(store)
            if self._listing is None or self._listing[0] != key:
                self._listing = (key, store.list_stories())
            return self._listing[1]

    def stories_with_entity(self, entity: str) -> set[str]:
        return views.stories_with_entity(self.entity_index(), entity)

    @staticmethod
    def _entity_key(store: Any) -> tuple:
        return tuple(store.conn.execute(
            "SELECT COUNT(*), COALESCE(MAX(updated_run), 0), (SELECT COUNT(*) FROM articles) FROM stories"
        ).fetchone())

    def warm(self) -> None:
        """Build the check and entity indexes on a second connection, so the first search or check is fast."""
        from wiretrace.store import Store

        try:
            self.ctx.embedder()  # the ONNX model loads once per process
            with Store(self.path, readonly=True) as store:
                self.index.sync(store)
                key = self._entity_key(store)
                built = views.entity_index(store)
            with self.lock:
                if self._entities is None:
                    self._entities = (key, built)
        except Exception:  # noqa: BLE001 - warming is an optimisation; the lazy path still works
            return


def _pages_env():
    env = environment([HERE / "templates"])
    env.globals.update(version=__version__)
    return env


LOOPBACK_NAMES = frozenset({"127.0.0.1", "localhost", "::1"})
WILDCARD_HOSTS = frozenset({"0.0.0.0", "::", ""})
TOKEN_COOKIE = "wiretrace_token"


def is_loopback(host: str) -> bool:
    """Whether binding to `host` keeps the server reachable from this machine only."""
    import ipaddress

    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _host_name(value: str) -> str:
    """The name in a Host header, without its port ("[::1]:8000" -> "::1"), lowercased."""
    value = value.strip().lower()
    if value.startswith("["):
        return value[1 : value.find("]")] if "]" in value else value
    return value.rsplit(":", 1)[0] if value.count(":") == 1 else value


def _cross_site(request: Request) -> bool:
    """A POST another site's page made the browser send (CSRF): refused, since it could add to the store.
    `Origin: null` (sandboxed frames, data: pages, some redirects) is another site too."""
    if request.headers.get("sec-fetch-site") in {"cross-site", "same-site"}:
        return True
    origin = request.headers.get("origin")
    if origin is None:
        return False  # not sent by a browser's cross-origin form or fetch (curl, the API clients)
    if origin.strip().lower() == "null":
        return True
    from urllib.parse import urlsplit

    return urlsplit(origin).netloc.lower() != request.headers.get("host", "").lower()


def create_app(db: str | Path, host: str = "127.0.0.1", token: str | None = None,
               allowed_hosts: tuple[str, ...] = (), config: Config | None = None) -> FastAPI:
    """The web app over the store at `db` (created empty if missing), as served on `host`.

    Requests whose Host header names neither this machine's loopback names, nor `host`, nor one of
    `allowed_hosts` are refused (a DNS-rebinding page calls itself by its own name). With `token` (required by
    `serve` when bound beyond loopback) every request must carry it: `Authorization: Bearer TOKEN`, or the cookie
    set by opening any page once with `?token=TOKEN`. `config`: the settings its "add" and compare run with.
    """
    import hmac

    state = State(Path(db), config)
    names = set(LOOPBACK_NAMES) | {h.lower().strip("[]") for h in allowed_hosts}
    any_host = host in WILDCARD_HOSTS
    if not any_host:
        names.add(host.lower().strip("[]"))
    env = _pages_env()

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        threading.Thread(target=state.warm, name="wiretrace-warm", daemon=True).start()
        yield

    app = FastAPI(
        lifespan=lifespan,
        title="wiretrace",
        version=__version__,
        description="Stories, provenance and claims from a wiretrace store; check a text against it.",
        docs_url=None,  # Swagger UI and ReDoc load their script from a CDN: the schema is at /openapi.json
        redoc_url=None,
    )
    app.state.wiretrace = state
    app.add_middleware(BodySizeLimit, limit=MAX_BODY)

    @app.exception_handler(sqlite3.DatabaseError)
    async def damaged_store(_request: Request, exc: sqlite3.DatabaseError) -> JSONResponse:
        # A corrupt page met by one view: say so (503, one line) instead of a bare 500; `serve` warned at start.
        from wiretrace.store.repository import describe_error

        return JSONResponse({"detail": f"the store could not be read for this page: {describe_error(exc)}"},
                            status_code=503)

    @app.exception_handler(RequestValidationError)
    async def validation_error(_request: Request, exc: RequestValidationError) -> JSONResponse:
        # FastAPI's default echoes the whole input back: a 2 MB paste would come back in the error.
        detail = [{k: v for k, v in err.items() if k not in {"input", "ctx"}} for err in exc.errors()]
        return JSONResponse({"detail": detail}, status_code=422)

    def token_ok(request: Request) -> bool:
        given = request.cookies.get(TOKEN_COOKIE, "")
        auth = request.headers.get("authorization", "")
        if auth.lower().startswith("bearer "):
            given = auth[7:].strip()
        return bool(token) and hmac.compare_digest(given.encode(), token.encode())

    @app.middleware("http")
    async def security_headers(request: Request, call_next):  # noqa: ANN001, ANN202
        length = request.headers.get("content-length")
        query_token = request.query_params.get("token")
        if not any_host and _host_name(request.headers.get("host", "")) not in names:
            response: Response = JSONResponse({"detail": "unknown Host header (DNS rebinding?); open the app by the "
                                               "address it is served on"}, status_code=421)
        elif token and query_token and hmac.compare_digest(query_token.encode(), token.encode()):
            from starlette.responses import RedirectResponse

            rest = request.url.remove_query_params("token")
            response = RedirectResponse((rest.path or "/") + (f"?{rest.query}" if rest.query else ""), status_code=303)
            response.set_cookie(TOKEN_COOKIE, token, httponly=True, samesite="strict",
                                secure=request.url.scheme == "https")
        elif token and not token_ok(request):
            response = JSONResponse({"detail": "this server needs its token: open it once with ?token=TOKEN (printed "
                                     "by `wiretrace serve`) or send Authorization: Bearer TOKEN"}, status_code=401)
        elif request.method == "POST" and _cross_site(request):
            response = JSONResponse({"detail": "cross-site form posts are refused"}, status_code=403)
        elif request.method == "POST" and length and length.isdigit() and int(length) > MAX_BODY:
            response = JSONResponse({"detail": f"request body over {MAX_UPLOAD} bytes"}, status_code=413)
        else:
            response = await call_next(request)
        response.headers["Content-Security-Policy"] = CSP
        response.headers["X-Content-Type-Options"] = "nosniff"
        # same-origin, not no-referrer: under no-referrer browsers send `Origin: null` on the app's own form posts,
        # which the CSRF check must refuse; other sites still get no referrer.
        response.headers["Referrer-Policy"] = "same-origin"
        response.headers["X-Frame-Options"] = "DENY"
        return response

    def page(name: str, status_code: int = 200, **ctx: Any) -> HTMLResponse:
        return HTMLResponse(env.get_template(name).render(**ctx), status_code=status_code)

    def not_found(what: str) -> HTMLResponse:
        return page("error.html.j2", 404, page_name="error", message=f"{what} not found")

    def href(aid: str) -> str:
        return "/articles/" + aid

    def compare_href(a: str, b: str) -> str:
        return "/compare?" + urlencode({"a": a, "b": b})

    def articles_dict(ids: list[str]) -> dict[str, dict[str, Any]]:
        return {k: v.to_report() for k, v in state.reader().get_articles(ids).items()}

    # -- listing -------------------------------------------------------------------------------------------------------

    def select_stories(q: str, entity: str, sort: str) -> list[Any]:
        keep = state.stories_with_entity(entity) if entity.strip() else None
        return views.select_stories(state.stories(), q, keep, sort)

    @app.get("/", response_class=HTMLResponse, summary="Stories page")
    def stories_page(
        q: Annotated[str, Query(max_length=200)] = "",
        entity: Annotated[str, Query(max_length=200)] = "",
        sort: SortKey = "recency",
        page_no: Annotated[int, Query(alias="page", ge=1, le=100000)] = 1,
    ) -> HTMLResponse:
        rows = select_stories(q, entity, sort)
        start = (page_no - 1) * PAGE_SIZE
        n_articles = state.reader().count_articles()
        return page("stories.html.j2", page_name="stories", rows=rows[start : start + PAGE_SIZE], total=len(rows),
                    q=q, entity=entity, sort=sort, page_no=page_no, pages=max(1, -(-len(rows) // PAGE_SIZE)),
                    n_articles=n_articles, qs=lambda **kw: "/?" + urlencode({"q": q, "entity": entity, "sort": sort,
                                                                             **kw}))

    # -- story ---------------------------------------------------------------------------------------------------------

    @app.get("/stories/{story_id}", response_class=HTMLResponse, summary="Story page")
    def story_page(story_id: str) -> HTMLResponse:
        story = views.report_entry(state.reader(), story_id)
        if story is None:
            return not_found("story")
        articles = articles_dict(story["article_ids"])
        graph = views.provenance_graph(story, articles, href="/articles/")
        return page("story.html.j2", page_name="story", story=story, articles=articles, graph=graph,
                    claims=views.claim_rows(story, articles), href=href, compare=compare_href,
                    timeline=views.timeline_chart(story, articles), actors=views.actor_rows(story, articles))

    # -- compare -------------------------------------------------------------------------------------------------------

    @app.get("/compare", response_class=HTMLResponse, summary="Two articles side by side")
    def compare_page(a: Annotated[str, Query(max_length=64)], b: Annotated[str, Query(max_length=64)]) -> HTMLResponse:
        store = state.reader()
        arts = store.get_articles([a, b])
        if a not in arts or b not in arts:
            return not_found("article")
        sid_a, sid_b = store.story_of(a), store.story_of(b)
        story = views.report_entry(store, sid_a)
        art_a, art_b = arts[a], arts[b]
        stored = views.story_pairs(story, a, b) if sid_a and sid_a == sid_b else None
        if stored is not None:
            pairs, source = stored
        else:
            from wiretrace.align import across_languages, align_texts

            languages = (art_a.language, art_b.language)
            multilingual = state.ctx.multilingual_embedder() if across_languages(languages, state.ctx.config.align) else None
            alignment, _, _, cross = align_texts(art_a.text, art_b.text, state.ctx.embedder(), a, b, languages,
                                                 multilingual, settings=state.ctx.config.align)
            pairs = [{"a": p.a, "b": p.b, "label": p.label, "score": p.score} for p in alignment.pairs]
            source = "computed across languages" if cross else "computed"
        sa, sb = views.sentences(art_a.text), views.sentences(art_b.text)
        rows = views.compare_rows(sa, sb, pairs, views.added_indexes(story, a), views.added_indexes(story, b))
        counts = {lab: sum(1 for r in rows if r.label == lab) for lab in ("verbatim", "paraphrase")}
        return page("compare.html.j2", page_name="compare", a=art_a.to_report(), b=art_b.to_report(), rows=rows,
                    counts=counts, source=source, story=story, n_a=len(sa), n_b=len(sb), href=href,
                    swap=compare_href(b, a))

    # -- article -------------------------------------------------------------------------------------------------------

    @app.get("/articles/{article_id}", response_class=HTMLResponse, summary="Article page")
    def article_page(article_id: str) -> HTMLResponse:
        store = state.reader()
        art = store.get_article(article_id)
        if art is None:
            return not_found("article")
        sid = store.story_of(article_id)
        story = views.report_entry(store, sid)
        others = articles_dict([i for i in (story or {}).get("article_ids", []) if i != article_id])
        atts = [x for x in (story or {}).get("attributions") or [] if x.get("article_id") == article_id]
        segments = views.highlight(art.text, atts)
        origins = [o for o in (story or {}).get("origins") or [] if article_id in o.get("article_ids", [])]
        return page("article.html.j2", page_name="article", a=art.to_report(), story=story, story_id=sid,
                    segments=segments, attributions=atts, origins=origins, others=others, compare=compare_href,
                    added=views.added_indexes(story, article_id))

    # -- check ---------------------------------------------------------------------------------------------------------

    def run_check(text: str, html: bool, add: bool, name: str) -> dict[str, Any]:
        text = text.encode("utf-8", "replace").decode("utf-8")  # lone surrogates from JSON never reach the store
        if add and state.readonly:
            raise HTTPException(409, "the store is read-only here: checking works, adding does not")
        result = check_text(text, state.reader(), state.index, state.ctx, name=name, html=html)
        result["added_article_id"] = result["added_story_id"] = None
        if add and result["article"].text.strip():
            try:
                with state.write_lock:
                    result["added_article_id"], result["added_story_id"] = add_to_store(result["article"])
            except StoreError as exc:
                raise HTTPException(503, f"not added: {exc}") from exc
        return result

    def add_to_store(article: Any) -> tuple[str, str | None]:
        """Store the cleaned text, cluster it and analyse the story it joins (what `analyze` does for one file)."""
        from wiretrace.executors import LocalExecutor
        from wiretrace.pipeline import analyse_pending, cluster_pending

        store = state.store
        run_id = store.start_run([article.source])
        status = "failed"
        try:
            store.add_articles([article], run_id)
            cluster_pending(store, run_id, state.ctx, lambda *_: None)
            analyse_pending(store, run_id, state.ctx, lambda *_: None, LocalExecutor())
            status = "ok"
        finally:
            store.finish_run(run_id, status, {"articles_read": 1}, [], {})
        state.index.sync(store)  # under the index lock (the startup warm-up may still be filling it)
        return article.id, store.story_of(article.id)

    @app.get("/check", response_class=HTMLResponse, summary="Check a text form")
    def check_form() -> HTMLResponse:
        return page("check.html.j2", page_name="check", result=None, text="", max_upload=MAX_UPLOAD,
                    max_text=MAX_TEXT_FIELD)

    @app.post("/check", response_class=HTMLResponse, summary="Check a text (form post)")
    async def check_submit(
        text: Annotated[str, Form(max_length=MAX_TEXT_FIELD)] = "",
        file: Annotated[UploadFile | None, File()] = None,
        add: Annotated[bool, Form()] = False,
    ) -> HTMLResponse:
        html, name = False, "pasted text"
        if file is not None and file.filename:
            suffix = Path(file.filename).suffix.lower()
            ctype = (file.content_type or "").split(";")[0].strip().lower()
            if suffix not in UPLOAD_SUFFIXES or ctype not in UPLOAD_TYPES:
                return page("check.html.j2", 415, page_name="check", result=None, text=text, max_upload=MAX_UPLOAD,
                            error=f"unsupported file type ({suffix or 'no extension'}, {ctype or 'no type'}): "
                                  "upload .txt, .md or .html")
            data = await file.read(MAX_UPLOAD + 1)
            if len(data) > MAX_UPLOAD:
                return page("check.html.j2", 413, page_name="check", result=None, text=text, max_upload=MAX_UPLOAD,
                            error=f"file over {MAX_UPLOAD // (1024 * 1024)} MB")
            try:
                text = data.decode("utf-8-sig")
            except UnicodeDecodeError:
                return page("check.html.j2", 415, page_name="check", result=None, text="", max_upload=MAX_UPLOAD,
                            error="the file is not UTF-8 text")
            html = suffix in {".html", ".htm"}
            name = "upload:" + Path(file.filename).name
        if not text.strip():
            return page("check.html.j2", 422, page_name="check", result=None, text=text, max_upload=MAX_UPLOAD,
                        error="paste a text or choose a file")
        result = await run_in_threadpool(run_check, text, html, add, name)  # never block the event loop
        return page("check.html.j2", page_name="check", result=result, text=text, max_upload=MAX_UPLOAD, href=href,
                    compare=compare_href)

    # -- JSON API ------------------------------------------------------------------------------------------------------

    @app.get("/api/stories", response_model=StoryList, summary="List stories")
    def api_stories(
        q: Annotated[str, Query(max_length=200, description="Words that must all appear in title or summary.")] = "",
        entity: Annotated[str, Query(max_length=200, description="A named entity (person, place, organisation).")] = "",
        sort: SortKey = "recency",
        offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
        limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    ) -> StoryList:
        rows = select_stories(q, entity, sort)
        return StoryList(total=len(rows), offset=offset,
                         stories=[StorySummary(**{k: r.get(k) for k in StorySummary.model_fields})
                                  for r in rows[offset : offset + limit]])

    @app.get("/api/stories/{story_id}", summary="One story's report entry (see docs/report-format.md)",
             responses={404: {"description": "No such story"}})
    def api_story(story_id: str) -> dict[str, Any]:
        story = views.report_entry(state.reader(), story_id)
        if story is None:
            raise HTTPException(404, "no such story")
        return story

    @app.post("/api/check", response_model=CheckResult, summary="Check a text against the stored articles",
              responses={413: {"description": "Body too large"}})
    def api_check(req: CheckRequest) -> CheckResult:
        result = run_check(req.text, req.html, req.add, "api:check")
        return CheckResult(**{k: v for k, v in result.items() if k in CheckResult.model_fields})

    # -- static --------------------------------------------------------------------------------------------------------

    @app.get("/static/story.css", include_in_schema=False)
    def story_css() -> FileResponse:
        return FileResponse(REPORT_TEMPLATES / "story.css", media_type="text/css")

    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    return app
