"""The order of the stages, and the context they share.

Stages are pure: they take model objects and a `Context` and return model
objects. They never touch the store, files or the terminal, so the same
stage runs in-process, in a test, or inside a Ray task (see `executors`).

- article stages: `list[Article] -> list[Article]` (clean works on a batch
  so it can see lines that repeat across one outlet's pages);
- the cluster stage: new articles + persisted state -> story assignments;
- story stages: `(Story, {id: Article}, Context) -> Story`, each filling its
  own fields of the Story (align -> provenance -> claims), like spaCy
  components filling one Doc.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from wiretrace.config import Config
from wiretrace.model import Article, Story

ArticleStage = Callable[[list[Article], "Context"], list[Article]]
StoryStage = Callable[[Story, Mapping[str, Article], "Context"], Story]


@dataclass
class Context:
    """Config plus lazily loaded models, loaded once per process."""

    config: Config = field(default_factory=Config)
    _cache: dict[str, Any] = field(default_factory=dict)

    def embedder(self):  # -> Embedder
        if "embedder" not in self._cache:
            from wiretrace.text.embed import get_embedder

            self._cache["embedder"] = get_embedder(self.config.embedder)
        return self._cache["embedder"]

    def cached(self, key: str, factory: Callable[[], Any]) -> Any:
        if key not in self._cache:
            self._cache[key] = factory()
        return self._cache[key]

    def __getstate__(self) -> dict[str, Any]:
        # Models are reloaded inside each worker, never pickled.
        return {"config": self.config, "_cache": {}}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.config = state["config"]
        self._cache = {}


def article_stages() -> list[tuple[str, ArticleStage]]:
    from wiretrace.clean import clean_articles

    return [("clean", clean_articles)]


def story_stages() -> list[tuple[str, StoryStage]]:
    """The story stages that exist; a stage not built yet is simply absent."""
    stages: list[tuple[str, StoryStage]] = []
    from wiretrace import align, claims, provenance

    for name, module in (("align", align), ("provenance", provenance), ("claims", claims)):
        run = getattr(module, "run", None)
        if run is not None:
            stages.append((name, run))
    return stages


def run_story_stages(story: Story, articles: Mapping[str, Article], ctx: Context) -> Story:
    for _name, stage in story_stages():
        story = stage(story, articles, ctx)
    return story
