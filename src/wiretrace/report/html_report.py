"""Self-contained HTML report (no network needed to view it: inline CSS and SVG, no script).

Rendered with Jinja2 autoescaping: article text is untrusted everywhere. The story view
comes from `templates/story_macros.html.j2`, the same macros the web app's story page uses.
"""

from __future__ import annotations

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


def story_views(stories: list[dict[str, Any]], articles: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    """Graph layout and claim rows for each story (the same view models the web app's story page uses)."""
    return [
        {"story": s, "graph": provenance_graph(s, articles, href="#article-"), "claims": claim_rows(s, articles),
         "timeline": timeline_chart(s, articles), "actors": actor_rows(s, articles)}
        for s in stories
    ]


def render_report(report: dict[str, Any]) -> str:
    articles = {a["id"]: a for a in report["articles"]}
    views = story_views(report["stories"], articles)
    return environment().get_template("report.html.j2").render(
        report=report, articles=articles, views=views, href=_anchor
    )


def write_html(report: dict[str, Any], path: Path) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(render_report(report), encoding="utf-8")
    tmp.replace(path)
