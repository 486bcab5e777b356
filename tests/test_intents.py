"""The intent rules: every rule's examples read as its intent, its counter-examples do not."""

from __future__ import annotations

import numpy as np
import pytest

from assistant.intents import COUNTER, PASSAGES, RULES, SCORE, Neighbours, decide, labelled

CASES = [(rule.name, q, rule.intent, True) for rule in RULES for q in rule.examples] + \
        [(rule.name, q, rule.intent, False) for rule in RULES for q in rule.counter]


@pytest.mark.parametrize("rule,question,intent,matches", CASES, ids=[f"{c[0]}: {c[1]}" for c in CASES])
def test_every_rule_reads_its_examples_and_not_its_counter_examples(rule, question, intent, matches):
    got, _ = decide(question)
    assert (got == intent) is matches
    if not matches:
        assert got == (COUNTER[question] if COUNTER[question] != PASSAGES else None) or got is None


def test_every_counter_example_says_what_it_asks_instead():
    assert {q for rule in RULES for q in rule.counter} <= set(COUNTER)


def test_a_question_asking_when_or_who_asks_for_a_passage_whatever_its_score_words():
    assert decide("when was AUTH's safeguarding score reviewed by the board?") == (None, None)
    assert decide("who got the best score for safeguarding?")[0] != PASSAGES


def test_the_nearest_labelled_examples_decide_only_when_they_agree_and_are_close():
    labels = [label for _, label in labelled()]
    n = Neighbours(lambda texts: np.eye(len(texts), dtype=np.float32))  # each example its own direction
    vec = np.zeros(len(labels), np.float32)
    vec[labels.index(SCORE)] = 1.0
    assert n.vote(vec, k=1) == SCORE
    assert n.vote(vec * 0.5, k=1) is None  # not close enough
