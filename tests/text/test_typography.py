"""Where quotation marks put words (text/quotes.py) and where sentences end (text/sentences.py), in the typographic
styles news is written in."""

from __future__ import annotations

import pytest

from wiretrace.text.quotes import quoted_fractions, quoted_words
from wiretrace.text.sentences import split_spans


def shares(text: str) -> list[float]:
    return [round(x, 2) for x in quoted_fractions(text, split_spans(text))]


@pytest.mark.parametrize("text", [
    "Evans: „Tatsächlich, ich höre ein Knacken!“ Er wurde am Montag in Wasilla verhaftet.",  # German „…“
    "Il a dit: « Nous voulons un accord. » Le ministre est parti lundi soir.",  # French « … »
    "Уолтон сказав: «Це буде більше однієї». Репортер повідомив про це ввечері.",  # Ukrainian «…»
    'He said "we want a deal for all." The minister left on Monday evening.',  # straight quotes
])
def test_a_closed_quotation_leaves_the_next_sentence_unquoted(text):
    first, second = shares(text)
    assert first > 0.5 and second == 0.0


def test_a_stray_straight_quote_after_a_letter_opens_nothing():
    text = ('"It will be more than one," said Walton on the Lakers" official website. '
            "Lakers reporter Mike Trudell tweeted that James will likely play limited minutes.")
    assert shares(text)[1] == 0.0


def test_a_quotation_of_several_sentences_marks_the_middle_ones_until_the_line_ends():
    text = "He said “we want a deal. It is close. We will sign.” Then he left.\nNext “paragraph"
    assert shares(text)[:4] == [pytest.approx(0.7, abs=0.1), 1.0, 1.0, 0.0]


def test_quoted_words_follow_the_same_marks():
    assert quoted_words("Rogers: „Das ist ein Geigerzähler“, sagte er.") == {"das", "ist", "ein", "geigerzahler"}
    assert quoted_words("他说「这是真的」。然后离开了。") == {"这是真的"}
    assert quoted_words("the Lakers\" official website") == set()


def test_sentences_end_at_a_devanagari_danda():
    """blingfire ignores the danda (।), so a Hindi article used to be a handful of paragraph-long 'sentences' that
    no English sentence could align with."""
    text = "राम घर गया। सीता बाजार गई। वे खुश थे।\n\nदूसरा अनुच्छेद॥ अंत"
    assert [text[a:b] for a, b in split_spans(text)] == [
        "राम घर गया।", "सीता बाजार गई।", "वे खुश थे।", "दूसरा अनुच्छेद॥", "अंत"]


def test_chinese_sentences_count_their_words_by_characters():
    """Chinese writes no spaces: a sentence is one or two `words` runs, so no Chinese sentence reached the four words
    a sentence needs to be compared, and no Chinese translation was ever aligned."""
    from wiretrace.analysis import MIN_WORDS
    from wiretrace.text.normalize import text_length, word_count

    zh = "盖革发明了一种检测和测量放射性的方法，并最终发明了盖革计数器。"
    en = "Geiger developed a method for detecting and measuring radioactivity, an invention that eventually became the Geiger counter."
    assert word_count(zh) >= MIN_WORDS and word_count("Support SouthFront") < MIN_WORDS
    assert word_count(en) == len(en.split())
    assert 0.5 <= text_length(zh) / text_length(en) <= 2.0  # comparable lengths, as translations are
