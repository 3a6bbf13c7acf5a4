"""Incremental story clustering: each new article joins the best story, opens one, or merges two.

Articles are processed one at a time in input order, and every statistic
(document frequencies, the indexes) is updated after each one, so feeding a corpus
in two batches gives exactly the same decisions as feeding it at once.

Per article:
1. candidates (never all pairs): the most recent articles sharing its highest
   TF-IDF terms (inverted index, capped posting reads) plus rensa MinHash LSH hits;
2. pair features for candidates only (TF-IDF cosine, MinHash Jaccard, entity,
   number and title overlap, sentence-embedding cosine when a real model is
   loaded, publication-day distance), vectorised;
3. a logistic model (weights in `weights/cluster.json`, fit by
   `benchmarks/fit_cluster.py`) turns them into P(same story);
4. the article joins the story of its best candidate when P >= threshold; any
   other story it also matches with P >= merge threshold is merged in (the larger,
   then older, story keeps its id) and the merge is recorded with its evidence;
   with `ClusterSettings.merge_check` (on; embedding model only), only when the two
   stories also match on their own members (one's first article against the other's
   first article or the candidate that made the article match it); otherwise the
   refusal is recorded (`merge_refused`).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
from rensa import RMinHash

from wiretrace.cluster.features import ArticleFeatures, featurize, xl_lead_of
from wiretrace.cluster.settings import CLUSTER_DEFAULTS, ClusterSettings
from wiretrace.cluster.state import NUM_PERM, StateView
from wiretrace.cluster.state import POSTING_TAIL as POSTING_TAIL  # re-exported: the candidate step's constant
from wiretrace.cluster.state import base_lang as base_lang  # re-exported: one home, used here and by the tail
from wiretrace.model import Article, ClusterPrint

FEATURES = ["cosine", "minhash", "entities", "numbers", "title", "embedding", "log_days", "days_known",
            "year_same", "year_clash"]
# Pairs of two languages (both known, both with a cross-lingual vector) are scored by their own model: words,
# shingles and the English lead embedding say nothing there, while the multilingual document vector, numbers
# (digits normalised across scripts), Latin-script names and years survive translation. Same-language pairs keep
# the models above unchanged. Fit by `benchmarks/fit_crosslingual.py` (NTREX development half).
XL_FEATURES = ["xl_cosine", "xl_margin", "numbers", "entities", "year_same", "year_clash", "log_days"]
# Candidate counts are `ClusterSettings` (cluster/settings.py). The seed is not a setting: stored MinHash digests
# (fingerprints, LSH buckets) were made with it, so changing it is a new fingerprint version.
MINHASH_SEED = 42
_WEIGHTS = Path(__file__).parent / "weights" / "cluster.json"


@lru_cache(maxsize=2)
def load_weights(path: str | None = None) -> dict[str, Any]:
    """The fitted pair model and its thresholds: `path` (`ClusterSettings.weights`), or the shipped JSON."""
    return json.loads(Path(path or _WEIGHTS).read_text())


@dataclass
class ClusterUpdate:
    state: StateView  # the state passed to `assign`, updated (in memory, or pending its write to the store)
    assignments: dict[str, str]
    events: list[dict] = field(default_factory=list)
    xl_computed: int | None = None  # cross-lingual vectors computed by `LazyXl` (None: computed eagerly, or no model)


def _idf(state: StateView, terms: np.ndarray, df: np.ndarray | None = None) -> np.ndarray:
    n = len(state)
    return (np.log((n + 1.0) / ((state.df_of(terms) if df is None else df) + 1.0)) + 1.0).astype(np.float32)


def _overlap(a: np.ndarray, cands: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """Intersection sizes of sorted unique `a` with each candidate array, and candidate sizes."""
    sizes = np.fromiter(map(len, cands), dtype=np.int64, count=len(cands))
    if a.size == 0 or sizes.sum() == 0:
        return np.zeros(len(cands)), sizes
    cat = np.concatenate(cands)
    owner = np.repeat(np.arange(len(cands)), sizes)
    pos = np.clip(np.searchsorted(a, cat), 0, a.size - 1)
    hit = (a[pos] == cat).astype(np.float64)
    return np.bincount(owner, weights=hit, minlength=len(cands)), sizes


def _dice(a: np.ndarray, cands: list[np.ndarray]) -> np.ndarray:
    inter, sizes = _overlap(a, cands)
    denom = a.size + sizes
    return np.where(denom > 0, 2.0 * inter / np.maximum(denom, 1), 0.0)


def _dice3(a: tuple[np.ndarray, ...], cands: tuple[list[np.ndarray], ...]) -> np.ndarray:
    """`_dice` for three hash sets at once (m x 3): each set is shifted into its own 2**32 range (the hashes are
    crc32 values), so one searchsorted/bincount does the work of three; the counts are exactly the same."""
    m = len(cands[0])
    lists = [c for group in cands for c in group]
    sizes = np.fromiter(map(len, lists), dtype=np.int64, count=3 * m)
    asz = np.asarray([v.size for v in a], dtype=np.int64)
    inter = np.zeros(3 * m)
    if asz.sum() and sizes.sum():
        shift = np.repeat(np.arange(3, dtype=np.int64) << 32, [sizes[:m].sum(), sizes[m : 2 * m].sum(),
                                                              sizes[2 * m :].sum()])
        cat = np.concatenate(lists) + shift
        av = np.concatenate([v + (k << 32) for k, v in enumerate(a)])
        owner = np.repeat(np.arange(3 * m), sizes)
        pos = np.clip(np.searchsorted(av, cat), 0, av.size - 1)
        inter = np.bincount(owner, weights=(av[pos] == cat).astype(np.float64), minlength=3 * m)
    denom = np.repeat(asz, m) + sizes
    out = np.where(denom > 0, 2.0 * inter / np.maximum(denom, 1), 0.0)
    return out.reshape(3, m).T


def _xl_neighbours(state: StateView, f: ArticleFeatures, k: int) -> tuple[np.ndarray, np.ndarray]:
    """(indexes, cosines) of the `k` recent other-language articles nearest to `f` by document vector."""
    none = np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
    if f.xl is None or base_lang(f.lang) is None:
        return none
    idx, mat, langs, has = state.xl_tail().recent()
    if not len(idx) or mat.shape[1] != f.xl.shape[0]:
        return none
    me = base_lang(f.lang)
    other = np.fromiter(((b := base_lang(x)) is not None and b != me for x in langs), dtype=bool, count=len(langs))
    other &= has
    if not other.any():
        return none
    cos = np.where(other, mat @ f.xl.astype(np.float32), -np.inf)
    top = np.argsort(-cos, kind="stable")[: min(k, int(other.sum()))]
    return idx[top], cos[top]


def xl_candidates(state: StateView, f: ArticleFeatures, min_cos: float,
                  k: int = CLUSTER_DEFAULTS.xl_candidates) -> np.ndarray:
    """The `k` recent articles in another language whose cross-lingual vector is nearest to `f`'s (cosine >= min)."""
    idx, cos = _xl_neighbours(state, f, k)
    return idx[cos >= min_cos]


def candidates(state: StateView, f: ArticleFeatures, minhash: Any, digest: np.ndarray | None = None,
               weights: dict[str, Any] | None = None, settings: ClusterSettings = CLUSTER_DEFAULTS) -> np.ndarray:
    """Earlier articles worth scoring against `f`: TF-IDF inverted-index hits, LSH near-duplicates and, when a
    cross-lingual model is fitted, the nearest articles in other languages by document vector (how many of each:
    `settings`)."""
    n = len(state)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    found: list[np.ndarray] = []
    xlw = (weights or {}).get("crosslingual")
    if xlw is not None and f.xl is not None:
        near_xl = xl_candidates(state, f, float(xlw["min_cos"]), settings.xl_candidates)
        if near_xl.size:
            found.append(near_xl)
    if f.terms.size:
        df = state.df_of(f.terms)
        idf = _idf(state, f.terms, df)
        known = df > 0
        order = np.argsort(-(f.tf * idf * known))[: settings.query_terms]
        sel: list[int] = []
        for k in order.tolist():
            if not known[k]:
                break
            sel.append(k)
        lists = state.posting_tails(f.terms[sel].tolist()) if sel else []
        weights = [idf[k] * f.tf[k] for k in sel]
        if lists:
            ids = np.concatenate(lists)
            uniq, inv = np.unique(ids, return_inverse=True)
            w = np.repeat(np.asarray(weights), [t.size for t in lists])
            score = np.bincount(inv, weights=w)
            top = np.argsort(-score, kind="stable")[: settings.term_candidates]
            found.append(uniq[top].astype(np.int64))
    near = state.lsh_query(minhash, np.asarray(minhash.digest(), dtype=np.uint32) if digest is None else digest)
    if near:
        found.append(np.asarray(sorted(near)[-settings.lsh_candidates :], dtype=np.int64))
    if not found:
        return np.zeros(0, dtype=np.int64)
    return np.unique(np.concatenate(found))


def pair_features(
    state: StateView, f: ArticleFeatures, digest: np.ndarray, emb: np.ndarray | None, cand: np.ndarray,
    xl_out: list | None = None, settings: ClusterSettings = CLUSTER_DEFAULTS,
) -> tuple[np.ndarray, np.ndarray]:
    """Feature rows (len(cand) x len(FEATURES)) and a mask of rows where both sides have embeddings.

    `xl_out`, when given, receives (rows across languages, their XL_FEATURES matrix)."""
    m = cand.size
    x = np.zeros((m, len(FEATURES)), dtype=np.float64)
    if m == 0:
        return x, np.zeros(0, dtype=bool)
    ci = cand.tolist()
    cterms, ctf, cents, cnums, ctitle, cdigests, cemb, cday, cyear, clang, cxl = state.gather(ci)
    # TF-IDF cosine under the current document frequencies.
    wa = f.tf * _idf(state, f.terms)
    na = float(np.sqrt((wa * wa).sum())) or 1.0
    sizes = np.fromiter(map(len, cterms), dtype=np.int64, count=m)
    if sizes.sum() and f.terms.size:
        cat = np.concatenate(cterms)
        wc = np.concatenate(ctf) * _idf(state, cat)
        owner = np.repeat(np.arange(m), sizes)
        pos = np.clip(np.searchsorted(f.terms, cat), 0, f.terms.size - 1)
        hit = f.terms[pos] == cat
        dot = np.bincount(owner, weights=np.where(hit, wa[pos] * wc, 0.0), minlength=m)
        nb = np.sqrt(np.bincount(owner, weights=wc * wc, minlength=m))
        x[:, 0] = dot / (na * np.maximum(nb, 1e-9))
    x[:, 1] = (np.stack(cdigests) == digest).mean(axis=1)
    x[:, 2:5] = _dice3((f.ents, f.nums, f.title), (cents, cnums, ctitle))
    both = np.zeros(m, dtype=bool)
    if emb is not None:
        rows = [(k, e) for k, e in enumerate(cemb) if e is not None]
        if rows:
            ks = np.asarray([k for k, _ in rows])
            mat = np.stack([e for _, e in rows]).astype(np.float32)
            x[ks, 5] = mat @ emb.astype(np.float32)
            both[ks] = True
    if not np.isnan(f.day):
        d = np.asarray(cday, dtype=np.float64)
        known = ~np.isnan(d)
        x[known, 6] = np.log1p(np.abs(d[known] - f.day))
        # `days_known` (column 7) stays 0: fitted on ECB+ (no dates) + BASIL (dates, and candidates from other
        # events mostly on other days) it became a data-set indicator worth +3.5 logits for any dated pair, which
        # merged every same-kind event of one news day (tests/cluster/test_cluster_heldout.py, same-day quakes). Distance
        # alone may only penalise; an unknown date is neutral. The column is kept so the weights format is stable.
    # The year each opening mentions most: two same-kind events of one topic (a coach hired in 2005 and fired in
    # 2008, two MacBook launches) are often years apart while the wording is alike; ECB+ has no dates, and
    # re-reporting of one event names the same year. Unknown on either side: both columns 0. Both sides dated: 0
    # too, the publication days say when better than a year the text mentions most (a background year: on BASIL's
    # independently written reports of one event the opening's years clash as often as between different events,
    # 22 % of same-event candidate pairs against 29 %, and sat on pairs of 6 of the 9 events that came apart).
    if not np.isnan(f.year):
        y = np.asarray(cyear, dtype=np.float64)
        known = ~np.isnan(y)
        if not np.isnan(f.day):
            known &= np.isnan(np.asarray(cday, dtype=np.float64))
        x[known, 8] = (y[known] == f.year).astype(np.float64)
        x[known, 9] = (y[known] != f.year).astype(np.float64)
    if xl_out is not None and f.xl is not None and base_lang(f.lang) is not None:
        me = base_lang(f.lang)
        rows = [k for k in range(m) if cxl[k] is not None and cxl[k].shape == f.xl.shape
                and base_lang(clang[k]) not in (None, me)]
        if rows:
            xr = np.zeros((len(rows), len(XL_FEATURES)), dtype=np.float64)
            xr[:, 0] = np.stack([cxl[k] for k in rows]).astype(np.float32) @ f.xl.astype(np.float32)
            # Margin over the article's neighbourhood (as in margin-based bitext mining): e5 cosines of unrelated
            # texts are high and vary by language, a translation stands out from its source's other neighbours.
            _nidx, ncos = _xl_neighbours(state, f, settings.xl_candidates)
            xr[:, 1] = xr[:, 0] - (float(ncos.mean()) if ncos.size else 0.0)
            xr[:, 2:7] = x[rows][:, [3, 2, 8, 9, 6]]
            xl_out.append((np.asarray(rows), xr))
    return x, both


def score(x: np.ndarray, both: np.ndarray, weights: dict[str, Any]) -> np.ndarray:
    """P(same story) per row: the embedding model where both sides have embeddings, the lexical one elsewhere."""
    p = np.zeros(x.shape[0])
    for name, mask in (("embedding", both), ("lexical", ~both)):
        if not mask.any():
            continue
        w = weights[name]
        z = x[mask] @ np.asarray(w["coef"]) + w["intercept"]
        p[mask] = 1.0 / (1.0 + np.exp(-z))
    return p


def _logit(p: float) -> float:
    p = min(max(p, 1e-9), 1 - 1e-9)
    return float(np.log(p / (1 - p)))


def score_crosslingual(xr: np.ndarray, weights: dict[str, Any], join: float) -> np.ndarray:
    """P(same story) for pairs across languages, put on the scale of `join`: the cross-lingual model's own
    threshold maps onto the join threshold of the model it stands in for, so one `join`/`merge` rule serves all."""
    w = weights["crosslingual"]
    z = xr @ np.asarray(w["coef"]) + w["intercept"] - _logit(float(w["threshold"])) + _logit(join)
    return 1.0 / (1.0 + np.exp(-z))


def threshold(weights: dict[str, Any], both: bool) -> tuple[float, float]:
    w = weights["embedding" if both else "lexical"]
    return float(w["threshold"]), float(w.get("merge_threshold", max(w["threshold"], 0.9)))


def minhash_of(shingles: list[str]) -> tuple[Any, np.ndarray]:
    mh = RMinHash(NUM_PERM, MINHASH_SEED)
    mh.update(shingles)
    return mh, np.asarray(mh.digest(), dtype=np.uint32)


@dataclass(slots=True)
class Prepared:
    """An article's features plus its MinHash: everything `assign` needs that does not depend on the state."""

    features: ArticleFeatures
    minhash: Any
    digest: np.ndarray
    emb: np.ndarray | None = None  # lead embedding, when computed with the article (see `fingerprint_articles`)
    emb_model: str | None = None
    xl_model: str | None = None  # the model of `features.xl`, when it came from a stored fingerprint


def prepare(article: Article) -> Prepared:
    f = featurize(article)
    mh, digest = minhash_of(f.shingles)
    f.shingles = []  # consumed; keeps a Prepared small when it crosses a process boundary
    return Prepared(f, mh, digest)


def fingerprint_articles(articles: list[Article], ctx: Any) -> list[Article]:
    """Article stage: each article's clustering fingerprint (features, MinHash, lead embedding), kept on its
    analysis so clustering never recomputes it, here or in a later run."""
    from wiretrace.analysis import analysis_of

    preps = featurize_batch(articles, ctx)
    vecs = _embed([(a, pr.features) for a, pr in zip(articles, preps, strict=True)], ctx)
    model = ctx.embedder().name if ctx is not None and any(v is not None for v in vecs) else None
    for art, pr, vec in zip(articles, preps, vecs, strict=True):
        f = pr.features
        f.lang = analysis_of(art).language
        analysis_of(art).cluster = ClusterPrint(
            terms=f.terms, tf=f.tf, ents=f.ents, nums=f.nums, title=f.title, day=f.day, year=f.year,
            digest=pr.digest, minhash=pr.minhash.__getstate__(), lead_vector=vec, lead_model=model if vec is not None
            else None, lang=f.lang,
            # No cross-lingual vector here: clustering computes one only where it can decide (`LazyXl`), so an
            # article that never meets another language never pays for the multilingual model. (Prints stored by an
            # earlier version may hold one; `prepared_from_print` keeps it.)
            xl_vector=None, xl_model=None,
        )
        art.analysis.dirty = True
    return articles


def prepared_from_print(cp: ClusterPrint) -> Prepared:
    """The `Prepared` that `prepare` would give, rebuilt from a stored fingerprint (no text is read)."""
    mh = RMinHash.__new__(RMinHash, NUM_PERM, MINHASH_SEED)
    mh.__setstate__(cp.minhash)
    f = ArticleFeatures(cp.terms.astype(np.int64), cp.tf.astype(np.float32), cp.ents.astype(np.int64),
                        cp.nums.astype(np.int64), cp.title.astype(np.int64), [], cp.day, "", cp.year, "", cp.lang,
                        cp.xl_vector)
    pr = Prepared(f, mh, np.asarray(cp.digest, dtype=np.uint32), cp.lead_vector, cp.lead_model)
    pr.xl_model = cp.xl_model
    return pr


def featurize_batch(articles: list[Article], ctx: Any = None) -> list[Prepared]:
    """State-free per-article work (tokenising, hashing, MinHash), about 40 % of `assign`'s time.

    Pure and order-free per article, so an executor may split a batch across processes and hand the
    concatenated results (same order as `articles`) to `assign(..., prepared=...)`; decisions are identical
    to letting `assign` compute them itself. Results pickle (rensa MinHash included).
    """
    return [prepare(a) for a in articles]


def xl_embedder(ctx: Any):
    """The cross-lingual document embedder named by `Config.crosslingual_embedder` (None: none, or no context)."""
    if ctx is None:
        return None
    name = getattr(ctx.config, "crosslingual_embedder", None)
    if not name or name.lower() in {"none", "off"}:
        return None

    def load():
        from wiretrace.text.embed import get_multilingual_embedder

        return get_multilingual_embedder(name)

    return ctx.cached("crosslingual:" + name, load)


def _embed_xl(feats: list[ArticleFeatures], ctx: Any) -> str | None:
    """Fill each `f.xl` (one batch through the multilingual model); the model's name, or None when none ran."""
    emb = xl_embedder(ctx)
    if emb is None or not feats:
        return None
    vecs = emb.encode([f.xl_lead for f in feats])
    for f, v in zip(feats, vecs, strict=True):
        f.xl = np.asarray(v, dtype=np.float32)
    return emb.name


def _embed(new: list[tuple[Article, ArticleFeatures]], ctx: Any) -> list[np.ndarray | None]:
    if ctx is None or not new:
        return [None] * len(new)
    emb = ctx.embedder()
    if getattr(emb, "is_lexical", True):
        return [None] * len(new)  # the hashed bag of words adds nothing to TF-IDF; degrade to lexical signals
    vecs = emb.encode([f.lead for _, f in new])
    return [v for v in vecs]


def assign(
    new_articles: list[Article], state: StateView, ctx: Any, weights: dict[str, Any] | None = None,
    prepared: list[Prepared] | None = None, xl_texts: Callable[[list[str]], list[str]] | None = None,
) -> ClusterUpdate:
    """Add `new_articles` to `state` (mutated and returned); articles already known are ignored.

    `state`: a `ClusterState` (in memory) or a store's `ClusterIndex` (reads what these articles need from the
    store; the changes are written by `Store.apply_clustering`); the decisions are the same.
    `prepared`: optional `featurize_batch(new_articles)` output (aligned with `new_articles`), e.g. computed in
    parallel by the executor; without it the work is done here.
    `xl_texts`: article ids -> the texts their cross-lingual vectors are computed from (`xl_lead_of`). Given, a
    vector is computed only where it can change a decision (`LazyXl`: an article meets another language in the
    recent window or among its candidates), for stored articles too; without it every new article gets one first.
    The decisions are the same either way. Candidate counts and the fitted weights come from `ctx.config.cluster`
    (defaults without a context); `weights`, given, replaces the weights file.
    """
    settings = ctx.config.cluster if ctx is not None else CLUSTER_DEFAULTS
    weights = weights or (load_weights(settings.weights) if settings.weights else load_weights())
    if prepared is not None and len(prepared) != len(new_articles):
        raise ValueError("prepared must be aligned with new_articles")
    aids = [a.id or a.compute_id() for a in new_articles]
    known = state.known(aids)
    seen = set()
    todo: list[tuple[Article, Prepared]] = []
    for k, (a, aid) in enumerate(zip(new_articles, aids, strict=True)):
        if aid in known or aid in seen:
            continue
        seen.add(aid)
        todo.append((a, prepared[k] if prepared is not None else prepare(a)))
    model = None if ctx is None or getattr(ctx.embedder(), "is_lexical", True) else ctx.embedder().name
    missing = [k for k, (_a, pr) in enumerate(todo) if pr.emb_model != model or (model and pr.emb is None)]
    embs: list[np.ndarray | None] = [pr.emb if model else None for _a, pr in todo]
    for k, vec in zip(missing, _embed([(todo[k][0], todo[k][1].features) for k in missing], ctx), strict=True):
        embs[k] = vec
    xl_emb = xl_embedder(ctx) if "crosslingual" in weights else None
    xl_name = None if xl_emb is None else xl_emb.name
    if xl_name is not None and weights["crosslingual"].get("model") not in (None, xl_name):
        xl_name = None  # the pair model was fit on another model's cosines: same-language clustering only
    lazy = LazyXl(state, xl_emb, xl_texts) if xl_name is not None and xl_texts is not None else None
    stale = []
    for a, pr in todo:
        if pr.features.xl is not None and pr.xl_model is not None and pr.xl_model != xl_name:
            pr.features.xl = None  # a vector of another model never meets this run's
        if xl_name is not None and pr.features.xl is None and lazy is None:
            if not pr.features.xl_lead:
                pr.features.xl_lead = xl_lead_of(a)
            stale.append(pr.features)
        elif xl_name is None:
            pr.features.xl = None
    _embed_xl(stale, ctx)
    assignments: dict[str, str] = {}
    events: list[dict] = []
    refused: set[tuple[int, int]] = set()
    for k, ((a, pr), emb) in enumerate(zip(todo, embs, strict=True)):
        if k % settings.prefetch == 0:
            state.prefetch([p for _a, p in todo[k : k + settings.prefetch]])
        f, mh, digest = pr.features, pr.minhash, pr.digest
        if lazy is not None:
            lazy.before_candidates(a, f)
        cand = candidates(state, f, mh, digest, weights, settings)
        if lazy is not None:
            lazy.after_candidates(a, f, cand)
        xl_rows: list = []
        x, both = pair_features(state, f, digest, emb, cand, xl_rows if "crosslingual" in weights else None,
                                settings)
        p = score(x, both, weights)
        join, merge_t = threshold(weights, emb is not None)
        for rows, xr in xl_rows:
            p[rows] = score_crosslingual(xr, weights, join)
        link = weights["embedding" if emb is not None else "lexical"].get("link", "max")
        best = _story_scores(state, cand, p, join, link)
        if not best:
            story = state.new_story(a.id)
            events.append({"kind": "new", "story": state.story_id(story), "article": a.id})
        else:
            ranked = sorted(best.items(), key=lambda kv: -kv[1][0])
            story = ranked[0][0]
            absorb = [s for s, (pv, _) in ranked[1:] if pv >= merge_t]
            if absorb and settings.merge_check and emb is not None:
                # Two stories merge only when they would join on their own members. Not on the lexical fallback:
                # its pair scores are too weak to confirm (two independent write-ups of one event share few words),
                # and on ECB+/BASIL the check only refused right merges there (RESULTS-cluster).
                scorer = _MemberScorer(state, weights, xl_name is not None, join, settings)
                absorb = _confirmed(scorer, story, absorb, cand, best, a, events, refused)
            if absorb:
                story = _merge(state, [story, *absorb], a, x, cand, best, events, assignments)
        state.add(a.id, f, digest, mh, emb, story)
        assignments[a.id] = state.story_id(story)
    return ClusterUpdate(state=state, assignments=assignments, events=events,
                         xl_computed=None if lazy is None else lazy.computed)


class LazyXl:
    """Cross-lingual vectors only where they can decide, with the decisions of computing them all.

    A vector is read in two places only: the nearest recent articles *in another language* (the window of
    `XlTail`), and the pair features of a candidate *in another language*. So an article needs its vector when the
    window holds another language or a candidate is in another language, and then those other-language articles
    need theirs; nothing else ever reads one. A feed in one language computes none; the first article in a new
    language fills the window's vectors once (`computed` counts the encodes)."""

    def __init__(self, state: StateView, emb: Any, texts: Callable[[list[str]], list[str]]) -> None:
        self.state, self.emb, self.texts = state, emb, texts
        self.computed = 0

    def _own(self, a: Article, f: ArticleFeatures) -> None:
        if f.xl is None:
            f.xl = np.asarray(self.emb.encode([f.xl_lead or xl_lead_of(a)])[0], dtype=np.float32)
            self.computed += 1

    def _fill(self, rows: list[int]) -> None:
        if rows:
            vecs = self.emb.encode(self.texts([self.state.article_id(i) for i in rows]))
            for i, v in zip(rows, vecs, strict=True):
                self.state.set_xl(i, np.asarray(v, dtype=np.float32))
            self.computed += len(rows)

    def before_candidates(self, a: Article, f: ArticleFeatures) -> None:
        me = base_lang(f.lang)
        tail = self.state.xl_tail()
        if me is not None and tail.other_languages(me):
            self._own(a, f)
            self._fill(tail.missing_other(me))

    def after_candidates(self, a: Article, f: ArticleFeatures, cand: np.ndarray) -> None:
        me = base_lang(f.lang)
        if me is None or not cand.size:
            return
        ci = cand.tolist()
        cols = self.state.gather(ci)
        other = [(i, v) for i, lang, v in zip(ci, cols[9], cols[10], strict=True)
                 if base_lang(lang) not in (None, me)]
        if other:
            self._own(a, f)
            self._fill([i for i, v in other if v is None])


def _story_scores(
    state: StateView, cand: np.ndarray, p: np.ndarray, join: float, link: str
) -> dict[int, tuple[float, int]]:
    """Per candidate story: (score, index of its best candidate) for stories scoring >= `join`.

    `max` is single link; `blend` averages the best pair with the mean over the story's candidates,
    so one look-alike article in a story of another, same-kind event is not enough to join it.
    """
    per: dict[int, list[float]] = {}
    arg: dict[int, int] = {}
    for k, (s, pk) in enumerate(zip(state.stories_of(cand.tolist()), p.tolist(), strict=True)):
        ps = per.setdefault(s, [])
        if not ps or pk > ps[0]:
            ps.insert(0, pk)
            arg[s] = k
        else:
            ps.append(pk)
    out: dict[int, tuple[float, int]] = {}
    for s, ps in per.items():
        sc = ps[0] if link == "max" else 0.5 * ps[0] + 0.5 * sum(ps) / len(ps)
        if sc >= join:
            out[s] = (sc, arg[s])
    return out


@dataclass(slots=True)
class _MemberScorer:
    """P(same story) between stored articles, by the models an arriving article is scored with: the embedding model
    where both have a lead vector (else the lexical one); with `use_xl`, the cross-lingual model for a pair across
    languages where both have a cross-lingual vector (as when an arriving article meets another language), put on
    the join threshold's scale (`join`)."""

    state: StateView
    weights: dict[str, Any]
    use_xl: bool
    join: float
    settings: ClusterSettings

    def scores_from(self, i: int, others: list[int]) -> np.ndarray:
        """P(same story) of stored article `i` with each of `others`."""
        terms, tf, ents, nums, title, digest, emb, day, year, lang, xl = (col[0] for col in self.state.gather([i]))
        f = ArticleFeatures(np.asarray(terms, dtype=np.int64), np.asarray(tf, dtype=np.float32),
                            np.asarray(ents, dtype=np.int64), np.asarray(nums, dtype=np.int64),
                            np.asarray(title, dtype=np.int64), [], day, "", year, "", lang,
                            None if xl is None or not self.use_xl else np.asarray(xl, dtype=np.float32))
        vec = None if emb is None else np.asarray(emb, dtype=np.float32)
        xl_rows: list | None = [] if f.xl is not None and "crosslingual" in self.weights else None
        x, both = pair_features(self.state, f, np.asarray(digest, dtype=np.uint32), vec,
                                np.asarray(others, dtype=np.int64), xl_rows, self.settings)
        p = score(x, both, self.weights)
        for rows, xr in xl_rows or ():
            p[rows] = score_crosslingual(xr, self.weights, self.join)
        return p


def _confirmed(
    scorer: _MemberScorer, keep: int, absorb: list[int], cand: np.ndarray, best: dict[int, tuple[float, int]],
    a: Article, events: list[dict], refused: set[tuple[int, int]],
) -> list[int]:
    """The stories of `absorb` that are one story with `keep` on their own evidence, not only on the arriving
    article's: each story is represented by its first article (what it is about) and its witness (the member that
    made the article match it; one member when they are the same), and some pair across the two stories with a first
    article in it must reach the join threshold: one story's first article matches the other's first article or
    witness. The others stay apart; each refusal is recorded once per run and story pair (`merge_refused`, with the
    article, the members compared and the best such P).

    Why: one article that matches two stories does not make them one. A round-up, a digest or a live blog carries
    paragraphs of several stories and matches each of them; worse, such an article that has joined story Y is then
    Y's witness for any article of story X it shares a paragraph with. Merging on that word chained unrelated events
    into one story of 10,000 articles on a 50,000-article stream. The two witnesses alone prove nothing: they are
    the pair such an article fakes (it carries X's text, so it matches X's witness), and merging on them brought the
    chains back; the mean over all pairs (the first rule) refused more merges of one event than this one does
    (benchmarks/RESULTS-cluster.md, "Merges on one article's word").
    """
    state = scorer.state
    firsts = {s: state.first_member(s) for s in [keep, *absorb]}
    sides = {s: sorted({int(cand[best[s][1]]), firsts[s]}) for s in [keep, *absorb]}
    right = [i for s in absorb for i in sides[s]]
    p = np.stack([scorer.scores_from(i, right) for i in sides[keep]])
    first_keep = np.asarray([i == firsts[keep] for i in sides[keep]])
    out, at = [], 0
    for s in absorb:
        k = len(sides[s])
        block = p[:, at : at + k]
        first_s = np.asarray([i == firsts[s] for i in sides[s]])
        link = float(block[first_keep[:, None] | first_s[None, :]].max())  # every pair but witness with witness
        at += k
        if link >= scorer.join:
            out.append(s)
        elif (key := (min(keep, s), max(keep, s))) not in refused:
            refused.add(key)
            events.append({"kind": "merge_refused", "story": state.story_id(keep), "other": state.story_id(s),
                           "article": a.id, "p_article": [round(best[keep][0], 3), round(best[s][0], 3)],
                           "compared": [[state.article_id(i) for i in sides[keep]],
                                        [state.article_id(i) for i in sides[s]]], "p_link": round(link, 3)})
    return out


def _merge(
    state: StateView, stories: list[int], a: Article, x: np.ndarray, cand: np.ndarray,
    best: dict[int, tuple[float, int]], events: list[dict], assignments: dict[str, str],
) -> int:
    """Merge `stories` into the largest (then oldest); relabel the absorbed members."""
    keep = min(stories, key=lambda s: (-state.story_size(s), s))
    gone = [s for s in stories if s != keep]
    evidence = []
    for s in stories:
        pv, k = best[s]
        evidence.append({
            "story": state.story_id(s), "via_article": state.article_id(int(cand[k])), "p": round(pv, 3),
            "features": {n: round(float(v), 3) for n, v in zip(FEATURES, x[k], strict=True)},
        })
    into = state.story_id(keep)
    gone_ids = [state.story_id(s) for s in gone]
    for aid in state.relabel(gone, keep):
        assignments[aid] = into
    events.append({"kind": "merge", "into": into, "from": gone_ids, "article": a.id, "evidence": evidence})
    return keep
