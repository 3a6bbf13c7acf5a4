"""Per-article analysis: everything that depends on one article only, computed once and stored with it.

The article stage (`analyse_articles`) runs right after cleaning, inside the executor, so Ray spreads it too:
sentences with offsets, which of them are long enough to compare, how much of each is quoted, and each stage's
per-article part (clustering's fingerprint; claims' parse, `claims.parse_stage`, where one-article stories get
claims). Filled lazily, on first need, and stored so they are never recomputed: sentence vectors (`ensure_vectors`,
only for sentences a story comparison needs), and the parse where the article stage left it out (with
`--no-singleton-claims`, for articles of stories with two or more members).

`ANALYSIS_VERSION` names the way the analysis is computed; a stored analysis of another version is recomputed
when it is next needed (and the run says so), never mixed with new ones.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import numpy as np

from wiretrace.analysis.codec import pack, unpack
from wiretrace.analysis.language import identify, script_of
from wiretrace.model import (
    LANGUAGE_GUESSED,
    Article,
    ArticleAnalysis,
    ArticleParse,
    ArticleTimes,
    ClusterPrint,
    ParsedAttribution,
    SentenceVectors,
    SpeakerHint,
    TimeMention,
)
from wiretrace.text.normalize import word_count
from wiretrace.text.quotes import quoted_fractions
from wiretrace.text.sentences import split_spans

__all__ = [
    "ANALYSIS_VERSION",
    "MIN_WORDS",
    "analyse",
    "analysis_of",
    "ensure_vectors",
    "to_bytes",
    "from_bytes",
]

# 2: the parse keeps named entities, time expressions (timeline) stored; 3: attributions by the CRF taggers;
# 4: language from `language.identify` for short texts, cross-lingual fingerprint fields; 5: quoted shares read
# German „…“ and CJK 「…」 quotations and ignore a stray straight quote after a letter (text/quotes.py), and
# sentences end at a Devanagari danda (text/sentences.py); a CJK sentence's words are counted by its characters;
# 6: clustering's numbers next to Han, kana or Hangul letters ("在36小时", "1987年") count (cluster/features.py);
# 7: a short text the language model reads with less than `language.MIN_CONFIDENCE` gets no language;
# 8: a Latin or Cyrillic text with fewer than `language.MIN_PLAIN_WORDS` lower-case words (a line of names) gets none
ANALYSIS_VERSION = 8
SHORT_TEXT = 400  # characters: below this clean's body-only language reading is replaced (see article_language)
MIN_WORDS = 4  # shorter fragments ("0 $", "Support SouthFront") are page junk or headings, never compared


def article_language(article: Article) -> str | None:
    """The article's language: clean's reading of the body when it has one and the body is long enough to trust
    (100 % on NTREX's full texts), else `language.identify` over title + opening, which holds for short and
    non-Latin texts (a Chinese headline, a one-line post). Measured in `benchmarks/multilingual.py --lid`."""
    text = article.text or ""
    if article.language and len(text) >= SHORT_TEXT:
        return article.language
    declared = None if article.metadata.get(LANGUAGE_GUESSED) else article.language
    if script_of(article.title or "") is None and script_of(text) is None:
        return article.language  # nothing to read: what the record or page said, if anything
    # A short text `identify` cannot tell keeps the language its record or page declared, else gets none: clean's
    # guess from the body is the full model's reading of fewer words.
    return identify(article.title, text) or declared


def analyse(article: Article) -> ArticleAnalysis:
    """The text part of the analysis (sentences, usable sentences, quoted shares, language); pure and cheap.
    The article stage copies the language onto `article.language` (pipeline `_analyse`); computed lazily elsewhere
    it leaves the article as it is."""
    text = article.text or ""
    spans = split_spans(text)
    usable = [i for i, (s, e) in enumerate(spans) if word_count(text[s:e]) >= MIN_WORDS]
    return ArticleAnalysis(
        version=ANALYSIS_VERSION,
        language=article_language(article),
        sentences=spans,
        usable=usable,
        quoted=quoted_fractions(text, spans),
        dirty=True,
    )


def analysis_of(article: Article) -> ArticleAnalysis:
    """The article's analysis: the stored one when current, else computed now (and marked for storing)."""
    a = article.analysis
    if a is None or a.version != ANALYSIS_VERSION:
        a = article.analysis = analyse(article)
    return a


def sentence_texts(article: Article) -> list[str]:
    text = article.text or ""
    return [text[s:e] for s, e in analysis_of(article).sentences]


def ensure_vectors(articles: Iterable[Article], wanted: dict[str, set[int]], embedder,
                   texts_of: Callable[[Article], list[str]] | None = None, kind: str = "") -> None:
    """Make sure each article holds `embedder`'s vectors for the items in `wanted[article.id]`.

    Items are sentence indexes by default; `texts_of(article)` and `kind` name another list of the article's texts
    (claims keeps its attributed contents under kind "content"). Only missing items are encoded (one length-sorted
    batch for all articles); results are kept on the analysis, marked dirty and stored by the driver, so no text is
    ever encoded twice. A text some other of `articles` already holds a vector for (a wire sentence re-posted
    word for word) takes that vector: syndicated copy costs no model time, in this run or a later one.
    """
    key = vector_key(embedder.name, kind)
    texts_of = texts_of or sentence_texts
    articles = list(articles)
    items_of: dict[str, list[str]] = {}  # each article's texts, split once
    todo: list[tuple[Article, list[int]]] = []
    for art in articles:
        have = analysis_of(art).vectors.get(key)
        need = sorted(i for i in wanted.get(art.id, ()) if have is None or have.get(i) is None)
        if need:
            items_of[art.id] = texts_of(art)
            todo.append((art, need))
    if not todo:
        return
    wanted_texts = {items_of[art.id][i] for art, need in todo for i in need}
    known: dict[str, np.ndarray] = {}
    for art in articles:
        have = analysis_of(art).vectors.get(key)
        if have is not None and len(have.index):
            if art.id not in items_of:
                items_of[art.id] = texts_of(art)
            items = items_of[art.id]
            for k, i in enumerate(have.index.tolist()):
                if i < len(items) and items[i] in wanted_texts:
                    known.setdefault(items[i], have.matrix[k])
    uniq = sorted(wanted_texts - known.keys(), key=len)
    vecs = embedder.encode(uniq) if uniq else np.zeros((0, 1), dtype=np.float32)
    row = {t: vecs[k] for k, t in enumerate(uniq)}
    row.update(known)
    for art, need in todo:
        an = art.analysis
        items = items_of[art.id]
        new = np.stack([np.asarray(row[items[i]], dtype=np.float16) for i in need])
        have = an.vectors.get(key)
        if have is None:
            idx, mat = np.asarray(need, dtype=np.int32), new
        else:
            idx = np.concatenate([have.index, np.asarray(need, dtype=np.int32)])
            mat = np.concatenate([have.matrix, new])
            order = np.argsort(idx, kind="stable")
            idx, mat = idx[order], mat[order]
        an.vectors[key] = SentenceVectors(idx, mat)
        an.dirty = True


def vector_key(model: str, kind: str = "") -> str:
    return f"{model}#{kind}" if kind else model


def vector_rows(article: Article, model: str, indexes: list[int], dim: int, kind: str = "") -> np.ndarray:
    """float32 matrix of `model`'s vectors for `indexes` (zero rows where an item has none)."""
    out = np.zeros((len(indexes), dim), dtype=np.float32)
    have = analysis_of(article).vectors.get(vector_key(model, kind))
    if have is None or not len(have.index):
        return out
    pos = np.searchsorted(have.index, indexes)
    for r, (k, i) in enumerate(zip(pos.tolist(), indexes, strict=True)):
        if k < len(have.index) and have.index[k] == i:
            out[r] = have.matrix[k]
    return out


# -- storage -------------------------------------------------------------------------------------------------------
def to_bytes(a: ArticleAnalysis) -> bytes:
    fields: dict = {"version": a.version, "language": a.language, "models": sorted(a.vectors)}
    arrays: dict[str, np.ndarray] = {
        "sentences": np.asarray(a.sentences, dtype=np.int32).reshape(-1, 2),
        "usable": np.asarray(a.usable, dtype=np.int32),
        "quoted": np.asarray(a.quoted, dtype=np.float32),
    }
    c = a.cluster
    if c is not None:
        fields["cluster"] = {"day": c.day, "year": c.year, "lead_model": c.lead_model,
                             "minhash": c.minhash.hex(), "lang": c.lang, "xl_model": c.xl_model}
        for name in ("terms", "tf", "ents", "nums", "title", "digest"):
            arrays["c." + name] = getattr(c, name)
        if c.lead_vector is not None:
            arrays["c.lead"] = np.asarray(c.lead_vector, dtype=np.float32)
        if c.xl_vector is not None:
            arrays["c.xl"] = np.asarray(c.xl_vector, dtype=np.float32)
    for k, model in enumerate(fields["models"]):
        arrays[f"v{k}.index"] = a.vectors[model].index
        arrays[f"v{k}.matrix"] = a.vectors[model].matrix
    if a.parse is not None:
        fields["parse"] = _parse_to_json(a.parse)
    if a.times is not None:
        fields["times"] = _times_to_json(a.times)
    return pack(fields, arrays)


def from_bytes(data: bytes) -> ArticleAnalysis:
    fields, arrays = unpack(data)
    cluster = None
    if "cluster" in fields:
        cf = fields["cluster"]
        cluster = ClusterPrint(
            terms=arrays["c.terms"], tf=arrays["c.tf"], ents=arrays["c.ents"], nums=arrays["c.nums"],
            title=arrays["c.title"], day=float(cf["day"]), year=float(cf["year"]), digest=arrays["c.digest"],
            minhash=bytes.fromhex(cf["minhash"]), lead_vector=arrays.get("c.lead"), lead_model=cf.get("lead_model"),
            lang=cf.get("lang"), xl_vector=arrays.get("c.xl"), xl_model=cf.get("xl_model"),
        )
    vectors = {
        model: SentenceVectors(arrays[f"v{k}.index"], arrays[f"v{k}.matrix"])
        for k, model in enumerate(fields.get("models", []))
    }
    return ArticleAnalysis(
        version=int(fields["version"]),
        language=fields.get("language"),
        sentences=[(int(s), int(e)) for s, e in arrays["sentences"].tolist()],
        usable=arrays["usable"].tolist(),
        quoted=arrays["quoted"].tolist(),
        cluster=cluster,
        vectors=vectors,
        parse=_parse_from_json(fields["parse"]) if "parse" in fields else None,
        times=_times_from_json(fields["times"]) if "times" in fields else None,
    )


def _span(v: list[int] | None) -> tuple[int, int] | None:
    return (int(v[0]), int(v[1])) if v else None


def _parse_to_json(p: ArticleParse) -> dict:
    return {
        "parser": p.parser,
        "statements": list(p.statements),
        "places": {str(k): v for k, v in p.places.items()},
        "attributions": [
            {"source": a.source, "cue": a.cue, "content": a.content, "kind": a.kind, "antecedent": a.antecedent,
             "hint": None if a.hint is None else [a.hint.lookup, a.hint.kind, a.hint.name]}
            for a in p.attributions
        ],
        "entities": [list(e) for e in p.entities],
    }


def _parse_from_json(d: dict) -> ArticleParse:
    return ArticleParse(
        parser=d["parser"],
        statements=[int(i) for i in d["statements"]],
        places={int(k): list(v) for k, v in d["places"].items()},
        attributions=[
            ParsedAttribution(
                source=_span(a["source"]), cue=_span(a["cue"]), content=_span(a["content"]) or (0, 0),
                kind=a["kind"], antecedent=_span(a["antecedent"]),
                hint=None if a["hint"] is None else SpeakerHint(*a["hint"]),
            )
            for a in d["attributions"]
        ],
        entities=[(int(e[0]), int(e[1]), str(e[2])) for e in d.get("entities", [])],
    )


_TIME_FIELDS = ("start", "end", "text", "sentence", "precision", "earliest", "latest", "relative")


def _times_to_json(t: ArticleTimes) -> dict:
    return {"reference": t.reference, "source": t.reference_source,
            "mentions": [[getattr(m, k) for k in _TIME_FIELDS] for m in t.mentions]}


def _times_from_json(d: dict) -> ArticleTimes:
    return ArticleTimes(reference=d.get("reference"), reference_source=d.get("source"),
                        mentions=[TimeMention(**dict(zip(_TIME_FIELDS, m, strict=True))) for m in d["mentions"]])
