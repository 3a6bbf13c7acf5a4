"""Self-contained HTML report (no network needed to view it: inline CSS and SVG, no script).

Rendered with Jinja2 autoescaping: article text is untrusted everywhere. The story view
comes from `templates/story_macros.html.j2`, the same macros the web app's story page uses.
The page is rendered as a stream (`Template.generate`) from iterables of stories and article texts, so a report over
a large store is written in the memory of one story; a report held whole goes through the same template.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader

from wiretrace.report.views import actor_rows, claim_rows, label_article_ids, provenance_graph, timeline_chart

TEMPLATES = Path(__file__).with_name("templates")


def environment(extra: list[Path] | None = None) -> Environment:
    """A Jinja2 environment that escapes every template (also the .css include and the web app's pages)."""
    paths = [str(p) for p in (extra or [])] + [str(TEMPLATES)]
    env = Environment(loader=FileSystemLoader(paths), autoescape=True, trim_blocks=True, lstrip_blocks=True)
    env.filters["labelled"] = label_article_ids
    return env


def _anchor(aid: str) -> str:
    return "#article-" + aid


def story_view(story: Mapping[str, Any], articles: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """Graph layout, claim rows, timeline and actors of one story (the view models the web app's story page uses);
    `articles` needs to hold only the story's own articles."""
    return {"story": story, "articles": articles, "graph": provenance_graph(story, articles, href="#article-"),
            "claims": claim_rows(story, articles), "timeline": timeline_chart(story, articles),
            "actors": actor_rows(story, articles)}


def nav_row(story: Mapping[str, Any]) -> dict[str, Any]:
    """The table of contents' line for a story (what `Store.story_summaries` gives without reading the story)."""
    return {"id": story["id"], "title": story.get("title") or "", "n_articles": len(story["article_ids"]),
            "n_conflicts": len(story.get("conflicts") or ())}


def render_parts(head: Mapping[str, Any], nav: list[Mapping[str, Any]],
                 stories: Iterable[tuple[Mapping[str, Any], Mapping[str, Mapping[str, Any]]]],
                 texts: Iterable[Mapping[str, Any]]) -> Iterator[str]:
    """The page, piece by piece: `head` is the report without its lists, `nav` one `nav_row` per story, `stories`
    each story with its own articles (in nav's order), `texts` every article once."""
    views = (story_view(story, articles) for story, articles in stories)
    return environment().get_template("report.html.j2").generate(
        report=head, nav=nav, views=views, texts=texts, href=_anchor)


def render_report(report: dict[str, Any]) -> str:
    articles = {a["id"]: a for a in report["articles"]}
    head = {k: v for k, v in report.items() if k not in {"articles", "stories"}}
    return "".join(render_parts(head, [nav_row(s) for s in report["stories"]],
                                ((s, articles) for s in report["stories"]), report["articles"]))


def write_html_parts(path: Path, parts: Iterable[str]) -> None:
    """Write a page as it is rendered; moved into place only when complete."""
    tmp = path.with_suffix(path.suffix + ".tmp")
    try:
        with open(tmp, "w", encoding="utf-8") as out:
            out.writelines(parts)
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)


def write_html(report: dict[str, Any], path: Path) -> None:
    write_html_parts(path, [render_report(report)])
