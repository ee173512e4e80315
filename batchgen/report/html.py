"""``report.html``: the run as a page, self-contained and offline.

One HTML file with inline CSS and inline SVG charts; the contact sheet's
poster frames are relative links to ``thumbs/`` (``loading="lazy"``), each
opening its local MP4.  Nothing on the page names a network address: text
that quotes one (an error detail, a prompt) has its scheme defanged
(``https[:]//``), so the page can be opened from a disk with no network.

For large folders the contact sheet is paged: the first ``page_size``
videos are on ``report.html``, the next ones on ``report-pages/page-2.html``
and so on; failure and warning groups list their first examples and count
the rest (``index.parquet`` and ``results.csv`` hold every row).

As in the end-of-run summary, only jobs that failed or expired are listed as
failures; a job left unfinished for a reason of its own (a download that
failed for now, a submit whose outcome the request history could not yet
settle) is listed apart, as left for a later run, with what the next run does
of a submit of unknown outcome.

This module only renders text; :mod:`batchgen.publish` gathers the data and
writes the files.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from html import escape
from urllib.parse import quote

from ..clock import iso_utc
from ..jobs import UNFINISHED
from .exits import MEANINGS, Verdict
from .summary import not_by_rerun, settles_none, unknown_outcome, utc_second
from .timeline import JobRow

PAGES_DIR = "report-pages"
SHOWN_PER_GROUP = 8
EXAMPLES_PER_GROUP = 50
PROMPT_CHARS = 160
_SCHEME = re.compile(r"\b([A-Za-z][A-Za-z0-9+.-]*)://")

CSS = """
body{font:14px/1.45 system-ui,sans-serif;margin:0 auto;max-width:1200px;padding:16px;color:#222;background:#fafafa}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #ddd}
.banner{padding:10px 14px;border-radius:6px;margin:12px 0;background:#e8f3e8}
.banner.bad{background:#fde8e8}.banner.warn{background:#fff4d6}.banner.live{background:#e6f0fb}
code{background:#eee;padding:1px 4px;border-radius:3px;word-break:break-all}
table{border-collapse:collapse}td,th{padding:3px 10px;text-align:left;border-bottom:1px solid #eee;vertical-align:top}
.num{text-align:right}.muted{color:#777}
.sheet{display:grid;grid-template-columns:repeat(auto-fill,minmax(200px,1fr));gap:10px}
.card{background:#fff;border:1px solid #ddd;border-radius:6px;padding:6px;font-size:12px;overflow:hidden}
.card img{display:block;width:100%;height:auto;aspect-ratio:16/9;object-fit:contain;background:#111}
.card .pair{display:flex;gap:3px}.card .pair img{width:50%}
.card .id{font-weight:600;white-space:nowrap;display:flex;min-width:0}
.card .id .head{overflow:hidden;text-overflow:ellipsis;min-width:1ch}.card .id .tail{flex:none}
.card .prompt{color:#555;max-height:3.2em;overflow:hidden}.card.flag{border-color:#e0a800;border-width:2px}
.badge{display:inline-block;background:#e0a800;color:#000;border-radius:3px;padding:0 4px;margin:2px 2px 0 0}
.chart svg{width:100%;max-width:900px;height:auto}.pager a,.pager b{margin-right:8px}
"""

# Sets data-thumbs on <body> to "loaded/visible": how many poster frames in view
# have loaded, so a headless browser (and a curious reader) can tell.
CHECK_SCRIPT = """
(function(){
  function check(){
    var imgs=document.querySelectorAll('img.thumb'),seen=0,ok=0,h=window.innerHeight;
    for(var i=0;i<imgs.length;i++){var r=imgs[i].getBoundingClientRect();
      if(r.bottom>0&&r.top<h){seen++;if(imgs[i].complete&&imgs[i].naturalWidth>0)ok++;}}
    document.body.setAttribute('data-thumbs',ok+'/'+seen);
    if(ok<seen)setTimeout(check,100);
  }
  window.addEventListener('load',check);
})();
"""


@dataclass(slots=True)
class PageData:
    rows: list[JobRow]
    verdict: Verdict
    generated_at: str
    charts: dict[str, str]  # title -> inline SVG
    thumbs: dict[str, str]  # job id -> thumbnail path relative to OUT
    inputs: dict[str, str] = field(default_factory=dict)  # job id -> its input image's thumbnail, relative to OUT
    requests: int | None = None
    throttled: int | None = None


DEFERRED_TITLE = "Deferred (not submitted: a re-run with credits, or a higher --max-spend, submits them)"
LEFT_TITLE = "Left for a later run, by reason (not failed: the same command run again goes on with them)"
LEFT_STUCK_TITLE = (
    "Left for a later run, by reason (not failed: the same command run again goes on with them, save where "
    "the reason says it does not)"
)
OUTSIDE_TITLE = (
    "Left unsent by rows since removed from the manifest (in the ledger, not in the manifest: no run sends them "
    "unless their rows are put back)"
)
LEFT_LIVE_TITLE = "Not finished, with a reason (not failed: this run or a later one goes on with them)"


def defang(text: str) -> str:
    """Text as it may appear on the page: escaped, with no usable network address."""
    return escape(_SCHEME.sub(r"\1[:]//", text))


def _short(text: str) -> str:
    return text if len(text) <= PROMPT_CHARS else text[: PROMPT_CHARS - 1] + "…"


def _href(path: str, up: str) -> str:
    return up + "/".join(quote(part) for part in path.split("/"))


def completed(rows: Sequence[JobRow]) -> list[JobRow]:
    return [r for r in rows if r.state == "completed" and r.file]


def _groups(pairs: list[tuple[str, JobRow]]) -> list[tuple[str, list[JobRow]]]:
    by: dict[str, list[JobRow]] = {}
    for key, row in pairs:
        by.setdefault(key, []).append(row)
    return sorted(by.items(), key=lambda item: (-len(item[1]), item[0]))


def _group_rows(rows: list[JobRow], detail: bool) -> str:
    out = []
    for row in rows:
        cells = f"<td><code>{escape(row.job_id)}</code></td><td>{defang(_short(row.prompt))}</td>"
        if detail:
            cells += f"<td>{defang('; '.join(w.get('detail', '') for w in row.warnings))}</td>"
        out.append(f"<tr>{cells}</tr>")
    return "".join(out)


def _group_tables(title: str, groups: list[tuple[str, list[JobRow]]], detail: bool, note: str = "") -> str:
    """Each group: its first examples in a table, more folded away, the count of the rest; ``note`` (HTML)
    goes under the title."""
    if not groups and not note:
        return ""
    head = "<tr><th>job</th><th>prompt</th>" + ("<th>detail</th></tr>" if detail else "</tr>")
    parts = [f"<h2>{escape(title)}</h2>", note]
    for reason, rows in groups:
        parts.append(f"<h3>{len(rows)} × {defang(reason)}</h3>")
        parts.append(f"<table>{head}{_group_rows(rows[:SHOWN_PER_GROUP], detail)}</table>")
        folded = rows[SHOWN_PER_GROUP:EXAMPLES_PER_GROUP]
        if folded:
            parts.append(
                f"<details><summary>{len(folded)} more</summary>"
                f"<table>{head}{_group_rows(folded, detail)}</table></details>"
            )
        if len(rows) > EXAMPLES_PER_GROUP:
            parts.append(
                f"<p class=muted>and {len(rows) - EXAMPLES_PER_GROUP} more (every job is in results.csv "
                "and index.parquet)</p>"
            )
    return "".join(parts)


def _banner(data: PageData) -> str:
    verdict = data.verdict
    if verdict.running:
        every = f"; this page reloads every {verdict.refresh_s:g} s" if verdict.refresh_s else ""
        text = f"Run in progress: refreshed at {escape(data.generated_at)}{every}."
        return f'<div class="banner live">{text}</div>'
    if verdict.code is None:
        states = {r.state for r in data.rows}
        text = "Not finished: jobs remain to be done." if states - {"completed"} else "Every job is completed."
        klass = "warn" if states - {"completed"} else ""
    else:
        meaning = MEANINGS.get(verdict.code, "see the README's exit codes")
        unfinished = [r for r in data.rows if r.state in UNFINISHED]
        stuck = sum(1 for r in unfinished if not r.rerun)
        if settles_none(len(unfinished), stuck, sum(1 for r in data.rows if r.state == "deferred")):
            # every job left is one a plain re-run cannot settle: no "re-run resumes" (the summary says the same)
            meaning = meaning.replace("; nothing is lost, re-run resumes", "").replace("; re-run resumes", "")
            meaning += "; " + not_by_rerun(stuck, stuck, where="below")
        text = f"Exit code {verdict.code}: {escape(meaning)}."
        klass = "" if verdict.code == 0 else "bad" if verdict.code in (1, 2, 4) else "warn"
    if verdict.resume_command:
        text += f" To resume: <code>{defang(verdict.resume_command)}</code>"
    return f'<div class="banner {klass}">{text}</div>'


def _summary(data: PageData) -> str:
    rows = [row for row in data.rows if row.recorded]  # (a run's page also has its manifest's rows never sent)
    states: dict[str, int] = {}
    for row in rows:
        states[row.state] = states.get(row.state, 0) + 1
    spend = sum((r.cost or 0.0) + r.paid_before for r in rows)  # every charge the ledger holds, as `status` says
    flagged = sum(1 for r in rows if r.warnings)
    cells = [("jobs in the ledger", str(len(rows)))]
    cells += [(state, str(n)) for state, n in sorted(states.items(), key=lambda kv: -kv[1])]
    if unsent := len(data.rows) - len(rows):
        cells.append(("never submitted (of the run's manifest; not in the ledger)", str(unsent)))
    cells.append(("videos with warnings", str(flagged)))
    cells.append(("spend", f"${spend:.2f}"))
    if unreported := [r.unreported for r in rows if r.unreported]:
        cells.append(
            (
                "not in the spend: charges no answer reported (made and not fetched, completed with none, earlier "
                "requests lost before their videos were fetched or set aside by --replace-changed)",
                f"{len(unreported)} jobs, about ${sum(unreported):.2f} (estimated at the catalogue's prices; earlier "
                "requests at the prices of the run that recorded them)",
            )
        )
    if data.requests is not None:
        cells.append(("API requests (last run)", f"{data.requests} ({data.throttled or 0} answered 429)"))
    body = "".join(f'<tr><th>{escape(k)}</th><td class="num">{escape(v)}</td></tr>' for k, v in cells)
    return f"<h2>Summary</h2><table>{body}</table><p>{escape(COUNTED)}</p>"


# what the page counts, said plainly, and where the manifest's own count is
COUNTED = (
    "This page counts every job of the folder's ledger: rows since removed from the manifest, and other manifests' "
    "jobs run into the same folder, included. 'batchgen status' counts the jobs of the manifest the folder's last "
    "run was given (those never submitted too) and names how many of the ledger's are outside it."
)


def _left(data: PageData, groups: list[tuple[str, list[JobRow]]]) -> str:
    """Jobs not finished for a reason of their own, apart from failures; once the run is over, with what the
    next run does of the submits of unknown outcome (every job left ``submitting``), as the summary says it."""
    times = [row.updated_at for _, rows in groups for row in rows if row.updated_at is not None]
    recorded = f"<p>{escape(recorded_note(max(times)))}</p>" if times else ""
    if data.verdict.running:
        return _group_tables(LEFT_LIVE_TITLE, groups, detail=False, note=recorded)
    unknown = sum(1 for r in data.rows if r.state == "submitting")
    note = f"<p>{escape(unknown_outcome(unknown, unknown))}.</p>" if unknown else ""
    title = LEFT_TITLE if all(r.rerun for r in data.rows) else LEFT_STUCK_TITLE
    return _group_tables(title, groups, detail=False, note=recorded + note)


def recorded_note(latest: float) -> str:
    """Whose word a job's reason is: the run's that recorded it (a run stopped before it looked at a job again
    records nothing new of it), with when the latest was recorded."""
    return (
        "Each reason is as the run that found it recorded it (a run that ended before it looked at a job again "
        f"recorded nothing new of it); the latest was recorded at {utc_second(iso_utc(latest))}."
    )


ID_TAIL = 16  # characters of an id kept visible at its end, where matrix and repeat ids differ


def _id_parts(job_id: str) -> str:
    """An id as two spans: a head that may be cut with an ellipsis, and a tail that always shows, so ids
    that share a long beginning (``ds-a-cat-in-the-snow-cinema-16-9-5``) stay told apart on a card."""
    if len(job_id) <= ID_TAIL:
        return f'<span class="tail">{escape(job_id)}</span>'
    cut = len(job_id) - ID_TAIL
    if (dash := job_id.find("-", cut - 6, cut + 4)) != -1:  # at a word boundary when one is near
        cut = dash + 1
    return f'<span class="head">{escape(job_id[:cut])}</span><span class="tail">{escape(job_id[cut:])}</span>'


def _card(row: JobRow, thumb: str | None, up: str, source: str | None = None) -> str:
    video = _href(row.file or "", up)
    flags = "".join(f'<span class="badge">{escape(w.get("kind", "warning"))}</span>' for w in row.warnings)
    media = row.media
    facts = f"{media.width}x{media.height}, {media.duration_s:g} s" if media and media.duration_s else ""
    img = (
        f'<img class="thumb" loading="lazy" src="{_href(thumb, up)}" alt="{escape(row.job_id)}">'
        if thumb
        else '<div class="muted">no poster frame</div>'
    )
    if source:  # an image job: what was animated, beside what it became
        img = (
            f'<span class="pair"><img class="input" loading="lazy" src="{_href(source, up)}" '
            f'alt="input of {escape(row.job_id)}" title="input image">{img}</span>'
        )
    title = defang(row.prompt)
    return (
        f'<div class="card{" flag" if row.warnings else ""}"><a href="{video}">{img}</a>'
        f'<div class="id" title="{escape(row.job_id)}">{_id_parts(row.job_id)}</div>'
        f'<div class="muted">{escape(facts)}</div>{flags}'
        f'<div class="prompt" title="{title}">{defang(_short(row.prompt))}</div></div>'
    )


def _pager(page: int, pages: int, up: str) -> str:
    if pages <= 1:
        return ""
    links = []
    for n in range(1, pages + 1):
        href = f"{up}report.html" if n == 1 else f"{up}{PAGES_DIR}/page-{n}.html"
        links.append(f"<b>{n}</b>" if n == page else f'<a href="{href}">{n}</a>')
    return f'<p class="pager">pages: {"".join(links)}</p>'


def _sheet(data: PageData, videos: list[JobRow], page: int, pages: int, page_size: int, up: str) -> str:
    first = (page - 1) * page_size
    chunk = videos[first : first + page_size]
    cards = "".join(_card(r, data.thumbs.get(r.job_id), up, data.inputs.get(r.job_id)) for r in chunk)
    span = f"{first + 1}–{first + len(chunk)} of {len(videos)}" if videos else "none yet"
    return f'<h2>Videos ({span})</h2>{_pager(page, pages, up)}<div class="sheet">{cards}</div>{_pager(page, pages, up)}'


def _page(title: str, body: str, refresh_s: float | None) -> str:
    refresh = f'<meta http-equiv="refresh" content="{refresh_s:.0f}">' if refresh_s else ""
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width,initial-scale=1">{refresh}'
        f"<title>{escape(title)}</title><style>{CSS}</style></head><body>{body}"
        f"<script>{CHECK_SCRIPT}</script></body></html>"
    )


def render_pages(data: PageData, *, title: str, page_size: int) -> list[str]:
    """The report: element 0 is ``report.html``, element n is ``report-pages/page-{n+1}.html``."""
    videos = completed(data.rows)
    pages = max(1, -(-len(videos) // page_size))
    refresh = data.verdict.refresh_s if data.verdict.running else None
    failures = _groups(
        [(r.error or f"{r.state} (no reason recorded)", r) for r in data.rows if r.state in ("failed", "expired")]
    )
    outside = _groups([(f"{r.state}: {r.error}" if r.error else r.state, r) for r in data.rows if r.unsent_outside])
    whole = data  # the summary counts every job of the ledger; the rest, the rows a run goes on with
    data = replace(data, rows=[r for r in data.rows if not r.unsent_outside])
    left = _groups([(r.error, r) for r in data.rows if (r.state in UNFINISHED or r.held) and r.error])
    deferred = _groups([(r.error or "held back: credits ran out or the spend cap was reached", r)
                        for r in data.rows if r.state == "deferred" and not r.held])  # fmt: skip
    warnings = _groups([(w.get("kind", "warning"), r) for r in data.rows for w in r.warnings])
    charts = "".join(f'<h3>{escape(name)}</h3><div class="chart">{svg}</div>' for name, svg in data.charts.items())
    head = f"<h1>{escape(title)}</h1><div class=muted>generated {escape(data.generated_at)}</div>{_banner(data)}"
    main = (
        head
        + _summary(whole)
        + _group_tables("Failures by reason", failures, detail=False)
        + _left(data, left)
        + _group_tables(DEFERRED_TITLE, deferred, detail=False)
        + _group_tables(OUTSIDE_TITLE, outside, detail=False)
        + _group_tables("Videos kept with warnings", warnings, detail=True)
        + f"<h2>The run</h2>{charts}"
        + _sheet(data, videos, 1, pages, page_size, "")
    )
    out = [_page(title, main, refresh)]
    for page in range(2, pages + 1):
        body = f'{head}<p><a href="../report.html">back to the summary</a></p>'
        out.append(_page(f"{title}: page {page}", body + _sheet(data, videos, page, pages, page_size, "../"), refresh))
    return out
