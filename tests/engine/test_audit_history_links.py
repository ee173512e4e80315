"""Audit of ``batchgen/engine/history_links.py``: a history row's link is trusted for a video only where it was
seen to name the result's own file, and once the rows no longer stand in for dead records the run is told."""

from __future__ import annotations

from batchgen.engine.history_links import HistoryLinks


def test_links_found_to_be_other_files_tell_the_run_the_rows_no_longer_stand_in_for_dead_records():
    links = HistoryLinks()
    told: list[str] = []
    links.fell = lambda: told.append("fell")
    links.shown(linked=True)
    assert links.stand_in is True
    links.compare("kling-2.6", "https://cdn.example/outputs/a.jpg", "https://cdn.example/outputs/a.mp4")
    assert links.stand_in is False and links.history_urls is False
    assert told == ["fell"]
    links.distrust("again")
    assert told == ["fell"]


def test_a_host_named_in_another_case_is_the_same_file_and_its_links_are_trusted():
    links = HistoryLinks()
    links.compare("kling-2.6", "https://CDN.Example/outputs/a.mp4?sig=1", "https://cdn.example/outputs/a.mp4?sig=2")
    assert links.history_urls is True
    assert links.trusts("kling-2.6", "https://cdn.example/outputs/b.mp4")


def test_a_link_to_a_file_at_the_top_of_its_host_trusts_the_other_videos_there_but_not_another_kind():
    links = HistoryLinks()
    links.compare("kling-2.6", "https://cdn.example/a.mp4", "https://cdn.example/a.mp4?sig=2")
    assert links.trusts("kling-2.6", "https://cdn.example/b.mp4")
    assert not links.trusts("kling-2.6", "https://cdn.example/b.jpg")
    assert not links.trusts("kling-2.6", "https://cdn.example/previews/b.mp4")
    assert not links.trusts("kling-2.1", "https://cdn.example/b.mp4")


def test_a_finished_row_shown_without_a_link_keeps_the_rows_from_standing_in_whatever_rows_come_after():
    links = HistoryLinks()
    links.shown(linked=False)
    assert links.stand_in is False
    for _ in range(3):
        links.shown(linked=True)
        assert links.stand_in is False
