"""The names the request history lists each model's requests under (:mod:`batchgen.engine.history_names`)."""

from __future__ import annotations

from batchgen.engine.history_names import ModelNames


def test_before_a_row_of_the_model_is_listed_a_look_up_asks_for_every_model_and_takes_any_name_but_a_slug():
    names = ModelNames()
    names.sent("r1", "kling-text2video")
    names.sent("r2", "kling-2.6")
    names.sent("r3", "my-own-model")  # a model of a spec file of the user's: its slug is known by our requests
    names.listed("r1", "kling-text2video")  # one model listed under its slug says nothing of another
    assert names.asked("kling-2.6") is None
    assert names.may_be("kling-2.6", "Kling 2.6") and names.may_be("kling-2.6", "segmind/kling-2.6")
    assert names.may_be("kling-2.6", "kling-2.6")
    for other in ("kling-text2video", "segmind/kling-1.6-text2video", "my-own-model"):
        assert not names.may_be("kling-2.6", other)  # another model's slug: none of its rows
    assert names.asked("kling-text2video") == "kling-text2video"
    assert not names.may_be("kling-text2video", "Kling Text2Video")  # known: only its own names
    names.listed("r2", "Kling 2.6")
    assert names.asked("kling-2.6") == "Kling 2.6" and not names.may_be("kling-2.6", "Kling 2.6 Pro")


def test_a_name_that_holds_the_slug_is_asked_for_by_the_slug():
    names = ModelNames()
    names.sent("r1", "kling-2.6")
    names.listed("r1", "segmind/kling-2.6")
    assert names.asked("kling-2.6") == "kling-2.6"  # the filter is a substring match: the slug finds it too
    names.listed("unknown-id", "Something")  # not a request of ours: nothing learned
    assert names.may_be("kling-2.6", "segmind/kling-2.6") and not names.may_be("kling-2.6", "Something")


def test_a_model_listed_under_two_names_no_one_string_finds_is_looked_up_among_every_models_rows():
    names = ModelNames()
    names.sent("r1", "kling-2.6")
    names.sent("r2", "kling-2.6")
    names.listed("r1", "segmind/kling-2.6")
    names.listed("r2", "Kling 2.6")  # the same model under a title: asked for by the slug, it goes unfound
    assert names.asked("kling-2.6") is None
    names.sent("r3", "kling-2.1")
    names.sent("r4", "kling-2.1")
    names.listed("r3", "Kling 2.1")
    names.listed("r4", "Kling 2.1 (pro)")
    assert names.asked("kling-2.1") == "Kling 2.1"  # (it finds them both)
