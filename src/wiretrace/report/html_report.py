"""Self-contained HTML report (no network needed to view it).

Rendered with Jinja2 autoescaping: article text is untrusted everywhere.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape

TEMPLATES = Path(__file__).with_name("templates")


def environment() -> Environment:
    return Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        autoescape=select_autoescape(["html", "j2"], default=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )


def render_report(report: dict[str, Any]) -> str:
    articles = {a["id"]: a for a in report["articles"]}
    return environment().get_template("report.html.j2").render(report=report, articles=articles)


def write_html(report: dict[str, Any], path: Path) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(render_report(report), encoding="utf-8")
    tmp.replace(path)
