"""The typed data model every stage shares.

One `Article` flows through ingest and clean; one `Story` collects what the
story-level stages (align, provenance, claims) find. Everything is a plain
dataclass so it pickles into a Ray task and serialises to the JSON report
without a framework in between.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

import numpy as np

Relation = Literal["copy", "rewrite", "translation", "cites"]
AlignLabel = Literal["verbatim", "paraphrase"]
ConflictKind = Literal["number", "denial", "assessment", "date", "other"]
# `Article.metadata` key: clean guessed `language` from the body (the record and the page declared none).
LANGUAGE_GUESSED = "language_guessed"


@dataclass(slots=True)
class Removed:
    """A block the cleaner dropped, kept so a user can see and undo it."""

    text: str
    reason: str


@dataclass(slots=True)
class Article:
    """One news article, from raw input to cleaned text and metadata.

    An article is one *publication*: `publication` is its key (`publication_key`: the normalised URL when known,
    else the outlet and the input's content, else the input's content) and `id` a hash of that key. Re-reading the
    same publication from the same or another file gives the same id and adds nothing; the same text from another
    outlet or URL is another article (provenance joins the two by a `copy` edge). The key is computed from the raw
    input before cleaning, so an id never depends on what else is in the batch.
    """

    source: str
    text: str = ""
    title: str | None = None
    external_id: str | None = None
    url: str | None = None
    outlet: str | None = None
    byline: list[str] = field(default_factory=list)
    dateline: str | None = None
    published: str | None = None
    language: str | None = None
    cited_sources: list[str] = field(default_factory=list)
    removed: list[Removed] = field(default_factory=list)
    metadata: dict[str, Any] = field(default_factory=dict)
    # Raw input kept only in memory for the cleaner; never reported.
    raw_html: str | None = None
    raw_text: str | None = None
    id: str = ""
    # What the per-article analysis found (sentences, vectors, parse); stored beside the article, never reported.
    analysis: ArticleAnalysis | None = None
    publication: str = ""  # the publication key the id hashes (see `publication_key`); stored, never reported
    inputs: list[str] = field(default_factory=list)  # every input where this publication was seen (from the store)

    def input_digest(self) -> str:
        """A digest of what was read (title and raw body, whitespace folded); the cleaned text stands in once the
        raw input is gone."""
        body = self.raw_text if self.raw_text is not None else self.raw_html if self.raw_html is not None else self.text
        basis = (self.title or "").strip() + "\n" + " ".join(body.split())
        return hashlib.sha256(basis.encode("utf-8", "replace")).hexdigest()[:32]

    def as_read(self) -> tuple[str, str | None]:
        """(input digest, outlet) as read, before cleaning: what `compute_id` needs so that an id never depends on
        the batch (cleaning drops lines repeated across a batch, and may guess an outlet from such lines)."""
        return self.input_digest(), self.outlet

    def publication_key(self, as_read: tuple[str, str | None] | None = None) -> str:
        """'url <normalised url>', else 'outlet <folded outlet> <digest>', else 'input <digest>'."""
        url = normalise_url(self.url)
        if url:
            return f"url {url}"
        digest, outlet = as_read or self.as_read()
        outlet = " ".join((outlet or "").casefold().split())
        return f"outlet {outlet} {digest}" if outlet else f"input {digest}"

    def compute_id(self, as_read: tuple[str, str | None] | None = None) -> str:
        """Set `publication` and `id` (`as_read`: `self.as_read()` taken before cleaning, when the caller has it)."""
        self.publication = self.publication_key(as_read)
        self.id = hashlib.sha256(self.publication.encode("utf-8", "replace")).hexdigest()[:16]
        return self.id

    def legacy_id(self) -> str:
        """The id stores written before publication identity gave (title + cleaned text): how a store migrated
        from then recognises a publication it already holds."""
        basis = (self.title or "").strip() + "\n" + " ".join(self.text.split())
        return hashlib.sha256(basis.encode("utf-8", "replace")).hexdigest()[:16]

    def to_report(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "source": self.source,
            "external_id": self.external_id,
            "url": self.url,
            "title": self.title,
            "outlet": self.outlet,
            "byline": list(self.byline),
            "dateline": self.dateline,
            "published": self.published,
            "language": self.language,
            "text": self.text,
            "cited_sources": list(self.cited_sources),
            "removed": [asdict(r) for r in self.removed],
            "metadata": _jsonable(self.metadata),
            "inputs": list(self.inputs or [self.source]),
        }

    @classmethod
    def from_report(cls, data: dict[str, Any]) -> Article:
        return cls(
            id=data["id"],
            source=data["source"],
            external_id=data.get("external_id"),
            url=data.get("url"),
            title=data.get("title"),
            outlet=data.get("outlet"),
            byline=list(data.get("byline") or []),
            dateline=data.get("dateline"),
            published=data.get("published"),
            language=data.get("language"),
            text=data.get("text") or "",
            cited_sources=list(data.get("cited_sources") or []),
            removed=[Removed(**r) for r in data.get("removed") or []],
            metadata=dict(data.get("metadata") or {}),
            inputs=list(data.get("inputs") or []),
        )


@dataclass(slots=True)
class ClusterPrint:
    """What clustering needs of one article, computed once (hashed terms, names, numbers, MinHash, lead vector)."""

    terms: np.ndarray  # sorted unique hashed term ids (int64)
    tf: np.ndarray  # 1 + log(count), aligned with terms (float32)
    ents: np.ndarray  # sorted unique entity hashes (int64)
    nums: np.ndarray  # sorted unique number hashes (int64)
    title: np.ndarray  # sorted unique title-word hashes (int64)
    day: float  # days since the epoch, NaN when unknown
    year: float  # the year the opening mentions most, NaN when none
    digest: np.ndarray  # MinHash digest (uint32)
    minhash: bytes  # rensa's own state of the same MinHash (for the LSH index)
    lead_vector: np.ndarray | None = None  # sentence embedding of title + lead (float32), None for lexical runs
    lead_model: str | None = None
    # Cross-lingual: the article's language and a multilingual document vector of title + opening (float32), so
    # a translation finds its source although they share no words (None when no multilingual model ran).
    lang: str | None = None
    xl_vector: np.ndarray | None = None
    xl_model: str | None = None


@dataclass(slots=True)
class SentenceVectors:
    """Sentence embeddings of one model for some sentences of one article (filled lazily, never recomputed)."""

    index: np.ndarray  # sentence indexes (int32), sorted
    matrix: np.ndarray  # one row per index (float16)

    def get(self, i: int) -> np.ndarray | None:
        k = int(np.searchsorted(self.index, i))
        return self.matrix[k] if k < len(self.index) and self.index[k] == i else None


@dataclass(slots=True)
class SpeakerHint:
    """What an article's own parse says of an attribution's source; the story resolves it (aliases, earlier
    mentions in the article), so the parse never has to be redone when the story changes."""

    lookup: str  # the source as written (or its antecedent's, for "who"), matched against earlier speakers
    kind: Literal["relword", "anon", "desc", "name"]
    name: str = ""  # the named part, for kind "name"


@dataclass(slots=True)
class ParsedAttribution:
    """An attribution found by the article's parse; character spans into the article's cleaned text."""

    source: tuple[int, int] | None
    cue: tuple[int, int] | None
    content: tuple[int, int]
    kind: str = "indirect"
    antecedent: tuple[int, int] | None = None
    hint: SpeakerHint | None = None


@dataclass(slots=True)
class ArticleParse:
    """What one article's syntactic parse yields for claims: attributions and statement sentences."""

    parser: str  # the spaCy model that parsed it, or "rules" when spaCy was unavailable
    attributions: list[ParsedAttribution] = field(default_factory=list)
    statements: list[int] = field(default_factory=list)  # indexes of sentences that state something
    places: dict[int, list[str]] = field(default_factory=dict)  # folded "in/at" places per sentence index
    # Named entities of the same parse (people, organisations, places): (start, end, label) character spans.
    entities: list[tuple[int, int, str]] = field(default_factory=list)


@dataclass(slots=True)
class TimeMention:
    """A time expression of an article, resolved against the article's reference date where it can be.

    `earliest`/`latest` are inclusive bounds ("2022-09-12", or "--09-12" when the year is unknown) that surely hold
    the time meant; both None when the expression is kept as text only."""

    start: int  # character span in the article's cleaned text
    end: int
    text: str
    sentence: int
    precision: Literal["day", "week", "month", "year"] | None = None
    earliest: str | None = None
    latest: str | None = None
    relative: bool = False  # needed the reference date ("this week"), not written out ("Sept 15, 2022")


@dataclass(slots=True)
class ArticleTimes:
    """An article's reference date and its time expressions (timeline's per-article part)."""

    reference: str | None  # ISO date, "--MM-DD" for a dateline without a year, None when there is none
    reference_source: Literal["published", "dateline"] | None
    mentions: list[TimeMention] = field(default_factory=list)


@dataclass(slots=True)
class ArticleAnalysis:
    """Everything that depends on one article only, computed once and stored with it (like a spaCy Doc's
    annotations). `version` changes when the way it is computed changes; a stored analysis of another version is
    recomputed lazily, never mixed with the new one."""

    version: int
    language: str | None
    sentences: list[tuple[int, int]]  # character spans of `text.sentences.split(article.text)`
    usable: list[int]  # sentences long enough to compare (alignment, claims)
    quoted: list[float]  # per sentence, share of its letters inside quotation marks
    cluster: ClusterPrint | None = None
    vectors: dict[str, SentenceVectors] = field(default_factory=dict)  # model name -> lazily filled vectors
    parse: ArticleParse | None = None  # filled on first need (articles of stories with two or more members)
    dirty: bool = False  # changed since it was loaded: the driver writes it back
    times: ArticleTimes | None = None  # time expressions, filled on first need by the timeline stage


@dataclass(slots=True)
class Sentence:
    """A sentence with character offsets into its article's cleaned text."""

    article_id: str
    index: int
    start: int
    end: int
    text: str


@dataclass(slots=True)
class SentencePair:
    """Two aligned sentences: `a` in the edge's source article, `b` in its target."""

    a: int
    b: int
    label: AlignLabel
    score: float


@dataclass(slots=True)
class Passage:
    """A run of aligned sentences, merged so a reader sees blocks, not dots."""

    a_start: int
    a_end: int
    b_start: int
    b_end: int
    label: AlignLabel
    score: float


@dataclass(slots=True)
class Alignment:
    """Sentence alignment between two articles of a story (undirected)."""

    a: str
    b: str
    pairs: list[SentencePair] = field(default_factory=list)
    passages: list[Passage] = field(default_factory=list)
    share_a: float = 0.0  # share of a's sentences aligned to b
    share_b: float = 0.0


@dataclass(slots=True)
class Evidence:
    """Why a decision was taken: a kind, a human sentence and a weight, plus the articles and origins it links.

    Code reads the structured fields; `detail` is the sentence shown to people and is never parsed.
    """

    kind: str
    detail: str
    weight: float = 0.0
    articles: list[str] = field(default_factory=list)
    origins: list[str] = field(default_factory=list)


@dataclass(slots=True)
class ReuseEdge:
    """`source` was reused by `target` (direction decided from evidence)."""

    source: str
    target: str
    relation: Relation
    share: float
    confidence: float
    pairs: list[SentencePair] = field(default_factory=list)
    evidence: list[Evidence] = field(default_factory=list)


@dataclass(slots=True)
class Origin:
    """Where a group of articles comes from; may be absent from the corpus.

    `kind` is "agency"/"outlet" for a named organisation cited by the
    articles, "article" when the origin is an article in the corpus, and
    "statement" for a speaker (person, organisation, document) whose words
    several articles quote: evidence of what they report, not of copying.
    `secondary` origins back only some sentences (`sentences` maps
    article id to sentence indexes); statement origins are always secondary.
    """

    name: str
    kind: str
    article_ids: list[str]
    closest_witness: str | None
    evidence: list[Evidence] = field(default_factory=list)
    secondary: bool = False
    sentences: dict[str, list[int]] = field(default_factory=dict)
    in_corpus: bool = False


def independent_count(names: Iterable[str], rests_on: Mapping[str, Iterable[str]]) -> int:
    """How many of `names` rest on no other name of the set.

    Origins that rest on one another (translations whose direction the evidence cannot settle, two origins that
    supplied the same sentences of a third) form a cycle; a cycle that rests on nothing outside it is one
    independent origin, never none. On an acyclic relation this is the number of names that rest on nothing.
    """
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import connected_components

    index = {n: i for i, n in enumerate(dict.fromkeys(names))}
    if not index:
        return 0
    edges = [(index[a], index[b]) for a, bs in rests_on.items() if a in index for b in bs if b in index and b != a]
    if not edges:
        return len(index)
    rows, cols = zip(*edges, strict=True)
    graph = csr_matrix((np.ones(len(edges)), (rows, cols)), shape=(len(index), len(index)))
    _n, component = connected_components(graph, directed=True, connection="strong")
    resting = {component[a] for a, b in edges if component[a] != component[b]}
    return len(set(component.tolist()) - resting)


@dataclass(slots=True)
class Addition:
    """What an article added beyond its origin, and what it dropped."""

    article_id: str
    origin: str
    added: list[int] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)
    added_text: list[str] = field(default_factory=list)


@dataclass(slots=True)
class Attribution:
    """Who said what, with character spans into the article's text."""

    article_id: str
    source: tuple[int, int] | None
    cue: tuple[int, int] | None
    content: tuple[int, int]
    source_text: str | None = None
    cue_text: str | None = None
    content_text: str = ""
    kind: str = "indirect"  # direct | indirect | mixed | according_to
    speaker: str | None = None  # resolved, normalised speaker
    anonymous: bool = False


@dataclass(slots=True)
class Claim:
    """A statement grouped across the story's articles."""

    id: str
    text: str
    kind: Literal["claim", "quote"]
    speaker: str | None
    attributed_to: list[str]
    article_ids: list[str]
    origins: list[str]
    independent_origins: int
    mentions: list[dict[str, Any]] = field(default_factory=list)


@dataclass(slots=True)
class Conflict:
    kind: ConflictKind
    claim_ids: list[str]
    article_ids: list[str]
    summary: str
    sides: list[dict[str, Any]] = field(default_factory=list)


@dataclass(slots=True)
class Story:
    """A cluster of articles about one event and what the stages found in it.

    Fields stay None until the stage that fills them has run, so the report
    can leave out what was not built instead of faking it.
    """

    id: str
    article_ids: list[str]
    title: str = ""
    summary: str = ""
    # Every article pair's alignment computed so far, empty ones included, keyed (a, b): loaded from the store,
    # completed by the align stage, written back by the driver. Never reported.
    pair_results: dict[tuple[str, str], Alignment] | None = None
    alignments: list[Alignment] | None = None
    reuse: list[ReuseEdge] | None = None
    origins: list[Origin] | None = None
    independent_origins: int | None = None
    independent_origin_chains: list[dict[str, Any]] | None = None
    additions: list[Addition] | None = None
    attributions: list[Attribution] | None = None
    claims: list[Claim] | None = None
    conflicts: list[Conflict] | None = None
    timeline: list[TimelineEvent] | None = None
    # Each member's reference date and time expressions (timeline's per-article part, shown beside the timeline).
    times: dict[str, ArticleTimes] | None = None
    entities: list[Entity] | None = None
    stages: list[str] = field(default_factory=list)  # the story stages that ran on it, in order

    def to_report(self) -> dict[str, Any]:
        """The report's `stories[]` item (docs/report-format.md), which is also how a story is stored: a field
        whose stage has not run is left out, never faked; `pair_results` are stored per article pair, not here."""
        return {key: list(value) if isinstance(value, Iterator) else value for key, value in self.report_fields()}

    def to_json(self) -> str:
        """`json.dumps(self.to_report(), ensure_ascii=False)`, the same text, made one field at a time."""
        return json_object(self.json_fields())

    def json_fields(self) -> Iterator[str]:
        """The report form's `"key": value` texts in order (`to_json` joins them with ", " inside braces), a list
        made one item at a time: the report form of a story of 4,000 articles is ~100 MB of JSON and several times
        that as dicts, so the store saves it holding one item's dict at a time."""
        for key, value in self.report_fields():
            if isinstance(value, Iterator):  # json.dumps writes a list as its items joined by ", " in brackets
                text = "[" + ", ".join(json.dumps(item, ensure_ascii=False) for item in value) + "]"
            else:
                text = json.dumps(value, ensure_ascii=False)
            yield json.dumps(key) + ": " + text

    def report_fields(self) -> Iterator[tuple[str, Any]]:
        """The report form's (key, value) pairs in order; a list of the stages' records comes as an iterator
        that builds each item's dict when it is reached (`to_report` makes it a list)."""
        yield from (("id", self.id), ("title", self.title), ("summary", self.summary),
                    ("article_ids", list(self.article_ids)), ("stages", list(self.stages)))
        if self.alignments is not None:
            yield "alignments", (asdict(a) for a in self.alignments)
        if self.reuse is not None:
            yield "reuse", (_edge_to_report(e) for e in self.reuse)
        if self.origins is not None:
            yield "origins", (asdict(o) for o in self.origins)
        if self.independent_origins is not None:
            yield "independent_origins", self.independent_origins
        if self.independent_origin_chains is not None:
            yield "independent_origin_chains", self.independent_origin_chains
        if self.additions is not None:
            yield "additions", (asdict(a) for a in self.additions)
        if self.attributions is not None:
            yield "attributions", (_attribution_to_report(a) for a in self.attributions)
        for name in ("claims", "conflicts", "timeline"):
            if (items := getattr(self, name)) is not None:
                yield name, (asdict(x) for x in items)
        if self.times is not None:
            yield "times", {aid: asdict(t) for aid, t in self.times.items()}
        if self.entities is not None:
            yield "entities", (asdict(e) for e in self.entities)

    @classmethod
    def from_report(cls, data: dict[str, Any]) -> Story:
        """The typed story back from its stored (report) form; `from_report(s.to_report()).to_report()` is the same
        dict. Keys a later version added and this one does not know are ignored, missing ones take their defaults."""

        def many(name: str, build: Any) -> list[Any] | None:
            items = data.get(name)
            return None if items is None else [build(x) for x in items]

        times = data.get("times")
        return cls(
            id=data["id"], article_ids=list(data.get("article_ids", [])), title=data.get("title", ""),
            summary=data.get("summary", ""), stages=list(data.get("stages", [])),
            alignments=many("alignments", _alignment_from_report),
            reuse=many("reuse", _edge_from_report),
            origins=many("origins", lambda d: _typed(Origin, d, evidence=[_typed(Evidence, e)
                                                                             for e in d.get("evidence", [])])),
            independent_origins=data.get("independent_origins"),
            independent_origin_chains=data.get("independent_origin_chains"),
            additions=many("additions", lambda d: _typed(Addition, d)),
            attributions=many("attributions", _attribution_from_report),
            claims=many("claims", lambda d: _typed(Claim, d)),
            conflicts=many("conflicts", lambda d: _typed(Conflict, d)),
            timeline=many("timeline", lambda d: _typed(TimelineEvent, d)),
            times=None if times is None else {aid: _times_from_report(t) for aid, t in times.items()},
            entities=many("entities", lambda d: _typed(Entity, d)),
        )


@dataclass(slots=True)
class TimelineEvent:
    """A claim with a resolved time: when, who reports it, and whether versions disagree on the date."""

    claim_id: str
    text: str
    earliest: str  # inclusive bounds common to the mentions that agree (see `dates` for each one)
    latest: str
    precision: str
    article_ids: list[str]
    origins: list[str]
    independent_origins: int
    dates: list[dict[str, Any]] = field(default_factory=list)  # per dated mention: article, span, bounds
    date_conflict: bool = False


@dataclass(slots=True)
class Entity:
    """A person, organisation or place, one per actor across a story's articles (key shared across the store)."""

    key: str  # "person:recep tayyip erdogan": folded, titles dropped, transliterated; the same in every story
    label: str  # the fullest written form seen
    kind: Literal["person", "organisation", "place"]
    aliases: list[str]
    article_ids: list[str]
    mentions: list[dict[str, Any]] = field(default_factory=list)  # {article_id, start, end, text}


def _typed(cls: type, data: dict[str, Any], **nested: Any) -> Any:
    """`cls` from a stored dict: the fields it knows, nested objects given already built."""
    names = cls.__dataclass_fields__  # type: ignore[attr-defined]
    return cls(**{k: v for k, v in data.items() if k in names and k not in nested}, **nested)


def _alignment_from_report(d: dict[str, Any]) -> Alignment:
    return _typed(Alignment, d, pairs=[_typed(SentencePair, p) for p in d.get("pairs", [])],
                  passages=[_typed(Passage, p) for p in d.get("passages", [])])


def json_object(fields: Iterable[str]) -> str:
    """The JSON object whose `"key": value` texts are `fields` (`Story.json_fields`), written as `json.dumps`
    writes a dict: the one place that says how a story stored a field at a time joins back into its text."""
    return "{" + ", ".join(fields) + "}"


def _edge_to_report(edge: ReuseEdge) -> dict[str, Any]:
    d = asdict(edge)
    d["from"] = d.pop("source")
    d["to"] = d.pop("target")
    return d


def _edge_from_report(d: dict[str, Any]) -> ReuseEdge:
    return _typed(ReuseEdge, d, source=d["from"], target=d["to"],
                  pairs=[_typed(SentencePair, p) for p in d.get("pairs", [])],
                  evidence=[_typed(Evidence, e) for e in d.get("evidence", [])])


def _attribution_to_report(att: Attribution) -> dict[str, Any]:
    d = asdict(att)
    for key in ("source", "cue", "content"):
        if d[key] is not None:
            d[key] = list(d[key])
    return d


def _attribution_from_report(d: dict[str, Any]) -> Attribution:
    spans = {k: (None if d.get(k) is None else (d[k][0], d[k][1])) for k in ("source", "cue", "content")}
    return _typed(Attribution, d, **spans)


def _times_from_report(d: dict[str, Any]) -> ArticleTimes:
    return _typed(ArticleTimes, d, mentions=[_typed(TimeMention, m) for m in d.get("mentions", [])])


def normalise_url(url: str | None) -> str | None:
    """The part of a URL that names a publication: host without "www.", path, query without tracking parameters
    (courlan, trafilatura's URL library); scheme, fragment and a trailing slash do not count. None when `url` is
    not an absolute http(s) URL."""
    from urllib.parse import urlsplit

    if not url or not url.strip():
        return None
    try:
        parts = urlsplit(url.strip())
        if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
            return None
        from courlan import normalize_url

        norm = urlsplit(normalize_url(url.strip(), strict=True, trailing_slash=False))
    except ValueError:
        return None
    host = (norm.hostname or "").removeprefix("www.")
    port = f":{norm.port}" if norm.port not in (None, 80, 443) else ""
    path = norm.path.rstrip("/")
    return f"{host}{port}{path}" + (f"?{norm.query}" if norm.query else "")


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)
