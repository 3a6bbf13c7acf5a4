"""`wiretrace align`: the sentence alignment of two files, or paraphrase labels for a TSV of pairs.

Register with `app.command("align")(align_command)`.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from wiretrace.commands.output import OK, USAGE, error, for_terminal, out


class UnreadableFile(Exception):
    pass


def _read_article(path: str | Path):
    """Read and clean one file like `analyze` does; an unreadable file is an error, never guessed at."""
    from wiretrace.commands.settings import new_context
    from wiretrace.fetch.read import read_inputs
    from wiretrace.ingest import ReadError
    from wiretrace.pipeline import clean_batch

    items = list(read_inputs([str(path)], None))
    articles = [i for i in items if not isinstance(i, ReadError)]
    if not articles:
        errors = [str(i) for i in items if isinstance(i, ReadError)] or [f"{path}: no article found"]
        raise UnreadableFile("; ".join(errors))
    return clean_batch(articles[:1], new_context(), through="analyse")[0]


def alignment_json(
    text_a: str, text_b: str, embedder, id_a: str = "a", id_b: str = "b",
    languages: tuple[str | None, str | None] = (None, None),
) -> dict[str, Any]:
    """The alignment of two texts as a JSON-ready dict (pairs carry both sentences).

    Texts in two different (known) languages, or both in a language the sentence embedder does not read, take the
    story path's multilingual alignment.
    """
    from dataclasses import asdict

    from wiretrace.align import across_languages, align_texts
    from wiretrace.commands.settings import new_context, run_config

    settings = run_config().align
    multilingual = new_context().multilingual_embedder() if across_languages(languages, settings) else None
    al, sents_a, sents_b, cross = align_texts(text_a, text_b, embedder, id_a, id_b, languages, multilingual,
                                              settings=settings)
    where = "across languages" if languages[0] != languages[1] else "multilingual model"
    used = f"{embedder.name} + {multilingual.name} ({where})" if cross else embedder.name
    return {
        "a": id_a,
        "b": id_b,
        "languages": list(languages),
        "embedder": used,
        "sentences_a": len(sents_a),
        "sentences_b": len(sents_b),
        "share_a": al.share_a,
        "share_b": al.share_b,
        "pairs": [
            {**asdict(p), "text_a": sents_a[p.a], "text_b": sents_b[p.b]} for p in al.pairs
        ],
        "passages": [asdict(p) for p in al.passages],
    }


def pairs_jsonl(lines: list[str], embedder) -> list[dict[str, Any]]:
    """One result per `text_a<TAB>text_b` line: label verbatim|paraphrase|none, paraphrase yes/no, score."""
    import numpy as np

    from wiretrace.align.features import family_of, load_classifier, prepare
    from wiretrace.align.pairs import label_pair

    rows = []
    for n, line in enumerate(lines, 1):
        line = line.rstrip("\r\n")
        if not line.strip():
            continue
        if "\t" not in line:
            rows.append({"line": n, "error": "expected text_a<TAB>text_b"})
            continue
        a, b = line.split("\t", 1)
        rows.append({"line": n, "a": a, "b": b})
    ok = [r for r in rows if "error" not in r]
    if ok:
        ea = embedder.encode([r["a"] for r in ok])
        eb = embedder.encode([r["b"] for r in ok])
        cos = (np.asarray(ea) * np.asarray(eb)).sum(axis=1)
        clf = load_classifier(family_of(embedder))
        for r, c in zip(ok, cos, strict=True):
            label, score = label_pair(prepare(r.pop("a")), prepare(r.pop("b")), float(c), clf)
            r.update({"label": label or "none", "paraphrase": label is not None, "score": round(score, 4)})
    return rows


def align_command(
    files: Annotated[list[str] | None, typer.Argument(metavar="FILE_OR_URL",
                                                      help="Two article files (or URLs) to align.")] = None,
    pairs: Annotated[
        Path | None, typer.Option("--pairs", help="TSV file, one text_a<TAB>text_b per line: prints one JSON line each.")
    ] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print the alignment as JSON.")] = False,
) -> None:
    """Align the sentences of two articles, or label sentence pairs as paraphrases.

    \b
    Examples:
      wiretrace align a.txt b.html --json
      wiretrace align --pairs pairs.tsv
    """
    from wiretrace.commands.settings import new_context
    from wiretrace.fetch import is_url

    embedder = new_context().embedder()
    if pairs is not None:
        if not pairs.exists():
            error(f"{pairs}: no such file")
            raise typer.Exit(USAGE)
        with pairs.open(encoding="utf-8-sig", errors="replace") as fh:
            for row in pairs_jsonl(fh.readlines(), embedder):
                sys.stdout.write(json.dumps(row, ensure_ascii=False) + "\n")
        raise typer.Exit(OK)
    files = files or []
    if len(files) != 2:
        error("give exactly two files (or --pairs FILE.tsv)")
        raise typer.Exit(USAGE)
    for f in files:
        if not is_url(f) and not Path(f).exists():
            error(f"{f}: no such file")
            raise typer.Exit(USAGE)
    try:
        art_a, art_b = _read_article(files[0]), _read_article(files[1])
    except UnreadableFile as exc:
        error(exc)
        raise typer.Exit(USAGE) from None
    result = alignment_json(art_a.text, art_b.text, embedder, str(files[0]), str(files[1]),
                            (art_a.language, art_b.language))
    if json_out:
        sys.stdout.write(json.dumps(result, ensure_ascii=False, indent=1) + "\n")
    else:
        out.print(for_terminal(f"{result['a']} <-> {result['b']}: {len(result['pairs'])} aligned sentences "
                               f"({result['share_a']:.0%} of a, {result['share_b']:.0%} of b)"))
        for p in result["pairs"]:
            out.print(for_terminal(f"[{p['label']} {p['score']:.2f}] a{p['a']}: {p['text_a']}"))
            out.print(for_terminal(f"{'':>20} b{p['b']}: {p['text_b']}"))
    raise typer.Exit(OK)
