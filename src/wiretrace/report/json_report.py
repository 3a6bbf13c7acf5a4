"""The JSON report: model objects in the report contract, validated against it.

The contract is documented in docs/report-format.md; fields are only ever added. Each object serialises itself
(`Article.to_report`, `Story.to_report`, the form the store keeps too); this module assembles and checks.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from wiretrace import __version__
from wiretrace.model import Article, Story

SCHEMA_PATH = Path(__file__).with_name("report.schema.json")


def build_report(
    articles: list[Article],
    stories: list[Story | dict[str, Any]],
    errors: list[dict[str, str]],
    run: dict[str, Any],
) -> dict[str, Any]:
    """The JSON report: articles and stories as the model serialises them (`Article.to_report`, `Story.to_report`);
    a story may come already in that form (`Store.story_report`, what the store keeps)."""
    return {
        "wiretrace_version": __version__,
        "generated": datetime.now(UTC).isoformat(timespec="seconds"),
        "run": run,
        "errors": errors,
        "articles": [a.to_report() for a in articles],
        "stories": [s.to_report() if isinstance(s, Story) else s for s in stories],
    }


@lru_cache(maxsize=1)
def schema() -> dict[str, Any]:
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def _compiled() -> Callable[[Any], Any]:
    import fastjsonschema

    return fastjsonschema.compile(schema())


def validate(report: dict[str, Any]) -> None:
    """Raise jsonschema.ValidationError when the report breaks the contract.

    Checked by the schema compiled to Python (fastjsonschema: 0.17 s for a 1,000-article report where jsonschema
    takes 2.3 s); only a report it refuses goes through jsonschema, for its clearer message."""
    import fastjsonschema
    import jsonschema

    try:
        _compiled()(report)
    except fastjsonschema.JsonSchemaException as exc:
        jsonschema.validate(report, schema())
        raise jsonschema.ValidationError(str(exc)) from exc  # jsonschema found nothing: the refusal stands
    ids = {a["id"] for a in report["articles"]}
    for story in report["stories"]:
        missing = [aid for aid in story["article_ids"] if aid not in ids]
        if missing:
            raise jsonschema.ValidationError(f"story {story['id']} names articles not in the report: {missing}")


def write_json(report: dict[str, Any], path: Path) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
    tmp.replace(path)
