"""Config and the per-stage settings: the defaults are the values the stages had as module constants, a setting
changes what its stage computes, the TOML loader refuses what it cannot read, stored pair results never mix
settings, and the whole Config still pickles (Ray, process pools)."""

from __future__ import annotations

import dataclasses
import json
import pickle
import tomllib
from dataclasses import asdict, replace
from pathlib import Path

import pytest

from wiretrace.align.settings import AlignSettings
from wiretrace.claims.settings import ClaimsSettings
from wiretrace.clean.settings import CleanSettings
from wiretrace.cluster.settings import ClusterSettings
from wiretrace.config import Config, ConfigError
from wiretrace.fetch.settings import FetchConfig
from wiretrace.model import Article, Story
from wiretrace.pipeline import Context
from wiretrace.provenance.settings import ProvenanceSettings

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "docs" / "settings.example.toml"
STAGES = {"clean": CleanSettings, "cluster": ClusterSettings, "align": AlignSettings,
          "provenance": ProvenanceSettings, "claims": ClaimsSettings}
ENV = ("WIRETRACE_EMBEDDER", "WIRETRACE_MULTILINGUAL_EMBEDDER", "WIRETRACE_SPACY", "WIRETRACE_DEVICE",
       "WIRETRACE_TOKEN")

# The module constants (and Config fields) these settings replaced, with the values they had.
OLD = {
    AlignSettings: {
        "all_pairs_max": 40, "min_shared_trigrams": 2, "trigram_posting_max": 50, "wide_partners": 3, "top_k": 3,
        "verbatim_ratio": 95.0, "min_pair_content": 2, "min_shared_content": 3, "story_threshold": 0.5,
        "story_cos": 0.78, "story_cos_min_prob": 0.15, "max_gap": 1, "weights": "", "xl_cos": 0.55,
        "xl_cos_e5": 0.85, "xl_min_share": 0.5, "xl_min_len_ratio": 0.5, "english_share": 0.25,
        "xl_margin": 1.02, "xl_margin_k": 4, "xl_floor_e5": 0.82, "embedder_languages": "en",
    },
    ProvenanceSettings: {
        "min_pairs": 2, "min_share": 0.3, "strong_score": 0.7, "min_strong": 3, "strong_share": 0.15,
        "quote_share": 0.6, "quoted": 0.5, "min_primary": 1.5, "same_text_share": 0.5,
    },
    ClaimsSettings: {
        "min_group_score": 0.5, "min_words": 6, "max_words": 90, "cos_floor": 0.45, "block": 2048,
        "max_dense": 3000, "max_bound_texts": 200, "attribution_weights": "",
        "parse_batch": 16,  # new in stop 29 (spaCy's own default batch was used before)
    },
    ClusterSettings: {
        "xl_candidates": 8, "query_terms": 24, "term_candidates": 40, "lsh_candidates": 20, "prefetch": 256,
        "weights": "", "merge_check": True,  # on since stop 32 (RESULTS-cluster "Merges on one article's word")
    },
    CleanSettings: {"block_classifier": False, "blocks_weights": "", "max_blocks": 30_000},
}


@pytest.fixture
def no_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ENV:
        monkeypatch.delenv(name, raising=False)


# -- defaults ---------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("cls", list(OLD), ids=lambda c: c.__name__)
def test_defaults_are_the_old_constants(cls) -> None:
    assert asdict(cls()) == OLD[cls]
    params = cls.__dataclass_params__
    assert params.frozen and "__slots__" in cls.__dict__
    with pytest.raises(dataclasses.FrozenInstanceError):
        cls().__setattr__(next(iter(OLD[cls])), 1)


def test_config_holds_one_settings_object_per_stage() -> None:
    c = Config()
    for name, cls in STAGES.items():
        assert getattr(c, name) == cls()
    assert not any(hasattr(c, gone) for gone in ("attribution_weights", "html_block_classifier",
                                                  "html_blocks_weights"))


def test_config_still_pickles_with_its_settings() -> None:
    c = Config(embedder="lexical", align=AlignSettings(story_threshold=0.9),
               claims=ClaimsSettings(attribution_weights="rules"), clean=CleanSettings(block_classifier=True))
    c.fetch.delay = 3.0
    back = pickle.loads(pickle.dumps(c))
    assert back == c and back.align.story_threshold == 0.9 and back.fetch.delay == 3.0
    ctx = pickle.loads(pickle.dumps(Context(c)))
    assert ctx.config == c


# -- a setting changes its stage's result -----------------------------------------------------------------------
def _two_articles() -> dict[str, Article]:
    a = Article(source="a", id="a", text="The harbour board approved the new pier on Monday after a long dispute "
                "with fishermen. Officials said work will begin in September.")
    b = Article(source="b", id="b", text="After a long dispute with fishermen, the harbour board on Monday approved "
                "the new pier. Construction is set to start in September, officials said.")
    return {"a": a, "b": b}


def _aligned_pairs(config: Config) -> list:
    import wiretrace.align as align

    arts = _two_articles()
    story = align.run(Story(id="s", article_ids=["a", "b"]), arts, Context(config))
    return [p for al in story.alignments for p in al.pairs]


def test_a_higher_align_story_threshold_drops_a_paraphrase_pair() -> None:
    pairs = _aligned_pairs(Config(embedder="lexical"))
    assert [(p.a, p.b, p.label) for p in pairs] == [(0, 0, "paraphrase")] and pairs[0].score < 0.99
    assert _aligned_pairs(Config(embedder="lexical", align=AlignSettings(story_threshold=0.99))) == []


def test_provenance_settings_reach_the_pair_rules() -> None:
    from wiretrace.model import Alignment, SentencePair
    from wiretrace.provenance.graph import PairInfo, is_quote_pair

    pairs = [SentencePair(0, 0, "paraphrase", 0.8), SentencePair(1, 1, "paraphrase", 0.8)]
    info = PairInfo(Alignment(a="a", b="b", pairs=pairs), pairs, 4, 5)
    assert info.significant(ProvenanceSettings())  # 2 pairs, half of the shorter article
    assert not info.significant(ProvenanceSettings(min_pairs=3))
    a, b = '"We will rebuild the pier," Quell said on Monday.', '"We will rebuild the pier," Quell told reporters.'
    assert is_quote_pair(a, b) and not is_quote_pair(a, b, ProvenanceSettings(quote_share=1.01))


def test_clean_settings_choose_the_extractor() -> None:
    from wiretrace.clean import extractor_for
    from wiretrace.clean.html import BlockExtractor, TrafilaturaExtractor

    assert isinstance(extractor_for(Config()), TrafilaturaExtractor)
    ex = extractor_for(Config(clean=CleanSettings(block_classifier=True, max_blocks=7)))
    assert isinstance(ex, BlockExtractor) and ex.max_blocks == 7


def test_cluster_weights_setting_is_the_model_assign_uses(tmp_path: Path) -> None:
    from wiretrace.cluster import ClusterState, assign
    from wiretrace.cluster.incremental import _WEIGHTS

    text = ("Harbour board approves new pier after long dispute with fishermen. The harbour board of Tammer voted "
            "on Monday to build a new pier, ending a dispute with fishermen that lasted two years.")
    arts = [Article(source=f"{k}", id=f"x{k}", text=text + f" Reported by outlet {k}.") for k in range(2)]

    def stories(config: Config) -> int:
        update = assign(arts, ClusterState.empty(), Context(config))
        return len(set(update.assignments.values()))

    assert stories(Config(embedder="lexical")) == 1
    never = json.loads(_WEIGHTS.read_text())
    for model in ("lexical", "embedding"):
        never[model]["threshold"] = never[model]["merge_threshold"] = 1.01  # P(same story) never reaches it
    path = tmp_path / "cluster.json"
    path.write_text(json.dumps(never))
    assert stories(Config(embedder="lexical", cluster=ClusterSettings(weights=str(path)))) == 2


# -- pair results never mix settings ----------------------------------------------------------------------------
def test_pair_version_is_unchanged_for_defaults_and_differs_otherwise(tmp_path: Path) -> None:
    from wiretrace.align import ALIGN_VERSION, pair_version
    from wiretrace.analysis import ANALYSIS_VERSION

    old = f"a{ANALYSIS_VERSION}.p{ALIGN_VERSION}.minilm"  # what stores hold today
    assert pair_version("minilm") == pair_version("minilm", AlignSettings()) == old
    changed = pair_version("minilm", AlignSettings(story_threshold=0.6))
    assert changed != old and changed.startswith(old + ".s")
    assert changed == pair_version("minilm", AlignSettings(story_threshold=0.6))  # stable
    assert pair_version("minilm", AlignSettings(top_k=4)) not in (old, changed)
    # which pairs a story computes does not change any pair's result: those settings keep the stored pairs
    assert pair_version("minilm", AlignSettings(all_pairs_max=10, wide_partners=5)) == old
    # a weights file is named by its bytes: refitting it in place gives another version
    w = tmp_path / "paraphrase.json"
    w.write_text("{}")
    first = pair_version("minilm", AlignSettings(weights=str(w)))
    w.write_text('{"refit": 1}')
    assert first != pair_version("minilm", AlignSettings(weights=str(w))) and first != old


def test_claims_parse_name_records_only_non_default_parse_settings() -> None:
    from wiretrace.claims import _parser_name
    from wiretrace.claims.attribution_model import VERSION

    plain = f"rules/attr{VERSION}"  # the attribution output's version: a new one re-parses stored articles
    assert _parser_name(False, Context(Config())) == plain
    assert _parser_name(False, Context(Config(claims=ClaimsSettings(min_group_score=0.9)))) == plain
    other = _parser_name(False, Context(Config(claims=ClaimsSettings(min_words=8))))
    assert other.startswith(plain + ".s") and other != plain


# -- the TOML file ------------------------------------------------------------------------------------------------
def test_from_file_reads_top_level_fields_and_one_table_per_stage(tmp_path: Path, no_env) -> None:
    path = tmp_path / "wiretrace.toml"
    path.write_text('embedder = "lexical"\nsingleton_claims = false\nmax_story_seconds = 60\n'
                    '[align]\nstory_threshold = 0.6\nweights = "/tmp/p.json"\n'
                    '[cluster]\nquery_terms = 30\n[clean]\nblock_classifier = true\n'
                    '[provenance]\nmin_primary = 2\n[claims]\nattribution_weights = "rules"\n[fetch]\ndelay = 2\n')
    c = Config.from_file(path)
    assert c == Config(embedder="lexical", singleton_claims=False, max_story_seconds=60.0,
                       align=AlignSettings(story_threshold=0.6, weights="/tmp/p.json"),
                       cluster=ClusterSettings(query_terms=30), clean=CleanSettings(block_classifier=True),
                       provenance=ProvenanceSettings(min_primary=2.0),
                       claims=ClaimsSettings(attribution_weights="rules"), fetch=FetchConfig(delay=2.0))
    assert isinstance(c.max_story_seconds, float) and isinstance(c.provenance.min_primary, float)
    assert Config.from_file(tmp_path / "wiretrace.toml").align.top_k == 3  # what the file leaves out is default


def test_a_file_key_wins_over_its_environment_variable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WIRETRACE_DEVICE", "cuda")
    path = tmp_path / "w.toml"
    path.write_text('device = "cpu"\n')
    assert Config.from_file(path).device == "cpu"
    path.write_text("")
    assert Config.from_file(path).device == "cuda"


@pytest.mark.parametrize(("text", "key", "says"), [
    ("embedding = 'lexical'\n", "embedding", "unknown key"),
    ("[align]\nstory_treshold = 0.6\n", "align.story_treshold", "unknown key"),
    ("[alignment]\ntop_k = 3\n", "alignment", "unknown key"),
    ("[align]\nstory_threshold = 'high'\n", "align.story_threshold", "must be a number, got a string"),
    ("[align]\ntop_k = 3.5\n", "align.top_k", "must be an integer, got a number"),
    ("[align]\ntop_k = true\n", "align.top_k", "must be an integer, got a boolean"),
    ("[clean]\nblock_classifier = 1\n", "clean.block_classifier", "must be true or false"),
    ("[claims]\nattribution_weights = 0\n", "claims.attribution_weights", "must be a string"),
    ("reference_date = 2024\n", "reference_date", "must be a string"),
    ("align = 3\n", "align", "must be a table"),
    ("[embedder]\nname = 'x'\n", "embedder", "must be a string, got a table"),
    ("[fetch]\nrobots = 'yes'\n", "fetch.robots", "must be true or false"),
])
def test_from_file_refuses_unknown_keys_and_wrong_types(tmp_path: Path, text: str, key: str, says: str) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(ConfigError) as err:
        Config.from_file(path)
    msg = str(err.value)
    assert msg.startswith(f"{path}: ") and f"'{key}'" in msg and says in msg and "\n" not in msg


def test_from_file_refuses_a_file_that_is_not_toml(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text("[align\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        Config.from_file(path)
    with pytest.raises(ConfigError, match="cannot read"):
        Config.from_file(tmp_path / "missing.toml")


def test_the_example_file_lists_every_setting_with_its_default(no_env) -> None:
    assert Config.from_file(EXAMPLE) == Config()
    data = tomllib.loads(EXAMPLE.read_text(encoding="utf-8"))
    for name, cls in {**STAGES, "fetch": FetchConfig}.items():
        listed = set(data[name])
        commented = {"user_agent"} if cls is FetchConfig else set()  # holds the version: shown as a comment
        assert listed | commented == {f.name for f in dataclasses.fields(cls)}, name
        assert not listed & commented
    text = EXAMPLE.read_text(encoding="utf-8")
    unset = {f.name for f in dataclasses.fields(Config) if getattr(Config(), f.name) is None}
    assert unset == {"reference_date", "web_token"}
    assert all(f"# {name} = " in text for name in unset | {"user_agent"})  # None has no TOML spelling: commented
    top = {f.name for f in dataclasses.fields(Config)} - unset - set(STAGES) - {"fetch"}
    assert {k for k, v in data.items() if not isinstance(v, dict)} == top


def test_settings_are_replaced_not_mutated() -> None:
    c = Config()
    c.align = replace(c.align, story_threshold=0.7)
    assert c.align.story_threshold == 0.7 and AlignSettings().story_threshold == 0.5
