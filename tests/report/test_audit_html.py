"""Audit of ``batchgen/report/html.py``: the page shows what jobs say as text, escaped and with no live network
address, lists every failure once (commonest reason first) and counts the rest, and links every file and page
where it is; its summary gives the last run's requests, none too."""

from __future__ import annotations

import re
from urllib.parse import unquote, urlsplit

from batchgen.report.exits import Verdict
from batchgen.report.html import EXAMPLES_PER_GROUP, PAGES_DIR, SHOWN_PER_GROUP, PageData, render_pages
from batchgen.report.timeline import JobRow

NETWORK = re.compile(r"\b(?:https?|wss?|ftp)://", re.IGNORECASE)
LINKS = re.compile(r"""(?:src|href)="([^"]*)\"""")


def _pages(rows: list[JobRow], *, page_size: int = 10, thumbs: dict[str, str] | None = None) -> list[str]:
    data = PageData(rows=rows, verdict=Verdict(1, "batchgen run m.yaml"), generated_at="now", charts={},
                    thumbs=thumbs or {})  # fmt: skip
    return render_pages(data, title="t", page_size=page_size)


def _sections(html: str) -> dict[str, str]:
    return {
        re.sub(r"<[^>]+>", "", part.split("</h2>", 1)[0]): part.split("</h2>", 1)[1] for part in html.split("<h2>")[1:]
    }


def _done(job_id: str, prompt: str = "a cat", file: str | None = None, warnings: list | None = None) -> JobRow:
    return JobRow(job_id, state="completed", file=file or f"videos/{job_id}.mp4", params={"prompt": prompt},
                  warnings=warnings or [])  # fmt: skip


def test_markup_in_prompts_and_reasons_is_shown_as_text_and_their_addresses_are_defanged():
    failed = JobRow(
        "bad-1",
        state="failed",
        params={"prompt": "<img src=x onerror=alert(1)> at https://cdn.example.com/a.png"},
        error="<script>alert(1)</script> blocked, see https://status.example.com/incident",
    )
    (page,) = _pages([failed, _done("ok-1", prompt="<b>bold</b> cat")])
    assert "<script>alert(1)" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<img src=x" not in page and "&lt;img src=x onerror=alert(1)&gt;" in page
    assert "<b>bold</b>" not in page and "&lt;b&gt;bold&lt;/b&gt;" in page
    assert not NETWORK.findall(page), NETWORK.findall(page)
    failures = _sections(page)["Failures by reason"]
    assert "see https[:]//status.example.com/incident" in failures and "https[:]//cdn.example.com/a.png" in failures


def test_a_cards_prompt_quoting_an_address_shows_it_defanged():
    (page,) = _pages([_done("ok-1", prompt="in the style of https://example.com/ref.png")])
    (shown,) = re.findall(r'<div class="prompt" title="[^"]*">([^<]*)</div>', page)
    assert shown == "in the style of https[:]//example.com/ref.png"


def test_nothing_on_the_page_names_a_network_address_a_cards_prompt_tooltip_included():
    (page,) = _pages([_done("ok-1", prompt="in the style of https://example.com/ref.png")])
    assert not NETWORK.findall(page), NETWORK.findall(page)


def test_each_failure_reason_lists_its_first_examples_once_each_commonest_first_and_counts_the_rest():
    many = [JobRow(f"bad-{i:03d}", state="failed", error="model error") for i in range(60)]
    few = [JobRow(f"odd-{i}", state="expired", error="a record gone") for i in range(3)]
    (page,) = _pages([*few, *many])
    failures = _sections(page)["Failures by reason"]
    assert failures.index("60 × model error") < failures.index("3 × a record gone")
    listed = re.findall(r"<code>(bad-\d+)</code>", failures)
    assert listed == [f"bad-{i:03d}" for i in range(EXAMPLES_PER_GROUP)]  # each once, in order
    assert f"<summary>{EXAMPLES_PER_GROUP - SHOWN_PER_GROUP} more</summary>" in failures
    assert f"and {60 - EXAMPLES_PER_GROUP} more (every job is in results.csv" in failures
    assert re.findall(r"<code>(odd-\d)</code>", failures) == ["odd-0", "odd-1", "odd-2"]
    assert failures.count("more (every job is in results.csv") == 1


def test_every_link_on_every_page_opens_a_file_that_is_there(tmp_path):
    """Pages link each other, each video and each poster frame, relative to where the page is, with names a
    browser reads as they are (an ``output.filename`` of ``take #{id} 100%.mp4``)."""
    rows = [_done(job, file=f"videos/take #{job} 100%.mp4") for job in ("a", "b", "c")]
    thumbs = {row.job_id: f"thumbs/take #{row.job_id} 100%.jpg" for row in rows}
    pages = _pages(rows, page_size=1, thumbs=thumbs)
    assert len(pages) == 3
    for name in [*(row.file for row in rows), *thumbs.values()]:
        assert name is not None
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_bytes(b"x")
    written = [tmp_path / "report.html", *(tmp_path / PAGES_DIR / f"page-{n}.html" for n in (2, 3))]
    written[1].parent.mkdir()
    for path, html in zip(written, pages, strict=True):
        path.write_text(html)
    opened = set()
    for path, html in zip(written, pages, strict=True):
        links = LINKS.findall(html)
        assert links
        for link in links:
            target = (path.parent / unquote(urlsplit(link).path)).resolve()
            assert target.is_file(), (path.name, link)
            opened.add(target)
    assert {p.name for p in opened} >= {"report.html", "page-2.html", "page-3.html"}
    assert len(opened) == 3 + 3 + 3  # every page, every video and every poster frame


def test_the_warnings_table_gives_each_videos_detail():
    detail = "asked for 5 s, the video lasts 10 s"
    warned = _done("long-1", warnings=[{"kind": "duration_mismatch", "detail": detail}])
    (page,) = _pages([warned, _done("ok-1")])
    section = _sections(page)["Videos kept with warnings"]
    assert "1 × duration_mismatch" in section and "long-1" in section and detail in section


def test_the_summary_gives_a_last_run_that_made_no_request_as_zero_requests():
    data = PageData(rows=[_done("ok-1")], verdict=Verdict(0, None), generated_at="now", charts={}, thumbs={},
                    requests=0, throttled=0)  # fmt: skip
    (page,) = render_pages(data, title="t", page_size=10)
    assert '<tr><th>API requests (last run)</th><td class="num">0 (0 answered 429)</td></tr>' in page


def test_the_summary_tells_apart_what_may_have_been_charged_with_no_charge_reported():
    lost = JobRow("lost-1", state="lost", unreported=0.28)  # made, never fetched, no charge reported
    unpriced = JobRow("done-1", state="completed", file="videos/done-1.mp4", cost=None, unreported=0.42)
    paid = JobRow("done-2", state="completed", file="videos/done-2.mp4", cost=0.30)
    (page,) = _pages([lost, unpriced, paid])
    summary = dict(re.findall(r"<tr><th>([^<]*)</th><td[^>]*>([^<]*)</td></tr>", _sections(page)["Summary"]))
    assert summary["spend"] == "$0.30"  # the charges reported, and only they
    (told,) = [value for key, value in summary.items() if key.startswith("not in the spend")]
    assert told.startswith("2 jobs, about $0.70 (estimated")
    (page,) = _pages([paid])
    assert not [key for key in re.findall(r"<th>([^<]*)</th>", page) if key.startswith("not in the spend")]
