"""What the history keeps of our requests' bodies, learned from their rows (history_bodies)."""

from __future__ import annotations

import pytest

from batchgen.engine.history_bodies import EXACT, HOLDS, OTHER, BodyFits, agrees, fit, split_body

SENT = {"prompt": "a fox", "duration": 5, "cfg_scale": 0.5, "multi_prompt": [{"prompt": "a", "duration": "5"}]}


@pytest.mark.parametrize(
    ("listed", "seen"),
    [
        (dict(SENT), EXACT),
        ({**SENT, "mode": "std"}, HOLDS),  # a default filled in beside
        ({**SENT, "duration": "5"}, HOLDS),  # a number as its text
        ({**SENT, "duration": 5.0, "multi_prompt": [{"prompt": "a", "duration": 5}]}, HOLDS),
        ({k: v for k, v in SENT.items() if k != "cfg_scale"}, OTHER),  # a field left out
        ({**SENT, "prompt": "a fox."}, OTHER),
        ({**SENT, "multi_prompt": [{"prompt": "a", "duration": "5"}, {"prompt": "b"}]}, OTHER),
        ({}, OTHER),
    ],
)
def test_a_rows_body_is_held_to_the_fields_sent(listed, seen):
    assert fit(SENT, frozenset(), listed) == seen


def test_image_fields_are_left_out_of_the_comparison():
    payload = {**SENT, "image": {"path": "a.png", "sha256": "ab"}}
    images, plain = split_body(payload)
    assert set(images) == {"image"} and plain == SENT
    assert fit(plain, frozenset(images), {**SENT, "image": "iVBORw0..."}) == EXACT


def test_true_and_its_text_agree_but_not_a_number_and_another():
    assert agrees({"a": True}, {"a": "true"}) and not agrees({"a": 1}, {"a": "1.5"})
    assert not agrees({"a": None}, {}) and agrees({"a": None}, {"a": None})


def test_the_worst_fit_seen_sets_the_rule_for_the_model_and_the_others_until_theirs_are_seen():
    fits = BodyFits()
    assert fits.rule("m1") == EXACT  # nothing compared
    fits.sent("r1", "m1", SENT)
    fits.sent("r2", "m1", SENT)
    fits.sent("r3", "m2", SENT)
    fits.sent("r4", "m1", SENT)
    fits.listed("r1", SENT)
    assert fits.rule("m1") == EXACT and fits.rule("m2") == EXACT
    fits.listed("r2", {**SENT, "mode": "std"})
    fits.listed("r1", {})  # compared once: listed again, it says nothing more
    fits.listed("r4", SENT)  # a row as sent after one that was not: the worst stands
    assert fits.rule("m1") == HOLDS and fits.rule("m2") == HOLDS  # m2's own not yet seen: m1's say
    assert fits.matches("m1", SENT, frozenset(), {**SENT, "seed": 7})
    assert not fits.matches("m1", SENT, frozenset(), {**SENT, "prompt": "a hen"})
    fits.listed("r3", {"prompt": "a fox"})
    assert fits.rule("m2") == OTHER and fits.rule("m1") == HOLDS
    assert not fits.matches("m2", SENT, frozenset(), dict(SENT))  # none can be told
    fits.listed("unknown", {})  # not ours: nothing
    assert fits.rule("m3") == OTHER  # the worst of those seen
