"""Read PolNeAR (brat standoff) into plain spans, with a held-out split by file hash.

Kept apart from the benchmark so the fitting script uses the same reader and split.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_DIR = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "attribution" / "polnear" / "train"

Span = tuple[int, int]


@dataclass
class GoldAttribution:
    source: Span | None
    cue: Span | None
    content: Span | None


@dataclass
class Doc:
    name: str
    text: str
    gold: list[GoldAttribution] = field(default_factory=list)


def is_heldout(name: str, buckets: int = 5) -> bool:
    """One file in five is held out, chosen by a hash of its name (stable, not tuned)."""
    return int(hashlib.sha1(name.encode("utf-8")).hexdigest(), 16) % buckets == 0


def _span(spec: str) -> Span:
    # Discontinuous spans ("10 20;25 30") are scored as their covering span.
    parts = [tuple(map(int, p.split())) for p in spec.split(";")]
    return (min(p[0] for p in parts), max(p[1] for p in parts))


def read_ann(path: Path) -> list[GoldAttribution]:
    spans: dict[str, tuple[str, Span]] = {}
    events: list[dict[str, str]] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        parts = line.split("\t")
        if len(parts) < 2 or parts[0][:1] not in ("T", "E") or not parts[0][1:].isdigit():
            continue
        if parts[0].startswith("T"):
            typ, _, spec = parts[1].partition(" ")
            spans[parts[0]] = (typ, _span(spec))
        else:
            roles = dict(r.split(":", 1) for r in parts[1].split() if ":" in r)
            events.append(roles)
    out: list[GoldAttribution] = []
    for roles in events:
        found = [spans[roles[r]][1] if roles.get(r) in spans else None for r in ("Source", "Cue", "Content")]
        out.append(GoldAttribution(*found))
    return out


def load(root: Path = DEFAULT_DIR, split: str = "test", limit: int | None = None) -> list[Doc]:
    """split: "test" (held-out fifth), "train" (the rest) or "all"; one annotator per text (first by name)."""
    root = Path(root)
    docs: list[Doc] = []
    seen: set[str] = set()
    for ann in sorted((root / "attributions").glob("*.ann")):
        name = ann.stem.rsplit("_", 1)[0]
        if name in seen:
            continue
        seen.add(name)
        held = is_heldout(name)
        if (split == "test" and not held) or (split == "train" and held):
            continue
        text = (root / "text" / f"{name}.txt").read_bytes().decode("utf-8")
        docs.append(Doc(name, text, read_ann(ann)))
        if limit and len(docs) >= limit:
            break
    return docs
