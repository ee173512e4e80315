"""The ledger at unit level: its line format, its replay rules (what a later line carries forward) and its
failure modes (unreadable, unwritable, closed, torn)."""

from __future__ import annotations

import json
import os
import stat

import anyio
import pytest

from batchgen.clock import FakeClock, iso_utc
from batchgen.errors import LedgerError
from batchgen.jobs import JobState
from batchgen.store.ledger import Ledger, Replay, carry_forward, event_line, read_ledger, read_ledger_again

MALFORMED = (
    "malformed ledger line (not a JSON event with job_id and state); the ledger was edited or damaged. "
    "Restore it from a backup, or move the line out of the file, and run again"
)


def line(job_id: str, event: str, state: str, **fields: object) -> str:
    return json.dumps({"v": 1, "ts": "t", "job_id": job_id, "event": event, "state": state, **fields}) + "\n"


# ---------------------------------------------------------------------- the line format


def test_timestamps_are_utc_with_milliseconds_and_a_z():
    assert iso_utc(0) == "1970-01-01T00:00:00.000Z"
    assert iso_utc(1_800_000_000.1239) == "2027-01-15T08:00:00.123Z"


def test_an_event_line_is_compact_json_without_none_fields_and_keeps_text_as_written():
    record, raw = event_line(
        "a", "submitted", JobState.SUBMITTED, {"request_id": "r1", "cost": None, "prompt": "café"}, ts="T"
    )
    assert record == {"v": 1, "ts": "T", "job_id": "a", "event": "submitted", "state": "submitted",
                      "request_id": "r1", "prompt": "café"}  # fmt: skip
    assert type(record["state"]) is str  # a plain string, not the enum
    expected = '{"v":1,"ts":"T","job_id":"a","event":"submitted","state":"submitted","request_id":"r1","prompt":"café"}'
    assert raw == expected.encode() + b"\n"
    with pytest.raises(ValueError, match="JSON compliant"):
        event_line("a", "result", JobState.DOWNLOADING, {"cost": float("inf")}, ts="T")


async def test_append_stamps_the_line_with_the_clock_and_returns_the_record(tmp_path):
    clock = FakeClock(epoch=1_800_000_000.5)
    async with Ledger(tmp_path / "l.jsonl", clock=clock) as ledger:
        record = await ledger.append("a", "submitting", JobState.SUBMITTING, model="m", request_id=None)
        assert ledger.fsyncs == 1
    assert record == {"v": 1, "ts": "2027-01-15T08:00:00.500Z", "job_id": "a", "event": "submitting",
                      "state": "submitting", "model": "m"}  # fmt: skip
    assert (tmp_path / "l.jsonl").read_bytes() == json.dumps(record, separators=(",", ":")).encode() + b"\n"


# ---------------------------------------------------------------------- replay


def test_a_missing_ledger_is_empty():
    assert read_ledger("nowhere/ledger.jsonl") == Replay({}, 0, False)


def test_an_unreadable_ledger_says_which_file_and_why(tmp_path):
    folder = tmp_path / "ledger.jsonl"
    folder.mkdir()
    with pytest.raises(LedgerError) as caught:
        read_ledger(folder)
    assert str(caught.value) == f"{folder}: cannot be read (Is a directory)"


def test_blank_lines_are_skipped_and_counted_and_a_blank_tail_is_not_torn(tmp_path):
    path = tmp_path / "l.jsonl"
    path.write_text(line("a", "submitting", "submitting") + "\n  \n" + line("b", "submitting", "submitting") + " ")
    replay = read_ledger(path)
    assert replay == Replay({"a": json.loads(line("a", "submitting", "submitting")),
                             "b": json.loads(line("b", "submitting", "submitting"))}, 4, False)  # fmt: skip


def test_a_torn_tail_cut_inside_a_character_is_still_just_torn(tmp_path):
    path = tmp_path / "l.jsonl"
    path.write_bytes(line("a", "submitting", "submitting").encode() + '{"job_id":"a","prompt":"é'.encode()[:-1])
    replay = read_ledger(path)
    assert replay.torn_tail and replay.lines == 1 and replay.jobs["a"]["state"] == "submitting"


@pytest.mark.parametrize(
    "bad",
    [
        "garbage",
        '{"v":1,"event":"e","state":"pending"}',  # no job_id
        '{"v":1,"job_id":"a","event":"e"}',  # no state
        '["a","pending"]',  # not an object
        '"a"',
    ],
)
def test_a_malformed_line_names_file_and_line_and_what_to_do(tmp_path, bad):
    path = tmp_path / "ledger.jsonl"
    path.write_text(line("a", "submitting", "submitting") + "\n" + bad + "\n")
    with pytest.raises(LedgerError) as caught:
        read_ledger(path)
    assert str(caught.value) == f"{path}:3: {MALFORMED}"


def test_a_later_line_carries_the_earlier_request_and_its_facts():
    jobs: dict[str, dict[str, object]] = {}
    carry_forward(jobs, "a", {"state": "submitting", "model": "m", "params": {"p": 1}, "fingerprint": "f",
                              "paid_before": 0.2, "note": "not carried"})  # fmt: skip
    carry_forward(jobs, "a", {"state": "submitted", "request_id": "r1", "submitted_at": "s"})
    carry_forward(jobs, "a", {"state": "downloading", "output_url": "u", "file_size": 9, "cost": 0.3})
    carry_forward(jobs, "a", {"state": "completed", "event": "completed", "model": "m2"})
    assert jobs["a"] == {"state": "completed", "event": "completed", "model": "m2", "params": {"p": 1},
                         "fingerprint": "f", "paid_before": 0.2, "request_id": "r1", "submitted_at": "s",
                         "output_url": "u", "file_size": 9, "cost": 0.3}  # fmt: skip
    carry_forward(jobs, "b", {"state": "pending", "cost": 1.0})
    assert jobs["b"] == {"state": "pending", "cost": 1.0}  # other jobs are untouched by a's lines


def test_a_replaced_job_starts_over_and_carries_nothing():
    jobs: dict[str, dict[str, object]] = {}
    carry_forward(jobs, "a", {"state": "completed", "request_id": "r1", "cost": 0.3, "model": "m"})
    carry_forward(jobs, "a", {"state": "pending", "event": "replaced", "fingerprint": "new"})
    assert jobs["a"] == {"state": "pending", "event": "replaced", "fingerprint": "new"}
    carry_forward(jobs, "a", {"state": "submitting", "event": "submitting"})
    assert jobs["a"] == {"state": "submitting", "event": "submitting", "fingerprint": "new"}


@pytest.mark.parametrize("ended", ["completed", "failed", "expired", "deferred"])
def test_a_submit_after_an_ended_job_is_a_new_request_and_carries_nothing(ended):
    jobs: dict[str, dict[str, object]] = {}
    carry_forward(jobs, "a", {"state": ended, "request_id": "r1", "cost": 0.3, "model": "m"})
    carry_forward(jobs, "a", {"state": "submitting", "event": "submitting"})
    assert jobs["a"] == {"state": "submitting", "event": "submitting"}


@pytest.mark.parametrize("earlier", ["submitting", "pending", "submitted", "downloading"])
def test_a_submit_after_an_unfinished_state_keeps_what_the_job_had(earlier):
    jobs: dict[str, dict[str, object]] = {}
    carry_forward(jobs, "a", {"state": earlier, "request_id": "r1", "model": "m"})
    carry_forward(jobs, "a", {"state": "submitting", "event": "submitting"})
    assert jobs["a"] == {"state": "submitting", "event": "submitting", "request_id": "r1", "model": "m"}


def test_a_job_made_again_and_deferred_is_sent_later_as_a_new_request_carrying_nothing_of_the_lost_one(tmp_path):
    """Expired after its charge, made again (``--resubmit-lost``) but deferred at the spend cap, then sent in
    a later run: the new request's line names neither the lost request nor its cost (only ``paid_before``,
    which that line writes itself), so the folder's spend counts the lost video once and a crash does not
    reconcile against the lost request."""
    path = tmp_path / "l.jsonl"
    path.write_text(
        line("a", "submitted", "submitted", request_id="r1", model="m")
        + line("a", "result", "downloading", cost=0.5)
        + line("a", "expired", "expired", error={"detail": "gone"})
        + line("a", "deferred", "deferred", error={"detail": "the cap"})
    )
    deferred = read_ledger(path).jobs["a"]
    assert deferred["request_id"] == "r1" and deferred["cost"] == 0.5  # what resume makes again from
    with path.open("a") as fh:
        fh.write(line("a", "submitting", "submitting", paid_before=0.5))
    job = read_ledger(path).jobs["a"]
    assert "request_id" not in job and "cost" not in job and job["paid_before"] == 0.5


def test_a_job_made_again_whose_new_submit_is_lost_keeps_its_earlier_requests_and_dates_on_every_later_line(tmp_path):
    """Expired, made again, and its new POST's outcome unknown: every later line of the attempt still names
    the ended request (a later run's look-up never takes r0's row for this attempt's), what it paid, and when
    the POST went out and was given up on (what that look-up is bounded by)."""
    path = tmp_path / "l.jsonl"
    path.write_text(
        line("a", "submitted", "submitted", request_id="r0", model="m")
        + line("a", "result", "downloading", cost=0.28)
        + line("a", "expired", "expired")
        + line("a", "submitting", "submitting", paid_before=0.28, ended_requests=["r0"], posting_at="P")
        + line("a", "submit_unknown", "submitting", unknown_at="U")
        + line("a", "settle_later", "submitting", error={"detail": "the history has not caught up"})
    )
    job = read_ledger(path).jobs["a"]
    assert job["event"] == "settle_later" and "request_id" not in job and "cost" not in job
    assert (job["ended_requests"], job["paid_before"], job["posting_at"], job["unknown_at"]) == (["r0"], 0.28, "P", "U")


def test_replay_applies_the_carry_rules_line_by_line(tmp_path):
    path = tmp_path / "l.jsonl"
    path.write_text(
        line("a", "submitted", "submitted", request_id="r1", model="m")
        + line("a", "completed", "completed", file="videos/a.mp4")
        + line("b", "failed", "failed", request_id="r2")
        + line("b", "submitting", "submitting")
    )
    jobs = read_ledger(path).jobs
    assert jobs["a"]["request_id"] == "r1" and jobs["a"]["model"] == "m"
    assert "request_id" not in jobs["b"]


def test_a_read_is_taken_again_only_while_the_ledger_is_unchanged_even_within_one_tick_of_its_clock(tmp_path):
    """A run's start takes the command's read of the ledger if the file is as it was; a line appended since is
    seen even when the file system's clock had not moved on (its mtime is coarse): the size tells."""
    path = tmp_path / "l.jsonl"
    path.write_text(line("a", "submitting", "submitting"))
    first = read_ledger(path)
    assert read_ledger_again(path, first) is first
    info = os.stat(path)
    with path.open("a") as fh:
        fh.write(line("b", "submitting", "submitting"))
    os.utime(path, ns=(info.st_atime_ns, info.st_mtime_ns))  # the same mtime as at the first read
    assert sorted(read_ledger_again(path, first).jobs) == ["a", "b"]


# ---------------------------------------------------------------------- appending


@pytest.mark.parametrize("umask", [0o022, 0o002])  # (the second lets the group write: the ledger still does not)
async def test_opening_creates_a_private_to_write_file(tmp_path, umask):
    path = tmp_path / "l.jsonl"
    old = os.umask(umask)
    try:
        async with Ledger(path):
            pass
    finally:
        os.umask(old)
    assert stat.S_IMODE(path.stat().st_mode) == 0o644 and path.read_bytes() == b""


async def test_a_ledger_that_cannot_be_opened_says_which_and_why(tmp_path):
    path = tmp_path / "missing" / "l.jsonl"
    with pytest.raises(LedgerError) as caught:
        await Ledger(path).open()
    assert str(caught.value) == f"{path}: cannot be opened for writing (No such file or directory)"


A = line("a", "submitting", "submitting").encode()
B = line("b", "submitting", "submitting").encode()


@pytest.mark.parametrize(
    ("before", "after"),
    [
        (b"", b""),
        (A, A),
        (A + B[:9], A),
        (A + B + A[:-2], A + B),
        (A[:-2], b""),  # a torn first line leaves an empty ledger
        (b"\n" + A[:-2], b"\n"),  # only the torn line goes, even when a newline is all that precedes it
    ],
)
async def test_opening_cuts_a_torn_final_line_and_nothing_else(tmp_path, before, after):
    path = tmp_path / "l.jsonl"
    path.write_bytes(before)
    async with Ledger(path, clock=FakeClock()) as ledger:
        pass
    assert path.read_bytes() == after
    async with Ledger(path, clock=FakeClock()) as ledger:
        await ledger.append("x", "submitting", JobState.SUBMITTING)
    assert path.read_bytes().startswith(after) and read_ledger(path).jobs["x"]["state"] == "submitting"


@pytest.mark.parametrize("before", [A + B[:9], A[:-2]])
async def test_a_line_appended_right_after_a_torn_line_is_cut_follows_the_whole_lines(tmp_path, before):
    """The run killed mid-line is resumed: the cut and the first append happen in the one opening, and the new
    line lands right after the last whole line (no gap of zero bytes that the next read would call malformed)."""
    path = tmp_path / "l.jsonl"
    path.write_bytes(before)
    async with Ledger(path, clock=FakeClock(epoch=0)) as ledger:
        await ledger.append("x", "submitting", JobState.SUBMITTING)
    kept = A if before.startswith(A) and len(before) > len(A) else b""
    x = b'{"v":1,"ts":"1970-01-01T00:00:00.000Z","job_id":"x","event":"submitting","state":"submitting"}\n'
    assert path.read_bytes() == kept + x
    assert sorted(read_ledger(path).jobs) == (["a", "x"] if kept else ["x"])


async def test_only_the_last_mebibyte_is_searched_for_the_torn_line(tmp_path):
    path = tmp_path / "l.jsonl"
    big = line("a", "submitting", "submitting", pad="x" * (1 << 20)).encode()  # longer than the tail read
    path.write_bytes(big + B[:9])
    async with Ledger(path, clock=FakeClock()):
        pass
    assert path.read_bytes() == big
    # A torn line longer than the searched tail is left as it is (never cut to nothing).
    path.write_bytes(A + big[:-3])
    async with Ledger(path, clock=FakeClock()):
        pass
    assert path.read_bytes() == A + big[:-3]


async def test_a_torn_line_far_longer_than_a_block_is_cut_before_the_next_line(tmp_path):
    """A run killed while writing a long line (a long prompt, many parameters) is resumed: the torn line goes
    however long it is (up to the searched mebibyte), or the next line would be glued to it and the ledger
    could no longer be read."""
    path = tmp_path / "l.jsonl"
    long = line("b", "submitting", "submitting", params={"prompt": "p" * 200_000}).encode()
    path.write_bytes(A + long[:-5])
    async with Ledger(path, clock=FakeClock()) as ledger:
        await ledger.append("x", "submitting", JobState.SUBMITTING)
    assert path.read_bytes().startswith(A + b'{"v":1')
    assert sorted(read_ledger(path).jobs) == ["a", "x"]


async def test_appending_to_a_ledger_never_opened_is_an_error_naming_it(tmp_path):
    ledger = Ledger(tmp_path / "l.jsonl", clock=FakeClock())
    await ledger.close()  # closing what was never opened is harmless
    with pytest.raises(LedgerError) as caught:
        await ledger.append("a", "submitting", JobState.SUBMITTING)
    assert str(caught.value) == f"{tmp_path / 'l.jsonl'}: the ledger is closed"
    assert not (tmp_path / "l.jsonl").exists()


async def test_appending_to_a_closed_ledger_is_an_error_naming_it(tmp_path):
    ledger = Ledger(tmp_path / "l.jsonl", clock=FakeClock())
    await ledger.open()
    await ledger.close()
    await ledger.close()  # closing twice is harmless
    with pytest.raises(LedgerError) as caught:
        await ledger.append("a", "submitting", JobState.SUBMITTING)
    assert str(caught.value) == f"{tmp_path / 'l.jsonl'}: the ledger is closed"


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
async def test_a_full_disk_fails_the_append_and_every_later_one(tmp_path):
    ledger = Ledger("/dev/full", clock=FakeClock())
    async with ledger:
        with pytest.raises(LedgerError) as caught:
            await ledger.append("a", "submitting", JobState.SUBMITTING)
        assert str(caught.value) == (
            "/dev/full: cannot write the ledger (No space left on device); free some disk space or fix the "
            "folder's permissions, then run the same command again to resume"
        )
        with pytest.raises(LedgerError) as again:
            await ledger.append("b", "submitting", JobState.SUBMITTING)
        assert again.value is caught.value
        assert ledger.fsyncs == 0


async def test_a_failed_fsync_leaves_no_partial_line_behind(tmp_path, monkeypatch):
    path = tmp_path / "l.jsonl"
    async with Ledger(path, clock=FakeClock()) as ledger:
        await ledger.append("a", "submitting", JobState.SUBMITTING)
        good = path.read_bytes()

        def no_fsync(fd: int) -> None:
            raise OSError(5, "Input/output error")

        monkeypatch.setattr(os, "fsync", no_fsync)
        with pytest.raises(LedgerError, match=r"cannot write the ledger \(Input/output error\)"):
            await ledger.append("b", "submitting", JobState.SUBMITTING)
        assert path.read_bytes() == good
        assert ledger.fsyncs == 1


async def test_lines_queued_during_a_write_share_the_next_fsync(tmp_path):
    path = tmp_path / "l.jsonl"
    async with Ledger(path, clock=FakeClock()) as ledger:
        async with anyio.create_task_group() as tg:
            for i in range(10):
                tg.start_soon(ledger.append, f"j{i}", "submitting", JobState.SUBMITTING)
        # All ten were queued before the first write began: one write and one fsync cover them, and the
        # nine that find their line already durable write nothing more (not even an empty batch).
        assert ledger.fsyncs == 1
    assert [json.loads(raw)["job_id"] for raw in path.read_text().splitlines()] == [f"j{i}" for i in range(10)]


async def test_each_write_is_fsynced_once_and_counted(tmp_path):
    async with Ledger(tmp_path / "l.jsonl", clock=FakeClock()) as ledger:
        for i in range(3):
            await ledger.append(f"j{i}", "submitting", JobState.SUBMITTING)
            assert ledger.fsyncs == i + 1


async def test_short_writes_are_continued_until_the_whole_line_is_written(tmp_path, monkeypatch):
    path = tmp_path / "l.jsonl"
    real_write = os.write

    def short_write(fd: int, data: bytes) -> int:  # the kernel may write less than it was given
        return real_write(fd, bytes(data[:7]))

    async with Ledger(path, clock=FakeClock()) as ledger:
        monkeypatch.setattr(os, "write", short_write)
        record = await ledger.append("a", "submitted", JobState.SUBMITTED, request_id="r" * 40)
        monkeypatch.undo()
    assert read_ledger(path).jobs == {"a": record}
