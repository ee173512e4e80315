"""The names the request history lists each model's requests under (:mod:`batchgen.engine.history_names`)."""

from __future__ import annotations

from batchgen.engine.history_names import NAME_READS, ModelNames


def test_a_name_read_by_id_is_asked_for_and_matched_but_absence_waits_for_the_listing_to_show_it():
    names = ModelNames()
    names.sent("r1", "kling-2.6", 1.0)
    names.heard("r1", "Kling 2.6")
    assert names.asked("kling-2.6") == "Kling 2.6"  # a title without the slug: asked for by the title
    assert names.of("kling-2.6") == {"kling-2.6", "Kling 2.6"}  # a row under either is a candidate
    assert not names.known("kling-2.6")  # a row read by id may name the model otherwise than the listing
    names.listed("r1", "Kling 2.6")
    assert names.known("kling-2.6") and names.of("kling-2.6") == {"Kling 2.6"}


def test_a_heard_name_that_holds_the_slug_is_still_asked_for_by_the_slug():
    names = ModelNames()
    names.sent("r1", "kling-2.6", 1.0)
    names.heard("r1", "segmind/kling-2.6")
    assert names.asked("kling-2.6") == "kling-2.6"  # the filter is a substring match: the slug finds it too


def test_requests_are_read_by_id_latest_first_and_only_while_no_name_is_known():
    names = ModelNames()
    for n, rid in enumerate(("r1", "r2", "r3", "r4")):
        names.sent(rid, "kling-2.6", float(n))
    names.sent("o1", "kling-text2video", 5.0)
    assert [names.to_read("kling-2.6") for _ in range(NAME_READS + 1)] == ["r4", "r3", None][: NAME_READS + 1]
    assert names.to_read("kling-2.1") is None  # no request of ours of it
    names.heard("o1", "Kling Text2Video")
    assert names.to_read("kling-text2video") is None  # heard: nothing more to read
    other = ModelNames()
    other.sent("p1", "kling-2.6", 1.0)
    other.listed("p1", "kling-2.6")
    assert other.to_read("kling-2.6") is None  # listed: known


def test_the_latest_sent_is_read_first_whatever_order_its_requests_were_noted_in():
    # A re-run notes an earlier run's requests in the manifest's order: a row made again (days after the rest,
    # the others perhaps no longer kept by the history) is noted among them, not last.
    names = ModelNames()
    names.sent("r1", "kling-2.6", 100.0)
    names.sent("made-again", "kling-2.6", 900.0)
    names.sent("r3", "kling-2.6", 300.0)
    names.sent("r4", "kling-2.6", 200.0)
    assert [names.to_read("kling-2.6") for _ in range(NAME_READS)] == ["made-again", "r3"][:NAME_READS]
