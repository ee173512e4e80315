"""Audit of ``batchgen/engine/history_bodies.py``: a history that keeps bodies as sent, whatever the order of
their keys, holds a lost submit's rows to the exact body, so a row with a field it never sent is not taken for
it."""

from __future__ import annotations

from batchgen.engine.history_bodies import EXACT, BodyFits, fit

SENT = {"prompt": "a fox", "duration": 5, "multi_prompt": [{"prompt": "a", "duration": "5"}]}
REORDERED = {"multi_prompt": [{"duration": "5", "prompt": "a"}], "duration": 5, "prompt": "a fox"}


def test_a_row_with_the_fields_sent_in_another_order_is_the_body_as_sent():
    assert fit(SENT, frozenset(), REORDERED) == EXACT


def test_a_history_that_reorders_keys_still_matches_a_lost_submit_only_by_its_exact_body():
    fits = BodyFits()
    fits.sent("r1", "m1", SENT)
    fits.listed("r1", REORDERED)
    assert fits.rule("m1") == EXACT
    assert fits.matches("m1", SENT, frozenset(), REORDERED)
    assert not fits.matches("m1", SENT, frozenset(), {**REORDERED, "negative_prompt": "rain"})
