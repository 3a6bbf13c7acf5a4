"""View models shared by the web app and the HTML report: pure functions over the report dicts.

Nothing here produces HTML: templates do, with autoescaping, so article text
(untrusted) is only ever inserted as escaped text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from wiretrace.text.sentences import split_spans

# -- provenance graph -------------------------------------------------------------------------------------------------

NODE_W = 190
NODE_H = 40
COL_GAP = 110
ROW_GAP = 22
PAD = 16
MAX_NODES = 40  # a bigger story draws only the articles that reuse edges and witnesses touch (then the first ones)


@dataclass
class Node:
    key: str
    label: str
    sub: str
    kind: str  # "origin" | "article"
    x: int = 0
    y: int = 0
    href: str | None = None


@dataclass
class Edge:
    src: str
    dst: str
    label: str
    kind: str  # relation ("copy", "rewrite", ...), "witness" or "credit"
    x1: float = 0
    y1: float = 0
    x2: float = 0
    y2: float = 0
    lx: float = 0
    ly: float = 0


@dataclass
class Graph:
    nodes: list[Node] = field(default_factory=list)
    edges: list[Edge] = field(default_factory=list)
    width: int = 0
    height: int = 0
    hidden: int = 0  # articles left out of a large story's drawing (no reuse edge, past MAX_NODES)


def _short(text: str | None, n: int = 28) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= n else text[: n - 1] + "…"


def article_label(a: Mapping[str, Any] | None, aid: str) -> str:
    """Outlet if known, else title: how a reader recognises an article."""
    if not a:
        return aid
    return a.get("outlet") or a.get("title") or aid


_ARTICLE_ID = re.compile(r"\b[0-9a-f]{16}\b")


def label_article_ids(text: str | None, articles: Mapping[str, Mapping[str, Any]] | None) -> str:
    """Replace the article ids that stage summaries carry with a name a reader recognises ("Duvar English (fc7f5a08)").

    Returns plain text: the templates escape it like any other article-derived string.
    """
    if not text or not articles:
        return text or ""

    def one(m: re.Match[str]) -> str:
        aid = m.group(0)
        a = articles.get(aid)
        return f"{_short(article_label(a, aid), 40)} ({aid[:8]})" if a else aid

    return _ARTICLE_ID.sub(one, text)


def _bezier(t: float, p0: float, p1: float, p2: float, p3: float) -> float:
    u = 1 - t
    return u * u * u * p0 + 3 * u * u * t * p1 + 3 * u * t * t * p2 + t * t * t * p3


def provenance_graph(
    story: Mapping[str, Any], articles: Mapping[str, Mapping[str, Any]], href: str = "", max_nodes: int = MAX_NODES
) -> Graph:
    """Lay out origins -> articles in columns (column = longest reuse path from an origin).

    Drawn on the server so the page needs no script: origins sit in the first column, each
    origin points at its closest witness, reuse edges carry relation and share; an origin's
    members reached by no drawn edge get a dashed "credits" edge. `href` prefixes article
    node links (empty: no links).
    """
    all_ids = list(dict.fromkeys(story.get("article_ids", [])))
    origins = list(story.get("origins") or [])
    aids = all_ids
    if len(all_ids) > max_nodes:
        touched = {o.get("closest_witness") for o in origins}
        touched |= {x for e in story.get("reuse") or [] for x in (e.get("from"), e.get("to"))}
        aids = [a for a in all_ids if a in touched][:max_nodes]
    reuse = [e for e in story.get("reuse") or [] if e.get("from") in aids and e.get("to") in aids]
    depth: dict[str, int] = {a: 1 for a in aids}
    for _ in range(len(aids)):  # longest path, bounded (odd data may hold a cycle)
        changed = False
        for e in reuse:
            if depth[e["to"]] < depth[e["from"]] + 1 <= len(aids):
                depth[e["to"]] = depth[e["from"]] + 1
                changed = True
        if not changed:
            break
    cols: dict[int, list[Node]] = {}
    nodes: dict[str, Node] = {}
    for o in origins:
        key = "o:" + str(o.get("name"))
        if key in nodes:
            continue
        sub = str(o.get("kind", "")) + (" (secondary)" if o.get("secondary") else "")
        nodes[key] = Node(key, _short(str(o.get("name"))), sub, "origin")
        cols.setdefault(0, []).append(nodes[key])
    for aid in aids:
        a = articles.get(aid)
        date = _short((a or {}).get("published") or "", 12)
        sub = (date + " · " if date else "") + aid[:8]
        node = Node("a:" + aid, _short(article_label(a, aid)), sub, "article", href=(href + aid) if href else None)
        nodes[node.key] = node
        cols.setdefault(depth[aid], []).append(node)
    g = Graph(hidden=len(all_ids) - len(aids))
    height = 0
    for c in sorted(cols):
        for r, node in enumerate(cols[c]):
            node.x = PAD + c * (NODE_W + COL_GAP)
            node.y = PAD + r * (NODE_H + ROW_GAP)
            height = max(height, node.y + NODE_H + PAD)
    g.width = PAD + ((max(cols) + 1) if cols else 1) * (NODE_W + COL_GAP) - COL_GAP + PAD + 40
    g.height = max(height, 2 * PAD + NODE_H)
    g.nodes = list(nodes.values())
    reached: set[str] = set()
    for o in origins:
        w = o.get("closest_witness")
        if w in aids:
            g.edges.append(Edge("o:" + str(o.get("name")), "a:" + w, "closest witness", "witness"))
            reached.add(w)
    for e in reuse:
        share = round(100 * float(e.get("share") or 0))
        g.edges.append(Edge("a:" + e["from"], "a:" + e["to"], f"{e.get('relation', 'reuse')} {share}%",
                            str(e.get("relation", "reuse"))))
        reached.add(e["to"])
    for o in origins:
        for aid in o.get("article_ids", []):
            if aid in aids and aid not in reached and aid != o.get("closest_witness"):
                g.edges.append(Edge("o:" + str(o.get("name")), "a:" + aid, "credits", "credit"))
    for e in g.edges:
        s, d = nodes[e.src], nodes[e.dst]
        if d.x > s.x:
            e.x1, e.y1, e.x2, e.y2 = s.x + NODE_W, s.y + NODE_H / 2, d.x, d.y + NODE_H / 2
        else:  # same column or backwards: go round the right-hand side
            e.x1, e.y1, e.x2, e.y2 = s.x + NODE_W, s.y + NODE_H / 2, d.x + NODE_W, d.y + NODE_H / 2
        # a long edge passes under the nodes between: label it in the first gap, next to its source
        t = 0.5 if abs(d.x - s.x) <= NODE_W + COL_GAP else (COL_GAP / 2) / max(1.0, abs(e.x2 - e.x1))
        mx = (e.x1 + e.x2) / 2 if d.x > s.x else e.x1 + 60
        e.lx = _bezier(t, e.x1, mx, mx if d.x > s.x else e.x2 + 60, e.x2)
        e.ly = _bezier(t, e.y1, e.y1, e.y2, e.y2) - 4
    return g


# -- compare ----------------------------------------------------------------------------------------------------------


@dataclass
class Row:
    a: int | None
    b: int | None
    a_text: str = ""
    b_text: str = ""
    label: str = ""  # "verbatim" | "paraphrase" | "" (unaligned)
    score: float = 0.0
    added_b: bool = False
    added_a: bool = False


def sentences(text: str) -> list[str]:
    """The article's sentences as the stages index them (`wiretrace.text.sentences`)."""
    return [text[s:e] for s, e in split_spans(text)]


def compare_rows(
    sents_a: list[str],
    sents_b: list[str],
    pairs: Iterable[Mapping[str, Any]],
    added_a: Iterable[int] = (),
    added_b: Iterable[int] = (),
) -> list[Row]:
    """Interleave two articles' sentences, joining aligned pairs on one row.

    Walks A in order; before an aligned pair it emits B's unaligned sentences that come
    earlier in B, so both columns read in their own order (crossing pairs stay joined).
    """
    by_a: dict[int, Mapping[str, Any]] = {}
    used_b: set[int] = set()
    for p in sorted(pairs, key=lambda p: -float(p.get("score", 0))):
        a, b = int(p["a"]), int(p["b"])
        if a in by_a or b in used_b or not (0 <= a < len(sents_a)) or not (0 <= b < len(sents_b)):
            continue
        by_a[a] = p
        used_b.add(b)
    add_a, add_b = set(added_a), set(added_b)
    rows: list[Row] = []
    next_b = 0

    def flush_b(upto: int) -> None:
        nonlocal next_b
        while next_b < upto:
            if next_b not in used_b:
                rows.append(Row(None, next_b, b_text=sents_b[next_b], added_b=next_b in add_b))
            next_b += 1

    for i, text in enumerate(sents_a):
        p = by_a.get(i)
        if p is None:
            rows.append(Row(i, None, a_text=text, added_a=i in add_a))
            continue
        b = int(p["b"])
        flush_b(b)
        rows.append(Row(i, b, text, sents_b[b], str(p.get("label", "")), float(p.get("score", 0)),
                        added_b=b in add_b, added_a=i in add_a))
    flush_b(len(sents_b))
    return rows


def story_pairs(story: Mapping[str, Any] | None, a: str, b: str) -> tuple[list[dict[str, Any]], str] | None:
    """Stored sentence pairs between a and b, oriented a -> b, and where they came from.

    A reuse edge's pairs are preferred (they are the ones provenance judged); else the alignment's.
    """
    if not story:
        return None
    for kind, key_a, key_b, items in (("reuse", "from", "to", story.get("reuse") or []),
                                      ("alignment", "a", "b", story.get("alignments") or [])):
        for item in items:
            if item.get(key_a) == a and item.get(key_b) == b:
                return [dict(p) for p in item.get("pairs", [])], kind
            if item.get(key_a) == b and item.get(key_b) == a:
                return [{**p, "a": p["b"], "b": p["a"]} for p in item.get("pairs", [])], kind
    return None


def added_indexes(story: Mapping[str, Any] | None, article_id: str) -> set[int]:
    """Sentences the additions stage found added by this article to its origin's text."""
    out: set[int] = set()
    for add in (story or {}).get("additions") or []:
        if add.get("article_id") == article_id:
            out.update(int(i) for i in add.get("added", []))
    return out


# -- article text with attributions ----------------------------------------------------------------------------------

PRIORITY = {"cue": 3, "source": 2, "content": 1}


@dataclass
class Segment:
    text: str
    cls: str = ""
    title: str = ""


def highlight(text: str, attributions: Iterable[Mapping[str, Any]]) -> list[Segment]:
    """Cut the text into plain and highlighted segments (attribution source / cue / content spans)."""
    spans: list[tuple[int, int, str, str]] = []
    for att in attributions:
        speaker = str(att.get("speaker") or att.get("source_text") or "")
        for part in ("source", "cue", "content"):
            span = att.get(part)
            if span and len(span) == 2:
                s, e = max(0, int(span[0])), min(len(text), int(span[1]))
                if s < e:
                    spans.append((s, e, part, speaker))
    if not spans:
        return [Segment(text)] if text else []
    cuts = sorted({0, len(text), *[s for s, _, _, _ in spans], *[e for _, e, _, _ in spans]})
    out: list[Segment] = []
    for s, e in zip(cuts, cuts[1:], strict=False):
        cover = [sp for sp in spans if sp[0] <= s and e <= sp[1]]
        if cover:
            best = max(cover, key=lambda sp: PRIORITY[sp[2]])
            seg = Segment(text[s:e], "att-" + best[2], f"{best[2]} ({best[3]})" if best[3] else best[2])
        else:
            seg = Segment(text[s:e])
        if out and out[-1].cls == seg.cls and out[-1].title == seg.title:
            out[-1].text += seg.text
        else:
            out.append(seg)
    return out


# -- claims ------------------------------------------------------------------------------------------------------------


def speaker_name(speaker: str | None) -> str:
    """'name:arvenian energy petra halvorsen' -> 'arvenian energy petra halvorsen' (the claims stage's keys)."""
    return re.sub(r"^(name|anon|role|org):", "", speaker or "")


def claim_rows(
    story: Mapping[str, Any], articles: Mapping[str, Mapping[str, Any]] | None = None
) -> list[dict[str, Any]]:
    """Claims with their conflicts, conflicting ones first, then the most widely repeated."""
    conflicted: dict[str, list[str]] = {}
    for c in story.get("conflicts") or []:
        for cid in c.get("claim_ids", []):
            summary = label_article_ids(c.get("summary"), articles) or c.get("kind", "conflict")
            conflicted.setdefault(cid, []).append(summary)
    rows = []
    for c in story.get("claims") or []:
        who = speaker_name(c.get("speaker")) or ", ".join(c.get("attributed_to") or [])
        rows.append({
            "id": c.get("id"),
            "text": c.get("text", ""),
            "who": who,
            "n_articles": len(c.get("article_ids") or []),
            "independent": c.get("independent_origins"),
            "origins": c.get("origins") or [],
            "conflicts": conflicted.get(c.get("id"), []),
        })
    rows.sort(key=lambda r: (not r["conflicts"], -r["n_articles"]))
    return rows


# -- named entities for search -----------------------------------------------------------------------------------------

_ENTITY = re.compile(r"\b([A-Z][\w'’-]+(?:\s+(?:of|de|la|von|van|the)?\s*[A-Z][\w'’-]+)*)")
_STOP = {"The", "A", "An", "In", "On", "At", "It", "He", "She", "They", "We", "But", "And", "Under", "After", "This",
         "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"}


def entities(text: str) -> set[str]:
    """Capitalised word runs (people, places, organisations), lower-cased, plus their words: a cheap NER for search."""
    out: set[str] = set()
    for m in _ENTITY.finditer(text or ""):
        words = m.group(1).split()
        while words and words[0] in _STOP:
            words = words[1:]
        if words:
            out.add(" ".join(words).lower())
            out.update(w.lower() for w in words if len(w) > 2 and w not in _STOP)
    return out


# -- story timeline and actors (issue 17) ------------------------------------------------------------------------------
TL_LABEL_W = 300
TL_PLOT_W = 560
TL_ROW_H = 22
TL_AXIS_H = 30
TL_MAX_EVENTS = 40


@dataclass
class TimelineBar:
    label: str  # the event text, shortened (escaped by the template)
    title: str  # the tooltip: full text, dates, articles, origins
    y: int
    x: float
    w: float
    conflict: bool
    precision: str


@dataclass
class TimelinePanel:
    caption: str
    bars: list[TimelineBar] = field(default_factory=list)
    ticks: list[tuple[float, str]] = field(default_factory=list)  # (x, label)
    y: int = 0
    height: int = 0


@dataclass
class TimelineChart:
    panels: list[TimelinePanel] = field(default_factory=list)
    width: int = TL_LABEL_W + TL_PLOT_W + 20
    height: int = 0
    hidden: int = 0
    rows: list[dict[str, Any]] = field(default_factory=list)  # the same events as a table


def _tl_date(value: str):  # -> date
    from datetime import date

    if value.startswith("--"):
        return date(2001, int(value[2:4]), int(value[5:7]))
    return date.fromisoformat(value[:10])


def _tl_show(value: str) -> str:
    d = _tl_date(value)
    return d.strftime("%d %b") if value.startswith("--") else d.strftime("%d %b %Y")


def timeline_chart(story: Mapping[str, Any], articles: Mapping[str, Mapping[str, Any]]) -> TimelineChart | None:
    """Lay the story's dated events out on a time axis, drawn on the server (no script): one row per event, a bar
    from its earliest to its latest possible day, red where versions disagree on the date. Events dated without a
    year get their own panel, on a month-and-day axis. None when the timeline stage has not run."""
    events = story.get("timeline")
    if events is None:
        return None
    chart = TimelineChart(hidden=max(0, len(events) - TL_MAX_EVENTS))
    shown = list(events)[:TL_MAX_EVENTS]
    for e in shown:
        names = [_short(article_label(articles.get(a), a), 30) for a in e.get("article_ids", [])]
        when = _tl_show(e["earliest"]) + ("" if e["latest"] == e["earliest"] else " – " + _tl_show(e["latest"]))
        chart.rows.append({"when": when, "text": e.get("text", ""), "articles": names,
                           "independent": e.get("independent_origins"), "conflict": bool(e.get("date_conflict")),
                           "precision": e.get("precision"), "written": sorted({d.get("text", "") for d in e.get("dates", [])})})
    y = 0
    for caption, group in (("Dated events", [e for e in shown if not e["earliest"].startswith("--")]),
                           ("Dated without a year (month and day only)", [e for e in shown if e["earliest"].startswith("--")])):
        if not group:
            continue
        panel = TimelinePanel(caption=caption, y=y)
        lo = min(_tl_date(e["earliest"]) for e in group)
        hi = max(_tl_date(e["latest"]) for e in group)
        span = max(1, (hi - lo).days + 1)
        pad = max(1, span // 20)
        from datetime import timedelta

        lo, hi = lo - timedelta(days=pad), hi + timedelta(days=pad)
        days = (hi - lo).days + 1
        scale = TL_PLOT_W / days
        for k, e in enumerate(group):
            d0, d1 = _tl_date(e["earliest"]), _tl_date(e["latest"])
            x = TL_LABEL_W + (d0 - lo).days * scale
            w = max(4.0, ((d1 - d0).days + 1) * scale)
            when = _tl_show(e["earliest"]) + ("" if e["latest"] == e["earliest"] else " – " + _tl_show(e["latest"]))
            n_art = len(e.get("article_ids", []))
            title = (f"{when}: {e.get('text', '')} — {n_art} article{'s' if n_art != 1 else ''}, "
                     f"{e.get('independent_origins')} independent origin(s)"
                     + (" — versions give different dates" if e.get("date_conflict") else ""))
            panel.bars.append(TimelineBar(_short(e.get("text", ""), 46), title, y + TL_AXIS_H + k * TL_ROW_H,
                                          round(x, 1), round(w, 1), bool(e.get("date_conflict")),
                                          str(e.get("precision", ""))))
        panel.ticks = _tl_ticks(lo, hi, scale, year=caption == "Dated events")
        panel.height = TL_AXIS_H + len(group) * TL_ROW_H + 8
        chart.panels.append(panel)
        y += panel.height + 10
    chart.height = max(0, y)
    return chart


def _tl_ticks(lo, hi, scale: float, year: bool) -> list[tuple[float, str]]:  # noqa: ANN001 - dates
    """Month starts (or years, for a long span) inside [lo, hi], thinned to at most 8 labels."""
    from datetime import date

    marks = []
    if (hi - lo).days > 3 * 366:
        for y in range(lo.year + 1, hi.year + 1):
            marks.append((date(y, 1, 1), str(y)))
    else:
        d = date(lo.year, lo.month, 1)
        while d <= hi:
            if d >= lo:
                marks.append((d, d.strftime("%b %Y") if year else d.strftime("%b")))
            d = date(d.year + (d.month == 12), d.month % 12 + 1, 1)
        if len(marks) < 2:  # a short span: weekly marks
            from datetime import timedelta

            d = lo + timedelta(days=(7 - lo.weekday()) % 7)
            marks = []
            while d <= hi:
                marks.append((d, d.strftime("%d %b")))
                d += timedelta(days=7)
    step = max(1, -(-len(marks) // 8))
    return [(round(TL_LABEL_W + (d - lo).days * scale, 1), label) for d, label in marks[::step]]


def actor_rows(story: Mapping[str, Any], articles: Mapping[str, Mapping[str, Any]], limit: int = 60
               ) -> list[dict[str, Any]] | None:
    """The actors table: one row per entity, most widely reported first; None when the entities stage has not run."""
    ents = story.get("entities")
    if ents is None:
        return None
    rows = []
    for e in list(ents)[:limit]:
        written = sorted({" ".join(m.get("text", "").split()) for m in e.get("mentions", [])} - {e.get("label")})
        rows.append({"label": e.get("label", ""), "kind": e.get("kind", ""), "key": e.get("key", ""),
                     "n_articles": len(e.get("article_ids", [])), "n_mentions": len(e.get("mentions", [])),
                     "also": written[:8],
                     "outlets": [_short(article_label(articles.get(a), a), 24) for a in e.get("article_ids", [])][:6]})
    return rows


# -- story listing, shared by the web app's stories page and `wiretrace stories` -------------------------------------
def select_stories(rows: Iterable[Mapping[str, Any]], words: str = "", keep: set[str] | None = None,
                   sort: str = "recency") -> list[Mapping[str, Any]]:
    """Story summary rows whose title or summary holds every word (and whose id is in `keep`, when given), sorted by
    `sort`: size, conflicts, independent (origins) or recency (the default)."""
    rows = list(rows)
    if words.strip():
        terms = words.lower().split()
        rows = [r for r in rows if all(t in f"{r['title'] or ''} {r['summary'] or ''}".lower() for t in terms)]
    if keep is not None:
        rows = [r for r in rows if r["id"] in keep]
    if sort == "size":
        rows.sort(key=lambda r: (-(r["n_articles"] or 0), r["last_published"] or ""))
    elif sort == "conflicts":
        rows.sort(key=lambda r: (-(r["n_conflicts"] or 0), -(r["n_articles"] or 0)))
    elif sort == "independent":
        rows.sort(key=lambda r: (-(r["n_independent"] or 0), -(r["n_articles"] or 0)))
    else:
        rows.sort(key=lambda r: r["last_published"] or "", reverse=True)
    return rows


def report_entry(store: Any, story_id: str | None) -> dict[str, Any] | None:
    """A stored story in its report form (the JSON report's `stories[]` item), which every view renders; None when
    there is no such story or its stages have not run."""
    return store.story_report(story_id) if story_id else None


def entity_index(store: Any) -> dict[str, set[str]]:
    """entity -> ids of the stories that name it: the entities stage's actors (label, aliases and key), origins,
    speakers, and the capitalised names of titles, summaries and article leads (for stories stored before it)."""
    by_story: dict[str, set[str]] = {}
    for sid in store.story_ids():
        story = store.get_story(sid)
        if story is None:  # stages not run (yet): only its articles' leads name it (below)
            by_story[sid] = set()
            continue
        ents = entities(f"{story.title}. {story.summary}")
        for o in story.origins or []:
            ents.add(" ".join(o.name.lower().split()))
        for c in story.claims or []:
            if c.speaker:
                ents.add(speaker_name(c.speaker))
        for e in story.entities or []:
            ents.update(" ".join(n.lower().split()) for n in [e.label, *e.aliases] if n)
            if ":" in e.key:
                ents.add(e.key.split(":", 1)[1])
        by_story[sid] = ents
    rows = store.conn.execute(
        "SELECT sa.story_id, a.title, substr(json_extract(a.data, '$.text'), 1, 1500) FROM story_articles sa "
        "JOIN articles a ON a.id = sa.article_id"
    )
    for sid, title, text in rows:
        by_story.setdefault(sid, set()).update(entities(f"{title or ''}. {text or ''}"))
    inverted: dict[str, set[str]] = {}
    for sid, ents in by_story.items():
        for e in ents:
            if e:
                inverted.setdefault(e, set()).add(sid)
    return inverted


def stories_with_entity(index: Mapping[str, set[str]], entity: str) -> set[str]:
    """Stories naming `entity`: an exact name, or (past three letters) any name that contains it."""
    ent = " ".join(entity.lower().split())
    if ent in index and len(ent) <= 3:
        return set(index[ent])
    out: set[str] = set()
    for name, ids in index.items():
        if name == ent or (len(ent) > 3 and ent in name):
            out |= ids
    return out
