"""Quoting evidence windows and declining near-misses, on a small report with the lexical fake embedder."""

from __future__ import annotations

import pytest
from fakes import FakeEmbedder

from assistant import store
from assistant.answer import Answerer

REPORT = """Northshire County Council: local authority assessment
Safeguarding
Score: 2
2 - Evidence shows some shortfalls
Key findings for this quality statement
Flooding
A care home in Northshire was badly flooded by heavy rain in the winter. The council moved every resident to a \
sister home within a day. Leaders later wrote an emergency placement flow chart.
Spending
The council estimated it would spend £12,000,000 on adult social care in 2022/23.
Night cover
Two social workers were on shift overnight at the hospital hub. The hub was run by the Northshire Care Trust.
Meetings
The safeguarding board met to review the flood response. It agreed a new protocol for evacuations.
"""


@pytest.fixture(scope="module")
def answerer(tmp_path_factory):
    from assistant.settings import Settings

    root = tmp_path_factory.mktemp("quotes")
    (root / "corpus").mkdir()
    (root / "corpus" / "northshire.txt").write_text(REPORT, encoding="utf-8")
    s = Settings(corpus_dir=root / "corpus", index_dir=root / "index", abstain_below=0.1)
    store.build(s, FakeEmbedder())
    return Answerer(store.load(s), FakeEmbedder(), s)


def test_the_quote_runs_on_to_the_fact_after_the_sentence_that_introduces_it(answerer):
    a = answerer.ask("What happened after the care home was flooded by heavy rain in Northshire?")
    assert not a.abstained
    assert "moved every resident to a sister home within a day" in a.citations[0].quote


def test_a_figure_for_another_period_or_group_is_not_an_answer(answerer):
    estimate = "How much did Northshire estimate it would spend on adult social care in {}?"
    assert not answerer.ask(estimate.format("2022/23")).abstained
    assert answerer.ask(estimate.format("2019/20")).abstained
    assert answerer.ask("How much did Northshire actually spend on adult social care in 2022/23?").abstained
    assert answerer.ask("How many social workers were on shift during the day at the hospital hub?").abstained
    assert not answerer.ask("How many social workers were on shift overnight at the hospital hub?").abstained


def test_the_kind_of_fact_asked_for_must_sit_with_the_question_words(answerer):
    # the report gives no date for the board's meeting: "in the winter" is about the flood, not the meeting
    assert answerer.ask("On what date did the Northshire safeguarding board meet to review the flood response?"
                        ).abstained
    assert not answerer.ask("Who ran the Northshire hospital hub?").abstained
