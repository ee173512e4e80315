"""Plant each known promise-breaking bug, one at a time, and check that the suite catches it.

Each entry names a file, a line to change (exactly as it stands in the code),
what to change it to, and the tests expected to fail.  The script applies one
change, runs those tests, restores the file, and writes a table to
``bench/reports/planted.md``: a bug whose tests all pass is a promise that no
test guards (``tests/test_planted_entries.py`` checks that every entry's line
still stands once in its file).  The entries are grouped as they came: the
project's own; the kinds independent audits planted and the suite once let
through; the concurrency bound; histories unlike the published one (short
pages, rows in other orders, refused parameters, a server clock behind ours,
ids without dashes, other model names, bodies not as sent, requests listed
only once finished); the sweeps' cadence and pace; models as data (prices,
rules, image limits, names); the engine (the expiry guard, links and sizes,
what was charged, the ledger before memory, jobs made again); submits of
unknown outcome (the slots they hold, their look-ups, image rows nothing
tells apart, what a re-run is told); images inside a list's objects; what
the operator is told and what is paid (exit codes, spend, a resume's counts,
new keys, the report's figures, object stores, balances, `status`); what
using the CLI in worlds unlike the defaults found; sharded folders and
changed manifests; records that die with no history to stand in for them
(the cap on jobs in flight, a resumed run's ledger, lost submits there); the
request budget and histories whose rows link no video as bounds on jobs in
flight; and audits of the tests, module by module.  The test selections are
small: a plant takes 2-10 s, the whole set roughly forty minutes on two cores.

Run from the repository root::

    python -m bench.planted            # every plant
    python -m bench.planted -k lease   # the plants whose name holds "lease"
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Plant:
    name: str
    file: str
    before: str
    after: str
    tests: tuple[str, ...]


MONEY = "tests/e2e/test_promises_money.py"
NESTED = "tests/e2e/test_nested_images.py"
OUTPUT = "tests/e2e/test_promises_output.py"
SECRETS = "tests/e2e/test_promises_secrets.py"
DOWNLOADS = "tests/engine/test_downloader_units.py"
ANSWERS = "tests/api/test_worlds_answers.py"
OPTIONS = "tests/cli/test_options.py"
QUEUE = "tests/engine/test_server_queue.py"
OBJECT_CHECK = (
    "tests/store/test_store.py::"
    "test_a_stored_video_is_trusted_only_at_its_recorded_size_and_deep_only_with_its_recorded_hash"
)
BALANCE = (
    "tests/e2e/test_balance_unread.py::test_a_balance_that_cannot_be_read_is_told_as_what_it_is_and_the_run_goes_on"
)
CATALOGUE = (
    "tests/models/test_catalogue.py::"
    "test_the_models_command_gives_each_price_range_lowest_first_and_a_near_name_whatever_its_case"
)

PLANTS = (
    # ----------------------------------------------------------------- the first ten
    Plant(
        "submitting line not written before the POST (memory only)",
        "batchgen/engine/submitter.py",
        "await self.book.record(\n            job,\n            Event.SUBMITTING,",
        "job.state = JobState.SUBMITTING\n"
        "        (lambda *a, **k: None)(\n            job,\n            Event.SUBMITTING,",
        ("tests/e2e/test_promises.py::test_the_submitting_line_is_on_disk_before_the_server_creates_the_job",),
    ),
    Plant(
        "ledger appends never fsynced (the counter still counts)",
        "batchgen/store/ledger.py",
        "            os.fsync(self._fd)\n",
        "            pass\n",
        ("tests/e2e/test_promises.py::test_every_ledger_line_is_fsynced_before_append_returns",),
    ),
    Plant(
        "reconciliation may attach to a request another job claimed",
        "batchgen/engine/lookup.py",
        "and row.request_id not in rec.claimed",
        "and True",
        (
            "tests/e2e/test_promises.py::test_two_identical_rows_with_ambiguous_submits_get_two_requests",
            "tests/engine/test_recovery.py",
        ),
    ),
    Plant(
        "completed written before the video's sidecar and rename are done",
        "batchgen/engine/downloader.py",
        "        await out.write_sidecar(dest, sidecar)\n",
        "        self.control.report.warnings.append('late')\n",
        ("tests/e2e/test_promises.py::test_completed_is_recorded_only_once_the_video_is_in_place",),
    ),
    Plant(
        "MP4 structure check of a download skipped",
        "batchgen/store/mp4.py",
        "problem = await anyio.to_thread.run_sync(mp4_problem, tmp)",
        "problem = None",
        ("tests/e2e/test_hostile.py::test_a_hostile_response_fails_that_job_only[not_mp4-is not a video]",),
    ),
    Plant(
        "log redactor never given the key",
        "batchgen/cli/main.py",
        "    REDACTOR.secrets.add(key)\n\n    def now_held() -> None:",
        "\n    def now_held() -> None:",
        ("tests/e2e/test_promises.py::test_a_key_logged_through_the_package_logger_comes_out_redacted",),
    ),
    Plant(
        "expiry guard removed",
        "batchgen/engine/pollplan.py",
        "            when = min(max(when, now + patience), guard_at)\n",
        "            when = max(when, now + patience)\n",
        ("tests/engine/test_polling.py::test_the_expiry_guard_wins_over_every_other_bound",),
    ),
    Plant(
        "per-job polls no longer held to their share of the budget",
        "batchgen/engine/poller.py",
        "                if self.wait_turn(job, now, due):",
        "                if False:",
        (
            "tests/engine/test_poll_turns.py::"
            "test_the_last_jobs_of_a_wave_are_polled_in_turn_once_submits_stop_waiting_not_a_wave_sized_gap_later",
        ),
    ),
    Plant(
        "the latency model never learns",
        "batchgen/engine/pollplan.py",
        "        self._recent.append(seconds)\n",
        "        return\n",
        ("tests/engine/test_polling.py::test_learned_latencies_bring_polls_to_when_jobs_finish",),
    ),
    Plant(
        "poll gaps 10x sparser",
        "batchgen/engine/pollplan.py",
        "GAP_FRACTION = 0.04",
        "GAP_FRACTION = 0.4",
        ("tests/engine/test_polling.py::test_learned_latencies_bring_polls_to_when_jobs_finish",),
    ),
    # ----------------------------------------------------------------- the thirteen an audit found unguarded
    Plant(
        "absence from a lagging history judged against the smallest lag measured",
        "batchgen/engine/recovery.py",
        "ripe = since + 2 * max(lags)",
        "ripe = since + 2 * min(lags)",
        ("tests/engine/test_promises_lag.py",),
    ),
    Plant(
        "jobs left 'submitting' under another key settled under this key's account",
        "batchgen/engine/account.py",
        'IN_FLIGHT = ("submitting", "submitted", "downloading")',
        'IN_FLIGHT = ("submitted", "downloading")',
        (f"{MONEY}::test_in_flight_jobs_another_key_left_submitting_are_refused_not_paid_again",),
    ),
    Plant(
        "after a 406 credit stop, submits already handed out are still POSTed",
        "batchgen/engine/submitter.py",
        "            if self.control.stopping:  # stopped while this submit waited for the budget: send nothing\n"
        "                raise _Withdrawn\n"
        "            if self._held_back(job) or self._kind_held(job):  # the room it was handed over in has shrunk "
        "since,\n"
        "                raise _Held  # or its kind is now held: not yet\n"
        "            if not self.gateway.may_send():  # the API has been silent since (an outage): not into it "
        "(last: a\n"
        "                raise _Unheard  # submit let go as the ask is let go only by a submit that is then sent)\n"
        "            await self._stamp(job, payload, when)\n"
        "            if self.control.stopping:  # stopped while its line was written (an fsync): still nothing sent\n",
        "            if False:\n"
        "                raise _Withdrawn\n"
        "            if self._held_back(job) or self._kind_held(job):  # the room it was handed over in has shrunk "
        "since,\n"
        "                raise _Held  # or its kind is now held: not yet\n"
        "            if not self.gateway.may_send():  # the API has been silent since (an outage): not into it "
        "(last: a\n"
        "                raise _Unheard  # submit let go as the ask is let go only by a submit that is then sent)\n"
        "            await self._stamp(job, payload, when)\n"
        "            if False:\n",
        (f"{MONEY}::test_after_a_credit_stop_no_submit_is_sent",),
    ),
    Plant(
        "a history error while refreshing a failed download's link read as 'no link' (video lost)",
        "batchgen/engine/recovery.py",
        "        if isinstance(row, ApiError):\n            return None\n        if row.generation_url:",
        "        if isinstance(row, ApiError):\n            return False\n        if row.generation_url:",
        (f"{MONEY}::test_a_history_error_while_refreshing_a_link_does_not_declare_a_paid_video_lost",),
    ),
    Plant(
        "a shard's lease renewed once per TTL instead of every third of it",
        "batchgen/store/lease.py",
        "await anyio.sleep(self.ttl_s / 3)",
        "await anyio.sleep(self.ttl_s)",
        ("tests/store/test_promises_units.py",),
    ),
    Plant(
        "the spend cap stops counting other manifests' spend in the same folder",
        "batchgen/engine/resume.py",
        "    book.count_spent(counted_at_start(others, (), prices))",
        "    book.count_spent(0.0)",
        (f"{MONEY}::test_the_spend_cap_counts_what_other_manifests_spent_in_the_same_folder",),
    ),
    Plant(
        "429s no longer carry when their call was sent (one overload lowers the rate per 429)",
        "batchgen/api/gateway.py",
        "self.budget.on_429(exc.retry_after, sent_at=sent[-1])",
        "self.budget.on_429(exc.retry_after, sent_at=None)",
        ("tests/api/test_promises_units.py::test_one_overload_lowers_the_rate_once_however_many_429s_it_produced",),
    ),
    Plant(
        "the redactor cleans the traceback text but leaves exc_info for the JSON formatter",
        "batchgen/cli/logs.py",
        "record.exc_text, record.exc_info = text, None",
        "record.exc_text = text",
        (f"{SECRETS}::test_the_key_is_in_no_byte_written_whatever_path_it_takes",),
    ),
    Plant(
        "an echoed key redacted only from error answers, not from a 200 body",
        "batchgen/api/client.py",
        "if raw is not None and self._key_bytes in raw:",
        "if raw is not None and status >= 400 and self._key_bytes in raw:",
        ("tests/api/test_promises_units.py::test_a_key_the_server_quotes_back_never_comes_out_of_the_client",),
    ),
    Plant(
        "plain http:// accepted for any private-network address",
        "batchgen/config.py",
        "return ipaddress.ip_address(host).is_loopback",
        "return ipaddress.ip_address(host).is_loopback or ipaddress.ip_address(host).is_private",
        (f"{OUTPUT}::test_plain_http_is_refused_for_any_host_that_is_not_this_machine",),
    ),
    Plant(
        "a prompt of only spaces accepted",
        "batchgen/models/check.py",
        "if param.required and not value.strip():",
        "if param.required and not value:",
        (f"{OUTPUT}::test_a_prompt_of_only_white_space_is_refused_and_nothing_is_sent",),
    ),
    Plant(
        "in index.parquet the model's defaults override what the job asked for",
        "batchgen/report/index.py",
        'p = {**defaults_of(row.model or ""), **row.params}',
        'p = {**row.params, **defaults_of(row.model or "")}',
        (f"{OUTPUT}::test_the_index_holds_what_each_job_asked_for_and_defaults_only_where_it_asked_nothing",),
    ),
    Plant(
        "the feeder lets one job more than --concurrency into flight",
        "batchgen/engine/submitter.py",
        "if book.in_flight < self.life.room(self.settings.limits.concurrency, book.in_flight):",
        "if book.in_flight <= self.life.room(self.settings.limits.concurrency, book.in_flight):",
        ("tests/e2e/test_promises_flow.py::test_never_more_jobs_in_flight_than_the_concurrency",),
    ),
    Plant(
        "status across shards reports a torn tail only when every shard's is torn",
        "batchgen/store/output.py",
        "any(r.torn_tail for r in replays.values())",
        "all(r.torn_tail for r in replays.values())",
        (f"{OUTPUT}::test_status_reports_a_torn_ledger_tail_in_any_one_shard",),
    ),
    # ----------------------------------------------------------------- the history's pages
    Plant(
        "a history page shorter than asked for taken for the history's end",
        "batchgen/engine/recovery.py",
        "last = count == 0",
        "last = count < 100",
        (
            "tests/e2e/test_history_pages.py::test_an_unknown_submit_listed_past_a_short_page_is_attached_not_paid_ag"
            "ain",
        ),
    ),
    Plant(
        "a look-up that read a thousand rows without reaching back past the submit concludes it absent",
        "batchgen/engine/recovery.py",
        "            raise NotCaughtUp  # its row, or another candidate's, may lie further down\n",
        "            pass\n",
        ("tests/engine/test_recovery.py::test_a_search_that_never_reached_past_the_attempt_concludes_nothing",),
    ),
    Plant(
        "a look-up trusts a row's place in a history not listed newest first (a row older than the submit)",
        "batchgen/engine/recovery.py",
        "            newest_first = check.read(rows)  # else a row's place proves nothing of the rows below it\n",
        "            newest_first = True\n",
        (
            "tests/e2e/test_history_pages.py::test_an_unknown_submit_in_a_history_not_listed_newest_first_is_not_paid"
            "_again",
        ),
    ),
    Plant(
        "a row listed below a newer one does not rule out a listing oldest first (sweeps skip pages of any order)",
        "batchgen/api/paging.py",
        "                order.falls += rid != self._previous\n",
        "                pass\n",
        (
            "tests/api/test_paging.py::test_rows_listed_oldest_first_are_taken_for_it_only_after_enough_of_them_and_n"
            "ot_once_more_than_a_few_fall",
        ),
    ),
    Plant(
        "a history listed oldest first is still read from its first page: sweeps never reach the jobs at its end",
        "batchgen/engine/sweeper.py",
        "        walk = self._places.walk(remaining, order.sent) if oldest_first else Walk()\n",
        "        walk = Walk()\n",
        (
            "tests/e2e/test_history_pages.py::test_a_history_listed_oldest_first_is_read_only_where_the_jobs_are",
            "tests/e2e/test_history_pages.py::test_a_history_listed_oldest_first_below_earlier_days_requests_is_read_"
            "from_its_end",
        ),
    ),
    Plant(
        "a history that refuses per_page is not asked without it: sweeps and look-ups stop working",
        "batchgen/api/client.py",
        "            if http != 400 or following is None:\n",
        "            if True:\n",
        (
            "tests/api/test_client_answers.py::test_a_history_that_refuses_what_is_asked_is_asked_less_for_the_rest_o"
            "f_the_run",
        ),
    ),
    Plant(
        "a look-up takes the server's clock for ours, two minutes' skew allowed (was: pays twice 10 h behind)",
        "batchgen/engine/lookup.py",
        "        floor = rec.stamps.earliest_stamp(since)  # None: the rows' times say nothing of ours\n",
        "        floor = since - 120.0\n",
        ("tests/engine/test_recovery.py::test_until_the_servers_clock_is_tied_to_ours_no_rows_time_proves_anything",),
    ),
    Plant(
        "a look-up in a history listed oldest first read from page 1: lost submits under long histories never settle",
        "batchgen/engine/recovery.py",
        "            if order.oldest_first:  # seen so before this look-up, or on its first pages\n",
        "            if False:\n",
        (
            "tests/e2e/test_history_pages.py::test_lost_submits_under_a_long_history_listed_oldest_first_are_found_fr"
            "om_its_end",
        ),
    ),
    Plant(
        "a look-up read back from the end stops at the first page listing an older request (a row out of order missed)",
        "batchgen/engine/recovery.py",
        "                margin = search.before(rows)\n",
        "                if search.before(rows):\n                    break\n",
        (
            "tests/engine/test_recovery.py::test_a_row_listed_a_moment_out_of_order_above_the_first_older_one_is_stil"
            "l_found",
        ),
    ),
    Plant(
        "a look-up in a history in no order of time stops at a thousand rows: lost submits there never settle",
        "batchgen/engine/recovery.py",
        "MAX_ROWS_ANY_ORDER = 20_000",
        "MAX_ROWS_ANY_ORDER = 1_000",
        (
            "tests/e2e/test_history_pages.py::"
            "test_lost_submits_under_a_long_history_in_no_order_of_time_are_settled_by_reading_it_to_its_end",
            "tests/engine/test_recovery.py::test_a_whole_read_begun_before_an_attempts_outcome_came_back_is_not_"
            "taken_for_its_absence",
        ),
    ),
    Plant(
        "a look-up's absence judged as of its end, not when its read began (a lagging row on a page read before)",
        "batchgen/engine/recovery.py",
        "if not self.absence_is_conclusive(since, later_seen, now=as_of):",
        "if not self.absence_is_conclusive(since, later_seen):",
        (
            "tests/engine/test_recovery_unordered.py::test_absence_from_a_long_read_counts_as_of_when_the_read_began",
            "tests/engine/test_recovery_unordered.py::test_a_look_up_does_not_take_its_own_first_read_again_on_its_re"
            "tries",
        ),
    ),
    Plant(
        "in a read in no order, a later request of ours listed late in it shows every page caught up",
        "batchgen/engine/lookup.py",
        "(first is not None and first <= self.as_of)",
        "True",
        (
            "tests/engine/test_recovery_unordered.py::"
            "test_a_later_request_of_ours_seen_late_in_a_read_in_no_order_does_not_show_the_pages_before_caught_up",
        ),
    ),
    Plant(
        "a sweep of a history in no order of time reads the pages it would newest first, and misses the rest",
        "batchgen/engine/sweeper.py",
        "        if self.reconciler.order.in_no_order:  # a job may be listed on any page: read them all\n",
        "        if False:\n",
        (
            "tests/e2e/test_history_pages.py::"
            "test_sweeps_of_a_history_in_no_order_of_time_read_every_page_and_show_every_job",
        ),
    ),
    Plant(
        "read in another order than newest first, the first request of the same body found is taken (a day-old one)",
        "batchgen/engine/lookup.py",
        "            if not self.collect:  # newest first: the first page with one lists the last made\n",
        "            if True:\n",
        (
            "tests/engine/test_recovery.py::"
            "test_read_in_another_order_an_earlier_request_of_the_same_body_is_not_taken_for_the_lost_one",
        ),
    ),
    Plant(
        "a look-up asks the history from our clock's day before the submit (a server a day behind lists nothing)",
        "batchgen/engine/lookup.py",
        "        ahead = rec.stamps.ahead(since)\n",
        "        ahead = 0.0\n",
        (
            "tests/e2e/test_history_pages.py::test_an_unknown_submit_is_found_whatever_the_servers_clock_says",
            "tests/engine/test_recovery.py::test_the_search_window_starts_the_day_before_the_attempt_by_the_servers_c"
            "lock",
        ),
    ),
    Plant(
        "a re-run takes the killed run's submits sent just after a lost one for proof it was never made",
        "batchgen/engine/submitter.py",
        "            until = min(made_by, self.reconciler.started)\n",
        "            until = since\n",
        (
            "tests/engine/test_submitter_units.py::"
            "test_a_job_left_submitting_counts_only_requests_sent_once_its_post_was_given_up_as_proof",
        ),
    ),
    Plant(
        "the expected finds forget the jobs still running (a wave's first finishes pass for the whole kind)",
        "batchgen/engine/survival.py",
        "            at_risk = (n - i) + (len(running) - bisect.bisect_left(running, at))\n",
        "            at_risk = n - i\n",
        ("tests/engine/test_survival.py",),
    ),
    Plant(
        "the first probe sweep looks for jobs of any age (a few more sweeps before anything could be done)",
        "batchgen/engine/cadence.py",
        "        return max(self.min_interval_s, PROBE_START_SHARE * self.latency.prior(key))\n",
        "        return 0.0\n",
        ("tests/engine/test_probe_gap.py",),
    ),
    # ----------------------------------------------------------------- models as data: prices and checks
    Plant(
        "a price row naming a parameter the job leaves unset taken for the job's price",
        "batchgen/models/price.py",
        "all(name in effective and same(value, effective[name])",
        "all(name not in effective or same(value, effective[name])",
        ("tests/models/test_price_edges.py::test_a_row_naming_a_parameter_the_job_leaves_unset_is_not_its_price",),
    ),
    Plant(
        "a duration sent as text ('10') matches no price row: every such job estimated at the upper bound",
        "batchgen/models/price.py",
        "all(name in effective and same(value, effective[name])",
        "all(name in effective and value == effective[name]",
        (
            "tests/models/test_price_edges.py::"
            "test_a_checked_job_is_priced_by_its_row_though_its_duration_goes_on_the_wire_as_text",
        ),
    ),
    Plant(
        "per-second rates with no longest duration accepted: a job no rate prices estimated at $0",
        "batchgen/models/loader.py",
        'if rows["per_second"] and price_range is None and duration_bounds(params)[1] is None and not '
        "duration_refused:",
        "if False:",
        (
            "tests/models/test_loader_edges.py::"
            "test_per_second_rates_with_no_longest_duration_are_refused_since_they_bound_no_price",
        ),
    ),
    Plant(
        "a rule applies when any one of its conditions holds (a good job refused, or a bad one sent)",
        "batchgen/models/check.py",
        "return all(name in effective and any(same(v, effective[name]) for v in vals)",
        "return any(name in effective and any(same(v, effective[name]) for v in vals)",
        ("tests/models/test_check_edges.py::test_a_rule_applies_only_when_every_one_of_its_conditions_holds",),
    ),
    Plant(
        "a default is sent where a rule that holds says the parameter must be absent (the provider refuses)",
        "batchgen/models/check.py",
        "p.name not in withheld",
        "True",
        ("tests/models/test_check_edges.py::test_a_sent_default_a_rule_says_must_be_absent_is_not_sent",),
    ),
    Plant(
        "an image given as a data URI is not held to the spec's size limit (a paid job the provider refuses)",
        "batchgen/models/images.py",
        "if param.max_bytes is not None and len(data) > param.max_bytes:",
        "if False:",
        ("tests/models/test_images_edges.py::test_a_data_uri_is_held_to_the_same_limits_as_a_file",),
    ),
    Plant(
        "a JPEG cut short passes the image check",
        "batchgen/models/images.py",
        'return b"\\xff\\xd9" in data[-4096:]',
        "return True",
        ("tests/models/test_images_edges.py::test_a_jpeg_cut_short_is_refused_though_ffmpeg_would_decode_it",),
    ),
    # ----------------------------------------------------------------- the engine: gaps an audit found
    Plant(
        "a first poll held for the first sweep may go past the expiry guard (the record expires unpolled)",
        "batchgen/engine/schedule.py",
        "at = max(at, min(now + look, job.submitted_at + self.plan.guard))",
        "at = max(at, now + look)",
        (
            "tests/engine/test_schedule_edges.py::"
            "test_a_first_poll_held_for_the_first_sweep_still_comes_before_the_record_expires",
        ),
    ),
    Plant(
        "a COMPLETED result without a link taken for a link: the paid video declared lost",
        "batchgen/engine/downloader.py",
        'if result.state == "COMPLETED" and result.output_url:',
        'if result.state == "COMPLETED":',
        (f"{DOWNLOADS}::test_a_completed_result_without_a_link_is_no_link_and_the_history_link_is_retried",),
    ),
    Plant(
        "a refreshed link's size not held against its download (a short video passes)",
        "batchgen/engine/downloader.py",
        "job.output_url, job.file_size = found.url, found.size\n                        refreshed = True\n"
        "                        attempts.restart()",
        "job.output_url = found.url\n                        refreshed = True\n"
        "                        attempts.restart()",
        (f"{DOWNLOADS}::test_the_size_a_refreshed_link_comes_with_is_held_against_its_download",),
    ),
    Plant(
        "the sidecar says the estimate, not what the API charged",
        "batchgen/engine/downloader.py",
        '"cost": job.cost,',
        '"cost": job.estimate,',
        (f"{DOWNLOADS}::test_the_sidecar_and_completed_line_say_what_the_api_charged_not_the_estimate",),
    ),
    Plant(
        "a job's state moves before its ledger line is durable (a full disk leaves memory and ledger apart)",
        "batchgen/engine/book.py",
        "        await self.ledger.append(job.spec.id, event, state, model=job.spec.model, request_id=job.request_id,"
        " **fields)\n        job.state = state\n",
        "        job.state = state\n        await self.ledger.append(job.spec.id, event, state, model=job.spec.model,"
        " request_id=job.request_id, **fields)\n",
        ("tests/engine/test_book.py::test_a_line_that_could_not_be_written_leaves_the_job_as_it_was",),
    ),
    Plant(
        "the run's spend counts only videos in place (a charged job whose download failed is left out)",
        "batchgen/engine/book.py",
        "return sum((job.cost or 0.0) + job.paid_before for job in self.jobs)",
        "return sum(job.cost or 0.0 for job in self.jobs if job.state is JobState.COMPLETED)",
        ("tests/engine/test_book.py::test_the_spend_counts_every_charge_the_api_reported_not_only_videos_in_place",),
    ),
    Plant(
        "a job made again drops what its lost request cost from the spend cap",
        "batchgen/engine/book.py",
        "        self.count_spent(counted)\n",
        "        pass\n",
        (
            "tests/engine/test_submitter_units.py::"
            "test_a_lost_video_is_made_again_with_resubmit_lost_and_its_first_cost_is_kept",
            "tests/engine/test_resume_spend.py",
        ),
    ),
    Plant(
        "a failed job to be made again cannot be deferred: the run crashes at the spend cap",
        "batchgen/jobs.py",
        "JobState.FAILED: frozenset({JobState.SUBMITTING, JobState.DEFERRED, JobState.PENDING}),",
        "JobState.FAILED: frozenset({JobState.SUBMITTING, JobState.PENDING}),",
        (
            "tests/engine/test_submitter_units.py::"
            "test_a_job_to_be_made_again_is_deferred_at_the_spend_cap_like_any_other",
        ),
    ),
    Plant(
        "a submit after 'deferred' carries the lost request's id and cost (counted twice, reconciled wrong)",
        "batchgen/store/ledger.py",
        '_ENDED = ("completed", "failed", "expired", "deferred")',
        '_ENDED = ("completed", "failed", "expired")',
        (
            "tests/store/test_ledger.py::"
            "test_a_job_made_again_and_deferred_is_sent_later_as_a_new_request_carrying_nothing_of_the_lost_one",
        ),
    ),
    # ----------------------------------------------------------------- slots held by unknown submits
    Plant(
        "a job left 'submitting' is dated by its last line (a look-up that gave up), not by its POST",
        "batchgen/engine/resume.py",
        'sent = parse_time(rec.get("posting_at") or line)',
        'sent = parse_time(rec.get("ts"))',
        ("tests/engine/test_resume_dates.py",),
    ),
    Plant(
        "when its POST went out is not carried past the lines after its 'submitting' line",
        "batchgen/store/ledger.py",
        '    "posting_at", "unknown_at",\n',
        '    "unknown_at",\n',
        ("tests/engine/test_resume_dates.py",),
    ),
    Plant(
        "the 'submitting' line is written before the rate budget grants the POST",
        "batchgen/engine/submitter.py",
        "                        before=stamp,\n",
        "                        before=None if await stamp() else None,\n",
        (
            "tests/engine/test_submitter_units.py::"
            "test_a_submit_that_never_got_its_turn_before_the_run_ended_is_left_as_it_was",
        ),
    ),
    Plant(
        "with every slot held by submits of unknown outcome, nothing is sent beside them (none settles, ever)",
        "batchgen/engine/submitter.py",
        "return 0 < book.in_flight <= self._settling and",
        "return False and",
        (
            "tests/engine/test_submitter_units.py::"
            "test_with_every_slot_held_by_submits_of_unknown_outcome_one_job_is_sent_beside_them_never_two",
            "tests/e2e/test_crash.py::"
            "test_a_submit_left_unknown_holding_the_only_slot_is_settled_by_the_next_run_with_the_jobs_after_it",
        ),
    ),
    Plant(
        "a job is sent beside every one sent beside submits of unknown outcome (all sent at once if each errs)",
        "batchgen/engine/submitter.py",
        "(beside is None or not beside.holds_slot)",
        "True",
        (
            "tests/engine/test_submitter_units.py::"
            "test_with_every_slot_held_by_submits_of_unknown_outcome_one_job_is_sent_beside_them_never_two",
        ),
    ),
    Plant(
        "a stop that comes while a submit's line is written does not stop its POST",
        "batchgen/engine/submitter.py",
        "            if self.control.stopping:  # stopped while its line was written (an fsync): still nothing sent",
        "            if False:  # stopped while its line was written (an fsync): still nothing sent",
        ("tests/engine/test_submitter_units.py::test_a_stop_while_the_submitting_line_is_written_sends_nothing",),
    ),
    Plant(
        "a job found in the history after its own unknown submit proves nothing of one lost before it",
        "batchgen/engine/submitter.py",
        "sent_from = None if resumed else since",
        "sent_from = None",
        (
            "tests/e2e/test_crash.py::"
            "test_a_job_sent_beside_an_unknown_submit_and_found_in_the_history_itself_settles_it",
        ),
    ),
    Plant(
        "a resumed unknown submit ignores when its outcome came back unknown (a job sent beside it proves nothing)",
        "batchgen/engine/submitter.py",
        "made_by = job.unknown_epoch if job.unknown_epoch is not None else since + CLOCK_SLACK_S + self._shield_s",
        "made_by = since + CLOCK_SLACK_S + self._shield_s",
        ("tests/engine/test_resume_dates.py",),
    ),
    Plant(
        "a failed job stopped before its line goes back to pending, passing its ended request to the next line",
        "batchgen/engine/submitter.py",
        'if "epoch" not in when and job.state is not JobState.SUBMITTING:',
        "if False:",
        (
            "tests/engine/test_submitter_units.py::"
            "test_a_submit_that_never_got_its_turn_before_the_run_ended_is_left_as_it_was",
        ),
    ),
    Plant(
        "a submit left with no job to send after it is told a plain re-run settles it",
        "batchgen/engine/submitter.py",
        "            not self.fed_all or any(other is not job and self._left_unsent(other) for other in "
        "self.book.jobs)\n",
        "            True\n",
        (
            "tests/e2e/test_crash.py::"
            "test_submits_left_unknown_with_no_job_left_to_send_are_not_promised_to_a_plain_re_run",
        ),
    ),
    Plant(
        "a submit refused 401 is left 'submitting', told as of unknown outcome (nothing was made)",
        "batchgen/engine/submitter.py",
        "            await _durably(book.finish(job, Event.SUBMIT_POSTPONED, JobState.PENDING, "
        "error=exc.to_record()))\n            raise\n        except InvalidContentType as exc:",
        "            raise\n        except InvalidContentType as exc:",
        (
            "tests/engine/test_submitter_units.py::"
            "test_a_run_wide_error_while_making_a_lost_video_again_stops_the_run_not_the_stage",
        ),
    ),
    Plant(
        "a lost submit is left, not waited on, while a lost video may still be made again in this run",
        "batchgen/engine/submitter.py",
        "                if self.resubmit_lost or not self.fed_all:\n                    return True\n",
        "                if not self.fed_all:\n                    return True\n",
        (
            "tests/engine/test_submitter_units.py::"
            "test_an_unknown_submit_waits_while_this_run_may_send_a_request_after_it_and_is_settled_by_one",
        ),
    ),
    Plant(
        "the summary offers the same command again where it settles none of the jobs left",
        "batchgen/report/summary.py",
        "    return 0 < unfinished == stuck and not deferred",
        "    return False",
        (
            "tests/e2e/test_crash.py::"
            "test_submits_left_unknown_with_no_job_left_to_send_are_not_promised_to_a_plain_re_run",
        ),
    ),
    Plant(
        "at most 33 submitters: submits being looked up hold them all and the job beside them finds none",
        "batchgen/engine/run.py",
        "for _ in range(min(limits.concurrency, len(plan.submit)) + 1):",
        "for _ in range(min(limits.concurrency, len(plan.submit), 32) + 1):",
        (
            "tests/e2e/test_crash.py::"
            "test_a_job_is_sent_beside_unknown_submits_holding_more_slots_than_one_submitter_each_could_be_given",
        ),
    ),
    Plant(
        "a lost submit whose look-ups ran out is left though this run sends a request after it later",
        "batchgen/engine/recovery.py",
        "                if await self._until_one_sent_after(job, since, until):",
        "                if False:",
        (
            "tests/e2e/test_crash.py::"
            "test_a_lost_submit_whose_look_ups_run_out_while_a_long_job_holds_the_other_slot_is_settled_in_the_same_r"
            "un",
        ),
    ),
    Plant(
        "a rate-limit reset time with no zone is read as local time",
        "batchgen/api/answers.py",
        "    reset = parse_time(reset_at, naive_utc=True)",
        "    reset = parse_time(reset_at)",
        ("tests/api/test_client.py",),
    ),
    Plant(
        "a rate-limit reset given as a small number is read as a time in 1970 (no wait)",
        "batchgen/api/answers.py",
        "        if 0 <= float(reset_at) < RELATIVE_RESET_BELOW:",
        "        if float(reset_at) < 0:",
        ("tests/api/test_client.py",),
    ),
    Plant(
        "out of credits said with 402 or a 400 is read as a bad request: every job left sent and failed",
        "batchgen/api/answers.py",
        "    if status == 402 or (status in (400, 403, 422) and OUT_OF_CREDITS.search(detail)):",
        "    if status == 402:",
        (
            "tests/api/test_client.py",
            "tests/e2e/test_promises_money.py::test_a_balance_refused_as_402_or_a_400_that_says_so_stops_submitting_l"
            "ike_a_406",
        ),
    ),
    # ----------------------------------------------------------------- told true, paid once: gaps a later audit found
    Plant(
        "out of credits with nothing deferred still exits 3 (a failure is told as 'top up and re-run')",
        "batchgen/report/exits.py",
        'if report.stop_reason in ("credits", "spend_cap") and report.states.get("deferred", 0):',
        'if report.stop_reason in ("credits", "spend_cap"):',
        ("tests/report/test_exits.py",),
    ),
    Plant(
        "a history row's charge read from a field the API does not send (jobs found there counted as free)",
        "batchgen/api/answers.py",
        '        cost=number(row.get("credits_deduction")),',
        '        cost=number(row.get("cost")),',
        (f"{ANSWERS}::test_a_finished_jobs_history_row_says_what_it_was_charged_and_how_long_it_took",),
    ),
    Plant(
        "a history row's latency_ms read as hundredths of a second (the poll plan learns ten times too long)",
        "batchgen/api/answers.py",
        "return ms / 1000.0 if ms is not None",
        "return ms / 100.0 if ms is not None",
        (f"{ANSWERS}::test_a_finished_jobs_history_row_says_what_it_was_charged_and_how_long_it_took",),
    ),
    Plant(
        "a job the API ends as ERROR taken for one still in flight (polled until it expires)",
        "batchgen/api/answers.py",
        'FAILED_STATES = frozenset({"FAILED", "FAILURE", "ERROR", "ERRORED"})',
        'FAILED_STATES = frozenset({"FAILED", "FAILURE"})',
        (f"{ANSWERS}::test_a_history_row_spelled_as_an_error_is_a_failed_job_not_one_in_flight",),
    ),
    Plant(
        "a file_size of true taken for one byte (every download of it refused as the wrong size)",
        "batchgen/api/answers.py",
        "if isinstance(size, bool) or not isinstance(size, int) or size < 0:",
        "if not isinstance(size, int) or size < 0:",
        (f"{ANSWERS}::test_a_size_that_is_not_a_whole_number_of_bytes_is_no_size",),
    ),
    Plant(
        "a server's wait is not held to an hour (a Retry-After of a day stalls the run for a day)",
        "batchgen/api/answers.py",
        "return min(max(0.0, seconds), MAX_HINT_S)",
        "return max(0.0, seconds)",
        (f"{ANSWERS}::test_a_servers_wait_is_held_to_an_hour_at_most",),
    ),
    Plant(
        "a later 429 with a shorter hint reopens the gate before the server said (more 429s)",
        "batchgen/api/ratelimit.py",
        "self._gate_until = max(self._gate_until, now + min(hint, self._max_hint) + jitter)",
        "self._gate_until = now + min(hint, self._max_hint) + jitter",
        (
            "tests/api/test_ratelimit.py::"
            "test_a_later_429_with_a_shorter_hint_never_reopens_the_gate_before_the_server_said",
        ),
    ),
    Plant(
        "a finished video cut short but with its recorded mtime passes the quick check",
        "batchgen/store/local.py",
        "if not stat.S_ISREG(info.st_mode) or (size is not None and info.st_size != size):",
        "if not stat.S_ISREG(info.st_mode):",
        ("tests/store/test_storage.py::test_a_video_of_another_size_is_never_trusted_even_with_its_recorded_mtime",),
    ),
    Plant(
        "a resume re-attaches jobs in flight without counting them ('re-attached from an earlier run' says 0)",
        "batchgen/engine/resume.py",
        "        elif state is JobState.SUBMITTED:\n            report.reattached += 1\n",
        "        elif state is JobState.SUBMITTED:\n",
        ("tests/engine/test_resume_counts.py",),
    ),
    Plant(
        "--adopt-key writes a paid video being downloaded expired (its link needs no key: the video is lost)",
        "batchgen/engine/account.py",
        '        if rec["state"] == "downloading":  # its output link needs no key',
        "        if False:  # its output link needs no key",
        (
            "tests/engine/test_account.py::"
            "test_adopting_another_accounts_folder_keeps_a_paid_video_whose_link_needs_no_key",
        ),
    ),
    Plant(
        "a new key of the same account is taken for another account while the history answers 500",
        "batchgen/engine/account.py",
        "        except ApiError:\n            pass  # not found, or the history could not be read",
        "        except ApiError:\n            continue  # not found, or the history could not be read",
        (
            "tests/engine/test_account.py::"
            "test_a_new_key_of_the_same_account_goes_on_even_while_its_history_cannot_be_read",
        ),
    ),
    Plant(
        "a job attached by a later run is timed as queued from that run's line, not from its request",
        "batchgen/report/timeline.py",
        'row.queued_at = parse_time(record.get("submitted_at")) or at',
        "row.queued_at = at",
        (
            "tests/report/test_report.py::"
            "test_a_job_attached_by_a_later_run_is_timed_from_when_its_request_was_made_not_from_that_line",
        ),
    ),
    Plant(
        "the report counts warnings, not videos with warnings",
        "batchgen/report/html.py",
        "flagged = sum(1 for r in rows if r.warnings)",
        "flagged = sum(len(r.warnings) for r in rows)",
        ("tests/report/test_report.py::test_the_page_counts_videos_with_warnings_not_the_warnings",),
    ),
    Plant(
        "the raised cap of the resume line rounded to the nearest cent (a cent short: it stops again)",
        "batchgen/cli/nextstep.py",
        "needed = math.ceil((spent + sum(costs)) * 100 - 1e-6) / 100",
        "needed = round(spent + sum(costs), 2)",
        ("tests/cli/test_nextstep.py",),
    ),
    Plant(
        "an output.filename that holds no whole {id} accepted (every video renamed over the one before)",
        "batchgen/config.py",
        "        if _WHOLE_ID not in named:",
        "        if False:",
        (
            "tests/store/test_ledger_storage_config.py::"
            "test_a_file_name_pattern_that_does_not_give_every_job_its_own_file_is_refused",
        ),
    ),
    Plant(
        "a spend cap of $0 refused as bad config",
        "batchgen/config.py",
        '            _positive("limits", "max_spend_usd", self.max_spend_usd, zero_ok=True)',
        '            _positive("limits", "max_spend_usd", self.max_spend_usd)',
        ("tests/store/test_ledger_storage_config.py::test_a_spend_cap_of_zero_or_more_is_a_cap",),
    ),
    Plant(
        "a per-second price rounded to cents (an estimate under the charge passes the cap)",
        "batchgen/models/price.py",
        "                return round(row.usd * float(seconds), 6), True",
        "                return round(row.usd * float(seconds), 2), True",
        (
            "tests/models/test_price_edges.py::"
            "test_a_per_second_rate_is_priced_to_the_fraction_of_a_cent_never_rounded_to_cents",
        ),
    ),
    Plant(
        "the dry run says nothing of a spend cap of $0",
        "batchgen/report/summary.py",
        "    if cap is not None:",
        "    if cap:",
        ("tests/report/test_summary_lines.py::test_the_plan_for_a_new_folder_and_a_cap_that_is_enough",),
    ),
    Plant(
        "submits of unknown outcome left by an earlier run counted as 'submitted now'",
        "batchgen/engine/run.py",
        "report.unsettled = sum(1 for job in self.jobs if job.state is JobState.SUBMITTING and job.posted)",
        "report.unsettled = sum(1 for job in self.jobs if job.state is JobState.SUBMITTING)",
        (
            "tests/e2e/test_api_worlds.py::"
            "test_a_resumed_run_whose_history_still_answers_500_asks_it_a_bounded_number_of_times_and_sends_nothing",
        ),
    ),
    Plant(
        "--max-spend 0 given now loses to the cap kept with the folder (0 == False: the run spends)",
        "batchgen/cli/options.py",
        "        if value is None or not _unset(values.get(name)):",
        "        if value is None or values.get(name) not in (None, False):",
        (f"{OPTIONS}::test_a_cap_of_zero_given_now_holds_and_is_kept_for_the_bare_command",),
    ),
    Plant(
        "a spend cap of $0 is not kept with the folder (the bare re-run spends without a cap)",
        "batchgen/cli/options.py",
        "    data = {name: value for name, value in options.values.items() if not _unset(value)}",
        "    data = {name: value for name, value in options.values.items() if value not in (None, False)}",
        (f"{OPTIONS}::test_a_cap_of_zero_given_now_holds_and_is_kept_for_the_bare_command",),
    ),
    Plant(
        "an object-store ledger resumed from its oldest snapshot (a compaction cut short: 'the ledger was edited')",
        "batchgen/store/segments.py",
        "    base = max(snapshots, default=0)",
        "    base = min(snapshots, default=0)",
        (
            "tests/store/test_segments_units.py::"
            "test_a_compaction_cut_short_before_its_deletes_finished_resumes_from_the_newest_snapshot",
        ),
    ),
    Plant(
        "a submit answered 503 taken for an answer: an outage that meets submits never ends the run (exit 6)",
        "batchgen/api/gateway.py",
        "        return exc.status in (None, 503)",
        "        return exc.status is None",
        (
            "tests/api/test_gateway_reach.py::"
            "test_a_submit_answered_503_is_no_answer_from_the_api_and_leaves_the_bound_running",
        ),
    ),
    Plant(
        "a plain re-run sends lost and expired jobs again without --resubmit-lost (paid again unasked)",
        "batchgen/engine/resume.py",
        "(state is JobState.EXPIRED and not resubmit_lost):",
        "(state is JobState.EXPIRED and False):",
        (
            "tests/engine/test_resume_counts.py::"
            "test_a_plain_resume_never_sends_a_failed_or_lost_job_again_only_its_flag_does",
        ),
    ),
    Plant(
        "the credit balance leaves out the free credits (the preflight warns of a batch it covers)",
        "batchgen/api/answers.py",
        "        return self.credits + self.free_credits",
        "        return self.credits",
        ("tests/engine/test_submitter_units.py::test_preflight_counts_the_free_credits_with_the_paid_ones",),
    ),
    Plant(
        "'batchgen models NAME' gives the cheapest price as the whole range (a batch's dearest job unsaid)",
        "batchgen/cli/catalogue_view.py",
        'lines.append(f"  price (USD per video): {lowest(spec):g} - {highest(spec):g}")',
        'lines.append(f"  price (USD per video): {lowest(spec):g} - {lowest(spec):g}")',
        (CATALOGUE,),
    ),
    Plant(
        "'did you mean' finds no model for a name typed in capitals",
        "batchgen/models/catalogue.py",
        "close = difflib.get_close_matches(name.lower(), list(lowered), n=1, cutoff=0.6)",
        "close = difflib.get_close_matches(name, list(lowered), n=1, cutoff=0.6)",
        (CATALOGUE,),
    ),
    Plant(
        "a report made without the last run's verdict calls jobs held back by the cap failures (exit 1, not 3)",
        "batchgen/report/publish.py",
        '    return Verdict(3 if any(row.state == "deferred" and not row.held for row in rows) else 1)',
        "    return Verdict(1)",
        ("tests/report/test_exits.py::test_a_folder_without_a_kept_verdict_is_judged_from_its_jobs",),
    ),
    Plant(
        "the JSON outcome line gives this manifest's spend, not the folder's that the summary gives",
        "batchgen/cli/main.py",
        "spend_usd=round(spend, 6),",
        "spend_usd=round(report.spend, 6),",
        ("tests/cli/test_logs.py::test_a_cron_run_leaves_its_summary_and_exit_code_in_the_log_file",),
    ),
    Plant(
        "an object-store video of another size passes the quick check (a copy cut short is never fetched again)",
        "batchgen/store/objects.py",
        "            ok = str(key) in sizes and (size is None or sizes[str(key)] == size)",
        "            ok = str(key) in sizes",
        (OBJECT_CHECK,),
    ),
    Plant(
        "--verify-files reads no object-store video back (other bytes of the same size pass)",
        "batchgen/store/objects.py",
        "            if ok and deep and sha256 is not None:",
        "            if ok and deep and sha256 is None:",
        (OBJECT_CHECK,),
    ),
    Plant(
        "an image job whose rows nothing tells apart is left at once, not once another job's look-up took one",
        "batchgen/engine/recovery.py",
        "            if await self._until_one_claimed(job, exc.candidates):",
        "            if False:",
        ("tests/engine/test_recovery_images.py",),
    ),
    Plant(
        "an image job left with rows nothing tells apart is taken as hope of telling another's apart",
        "batchgen/engine/submitter.py",
        "            and other.spec.id not in rec.torn_left",
        "            and True",
        (
            "tests/engine/test_submitter_units.py::test_a_look_up_whose_rows_nothing_tells_apart_waits_for_the_"
            "outcomes_unknown_then_and_no_later_ones",
        ),
    ),
    Plant(
        "an image in a list's objects is not checked (a local path in elements is sent as written, and paid)",
        "batchgen/models/images.py",
        "        ref, problem = check_image(inner, value, base=base)",
        "        ref, problem = value, None",
        (NESTED + "::test_every_bad_nested_image_is_listed_with_its_place_and_nothing_is_sent",),
    ),
    Plant(
        "an image in a list's objects is not in the job's identity (a new picture under its name is no changed row)",
        "batchgen/models/images.py",
        "    return {k: identity_of(v) for k, v in params.items()}",
        "    return {k: identity_of(v) for k, v in params.items() if is_ref(v) or not holds_images(v)}",
        (NESTED + "::test_a_nested_image_is_in_the_identity_by_its_digest_not_its_path",),
    ),
    Plant(
        "an image in a list's objects is in the identity by its path (a moved folder is a changed row)",
        "batchgen/models/images.py",
        "    return {k: identity_of(v) for k, v in params.items()}",
        "    return {k: identity_of(v) if is_ref(v) or not holds_images(v) else v for k, v in params.items()}",
        (NESTED + "::test_a_nested_image_is_in_the_identity_by_its_digest_not_its_path",),
    ),
    Plant(
        "an image in a list's objects is not re-hashed before its submit's line is written",
        "batchgen/models/images.py",
        "    for _, ref in refs_in(params):",
        "    for _, ref in refs_in({k: v for k, v in params.items() if is_ref(v)}):",
        (NESTED + "::test_a_nested_image_changed_after_its_check_is_not_sent_and_is_sent_on_the_next_run",),
    ),
    Plant(
        "a lost submit's history rows are not told apart by an image in a list's objects",
        "batchgen/engine/lookup.py",
        "        value = _at(row.request_body, images, steps)",
        "        value = _at(row.request_body, images, steps[:1])",
        (NESTED + "::test_a_lost_submit_is_told_by_its_nested_image_from_one_alike_but_for_it",),
    ),
    Plant(
        "a whole read kept for later look-ups counts only top-level text (images in a list's objects kept past it)",
        "batchgen/engine/recovery.py",
        "                kept += sum(text_size(row.request_body) for row in rows)",
        "                kept += sum(len(v) for row in rows for v in row.request_body.values() if isinstance(v, str))",
        ("tests/engine/test_recovery_unordered.py::test_a_whole_read_kept_for_later_look_ups_keeps_no_image_bodies",),
    ),
    Plant(
        "a history row's list of images that lost an item is compared place by place (its own request not taken)",
        "batchgen/engine/lookup.py",
        "            if not (isinstance(body, list) and isinstance(ours, list) and len(body) == len(ours)):",
        "            if not (isinstance(body, list) and isinstance(ours, list) and step < len(body)):",
        (
            "tests/engine/test_recovery_images.py"
            "::test_a_row_whose_list_of_images_lost_an_item_is_not_told_apart_by_the_ones_moved_up",
        ),
    ),
    Plant(
        "sweeps never space out for jobs queued on the server (every 2.5 finds, whatever waits for a worker)",
        "batchgen/engine/cadence.py",
        "        return finds if finds > 1.0 / SWEEPS_PER_JOB else 0.0",
        "        return 0.0",
        (
            QUEUE,
            "tests/e2e/test_pacing.py::test_sweeps_space_out_when_more_of_our_jobs_wait_for_a_worker_than_a_sweep_fin"
            "ds",
        ),
    ),
    Plant(
        "the longest gap forces the sweeps a queue on the server made needless",
        "batchgen/engine/cadence.py",
        "        queued = typical * self._finds_queued(key) / self.peak",
        "        queued = 0.0",
        (QUEUE,),
    ),
    Plant(
        "first jobs quick by chance are taken for a queue on the server (sweeps space out, workers left idle)",
        "batchgen/engine/server_queue.py",
        "        alone, lately = _typical(work, SURE), _typical(recent, -SURE)",
        "        alone, lately = _typical(work, 0.0), _typical(recent, 0.0)",
        (QUEUE,),
    ),
    Plant(
        "the resume line leaves out the --models files the run was given (it is refused: unknown model)",
        "batchgen/cli/nextstep.py",
        """    words = "".join(f" --models {shlex.quote(path)}" for path in getattr(args, "models", None) or ())""",
        '''    words = ""''',
        (
            "tests/e2e/test_told_true.py::test_the_resume_line_of_a_batch_of_a_user_model_names_its_spec_file_and_com"
            "pletes",
        ),
    ),
    Plant(
        "status counts the ledger's jobs a row removed from the manifest left as the manifest's",
        "batchgen/report/summary.py",
        "        jobs = {job_id: rec for job_id, rec in replay.jobs.items() if job_id in wanted}",
        "        jobs = {job_id: rec for job_id, rec in replay.jobs.items()}",
        ("tests/e2e/test_told_status.py::test_status_counts_the_manifest_s_jobs_not_the_rows_removed_from_it",),
    ),
    Plant(
        "a video a killed run left in place is written lost once its link is gone (paid again to remake)",
        "batchgen/engine/downloader.py",
        "                    if (saved := await self._installed(job, dest)) is not None:\n"
        "                        break\n"
        '                    await self.lost(job, f"its output file is gone',
        "                    if None:\n"
        "                        break\n"
        '                    await self.lost(job, f"its output file is gone',
        (
            "tests/e2e/test_crash.py::test_a_video_in_place_without_its_completed_line_is_kept_once_its_link_is_gone",
            "tests/engine/test_downloader.py::test_a_video_an_earlier_run_put_in_place_is_kept_when_its_link_is_gone",
        ),
    ),
    Plant(
        "a reader that closes the pipe early ('status --json | head') turns a status into a traceback and exit 1",
        "batchgen/cli/logs.py",
        "    except BrokenPipeError:",
        "    except ValueError:",
        ("tests/e2e/test_told_status.py::test_status_read_by_a_pipe_closed_early_exits_0_without_a_traceback",),
    ),
    Plant(
        "a job refused in both inline forms lets the next flip the model's form back, logged 'from now on' per job",
        "batchgen/engine/inline_forms.py",
        "            if self._forms.get(key, form) == form and key not in self._confirmed | self._refused_both:",
        "            if self._forms.get(key, form) == form and key not in self._confirmed:",
        (
            "tests/e2e/test_image_forms.py::test_a_gateway_that_refuses_both_forms_is_not_said_to_take_each_in_turn",
            "tests/engine/test_inline_forms.py::test_the_log_says_each_change_of_form_once_and_says_which_form_went_t"
            "hrough_after_one_it_named",
        ),
    ),
    Plant(
        "a report made later shows a row made anew with what its first request asked for",
        "batchgen/report/timeline.py",
        '        if isinstance(record.get("params"), dict) and job_id not in given:',
        '        if isinstance(record.get("params"), dict) and not row.params:',
        ("tests/report/test_report_truth.py::test_a_report_made_later_shows_what_a_row_made_anew_asked_for_last",),
    ),
    Plant(
        "a video made anew under the same name keeps the poster frame of the one it replaced",
        "batchgen/report/thumbs.py",
        "        if is_current(dest, video) or make_thumbnail(video, dest, width):",
        "        if dest.exists() or make_thumbnail(video, dest, width):",
        ("tests/report/test_report_truth.py::test_a_row_made_anew_gets_the_poster_frame_of_its_new_video",),
    ),
    Plant(
        "the poster frames made as videos land keep the frame of a video made anew under the same name",
        "batchgen/report/ahead.py",
        "        if not is_current(dest, video) and make_thumbnail(video, dest, width):",
        "        if not dest.exists() and make_thumbnail(video, dest, width):",
        ("tests/report/test_ahead.py::test_a_video_made_anew_under_the_same_name_gets_its_own_poster_as_it_lands",),
    ),
    Plant(
        "a signal while the run writes its results and report kills it by the signal (no report, summary or exit code)",
        "batchgen/cli/runner.py",
        "        await tg.start(_watch_wrap_up, on_second_signal)",
        "        await anyio.sleep(0)",
        (
            "tests/e2e/test_crash.py::test_sigterm_while_the_run_writes_its_report_lets_it_finish_and_exit_with_its_o"
            "wn_code",
        ),
    ),
    Plant(
        "a folder whose lines name no key is checked for a key change",
        "batchgen/engine/account.py",
        'rec.get("key_fp") not in (None, fingerprint)',
        'rec.get("key_fp") not in (fingerprint,)',
        ("tests/engine/test_account.py::test_a_folder_whose_lines_name_no_key_is_resumed_without_a_check",),
    ),
    Plant(
        "a key change is judged from the first request of the folder only",
        "batchgen/engine/account.py",
        "same, found = await _same_account(api, evidence[:PROBES])",
        "same, found = await _same_account(api, evidence[:1])",
        (
            "tests/engine/test_account.py::test_a_request_the_new_key_cannot_check_does_not_decide_while_another_show"
            "s_the_same_account",
        ),
    ),
    Plant(
        "a request that could not be checked is said to be unknown to the new key's account",
        "batchgen/engine/account.py",
        "        except NotFound:\n            why = f",
        "        except ApiError:\n            why = f",
        (
            "tests/engine/test_account.py::test_the_stop_for_another_account_says_whether_the_request_was_unknown_or_"
            "could_not_be_checked",
        ),
    ),
    Plant(
        "--adopt-key says how many jobs were written expired wrongly",
        "batchgen/engine/account.py",
        "            adopted += 1\n",
        "",
        ("tests/engine/test_account.py::test_adopting_says_how_many_jobs_in_flight_were_written_expired",),
    ),
    Plant(
        "a new key of the same account moves its jobs to submitted",
        "batchgen/engine/account.py",
        'job_id, Event.KEY_CHANGED, JobState(rec["state"]), previous_key_fp',
        "job_id, Event.KEY_CHANGED, JobState.SUBMITTED, previous_key_fp",
        ("tests/engine/test_account.py::test_a_new_key_of_the_same_account_leaves_every_job_in_the_state_it_was_in",),
    ),
    Plant(
        "a job held back for a changed image beside one in flight exits 6",
        "batchgen/report/exits.py",
        'left <= {"submitting", "submitted"}',
        'left <= {"submitting", "submitted", "deferred"}',
        ("tests/report/test_exits.py::test_the_exit_code_says_what_the_run_left",),
    ),
    Plant(
        "an unusable output folder at the start exits 1, not 2",
        "batchgen/report/exits.py",
        "isinstance(exc, InputError | StorageError | LedgerDamaged)",
        "isinstance(exc, InputError | LedgerDamaged)",
        ("tests/report/test_exits.py::test_an_error_before_a_run_gives_its_own_code",),
    ),
    Plant(
        "a lease lost mid-run exits 1, not 7",
        "batchgen/report/exits.py",
        "isinstance(report.fatal, StorageError | LedgerError)",
        "isinstance(report.fatal, StorageError)",
        ("tests/report/test_exits.py::test_a_run_wide_error_gives_its_own_code_whatever_the_jobs_left",),
    ),
    Plant(
        "a sharded run with failed and unsettled shards exits 6, not 1",
        "batchgen/report/exits.py",
        "    EXIT_FAILED,\n    EXIT_UNREACHABLE,",
        "    EXIT_UNREACHABLE,\n    EXIT_FAILED,",
        ("tests/report/test_exits.py::test_a_sharded_run_exits_with_its_most_serious_shards_code",),
    ),
    Plant(
        "a submit left for a re-run is told a re-run cannot settle it",
        "batchgen/engine/outcome.py",
        'error.get("rerun") is False',
        'error.get("rerun") is not True',
        (
            "tests/report/test_promises_units.py::test_status_tells_a_submit_a_re_run_settles_from_one_only_another_c"
            "ommand_settles",
        ),
    ),
    Plant(
        "the resume line adds --retry-failed beside a job held back for a changed image",
        "batchgen/cli/nextstep.py",
        'unfinished = ("pending", "submitting", "submitted", "downloading", "deferred")',
        'unfinished = ("pending", "submitting", "submitted", "downloading")',
        (
            "tests/cli/test_nextstep.py::test_after_failures_the_resume_line_names_the_flag_that_takes_them_up_and_no"
            "_other",
        ),
    ),
    Plant(
        "the resume line adds --retry-failed with no failed job made",
        "batchgen/cli/nextstep.py",
        'made = states.get("failed", 0) > sum(',
        'made = states.get("failed", 0) >= sum(',
        (
            "tests/cli/test_nextstep.py::test_after_failures_the_resume_line_names_the_flag_that_takes_them_up_and_no"
            "_other",
        ),
    ),
    Plant(
        "the resume line leaves out --resubmit-lost for expired jobs",
        "batchgen/cli/nextstep.py",
        '(" --resubmit-lost" if states.get("expired") else "")',
        '""',
        (
            "tests/cli/test_nextstep.py::test_after_failures_the_resume_line_names_the_flag_that_takes_them_up_and_no"
            "_other",
        ),
    ),
    Plant(
        "a shard's resume line leaves out --shards",
        "batchgen/cli/nextstep.py",
        '(f" --shards {args.shards}" if args.shards else "")',
        '""',
        ("tests/cli/test_nextstep.py::test_a_shards_resume_line_names_its_shard_and_the_shard_count",),
    ),
    Plant(
        "an interrupted run beside deferred jobs does not exit 130",
        "batchgen/report/exits.py",
        'if report.stop_reason == "interrupted":',
        'if report.stop_reason == "interrupted" and not report.states.get("deferred"):',
        ("tests/report/test_exits.py::test_the_exit_code_says_what_the_run_left",),
    ),
    Plant(
        "a spend-cap stop that left only failures is told to raise the cap",
        "batchgen/cli/nextstep.py",
        '    if report.stop_reason == "spend_cap" and code == EXIT_CREDITS:\n        return (\n',
        '    if report.stop_reason == "spend_cap":\n        return (\n',
        ("tests/cli/test_nextstep.py::test_a_spend_cap_stop_that_left_only_failures_names_the_flag_not_a_higher_cap",),
    ),
    Plant(
        "the run's summary leaves out the videos kept with warnings",
        "batchgen/cli/runner.py",
        "            report.media_warnings = count_media_warnings(final)\n",
        "",
        ("tests/report/test_report.py::test_a_run_marks_exactly_the_wrong_videos_and_keeps_them",),
    ),
    Plant(
        "the climb back after a 429 passes the configured rate",
        "batchgen/api/ratelimit.py",
        "self.limit = min(self.configured, self.limit + self._step)",
        "self.limit = self.limit + self._step",
        (
            "tests/api/test_ratelimit.py::test_the_climb_back_never_passes_the_configured_figure_when_its_steps_do_no"
            "t_meet_it",
        ),
    ),
    Plant(
        "a probe that shows a higher server limit lifts the rate past the configured one",
        "batchgen/api/ratelimit.py",
        "self.limit = max(self.min_limit, min(float(limit), self.configured))",
        "self.limit = max(self.min_limit, float(limit))",
        (
            "tests/api/test_ratelimit.py::test_a_probe_that_shows_the_server_admits_more_than_configured_keeps_the_co"
            "nfigured_rate",
        ),
    ),
    Plant(
        "a resumed job's recorded reason is dropped (failures by reason say none)",
        "batchgen/engine/resume.py",
        'job.error = error_text(rec.get("error"))',
        "job.error = None",
        (
            "tests/engine/test_resume_counts.py::test_a_plain_resume_never_sends_a_failed_or_lost_job_again_only_its_"
            "flag_does",
        ),
    ),
    Plant(
        "a shard without its own options file loses the folder's kept cap",
        "batchgen/cli/options.py",
        "    return options_file(out) if shard and not path.exists() else path\n",
        "    return path\n",
        ("tests/cli/test_options_kept.py::test_a_shard_keeps_its_own_options_and_one_without_takes_the_folders_cap",),
    ),
    Plant(
        "a line that clears a job's error keeps the stale reason",
        "batchgen/engine/book.py",
        '        if "error" in fields:\n            job.error',
        '        if fields.get("error"):\n            job.error',
        ("tests/engine/test_book.py::test_a_line_that_clears_the_error_clears_the_reason_the_summary_gives",),
    ),
    Plant(
        "BATCHGEN_CONCURRENCY read as a float (the run ends in a traceback)",
        "batchgen/config.py",
        'return int(number) if key == "concurrency" and number.is_integer() else number',
        "return number",
        ("tests/cli/test_options_kept.py::test_a_run_given_its_concurrency_by_the_environment_completes_and_keeps_it",),
    ),
    Plant(
        "a model spec file named in the config is looked for in the working folder",
        "batchgen/config.py",
        "value = [str(base / v) if isinstance(v, str) and v else v for v in value]",
        "value = list(value)",
        (
            "tests/store/test_ledger_storage_config.py::test_a_model_spec_file_named_in_the_config_is_found_beside_th"
            "e_config_wherever_the_run_starts",
        ),
    ),
    Plant(
        "a fresh link for a failed download is the same link again when the result lists several",
        "batchgen/engine/recovery.py",
        "url = others[0] if len(result.output_urls) > 1 and others else result.output_url",
        "url = result.output_url",
        (
            "tests/engine/test_downloader_units.py::test_a_link_of_an_output_list_that_is_gone_is_replaced_by_the_nex"
            "t_one_the_result_lists",
        ),
    ),
    Plant(
        "a credit stop's summary counts a job held back for its image among the deferred",
        "batchgen/report/summary.py",
        'deferred = report.states.get("deferred", 0) - len(report.held_back)',
        'deferred = report.states.get("deferred", 0)',
        (
            "tests/report/test_summary_lines.py::test_a_credit_stop_counts_as_deferred_only_the_jobs_it_held_back_not"
            "_one_whose_image_changed",
        ),
    ),
    Plant(
        "a completed line records the API's size, none when the API gave none",
        "batchgen/engine/downloader.py",
        "            bytes=saved.size,\n",
        "            bytes=job.file_size,\n",
        (
            "tests/engine/test_downloader_units.py::test_a_video_whose_size_the_api_did_not_give_is_recorded_at_the_s"
            "ize_it_has_on_disk",
        ),
    ),
    Plant(
        "an object-store video whose key was emptied between create and read is taken as stored",
        "batchgen/store/objects.py",
        "                continue  # deleted between the two calls: try again\n",
        "                return  # deleted between the two calls: try again\n",
        ("tests/store/test_store.py::test_an_object_in_the_way_that_vanishes_is_created_anew_not_taken_as_stored",),
    ),
    Plant(
        "the report page promises a plain re-run settles what it cannot",
        "batchgen/report/html.py",
        "    title = LEFT_TITLE if all(r.rerun for r in data.rows) else LEFT_STUCK_TITLE",
        "    title = LEFT_TITLE",
        (
            "tests/report/test_report.py::test_a_job_a_re_run_cannot_settle_and_one_held_back_for_its_image_are_told_"
            "apart_from_deferred_ones",
        ),
    ),
    Plant(
        "the report page lists a job held back for its image among the jobs deferred by credits or the cap",
        "batchgen/report/html.py",
        'for r in data.rows if r.state == "deferred" and not r.held])',
        'for r in data.rows if r.state == "deferred"])',
        (
            "tests/report/test_report.py::test_a_job_a_re_run_cannot_settle_and_one_held_back_for_its_image_are_told_"
            "apart_from_deferred_ones",
        ),
    ),
    Plant(
        "a --simulate run whose simulated account could not be saved exits with the run's code",
        "batchgen/cli/main.py",
        "    return code if saved else EXIT_UNWRITABLE\n",
        "    return code\n",
        ("tests/e2e/test_told_true.py::test_a_simulated_account_that_cannot_be_saved_exits_7_and_says_what_is_lost",),
    ),
    Plant(
        "a 429 is not taken as an answer, so a long 429 gate then one network error stops the run as unreachable",
        "batchgen/api/gateway.py",
        "                        between = True\n                        self._heard_now(submit=submit)\n",
        "                        between = True\n",
        (
            "tests/api/test_gateway_reach.py::test_a_429_is_an_answer_so_a_long_gate_then_one_reset_connection_is_no_"
            "outage",
        ),
    ),
    Plant(
        "a re-attached job is taken as sent now (its record's expiry counted from the resume)",
        "batchgen/engine/resume.py",
        "        job.submitted_at = clock.now() if sent is None else clock.from_wall(sent)\n",
        "        job.submitted_at = clock.now()\n",
        ("tests/engine/test_resume_dates.py::test_a_job_re_attached_keeps_the_age_its_records_expiry_counts_from",),
    ),
    Plant(
        "a credit stop that names no balance keeps a balance read before it",
        "batchgen/engine/control.py",
        "        elif first:\n            self.report.balance = None",
        "        elif False:\n            self.report.balance = None",
        (
            "tests/engine/test_control.py::test_after_a_credit_stop_the_balance_told_is_the_latest_never_one_read_bef"
            "ore_it",
        ),
    ),
    Plant(
        "after a credit stop the highest balance read is told, not the latest",
        "batchgen/engine/control.py",
        'if self.report.stop_reason != "credits" or current is None or balance < current:',
        'if self.report.stop_reason != "credits" or current is None or balance > current:',
        (
            "tests/engine/test_control.py::test_after_a_credit_stop_the_balance_told_is_the_latest_never_one_read_bef"
            "ore_it",
        ),
    ),
    Plant(
        "a history link's folder is left out of its shape (a preview in another folder trusted for the video)",
        "batchgen/engine/history_links.py",
        'folder = path.parts[1] if len(path.parts) > 2 else ""',
        'folder = ""',
        ("tests/e2e/test_world.py::test_history_links_are_trusted_per_model_and_only_in_the_shape_that_matched",),
    ),
    Plant(
        "a run that ended with failures logs its outcome at info level",
        "batchgen/cli/logs.py",
        "    level = logging.INFO if code == 0 else logging.ERROR\n",
        "    level = logging.INFO\n",
        ("tests/cli/test_logs.py::test_a_cron_run_leaves_its_summary_and_exit_code_in_the_log_file",),
    ),
    Plant(
        "a report judged from the jobs takes a job held back for its image for a credit stop",
        "batchgen/report/publish.py",
        'return Verdict(3 if any(row.state == "deferred" and not row.held for row in rows) else 1)',
        'return Verdict(3 if any(row.state == "deferred" for row in rows) else 1)',
        (
            "tests/report/test_exits.py::test_a_folder_without_a_kept_verdict_tells_a_job_held_back_for_its_image_fro"
            "m_one_deferred_by_a_stop",
        ),
    ),
    Plant(
        "a run a stop ended gives no reason for the jobs it left of their own accord (a submit it could not settle)",
        "batchgen/engine/run.py",
        "                or job.state not in (JobState.DEFERRED, JobState.PENDING)",
        "                or False",
        (
            "tests/e2e/test_told_true.py"
            "::test_a_run_the_spend_cap_stopped_still_gives_the_reason_of_a_submit_it_could_not_settle",
        ),
    ),
    Plant(
        "a video found in place and kept is told as fetched again",
        "batchgen/engine/downloader.py",
        "            report.kept_in_place += 1",
        "            report.refetched += 1",
        ("tests/e2e/test_crash.py::test_a_video_in_place_without_its_completed_line_is_kept_once_its_link_is_gone",),
    ),
    Plant(
        "a draining batch is still swept as if jobs queued on the server (each late find the batch's delay)",
        "batchgen/engine/cadence.py",
        "        queued = self.queue.waiting(key, self.peak) - max(0, self.peak - len(self.jobs))",
        "        queued = self.queue.waiting(key, self.peak)",
        (
            QUEUE + "::test_the_jobs_in_flight_below_the_peak_come_out_of_the_queue_"
            "and_the_drain_sweeps_as_if_there_were_none",
        ),
    ),
    Plant(
        "a resumed run's re-attached jobs stand for the work alone (a queue claimed where none is)",
        "batchgen/engine/server_queue.py",
        "        if job.request_id is None or job.request_id in self._index or job.sent_at is None:",
        "        if job.request_id is None or job.request_id in self._index:",
        (QUEUE + "::test_jobs_an_earlier_run_sent_stand_for_nothing",),
    ),
    Plant(
        "a submit a plain re-run cannot settle is taken as hope of telling another job's rows apart",
        "batchgen/engine/submitter.py",
        "            and other.spec.id not in self._no_rerun  # (a re-run settles it no more than this run did)",
        "            and True",
        (
            "tests/engine/test_submitter_units.py::test_a_submit_a_plain_re_run_cannot_settle_is_no_hope_of_telling_a"
            "nother_jobs_rows_apart",
        ),
    ),
    Plant(
        "a job a stop found pending for a reason of its own is left without it",
        "batchgen/engine/submitter.py",
        "            if verdict.state is JobState.PENDING:",
        "            if False:",
        (
            "tests/e2e/test_told_true.py::test_a_run_the_spend_cap_stopped_still_gives_the_reason_of_a_job_its_own_su"
            "bmits_left_pending",
        ),
    ),
    Plant(
        "a completed video that failed its check is kept in place as the job's once its link is gone",
        "batchgen/engine/downloader.py",
        "        if since is None or job.damaged:",
        "        if since is None:",
        (
            "tests/e2e/test_crash.py::test_a_completed_video_that_fails_its_check_is_not_kept_in_place_once_its_link_"
            "is_gone",
        ),
    ),
    Plant(
        "the rows an image job's look-up could not tell apart, named in its reason, keep like reasons from grouping",
        "batchgen/report/summary.py",
        '    text = _CANDIDATE_IDS.sub("", text)',
        "    text = text",
        (
            "tests/report/test_summary_lines.py"
            "::test_an_image_jobs_look_up_reasons_group_whatever_the_number_of_requests_it_matched",
        ),
    ),
    Plant(
        "a history row's id spelled as 32 bare hex digits is matched as it is, to no submit of this run",
        "batchgen/api/answers.py",
        '        request_id=dashed or row["request_id"],',
        '        request_id=row["request_id"],',
        (
            "tests/e2e/test_history_ids.py"
            "::test_sweeps_and_lost_submits_find_every_job_in_a_history_that_spells_ids_without_dashes",
        ),
    ),
    Plant(
        "one request asked of a history that spells ids bare is asked dashed, however often that was not found",
        "batchgen/api/client.py",
        "        if bare is not None and self.history_bare_ids:",
        "        if False:",
        (
            "tests/api/test_worlds_answers.py"
            "::test_one_request_is_asked_of_the_history_in_its_own_spelling_once_that_is_known",
        ),
    ),
    Plant(
        "an id the history did not find dashed, before its spelling is known, is not asked bare",
        "batchgen/api/client.py",
        "            if bare is None or self.history_bare_ids is False:",
        "            if True:",
        (
            "tests/api/test_worlds_answers.py"
            "::test_one_request_is_asked_of_the_history_in_its_own_spelling_once_that_is_known",
        ),
    ),
    Plant(
        "a lost submit's row, listed under another name than the model's slug, is matched by the slug alone",
        "batchgen/engine/lookup.py",
        "            if rec.names.may_be(model, row.model_name)",
        "            if row.model_name == model",
        (
            "tests/e2e/test_history_ids.py"
            "::test_lost_submits_are_found_in_a_history_that_names_models_otherwise_than_their_slugs",
            "tests/e2e/test_crash.py"
            "::test_a_lost_submit_paid_for_is_found_by_a_re_run_in_a_history_that_lists_its_model_under_a_title",
        ),
    ),
    Plant(
        "a lost submit of a model none of ours was listed of is looked for by its slug: a title hides its row",
        "batchgen/engine/history_names.py",
        "            return None",
        "            return model",
        (
            "tests/e2e/test_history_ids.py::test_lost_submits_are_never_paid_twice_where_the_history_names_one_model"
            "_by_slug_and_another_by_title",
            "tests/engine/test_history_names.py::test_before_a_row_of_the_model_is_listed_a_look_up_asks_for_every"
            "_model_and_takes_any_name_but_a_slug",
        ),
    ),
    Plant(
        "a look-up asks the history for the slug where it lists the model under a name without it",
        "batchgen/engine/history_names.py",
        "        return model if all(model in name for name in names) else next(iter(shared), None)\n",
        "        return model\n",
        (
            "tests/e2e/test_history_ids.py"
            "::test_lost_submits_are_found_in_a_history_that_names_models_otherwise_than_their_slugs",
        ),
    ),
    Plant(
        "a resumed run stopped before it looked at a job tells the earlier run's reason as its own",
        "batchgen/engine/resume.py",
        '        job.error_at = rec.get("ts") if job.error else None',
        "        job.error_at = None",
        (
            "tests/e2e/test_told_true.py"
            "::test_a_resumed_run_stopped_before_it_looked_at_a_job_tells_its_reason_as_the_earlier_runs",
        ),
    ),
    Plant(
        "status tells a job's reason without when the run that found it recorded it",
        "batchgen/report/summary.py",
        '        later += f" as last recorded (by {utc_second(latest)})"',
        "        pass",
        (
            "tests/report/test_summary_lines.py::test_status_lists_jobs_left_for_a_later_run_apart_from_failures_as_t"
            "he_summary_does",
        ),
    ),
    Plant(
        "a submit refused for its content type is left with no reason, told as a submit of unknown outcome alone",
        "batchgen/engine/submitter.py",
        "            await _durably(self._refused_content_type(job, exc))",
        "            pass",
        (
            "tests/e2e/test_told_true.py"
            "::test_a_submit_refused_for_its_content_type_stops_the_run_with_the_truth_and_the_resume_pays_once",
        ),
    ),
    Plant(
        "a multi-shot list's items go unchecked at load, paid for and refused by the provider",
        "batchgen/models/check.py",
        "            converted, more = check_item_fields(param, converted, model)",
        "            more = []",
        ("tests/e2e/test_multi_shot.py::test_every_bad_shot_is_named_where_it_is_written_and_nothing_is_sent",),
    ),
    Plant(
        "a multi-shot item's required key may be left out",
        "batchgen/models/check.py",
        "            if inner.required and key not in item:",
        "            if False:",
        ("tests/e2e/test_multi_shot.py::test_every_bad_shot_is_named_where_it_is_written_and_nothing_is_sent",),
    ),
    Plant(
        "a CSV cell cannot carry a list parameter (elements, multi_prompt) as JSON",
        "batchgen/models/check.py",
        "    if from_text and isinstance(value, str):  # a CSV cell holds a list as JSON: its items are typed,"
        " as in YAML",
        "    if False:",
        (
            "tests/e2e/test_nested_images.py::"
            "test_a_csv_cell_carries_a_list_of_objects_as_json_and_its_images_are_checked_and_sent_as_from_yaml",
            "tests/e2e/test_multi_shot.py::test_a_csv_cell_carries_the_shots_as_json_strictly",
        ),
    ),
    Plant(
        "results.csv names a job's top-level image alone, not those inside its list parameters",
        "batchgen/store/results.py",
        '    every = {job_id: input_images_json(rec.get("params")) for job_id, rec in jobs.items()}',
        "    every = {job_id: input_images_json(inputs[job_id] or {}) for job_id in jobs}",
        (
            "tests/store/test_storage.py::test_results_csv_names_the_images_inside_a_list_parameters_objects_by_their"
            "_place",
        ),
    ),
    Plant(
        "status, with no manifest known, counts the ledger's jobs without saying so",
        "batchgen/report/summary.py",
        '    lines = [f"{root}: {len(jobs)} jobs in the ledger: {_counts_line(states)}", spent]',
        '    lines = [f"{root}: {len(jobs)} jobs: {_counts_line(states)}", spent]',
        ("tests/e2e/test_told_status.py::test_the_report_and_status_each_say_which_jobs_they_count",),
    ),
    Plant(
        "the report counts the ledger's jobs as if they were the manifest's",
        "batchgen/report/html.py",
        '    cells = [("jobs in the ledger", str(len(rows)))]',
        '    cells = [("jobs", str(len(rows)))]',
        ("tests/e2e/test_told_status.py::test_the_report_and_status_each_say_which_jobs_they_count",),
    ),
    Plant(
        "the report's jobs left for a later run give no word of which run recorded their reasons",
        "batchgen/report/html.py",
        '    recorded = f"<p>{escape(recorded_note(max(times)))}</p>" if times else ""',
        '    recorded = ""',
        (
            "tests/e2e/test_told_true.py"
            "::test_a_resumed_run_stopped_before_it_looked_at_a_job_tells_its_reason_as_the_earlier_runs",
        ),
    ),
    Plant(
        "a row that writes a number sent as its text is taken for another body",
        "batchgen/engine/history_bodies.py",
        "    return _text(sent) == _text(shown)",
        "    return sent == shown",
        ("tests/engine/test_history_bodies.py::test_a_rows_body_is_held_to_the_fields_sent",),
    ),
    Plant(
        "a history row's request_body given as JSON text is read as no body",
        "batchgen/api/answers.py",
        "            body = json.loads(body)",
        "            body = {}",
        (
            "tests/e2e/test_history_ids.py"
            "::test_lost_submits_are_found_in_a_history_that_keeps_bodies_otherwise_than_sent",
        ),
    ),
    Plant(
        "a lost submit is taken for never made in a history whose rows of ours show other bodies than were sent",
        "batchgen/engine/recovery.py",
        "                    if self.bodies.rule(job.spec.model) == OTHER:",
        "                    if False:",
        ("tests/e2e/test_history_ids.py::test_a_history_that_keeps_no_bodies_leaves_lost_submits_unsent_and_says_why",),
    ),
    Plant(
        "a lost submit's row is matched by its exact body where the history fills in defaults beside the fields sent",
        "batchgen/engine/history_bodies.py",
        "        return seen == EXACT or (rule == HOLDS and seen == HOLDS)",
        "        return seen == EXACT",
        (
            "tests/e2e/test_history_ids.py"
            "::test_lost_submits_are_found_in_a_history_that_keeps_bodies_otherwise_than_sent",
        ),
    ),
    Plant(
        "this run's requests leave their bodies untold, so no row of ours shows how the history keeps them",
        "batchgen/engine/submitter.py",
        "            body=None if resumed else job.spec.payload(),",
        "            body=None,",
        (
            "tests/e2e/test_history_ids.py"
            "::test_lost_submits_are_found_in_a_history_that_keeps_bodies_otherwise_than_sent",
        ),
    ),
    Plant(
        "a later request of ours listed proves a lost submit absent where the history lists requests once finished",
        "batchgen/engine/recovery.py",
        "        if later_seen and self.lists_unfinished:",
        "        if later_seen:",
        (
            "tests/e2e/test_history_ids.py"
            "::test_a_history_that_lists_requests_only_once_finished_never_has_a_lost_submit_paid_twice",
            "tests/engine/test_recovery.py::test_absence_is_trusted_once_the_measured_lag_has_passed_twice_over",
        ),
    ),
    Plant(
        "a finished row of ours is taken to show that the history lists requests before they finish",
        "batchgen/engine/recovery.py",
        "        if unfinished and request_id in self._submitted:",
        "        if request_id in self._submitted:",
        (
            "tests/e2e/test_history_ids.py"
            "::test_a_history_that_lists_requests_only_once_finished_never_has_a_lost_submit_paid_twice",
        ),
    ),
    Plant(
        "status reads the folder's kept manifest without the model spec files its run was given",
        "batchgen/cli/options.py",
        "        catalogue.use(models)",
        "        catalogue.use()",
        (
            "tests/e2e/test_told_status.py"
            "::test_status_counts_the_manifest_of_a_model_given_with_models_and_its_rows_never_sent",
        ),
    ),
    Plant(
        "status tells a sharded folder's jobs never submitted to run the same command again, not their shards",
        "batchgen/cli/main.py",
        "    shards = [shard for name in replays if name and (shard := parse_name(name)) is not None and "
        "shard.count > 1]",
        "    shards = []",
        (
            "tests/e2e/test_told_status.py"
            "::test_status_of_a_sharded_folder_names_the_shards_whose_jobs_were_never_submitted",
        ),
    ),
    Plant(
        "status tells a sharded folder's unfinished jobs to run the same command again, not their shard's",
        "batchgen/report/summary.py",
        '        owners = _shard_flags([i for i, r in jobs.items() if r.get("state") in UNFINISHED and not '
        "at_work(i)], shards)",
        '        owners = ""',
        (
            "tests/report/test_summary_lines.py"
            "::test_a_sharded_folders_status_names_the_shard_of_each_job_a_run_is_still_to_send_or_resume",
        ),
    ),
    Plant(
        "the dry run of another shard count than the folder's counts and estimates a run that is refused",
        "batchgen/cli/main.py",
        "        await _same_shard_count(settings.output.dir, shard)",
        "        pass",
        (
            "tests/e2e/test_told_status.py"
            "::test_the_dry_run_of_another_shard_count_than_the_folders_is_refused_as_the_run_is",
        ),
    ),
    Plant(
        "status takes a live shard's run for the one at work on every shard's unfinished jobs",
        "batchgen/report/summary.py",
        "    return lambda job_id: shard_of(job_id, count) in held",
        "    return lambda job_id: bool(live)",
        (
            "tests/report/test_summary_lines.py"
            "::test_a_sharded_folders_status_leaves_to_a_live_run_only_its_own_shards_jobs",
        ),
    ),
    Plant(
        "a row without an id whose request the folder made under another derived id is made and paid again",
        "batchgen/engine/derived_ids.py",
        "            renamed[job.id] = candidates.pop(0)",
        "            pass",
        (
            "tests/e2e/test_promises_identity.py"
            "::test_rows_without_ids_keep_their_jobs_when_the_spec_sends_a_default_or_the_row_writes_one_out",
        ),
    ),
    Plant(
        "status without the manifest calls a sharded folder finished while some of its shards have no ledger",
        "batchgen/report/summary.py",
        "    unseen = _shards_unseen(shards) if manifest is None else []  # with the manifest, its jobs tell",
        "    unseen: list[Shard] = []",
        (
            "tests/report/test_summary_lines.py"
            "::test_a_sharded_folders_status_without_the_manifest_does_not_call_shards_never_run_completed",
        ),
    ),
    Plant(
        "status calls a folder finished while a row of its manifest changed since its id was sent",
        "batchgen/cli/main.py",
        "    changed = [change.job.id for change in find_changes(rows or [], merged)]",
        "    changed: list[str] = []",
        (
            "tests/e2e/test_told_status.py"
            "::test_status_names_the_rows_changed_since_their_ids_were_sent_and_does_not_call_the_batch_finished",
        ),
    ),
    Plant(
        "a job in flight whose row left the manifest is never fetched: paid for, its video lost",
        "batchgen/cli/main.py",
        "        manifest = replace(manifest, jobs=[*manifest.jobs, *strays])",
        "        pass",
        ("tests/e2e/test_crash.py::test_a_job_in_flight_whose_row_was_removed_is_fetched_not_left_paid_for_and_lost",),
    ),
    Plant(
        "a job in flight whose row left the manifest is made again by --resubmit-lost once its video is lost",
        "batchgen/engine/submitter.py",
        "        if job.spec.fetch_only or again or not (self.resubmit_lost and not self.control.stopping):",
        "        if again or not (self.resubmit_lost and not self.control.stopping):",
        (
            "tests/e2e/test_crash.py"
            "::test_a_job_in_flight_whose_row_was_removed_is_never_made_again_even_with_resubmit_lost",
        ),
    ),
    Plant(
        "a submit accepted with 201 or 202 is taken for one refused (its job made, told failed)",
        "batchgen/api/client.py",
        "        if not 200 <= status < 300:  # (201 Created or 202 Accepted: as accepted as the documented 200)",
        "        if status != 200:",
        (
            "tests/e2e/test_api_worlds.py::test_a_submit_and_polls_answered_with_another_2xx_than_200_are_a_job_made_"
            "and_in_flight",
        ),
    ),
    Plant(
        "a poll of a job in flight answered 202 Accepted is read as an error, not the state it says",
        "batchgen/api/answers.py",
        "    if not 200 <= status < 300:  # (a job in flight answered 202 Accepted is answered as with 200)",
        "    if status != 200:",
        (
            "tests/e2e/test_api_worlds.py"
            "::test_a_submit_and_polls_answered_with_another_2xx_than_200_are_a_job_made_and_in_flight",
        ),
    ),
    Plant(
        "a torn look-up with exactly five rows says there are more of them",
        "batchgen/engine/recovery.py",
        "if len(exc.candidates) > TORN_SHOWN else",
        "if len(exc.candidates) >= TORN_SHOWN else",
        (
            "tests/engine/test_recovery_images.py::test_rows_nothing_tells_apart_are_told_by_what_they_match_and_"
            "the_ones_past_the_fifth_are_counted",
        ),
    ),
    Plant(
        "a torn look-up says the history kept the image whole when it did not (and the reverse)",
        "batchgen/engine/recovery.py",
        "            if exc.whole\n",
        "            if not exc.whole\n",
        (
            "tests/engine/test_recovery_images.py::test_rows_nothing_tells_apart_are_told_by_what_they_match_and_"
            "the_ones_past_the_fifth_are_counted",
        ),
    ),
    Plant(
        "the server queue moves the recent times away from the work's, claiming a queue it is not sure of",
        "batchgen/engine/server_queue.py",
        "_typical(recent, -SURE)",
        "_typical(recent, SURE)",
        (
            "tests/engine/test_server_queue.py::test_a_queue_is_claimed_only_as_far_as_the_spread_of_the_times_"
            "makes_it_sure",
        ),
    ),
    Plant(
        "the server queue moves each median by its spread, not its standard error (no queue claimed)",
        "batchgen/engine/server_queue.py",
        "spread / math.sqrt(len(times))",
        "spread",
        (
            "tests/engine/test_server_queue.py::test_a_queue_is_claimed_only_as_far_as_the_spread_of_the_times_"
            "makes_it_sure",
        ),
    ),
    Plant(
        "after the drain's first look, every later look waits again until all jobs are likely done",
        "batchgen/engine/cadence.py",
        "        if draining and first < self.clock.now() and not self._drain_looked:",
        "        if draining and first < self.clock.now():",
        (
            "tests/engine/test_drain_cadence.py::test_after_the_drains_first_look_the_jobs_it_left_are_looked_for_"
            "once_the_last_could_be_done",
        ),
    ),
    Plant(
        "a due sweep in the batch's tail is held back for finds (each late find the batch's delay)",
        "batchgen/engine/cadence.py",
        "        if 2 * len(self.jobs) < self.peak or now - self._swept_at >= self.longest_gap():",
        "        if now - self._swept_at >= self.longest_gap():",
        ("tests/engine/test_cadence_edges.py::test_in_the_batchs_tail_a_due_sweep_is_not_held_back_for_finds",),
    ),
    Plant(
        "a job the history shows failed, its API answers unusable, is left for a later run to fetch",
        "batchgen/engine/recovery.py",
        '        if row.status == "FAILED":\n            return Failed',
        "        if False:\n            return Failed",
        (
            "tests/engine/test_poller_units.py::test_an_api_that_keeps_answering_badly_fails_a_job_the_history_"
            "shows_failed_with_its_reason",
        ),
    ),
    Plant(
        "a whole read begun before an attempt's outcome came back is taken for the attempt's absence",
        "batchgen/engine/recovery.py",
        "        if scan is None or order.newest_first or order.oldest_first or scan[0] <= search.until:",
        "        if scan is None or order.newest_first or order.oldest_first:",
        (
            "tests/engine/test_recovery.py::test_a_whole_read_begun_before_an_attempts_outcome_came_back_is_not_"
            "taken_for_its_absence",
        ),
    ),
    Plant(
        "a row sent before a stop counts as left unsent: a lost submit no re-run settles is promised to one",
        "batchgen/engine/submitter.py",
        "        return job.spec.id in self._queued and not job.posted",
        "        return job.spec.id in self._queued",
        (
            "tests/engine/test_submitter_units.py::test_an_unknown_submit_left_by_a_stop_after_every_row_was_sent_"
            "is_not_promised_to_a_plain_re_run",
        ),
    ),
    Plant(
        "a submit whose connection broke after sending is made pending when the API is out of reach (paid twice)",
        "batchgen/engine/submitter.py",
        "            if isinstance(cause, NetworkError) and not cause.reached_server:  # surely not created",
        "            if isinstance(cause, NetworkError):  # surely not created",
        (
            "tests/engine/test_submitter_outcomes.py::test_an_api_out_of_reach_leaves_a_submit_whose_connection_"
            "broke_after_sending_submitting",
        ),
    ),
    Plant(
        "jobs a 429 past the deadline left pending lose their reason when a stop defers others",
        "batchgen/engine/submitter.py",
        "            self.report.pending_own.add(job.spec.id)\n            await _durably(book.finish(job, "
        "Event.SUBMIT_POSTPONED",
        "            await _durably(book.finish(job, Event.SUBMIT_POSTPONED",
        (
            "tests/e2e/test_told_true.py::test_a_run_the_spend_cap_stopped_still_gives_the_reason_of_jobs_a_429_"
            "past_the_deadline_left_pending",
        ),
    ),
    Plant(
        "only the first image of a list is compared with a history row (another job's request attached)",
        "batchgen/models/images.py",
        "        for index, inner in enumerate(value):\n            yield from refs_in(inner, (*steps, index))",
        "        for index, inner in enumerate(value[:1]):\n            yield from refs_in(inner, (*steps, index))",
        (
            "tests/engine/test_recovery_images.py::test_a_row_whose_list_holds_another_picture_past_its_first_is_"
            "not_taken_for_the_jobs",
        ),
    ),
    Plant(
        "an object of a list without the image key it needs is let through",
        "batchgen/models/images.py",
        "                if inner.required:\n",
        "                if False:\n",
        (
            "tests/models/test_check_edges.py::test_the_images_in_a_lists_objects_are_held_to_their_count_and_to_"
            "the_keys_each_object_needs",
        ),
    ),
    Plant(
        "a list of images in an object takes one image more than its limit",
        "batchgen/models/images.py",
        "            elif inner.max_items is not None and len(value) > inner.max_items:",
        "            elif inner.max_items is not None and len(value) > inner.max_items + 1:",
        (
            "tests/models/test_check_edges.py::test_the_images_in_a_lists_objects_are_held_to_their_count_and_to_"
            "the_keys_each_object_needs",
        ),
    ),
    Plant(
        "a data URI without ;base64 is decoded as base64 (a picture the manifest does not hold)",
        "batchgen/models/images.py",
        '    if not sep or not head.endswith(";base64"):',
        "    if not sep:",
        ("tests/models/test_images_edges.py::test_a_data_uri_not_marked_base64_is_refused_with_the_form_to_use",),
    ),
    Plant(
        "a JPEG data URI cut short is taken (FFmpeg decodes it grey-filled)",
        "batchgen/models/images.py",
        '    if size is None or not complete(kind, data):\n        return None, "the data URI',
        '    if size is None:\n        return None, "the data URI',
        ("tests/models/test_images_edges.py::test_a_data_uri_jpeg_cut_short_is_refused_as_a_file_is",),
    ),
    Plant(
        "an image parameter whose spec names no formats takes WebP too",
        "batchgen/models/loader.py",
        '    formats = node.get("formats", ["jpeg", "png"] if image else [])',
        '    formats = node.get("formats", ["jpeg", "png", "webp"] if image else [])',
        ("tests/models/test_images_edges.py::test_a_spec_that_names_no_formats_takes_jpeg_and_png_alone",),
    ),
    Plant(
        "the problems an images block's jobs share are listed again for every job",
        "batchgen/manifest.py",
        "        if problem in self.problems[-50:]:  # once, not per repeat",
        "        if problem in self.problems[-1:]:  # once, not per repeat",
        ("tests/test_manifest_edges.py::test_the_jobs_an_images_block_makes_list_each_of_their_shared_problems_once",),
    ),
    Plant(
        "a row sent again after its lost submit was shown never made still counts as to be sent again",
        "batchgen/engine/submitter.py",
        "        self._resend.discard(job.spec.id)\n",
        "        pass\n",
        (
            "tests/engine/test_submitter_units.py::test_a_row_sent_again_once_its_lost_submit_was_shown_never_made_"
            "is_not_left_unsent_by_a_later_stop",
        ),
    ),
    Plant(
        "a derived id holds an image by its path: a moved folder makes new jobs (paid again)",
        "batchgen/manifest.py",
        "            seen = identity_view(params)  # an image by its digest",
        "            seen = params  # an image by its digest",
        (
            "tests/test_manifest_edges.py::test_a_derived_id_holds_an_image_by_its_digest_so_a_moved_folder_keeps_"
            "its_ids",
        ),
    ),
    Plant(
        "text holding a NUL character is taken",
        "batchgen/models/check.py",
        '        if "\\x00" in value:',
        "        if False:",
        (
            "tests/models/test_check_edges.py::test_text_holding_a_nul_or_a_blank_item_in_a_list_is_refused_with_"
            "what_is_wrong",
        ),
    ),
    Plant(
        "a blank item in a list of text is taken",
        "batchgen/models/check.py",
        "            if not item.strip():\n",
        "            if False:\n",
        (
            "tests/models/test_check_edges.py::test_text_holding_a_nul_or_a_blank_item_in_a_list_is_refused_with_"
            "what_is_wrong",
        ),
    ),
    Plant(
        "a rule that needs a parameter given is met by its default (which is not sent)",
        "batchgen/models/check.py",
        "            if name not in given:",
        "            if name not in effective:",
        (
            "tests/models/test_check_edges.py::test_a_rule_that_needs_a_parameter_given_is_not_met_by_its_default_"
            "and_takes_any_value_it_lists",
        ),
    ),
    Plant(
        "a rule that takes two values of a parameter wants it to be both",
        "batchgen/models/check.py",
        "            if not any(same(w, effective.get(name)) for w in wanted):",
        "            if not all(same(w, effective.get(name)) for w in wanted):",
        (
            "tests/models/test_check_edges.py::test_a_rule_that_needs_a_parameter_given_is_not_met_by_its_default_"
            "and_takes_any_value_it_lists",
        ),
    ),
    Plant(
        "a number is shown and sent without its fraction (0.5 taken for 0.7, 2.5 sent as 2)",
        "batchgen/models/check.py",
        "    if isinstance(value, float) and value.is_integer():\n        return str(int(value))",
        "    if isinstance(value, float):\n        return str(int(value))",
        (
            "tests/models/test_check_edges.py::test_numbers_that_differ_only_past_the_point_are_not_the_same_and_"
            "are_sent_whole",
        ),
    ),
    Plant(
        "the hint about an unquoted aspect ratio is given for any other number",
        "batchgen/models/check.py",
        "        if sep and a.isdigit() and b.isdigit() and int(a) * 60 + int(b) == value:",
        "        if sep and a.isdigit() and b.isdigit() and int(a) * 60 + int(b) != value:",
        (
            "tests/models/test_check_edges.py::test_the_hint_about_an_unquoted_aspect_ratio_is_given_only_for_the_"
            "number_yaml_made_of_it",
        ),
    ),
    Plant(
        "the raised cap leaves out the submits of unknown outcome (the resume stops again)",
        "batchgen/engine/identity.py",
        '    if charged(rec) is None and rec.get("state") in MAY_BE_CHARGED:',
        '    if charged(rec) is None and rec.get("state") in MAY_BE_CHARGED - {"submitting"}:',
        (
            "tests/cli/test_nextstep.py::test_the_raised_cap_also_covers_a_submit_of_unknown_outcome_and_is_never_"
            "the_cap_that_stopped",
        ),
    ),
    Plant(
        "the raised cap may be no higher than the cap that stopped the run",
        "batchgen/cli/nextstep.py",
        '    values = {**args.options.values, "max_spend": max(needed, round(cap + 0.01, 2))}',
        '    values = {**args.options.values, "max_spend": needed}',
        (
            "tests/cli/test_nextstep.py::test_the_raised_cap_also_covers_a_submit_of_unknown_outcome_and_is_never_"
            "the_cap_that_stopped",
        ),
    ),
    Plant(
        "another manifest's unfinished job in the folder hides --retry-failed from the resume line",
        "batchgen/cli/nextstep.py",
        '    states = Counter(str(rec.get("state")) for job_id, rec in jobs.items() if job_id in ours)',
        '    states = Counter(str(rec.get("state")) for job_id, rec in jobs.items())',
        (
            "tests/cli/test_nextstep.py::test_after_failures_another_manifests_unfinished_job_in_the_folder_does_"
            "not_hide_the_flag",
        ),
    ),
    Plant(
        "an interrupted run's resume line pays again for failures (--retry-failed put in it)",
        "batchgen/cli/nextstep.py",
        "    if code == EXIT_FAILED and not any(states.get(s) for s in unfinished):",
        "    if not any(states.get(s) for s in unfinished):",
        ("tests/cli/test_nextstep.py::test_a_run_interrupted_with_only_failures_left_resumes_with_the_same_command",),
    ),
    Plant(
        "jobs refused as sent are counted again among those --retry-failed would submit",
        "batchgen/report/summary.py",
        '    if failed := states.get("failed", 0) - refused:',
        '    if failed := states.get("failed", 0):',
        (
            "tests/report/test_summary_lines.py::test_jobs_refused_as_sent_are_not_counted_again_among_the_jobs_"
            "failed_on_the_server",
        ),
    ),
    Plant(
        "status offers --retry-failed for jobs refused as sent",
        "batchgen/report/summary.py",
        "    refused = sum(1 for rec in jobs.values() if refused_as_sent(rec))",
        "    refused = 0",
        (
            "tests/report/test_summary_lines.py::test_jobs_refused_as_sent_are_not_counted_again_among_the_jobs_"
            "failed_on_the_server",
        ),
    ),
    Plant(
        "a credit stop at a balance of $0.00 leaves the balance out",
        "batchgen/report/summary.py",
        '        balance = f" (balance reported: ${report.balance:.2f})" if report.balance is not None else ""',
        '        balance = f" (balance reported: ${report.balance:.2f})" if report.balance else ""',
        ("tests/report/test_summary_lines.py::test_a_credit_stop_at_a_balance_of_nothing_says_so",),
    ),
    Plant(
        "the raised cap is said to cover the deferred jobs alone, not the unknown submits it covers",
        "batchgen/report/summary.py",
        '    if unsure := states.get("submitting", 0):',
        "    if False:",
        (
            "tests/report/test_summary_lines.py::test_the_raised_cap_is_said_to_cover_the_submits_of_unknown_"
            "outcome_too",
        ),
    ),
    Plant(
        "the resume line leaves out which jobs a plain re-run does not settle",
        "batchgen/report/summary.py",
        '            stuck = f" ({not_by_rerun(report.rerun_cannot_settle, unfinished)})" if report.rerun_cannot_'
        'settle else ""',
        '            stuck = ""',
        (
            "tests/report/test_summary_lines.py::test_the_resume_line_says_which_of_the_jobs_left_a_plain_re_run_"
            "does_not_settle",
        ),
    ),
    Plant(
        "status leaves a job held back by its changed image out of the jobs left for a later run",
        "batchgen/report/summary.py",
        "        elif (state in UNFINISHED and error) or held_back(rec):",
        "        elif state in UNFINISHED and error:",
        (
            "tests/report/test_summary_lines.py::test_status_lists_a_job_held_back_by_its_image_apart_from_the_"
            "jobs_a_stop_deferred",
        ),
    ),
    Plant(
        "status counts a job held back by its image among those credits or the cap deferred",
        "batchgen/report/summary.py",
        '    if deferred := states.get("deferred", 0) - held:',
        '    if deferred := states.get("deferred", 0):',
        (
            "tests/report/test_summary_lines.py::test_status_lists_a_job_held_back_by_its_image_apart_from_the_"
            "jobs_a_stop_deferred",
        ),
    ),
    Plant(
        "the dry run counts a job in flight whose cost is known twice against the cap",
        "batchgen/engine/identity.py",
        '    if charged(rec) is None and rec.get("state") in MAY_BE_CHARGED:',
        '    if rec.get("state") in MAY_BE_CHARGED:',
        ("tests/report/test_summary_lines.py::test_the_plan_counts_a_job_in_flight_whose_cost_is_known_once",),
    ),
    Plant(
        "the dry run with --replace-changed also says the run stops at the changed rows (exit 2)",
        "batchgen/cli/main.py",
        "            changed=0 if args.replace_changed else len(changes),",
        "            changed=len(changes),",
        (
            "tests/e2e/test_told_status.py::test_dry_run_with_replace_changed_counts_the_rows_it_pays_for_and_"
            "validate_exits_2",
        ),
    ),
    Plant(
        "the dry run leaves out the options it took from the folder",
        "batchgen/cli/main.py",
        "        if args.options.from_folder:\n            lines.append(f\"  (kept with the folder and used: {' "
        "'.join(args.options.from_folder)})\")\n        _print",
        "        _print",
        (
            "tests/e2e/test_told_status.py::test_dry_run_with_replace_changed_counts_the_rows_it_pays_for_and_"
            "validate_exits_2",
        ),
    ),
    Plant(
        "status --results - writes the summary after the table on stdout",
        "batchgen/cli/main.py",
        '        if args.results == "-":  # the table alone on stdout, for a pipe\n            '
        'emit(data.decode(), end="")\n            return EXIT_OK',
        '        if args.results == "-":  # the table alone on stdout, for a pipe\n            '
        'emit(data.decode(), end="")',
        ("tests/e2e/test_told_status.py::test_status_results_to_stdout_writes_the_table_alone",),
    ),
    Plant(
        "--shards N without --shard auto or --ray is silently ignored",
        "batchgen/cli/main.py",
        "    if args.shards is not None and shard is None:",
        "    if False:",
        ("tests/e2e/test_told_status.py::test_shards_without_a_shard_to_run_is_refused_not_ignored",),
    ),
    Plant(
        "the report page of a run stopped by a refused key offers the same command to resume",
        "batchgen/cli/main.py",
        "        if not _same_again_helps(report, code) or rerun_settles_none(report):",
        "        if code == EXIT_OK or rerun_settles_none(report):",
        ("tests/e2e/test_api_worlds.py::test_a_revoked_key_stops_the_run_and_the_same_accounts_new_key_finishes_it",),
    ),
    Plant(
        "the summary of a run stopped by a refused key offers the same command to resume",
        "batchgen/cli/main.py",
        "        resume_command=command if _same_again_helps(report, code) else None,",
        "        resume_command=command if code != EXIT_OK else None,",
        ("tests/e2e/test_api_worlds.py::test_a_revoked_key_stops_the_run_and_the_same_accounts_new_key_finishes_it",),
    ),
    Plant(
        "status of an object store names it as a local path (s3:/bucket)",
        "batchgen/cli/main.py",
        "        summary[\"lines\"][0] = f\"{args.dir}: {summary['lines'][0].split(': ', 1)[1]}\"",
        "        pass",
        ("tests/e2e/test_scale.py::test_a_run_into_s3_completes_with_every_video_verified_in_the_bucket",),
    ),
    Plant(
        "a video shorter than asked is kept without its duration_mismatch warning",
        "batchgen/store/media.py",
        "    if media.duration_s is not None and abs(media.duration_s - want_s) > duration_tolerance_s:",
        "    if media.duration_s is not None and media.duration_s - want_s > duration_tolerance_s:",
        ("tests/store/test_storage.py::test_a_video_shorter_or_longer_narrower_or_wider_than_asked_is_named_so",),
    ),
    Plant(
        "a video narrower than asked is kept without its aspect_mismatch warning",
        "batchgen/store/media.py",
        "        if abs(ratio / want_ratio - 1) > aspect_tolerance:",
        "        if ratio / want_ratio - 1 > aspect_tolerance:",
        ("tests/store/test_storage.py::test_a_video_shorter_or_longer_narrower_or_wider_than_asked_is_named_so",),
    ),
    Plant(
        "the duration asked for is taken as 5 s whatever the job asked",
        "batchgen/store/media.py",
        '        duration = float(params.get("duration", DEFAULT_DURATION_S))',
        "        duration = float(DEFAULT_DURATION_S)",
        ("tests/store/test_storage.py::test_a_video_shorter_or_longer_narrower_or_wider_than_asked_is_named_so",),
    ),
    Plant(
        "a video in place from before the submit is kept as the request's",
        "batchgen/store/local.py",
        "        if not stat.S_ISREG(info.st_mode) or info.st_mtime_ns < since * 1e9:",
        "        if not stat.S_ISREG(info.st_mode):",
        (
            "tests/store/test_storage.py::test_a_video_found_in_place_is_kept_only_if_sound_of_the_apis_size_and_"
            "put_there_after_the_submit",
        ),
    ),
    Plant(
        "a damaged file of the API's size in place is kept as the request's video",
        "batchgen/store/local.py",
        "        if (file_size is not None and info.st_size != file_size) or mp4_problem(dest):",
        "        if file_size is not None and info.st_size != file_size:",
        (
            "tests/store/test_storage.py::test_a_video_found_in_place_is_kept_only_if_sound_of_the_apis_size_and_"
            "put_there_after_the_submit",
        ),
    ),
    Plant(
        "--quiet is ignored: the run's news is logged",
        "batchgen/cli/main.py",
        "    level = logging.DEBUG if debug else logging.WARNING if quiet else logging.INFO",
        "    level = logging.DEBUG if debug else logging.INFO",
        ("tests/cli/test_logs.py::test_a_quiet_run_logs_its_summary_and_errors_alone",),
    ),
    Plant(
        "exactly twenty-one changed rows: the twenty-first is dropped from the message",
        "batchgen/engine/identity.py",
        "    if len(changes) > MAX_LISTED:",
        "    if len(changes) > MAX_LISTED + 1:",
        ("tests/engine/test_identity_units.py::test_changed_rows_past_the_twentieth_are_counted_not_dropped",),
    ),
    Plant(
        "a sweep's sighting the result called early is kept: a later unusable answer fetches the row's link",
        "batchgen/engine/poller.py",
        "        if result.state in UNFINISHED_STATES:  # a hint that was early\n            job.done_age, "
        "job.swept = None, None",
        "        if result.state in UNFINISHED_STATES:  # a hint that was early\n            job.done_age = None",
        (
            "tests/engine/test_poller_units.py::test_a_sweeps_sighting_the_result_calls_early_is_forgotten_and_"
            "never_fetched_later",
        ),
    ),
    Plant(
        "a queue time longer than the job has existed dates its processing in the future",
        "batchgen/engine/handover.py",
        "            processing_at = iso_utc(min(self.clock.epoch(), queued + self.clock.real(queue_s)))",
        "            processing_at = iso_utc(queued + self.clock.real(queue_s))",
        (
            "tests/engine/test_poller_paths.py::test_a_queue_time_longer_than_the_job_has_existed_never_dates_"
            "processing_after_now",
        ),
    ),
    Plant(
        "a job made anew keeps its earlier attempt's finish and download times in the index",
        "batchgen/report/timeline.py",
        "        _new_cycle(row)\n        row.submitting_at = at",
        "        row.submitting_at = at",
        ("tests/report/test_report.py::test_a_job_made_anew_keeps_no_timing_of_its_earlier_attempt",),
    ),
    Plant(
        "the contact sheet's last, partly filled page is never made (its videos shown nowhere)",
        "batchgen/report/html.py",
        "    pages = max(1, -(-len(videos) // page_size))",
        "    pages = max(1, len(videos) // page_size)",
        ("tests/report/test_report.py::test_contact_sheet_is_paged",),
    ),
    Plant(
        "index.parquet is rewritten in place (a reader of the last one sees it torn)",
        "batchgen/report/index.py",
        '    pq.write_table(index_table(rows), buf, compression="zstd")\n    path = root / INDEX_FILE\n    write_'
        "atomically(path, buf.getvalue())",
        '    pq.write_table(index_table(rows), buf, compression="zstd")\n    path = root / INDEX_FILE\n    '
        "path.write_bytes(buf.getvalue())",
        ("tests/report/test_report.py::test_the_index_is_written_under_another_name_then_renamed_over_the_last_one",),
    ),
    Plant(
        "a resumed run does not claim the ledger's requests: a lost submit takes another job's",
        "batchgen/engine/resume.py",
        '    reconciler.claimed.update(rec["request_id"] for rec in known.values() if rec.get("request_id"))',
        "    pass",
        (
            "tests/engine/test_resume_counts.py::test_a_resumed_lost_submit_never_takes_a_request_the_ledger_gives_"
            "another_job",
        ),
    ),
    Plant(
        "the contact sheet counts its videos from 0 (Videos (0-2 of 5))",
        "batchgen/report/html.py",
        '    span = f"{first + 1}\u2013{first + len(chunk)} of {len(videos)}" if videos else "none yet"',
        '    span = f"{first}\u2013{first + len(chunk)} of {len(videos)}" if videos else "none yet"',
        ("tests/report/test_report.py::test_contact_sheet_is_paged",),
    ),
    Plant(
        "the banner counts the jobs a re-run settles as those it does not (re-run resumes, it does not)",
        "batchgen/report/html.py",
        "        unfinished = [r for r in data.rows if r.state in UNFINISHED]\n        stuck = sum(1 for r in "
        "unfinished if not r.rerun)",
        "        unfinished = [r for r in data.rows if r.state in UNFINISHED]\n        stuck = sum(1 for r in "
        "unfinished if r.rerun)",
        (
            "tests/report/test_report.py::test_the_banner_says_what_a_re_run_does_for_the_jobs_left_and_without_a_"
            "verdict_what_is_left",
        ),
    ),
    Plant(
        "a page without the last run's verdict calls a folder with failed jobs all completed",
        "batchgen/report/html.py",
        '        text = "Not finished: jobs remain to be done." if states - {"completed"} else "Every job is '
        'completed."',
        '        text = "Not finished: jobs remain to be done." if states - {"completed", "failed"} else '
        '"Every job is completed."',
        (
            "tests/report/test_report.py::test_the_banner_says_what_a_re_run_does_for_the_jobs_left_and_without_a_"
            "verdict_what_is_left",
        ),
    ),
    Plant(
        "a resumed run forgets when the earlier run posted its requests: its lost submits never settle",
        "batchgen/engine/resume.py",
        '                posted=parse_time(rec.get("posted_at")),',
        "                posted=None,",
        (
            "tests/engine/test_resume_counts.py::test_an_earlier_runs_request_posted_after_a_lost_submit_settles_"
            "it_in_a_resumed_run",
        ),
    ),
    Plant(
        "a job left for later while it may be charged gives up its estimate (the cap can be passed)",
        "batchgen/engine/book.py",
        "        if job.cost is None and state not in MAY_BE_CHARGED:\n            self._hold(job, 0.0)",
        "        if job.cost is None:\n            self._hold(job, 0.0)",
        (
            "tests/engine/test_book.py::test_a_job_left_for_a_later_run_while_it_may_be_charged_keeps_its_estimate_"
            "against_the_cap",
        ),
    ),
    Plant(
        "a look-up by id answered 404 does not end a spell: a later 500 gives up at once on the old spell",
        "batchgen/engine/recovery.py",
        "                    except ApiError as exc:\n                        trouble.answered()  # the history "
        "answered, if not with rows\n                        return exc",
        "                    except ApiError as exc:\n                        return exc",
        (
            "tests/engine/test_recovery.py::test_a_history_that_answers_a_look_up_by_id_with_a_404_ends_its_spell_"
            "of_trouble",
        ),
    ),
    Plant(
        "a history link in another first folder (a preview) is trusted once one link matched",
        "batchgen/engine/history_links.py",
        '    folder = path.parts[1] if len(path.parts) > 2 else ""',
        '    folder = ""',
        (
            "tests/engine/test_poller_units.py::test_a_history_link_is_trusted_only_in_the_shape_of_the_one_that_"
            "matched_its_result",
        ),
    ),
    Plant(
        "a refusal's reason under 'detail' is not read (an out-of-credits 403 fails the job instead)",
        "batchgen/api/answers.py",
        '    err = body.get("error") or body.get("message") or body.get("detail")',
        '    err = body.get("error") or body.get("message")',
        ("tests/api/test_client.py::test_an_answers_reason_is_read_under_any_of_its_usual_keys",),
    ),
    Plant(
        "a reason recorded with its HTTP status is told without it",
        "batchgen/engine/outcome.py",
        '        return f"HTTP {error[\'http\']}: {detail}" if error.get("http") else str(detail)',
        "        return str(detail)",
        (
            "tests/e2e/test_told_true.py::test_a_run_the_spend_cap_stopped_still_gives_the_reason_of_jobs_a_429_"
            "past_the_deadline_left_pending",
        ),
    ),
    Plant(
        "a result without total_time is taken to have finished when it left the queue",
        "batchgen/api/answers.py",
        "        total = queue + inference if queue is not None and inference is not None else None",
        "        total = queue",
        (
            "tests/api/test_promises_units.py::test_a_results_submit_to_finish_time_is_its_total_or_its_queue_and_"
            "work_together",
        ),
    ),
    Plant(
        "a job shown finished again moves its finish to the later sighting (a slower kind learned)",
        "batchgen/engine/poller.py",
        "            if news.shown_at is not None and job.done_age is None:",
        "            if news.shown_at is not None:",
        (
            "tests/engine/test_poller_units.py::test_a_job_a_sweep_shows_finished_again_keeps_the_first_sighting_"
            "as_the_bound_of_its_finish",
        ),
    ),
    Plant(
        "a job the lag check wants is settled from its row, the history's lag never checked",
        "batchgen/engine/poller.py",
        "            self.fetch_now(job, None if news.check else row)",
        "            self.fetch_now(job, row)",
        (
            "tests/engine/test_poller_units.py::test_a_job_the_lag_check_wants_is_settled_by_its_result_though_its_"
            "link_is_trusted",
        ),
    ),
    Plant(
        "a job polled before is held again for the first sweep",
        "batchgen/engine/poller.py",
        "        if job.polls or sweeper.healthy or not (sweeper.sweeping and sweeper.pending):",
        "        if sweeper.healthy or not (sweeper.sweeping and sweeper.pending):",
        ("tests/engine/test_poller_paths.py::test_a_first_poll_is_not_held_when_no_first_sweep_can_help",),
    ),
    Plant(
        "a polling.max_interval_s below min_interval_s is taken",
        "batchgen/config.py",
        "        if self.max_interval_s < self.min_interval_s:",
        "        if False:",
        ("tests/e2e/test_bad_input.py::test_bad_config[gaps.yaml]",),
    ),
    Plant(
        "an expiry margin as long as the record's life is taken (every poll due at once)",
        "batchgen/config.py",
        "        if self.expiry_margin_s >= self.expiry_s:",
        "        if self.expiry_margin_s > self.expiry_s:",
        ("tests/e2e/test_bad_input.py::test_bad_config[margin.yaml]",),
    ),
    Plant(
        "a retry.backoff_max_s below backoff_initial_s is taken",
        "batchgen/config.py",
        "        if self.backoff_max_s < self.backoff_initial_s:",
        "        if False:",
        ("tests/e2e/test_bad_input.py::test_bad_config[backoff.yaml]",),
    ),
    Plant(
        "an output.filename with a backslash or a leading dot is taken",
        "batchgen/config.py",
        '        if "/" in self.filename or "\\\\" in self.filename or self.filename.startswith("."):',
        '        if "/" in self.filename:',
        ("tests/e2e/test_bad_input.py::test_bad_config[backslash.yaml]",),
    ),
    Plant(
        "a concurrency of 2.5 is taken",
        "batchgen/config.py",
        "    if integer and not float(value).is_integer():",
        "    if False:",
        ("tests/e2e/test_bad_input.py::test_bad_config[whole.yaml]",),
    ),
    Plant(
        "a download_concurrency of 0 is taken (no video is ever fetched)",
        "batchgen/config.py",
        '        _positive("limits", "download_concurrency", self.download_concurrency, integer=True)',
        "        pass",
        ("tests/e2e/test_bad_input.py::test_bad_config[fetches.yaml]",),
    ),
    Plant(
        "--resubmit-lost makes a job anew every time it is lost in a run (paid again while the run lasts)",
        "batchgen/engine/submitter.py",
        "        again = job.spec.id in self._remade",
        "        again = False",
        ("tests/e2e/test_crash.py::test_resubmit_lost_makes_a_job_anew_once_in_a_run_however_often_it_is_lost",),
    ),
    Plant(
        "a job whose record dies while the history shows it unfinished is written expired (its paid video lost)",
        "batchgen/engine/recovery.py",
        "        if row is not None and row.status not in HISTORY_DONE:",
        "        if False:",
        ("tests/e2e/test_crash.py::test_jobs_outliving_their_records_are_watched_in_the_history_and_fetched",),
    ),
    Plant(
        "a job waiting its turn in the server's queue after its record died is taken for stalled too soon",
        "batchgen/engine/stalls.py",
        "WATCH_FACTOR = 3.0",
        "WATCH_FACTOR = 0.5",
        ("tests/e2e/test_crash.py::test_jobs_outliving_their_records_are_watched_in_the_history_and_fetched",),
    ),
    Plant(
        "a job the history shows unfinished long after its record died is watched for ever (the run never ends)",
        "batchgen/engine/poller.py",
        "            if now < self._stall_from(job, began):",
        "            if True:",
        ("tests/e2e/test_crash.py::test_a_job_shown_unfinished_long_after_its_record_died_is_taken_for_stalled",),
    ),
    Plant(
        "a job whose record dies before a lagging history lists it is written expired (its paid video lost)",
        "batchgen/engine/recovery.py",
        "        if row is None and self.api.history_answered is not False:",
        "        if False:",
        ("tests/e2e/test_crash.py::test_jobs_outliving_their_records_are_watched_in_the_history_and_fetched",),
    ),
    Plant(
        "how long our requests take to be listed is timed from their answers, not their POSTs (a lost submit "
        "taken for never made where answers are slow, and paid twice)",
        "batchgen/engine/recovery.py",
        "        return self.sent_time(request_id) or self._submitted.get(request_id)",
        "        return self._submitted.get(request_id)",
        (
            "tests/e2e/test_history_ids.py::"
            "test_a_lost_submit_is_not_taken_for_never_made_where_answers_come_slower_than_the_history_lists",
            "tests/engine/test_recovery.py::test_how_long_a_request_took_to_be_listed_is_timed_from_its_post_not_its_"
            "answer",
        ),
    ),
    Plant(
        "a job a history not listing it yet shows nothing of is taken for stalled before it could be listed",
        "batchgen/engine/stalls.py",
        "    return WATCH_FACTOR * max(slowest, published, listing or 0.0)",
        "    return WATCH_FACTOR * max(slowest, published)",
        ("tests/engine/test_stalls.py",),
    ),
    Plant(
        "a resumed run's first poll of a job whose record died, before any page of the history was read, writes "
        "it expired",
        "batchgen/engine/recovery.py",
        "        if row is None and self.api.history_answered is not False:",
        "        if row is None and self.api.history_answered:",
        (
            "tests/engine/test_recovery.py::"
            "test_a_record_gone_that_the_history_does_not_list_is_watched_unless_there_is_no_history",
        ),
    ),
    Plant(
        "a job unknown to a history that lists none of our requests is told stalled, not unknown to the API",
        "batchgen/engine/recovery.py",
        "        if status is None and not self._lags:",
        "        if False:",
        (
            "tests/engine/test_recovery.py::"
            "test_a_job_watched_too_long_is_told_stalled_or_unknown_to_the_api_by_what_the_history_listed",
        ),
    ),
    Plant(
        "a row listed under another model's slug is taken for a candidate of a model whose name is not known",
        "batchgen/engine/history_names.py",
        "        return slug == model or (slug not in catalogue.current() and slug not in self._slugs)",
        "        return True",
        (
            "tests/engine/test_history_names.py::test_before_a_row_of_the_model_is_listed_a_look_up_asks_for_every"
            "_model_and_takes_any_name_but_a_slug",
            "tests/engine/test_recovery.py::test_only_requests_of_the_same_model_and_no_older_than_the_attempt_match",
        ),
    ),
    Plant(
        "a history's body fit taken from the latest row of ours, not the worst (a later exact row hides one unlike)",
        "batchgen/engine/history_bodies.py",
        "        self._worst[model] = max(self._worst.get(model, EXACT), fit(plain, images, body), key=_RANK.__"
        "getitem__)",
        "        self._worst[model] = fit(plain, images, body)",
        (
            "tests/engine/test_history_bodies.py::test_the_worst_fit_seen_sets_the_rule_for_the_model_and_the_"
            "others_until_theirs_are_seen",
        ),
    ),
    Plant(
        "an id given that begins as a derived one taken for derived (a row given a new id is renamed to the old job)",
        "batchgen/engine/derived_ids.py",
        "    match = _TAIL.fullmatch(job_id, len(prefix))",
        "    match = _TAIL.match(job_id, len(prefix))",
        (
            "tests/engine/test_derived_ids.py::test_a_row_keeps_its_id_where_no_job_the_manifest_leaves_free_asked_"
            "for_the_same",
        ),
    ),
    Plant(
        "a value in a list's objects not sent in its spec's wire form",
        "batchgen/models/check.py",
        "                item[key] = to_wire(inner, converted)",
        "                pass",
        (
            "tests/models/test_check_edges.py::test_a_value_in_a_lists_objects_is_sent_in_its_spec_wire_form_as_a_"
            "parameters_is",
        ),
    ),
    Plant(
        "a job left downloading whose row was removed is not fetched (its paid video never fetched)",
        "batchgen/engine/strays.py",
        "FETCHABLE = frozenset({JobState.SUBMITTED, JobState.DOWNLOADING})",
        "FETCHABLE = frozenset({JobState.SUBMITTED})",
        ("tests/e2e/test_crash.py::test_a_job_in_flight_whose_row_was_removed_is_fetched_not_left_paid_for_and_lost",),
    ),
    Plant(
        "a job lost after a credit stop made anew with --resubmit-lost (left deferred, not expired)",
        "batchgen/engine/submitter.py",
        "        if job.spec.fetch_only or again or not (self.resubmit_lost and not self.control.stopping):",
        "        if job.spec.fetch_only or again or not self.resubmit_lost:",
        (
            "tests/e2e/test_crash.py::test_a_job_lost_after_a_credit_stop_is_left_expired_not_made_anew_even_with_"
            "resubmit_lost",
        ),
    ),
    Plant(
        "validate --out counts rows without ids under the ids they derive now, not those the folder made them as",
        "batchgen/cli/main.py",
        "    manifest = replace(manifest, jobs=keep_made_ids(manifest.jobs, replay))\n",
        "\n",
        (
            "tests/e2e/test_promises_identity.py::test_rows_without_ids_keep_their_jobs_when_the_spec_sends_a_"
            "default_or_the_row_writes_one_out",
        ),
    ),
    Plant(
        "a row kept under the id its job was made as taken also for a job whose row left the manifest",
        "batchgen/cli/main.py",
        "    return replace(manifest, jobs=jobs), in_flight_outside(jobs, replay)",
        "    return replace(manifest, jobs=jobs), in_flight_outside(manifest.jobs, replay)",
        (
            "tests/e2e/test_promises_identity.py::test_a_row_without_an_id_whose_job_is_in_flight_under_the_id_it_"
            "was_made_as_is_fetched_as_that_rows",
        ),
    ),
    Plant(
        "a shard's run takes up every job in flight whose row left the manifest, not only its own shard's",
        "batchgen/cli/main.py",
        "        manifest, strays = replace(manifest, jobs=shard.select(manifest.jobs)), shard.select(strays)",
        "        manifest, strays = replace(manifest, jobs=shard.select(manifest.jobs)), strays",
        ("tests/e2e/test_told_status.py::test_a_job_in_flight_whose_row_was_removed_is_its_own_shards_to_fetch",),
    ),
    Plant(
        "status counts a live shard's jobs no re-run settles among those left with no run at work on them",
        "batchgen/report/summary.py",
        "    stuck_ids = [i for i, rec in jobs.items() if rerun_cannot_settle(rec) and not at_work(i)]",
        "    stuck_ids = [i for i, rec in jobs.items() if rerun_cannot_settle(rec)]",
        (
            "tests/report/test_summary_lines.py::test_a_live_shards_jobs_a_re_run_cannot_settle_are_not_counted_"
            "among_those_left",
        ),
    ),
    Plant(
        "a reason an earlier run recorded still told as that run's after this run writes a line of the job",
        "batchgen/engine/book.py",
        "        job.error_at = None  # the job's reason, if any, is this run's from here on",
        "        pass",
        (
            "tests/engine/test_book.py::test_a_reason_an_earlier_run_recorded_is_this_runs_once_this_run_writes_a_"
            "line_of_the_job",
        ),
    ),
    Plant(
        "the server's clock taken as ahead by the nearest bound a request of ours shows, not the furthest",
        "batchgen/api/paging.py",
        "        return max(bounds) if bounds else (None if self.zoneless else self.fallback(sent))",
        "        return min(bounds) if bounds else (None if self.zoneless else self.fallback(sent))",
        (
            "tests/api/test_paging.py::test_the_servers_clock_is_taken_as_far_ahead_as_the_request_of_ours_that_"
            "shows_it_furthest_ahead",
        ),
    ),
    Plant(
        "the reasons an earlier run left said to be recorded by the earliest of their lines, not the latest",
        "batchgen/report/summary.py",
        '    latest = max(times, default="")',
        '    latest = min(times, default="")',
        (
            "tests/report/test_summary_lines.py::test_the_reasons_an_earlier_run_left_are_said_to_be_recorded_by_"
            "the_latest_of_their_lines",
        ),
    ),
    Plant(
        "a row's time since the attempt was sent read without the server's clock's lead (another run's same "
        "request taken)",
        "batchgen/api/paging.py",
        "        return None if ahead is None else sent + ahead - STAMP_RESOLUTION_S",
        "        return None if ahead is None else sent - STAMP_RESOLUTION_S",
        (
            "tests/e2e/test_promises_money.py::test_a_lost_submit_is_settled_by_its_own_request_not_the_same_body_"
            "another_run_sent_just_before",
        ),
    ),
    Plant(
        "a history seen spelling ids dashed never known so (a look-up not found is asked again bare)",
        "batchgen/api/client.py",
        "                self.history_bare_ids = False",
        "                pass",
        (
            "tests/api/test_worlds_answers.py::test_a_request_not_found_in_a_history_known_to_spell_ids_dashed_is_"
            "asked_once",
        ),
    ),
    Plant(
        "a submit's outcome taken as unknown from when it was sent, not from when its answer failed (paid twice)",
        "batchgen/engine/submitter.py",
        "            until = self.clock.epoch()  # made by now, if it was made",
        '            until = when["epoch"]  # made by now, if it was made',
        (
            "tests/engine/test_submitter_units.py::test_a_request_sent_while_a_submit_was_unanswered_does_not_show_"
            "the_history_caught_up_past_it",
        ),
    ),
    Plant(
        "an image cut short in a history row taken for whole (its row dropped by digest, the paid job left)",
        "batchgen/engine/lookup.py",
        '        whole = len(data) == ref.get("bytes") or data.endswith((b"IEND\\xaeB`\\x82", b"\\xff\\xd9"))',
        "        whole = True",
        (
            "tests/engine/test_recovery_images.py::test_one_candidate_is_attached_whatever_the_history_keeps_of_"
            "the_image",
        ),
    ),
    Plant(
        "a lost submit waits for a request sent after it past the hour its record lives",
        "batchgen/engine/recovery.py",
        "            if not self.more_to_send(job, this_run=True) or self.clock.now() >= ends:",
        "            if not self.more_to_send(job, this_run=True):",
        (
            "tests/engine/test_recovery.py::test_an_unknown_submit_waits_for_a_request_sent_after_it_no_longer_"
            "than_its_record_lives",
        ),
    ),
    Plant(
        "a lost submit waits for a request sent after it twice as long as its record lives",
        "batchgen/engine/recovery.py",
        "        ends = self.clock.from_wall(since) + self.record_life_s  # run seconds",
        "        ends = self.clock.from_wall(since) + 2 * self.record_life_s  # run seconds",
        (
            "tests/engine/test_recovery.py::test_an_unknown_submit_waits_for_a_request_sent_after_it_no_longer_"
            "than_its_record_lives",
        ),
    ),
    Plant(
        "a request an earlier run posted after a lost submit not counted as sent after it (the operator told to "
        "add a row)",
        "batchgen/engine/recovery.py",
        "        return any(sent > until for sent in (*self._sent_from.values(), *self._posted.values()))",
        "        return any(sent > until for sent in self._sent_from.values())",
        (
            "tests/engine/test_recovery.py::test_a_request_an_earlier_run_posted_after_the_lost_submit_is_one_sent_"
            "after_it",
        ),
    ),
    Plant(
        "the report page gives a resume command where a plain re-run settles none of the jobs left",
        "batchgen/cli/main.py",
        "        if not _same_again_helps(report, code) or rerun_settles_none(report):",
        "        if not _same_again_helps(report, code):",
        (
            "tests/e2e/test_crash.py::test_the_report_page_does_not_promise_a_re_run_for_submits_no_plain_re_run_"
            "settles",
        ),
    ),
    Plant(
        "--quiet --log-format json drops the summary records, and a run that ended well leaves no outcome in its log",
        "batchgen/cli/logs.py",
        "    logger.handle(record)\n",
        "    if logger.isEnabledFor(level):\n        logger.handle(record)\n",
        ("tests/cli/test_logs.py::test_a_quiet_json_run_that_succeeds_still_gives_its_summary_and_outcome_as_records",),
    ),
    Plant(
        "a balance read answered 406 'Invalid content type' stops the run as a bug in batchgen",
        "batchgen/engine/balance.py",
        "    except AuthError as exc:",
        "    except (AuthError, InvalidContentType) as exc:",
        (f"{BALANCE}[content-type]",),
    ),
    Plant(
        "a balance answer without a balance is read as $0 (a false warning that it will not cover the batch)",
        "batchgen/api/client.py",
        "        if paid is None and free is None:",
        "        if False:",
        (f"{BALANCE}[no-balance]",),
    ),
    Plant(
        "a balance that cannot be read is said at info level, which --quiet and cron logs drop",
        "batchgen/engine/balance.py",
        '    log.warning(\n        "warning: the credit balance could not be read',
        '    log.info(\n        "warning: the credit balance could not be read',
        (f"{BALANCE}[no-balance-record]",),
    ),
    Plant(
        "a first submit answered by an object store's page is taken as of unknown outcome, and the batch goes on",
        "batchgen/api/client.py",
        "        if (answer := not_json(body)) is not None and not self.spoken:",
        "        if False:",
        ("tests/e2e/test_not_the_api.py",),
    ),
    Plant(
        "before the API has answered as itself, a slot's worth of submits goes out, not one",
        "batchgen/engine/submitter.py",
        "        return self._probe is not None and not self.api.spoken",
        "        return False",
        (
            "tests/engine/test_submitter_units.py::"
            "test_until_the_api_has_answered_as_itself_the_feeder_hands_over_one_job_at_a_time",
        ),
    ),
    Plant(
        "a first submit refused (4xx) by a server that is not the API is left as of unknown outcome",
        "batchgen/api/client.py",
        "        made = not 400 <= status < 500",
        "        made = True",
        (
            "tests/api/test_client_answers.py::"
            "test_a_first_submit_answered_by_another_kind_of_server_says_what_answered_and_where",
        ),
    ),
    Plant(
        "a missing bucket is told as a store to check and a command to run again (it cannot help)",
        "batchgen/store/objects.py",
        "        if _missing_bucket(exc):",
        "        if False:",
        ("tests/e2e/test_scale.py::test_a_missing_bucket_is_named_and_nothing_is_sent",),
    ),
    Plant(
        "the raised cap's line leaves out the pending jobs its cap covers (the count and the cap disagree)",
        "batchgen/report/summary.py",
        '        parts.append(f"the {pending} pending (not sent: none was made)")',
        "        pass",
        (
            "tests/report/test_summary_lines.py::"
            "test_the_raised_cap_names_each_kind_of_job_it_covers_and_calls_none_deferred_that_was_not",
        ),
    ),
    Plant(
        "an image job's POST does not wait its turn behind another image job's upload (bodies at once, out of order)",
        "batchgen/engine/submitter.py",
        "                async with self._image_slots if images else contextlib.nullcontext():",
        "                async with contextlib.nullcontext():",
        (
            "tests/engine/test_submitter_units.py::"
            "test_an_image_job_waiting_for_another_ones_upload_dates_its_submit_by_its_own_post",
        ),
    ),
    Plant(
        "a run stopped by a base URL that is not the API's offers the same command, with the same URL, to resume",
        "batchgen/cli/main.py",
        "    return code not in (EXIT_OK, EXIT_AUTH) and not isinstance(report.fatal, NotTheApi)",
        "    return code not in (EXIT_OK, EXIT_AUTH)",
        ("tests/e2e/test_not_the_api.py",),
    ),
    Plant(
        "the rate window's bounds are read off send times alone: calls slow to arrive shrink the window found, "
        "and a later hintless 429 lowers the limit for the rest of the run",
        "batchgen/api/window.py",
        "        return max(self._delays, default=0.0)",
        "        return 0.0",
        ("tests/api/test_ratewindow.py::test_no_hint_429s_with_calls_delayed_unevenly_keep_the_limit_found",),
    ),
    Plant(
        "a job a sweep shows finished after its record expired gets a result call (answered 404) and a look-up",
        "batchgen/engine/poller.py",
        "            gone = job.record_gone or self.clock.now() - job.submitted_at >= self.plan.expiry",
        "            gone = job.record_gone",
        (
            "tests/e2e/test_world.py::"
            "test_a_job_shown_finished_after_its_record_expired_is_settled_from_its_row_without_a_result_call",
        ),
    ),
    Plant(
        "a job found in the history after a lost submit, its record gone, is dated from its lost POST's earliest "
        "and taken for stalled at once",
        "batchgen/engine/poller.py",
        "        made = job.submitted_at if job.made_by is None else max(job.submitted_at, job.made_by)",
        "        made = job.submitted_at",
        (
            "tests/engine/test_poller_units.py::"
            "test_a_job_found_in_the_history_after_a_lost_submit_is_dated_from_when_it_was_found_when_its_record_dies",
        ),
    ),
    Plant(
        "a job whose record died is taken for stalled past three times its kind's first one or two finishes, which "
        "may be its fastest",
        "batchgen/engine/stalls.py",
        "    learned = latency.learned(key) and listing is not None",
        "    learned = latency.slowest(key) is not None and listing is not None",
        ("tests/engine/test_stalls.py",),
    ),
    Plant(
        "a job a history not seen to list any request of ours yet shows PENDING (as it was, lagging) is taken for "
        "stalled by its kind's finishes",
        "batchgen/engine/stalls.py",
        "    learned = latency.learned(key) and listing is not None",
        "    learned = latency.learned(key)",
        ("tests/engine/test_stalls.py",),
    ),
    Plant(
        "a lost submit is taken for never made by twice the lags of a history that lists requests only once "
        "finished (a tail job paid twice)",
        "batchgen/engine/recovery.py",
        "        return ripe if self.lists_unfinished else max(ripe, since + self.record_life_s / self.clock.scale)",
        "        return ripe",
        ("tests/engine/test_recovery.py::test_absence_is_trusted_once_the_measured_lag_has_passed_twice_over",),
    ),
    Plant(
        "the last job in flight is polled at once after a sweep that just showed it unfinished (a request that can "
        "only say it again)",
        "batchgen/engine/schedule.py",
        "patience = self.sweeper.patience() if (job.polls or shown is not None) and not sparse else 0.0",
        "patience = self.sweeper.patience() if job.polls and not sparse else 0.0",
        ("tests/engine/test_drain_cadence.py",),
    ),
    Plant(
        "an HTML 401/403 from a gateway in front of the API, after the API had accepted the key, is told as the key "
        "refused and stops the run (exit 4); a submit answered so is taken for never made",
        "batchgen/api/client.py",
        "            if status in (401, 403) and self.spoken:",
        "            if status in (401, 403) and not self.spoken:",
        ("tests/e2e/test_gateway_refusals.py",),
    ),
    Plant(
        "a gateway refusing every route after the key was accepted counts as the API answering: the run never "
        "stops at api.unreachable_after_s",
        "batchgen/api/gateway.py",
        "    if isinstance(exc, NetworkError | GatewayRefusal):",
        "    if isinstance(exc, NetworkError):",
        (
            "tests/e2e/test_gateway_refusals.py::"
            "test_a_gateway_refusing_every_route_for_good_stops_the_run_with_exit_6_and_a_rerun_pays_nothing_twice",
        ),
    ),
    Plant(
        "a run again at the wrong --base-url an earlier run found sends a submit to learn it again, and leaves one "
        "job more of unknown outcome each time",
        "batchgen/engine/run.py",
        "                wrong = await check_url(self.gateway, self.submitter.api, plan.not_the_api)",
        "                wrong = None",
        (
            "tests/e2e/test_not_the_api.py::"
            "test_runs_again_at_the_same_wrong_url_send_no_submit_and_leave_no_job_more_of_unknown_outcome",
        ),
    ),
    Plant(
        "a history row's latency_ms of 1 ms is taken for its job's submit to finish: a late show that spends a "
        "result call and the run's one refutation of the rows' latency",
        "batchgen/engine/sweeper.py",
        "            if credible_latency(row.latency_s, seen_unfinished=job.pending_age, least=least) is None:",
        "            if credible_latency(row.latency_s, seen_unfinished=job.pending_age, least=0.0) is None:",
        (
            "tests/e2e/test_history_lag.py::test_a_row_whose_latency_cannot_be_its_jobs_spends_no_check_and_no_refuta"
            "tion",
        ),
    ),
    Plant(
        "a run's start reads its own ledger twice: the command's read before the lock, and the run's after it",
        "batchgen/store/output.py",
        "            replay = read_ledger_again(local.ledger, read)",
        "            replay = read_ledger(local.ledger)",
        ("tests/cli/test_start_reads.py::test_a_runs_start_reads_each_shards_ledger_once",),
    ),
    Plant(
        "a 401/403 page before the API has spoken is told as the API refusing the key, though a proxy or a wrong "
        "--base-url may have answered",
        "batchgen/api/answers.py",
        "    if status in (401, 403) and (page := not_json(body)) is not None:",
        "    if status in (401, 403) and (page := not_json(body)) is not None and False:",
        (
            "tests/api/test_client_answers.py::"
            "test_a_page_refusing_a_poll_once_the_api_accepted_the_key_is_a_gateway_refusal_not_a_refused_key",
        ),
    ),
    Plant(
        "a history read that fails for now (a 5xx past the gateway's retries) switches the sweeps off for the rest of "
        "the run (several polls a job from then on)",
        "batchgen/engine/sweeper.py",
        "        if not isinstance(exc, TransientError):",
        "        if exc is not None:",
        ("tests/engine/test_sweeper_finds.py", "tests/e2e/test_history_outage.py"),
    ),
    Plant(
        "sweeps stopped for good while paused after a failed read start again when the pause ends",
        "batchgen/engine/sweeper.py",
        "        self._resume_at = None  # for good, paused or not",
        "        pass",
        ("tests/engine/test_sweeper_finds.py",),
    ),
    Plant(
        "before a kind is learned, a history row's latency under a tenth of its published time is read as none (a "
        "world faster than published learns its first finishes only from the sweeps' bounds)",
        "batchgen/engine/sweeper.py",
        "            least = LAG_TOLERANCE * shown if shown is not None else self._probe_start(key)",
        "            least = LAG_TOLERANCE * (shown or self.latency.prior(key))",
        ("tests/engine/test_history_lag.py",),
    ),
    Plant(
        "a job's view in the ledger drops when its POST went out once a later line (result, completed) comes, so a "
        "re-run finds no request of ours sent after a lost submit and never settles it",
        "batchgen/store/ledger.py",
        '    "posted_at",  # when the POST that made its request went out (a re-run\'s proof for a lost submit)',
        "",
        (
            "tests/engine/test_resume_counts.py::test_an_earlier_runs_request_keeps_its_posting_time_once_it_has_comp"
            "leted",
            "tests/e2e/test_crash.py::test_a_request_sent_after_a_lost_submit_and_since_completed_settles_it_in_a_re_"
            "run",
        ),
    ),
    Plant(
        "a lost submit that only a request in flight can settle (a history not seen to list one unfinished) is "
        "promised to a plain re-run ('Run again later'), which has nothing to send or watch",
        "batchgen/engine/recovery.py",
        "            unseen = self._unseen()",
        '            unseen = ""',
        (
            "tests/e2e/test_crash.py::test_a_lost_submit_a_re_run_cannot_settle_is_told_what_settles_it_not_promised"
            "_to_a_re_run",
        ),
    ),
    Plant(
        "a lost submit a history listing only finished requests can never show is promised to a row added",
        "batchgen/engine/recovery.py",
        '"a run with a job in flight (a row added) settles it if the history lists that job before it "',
        '"add a row (a new job; once the history lists its request, it settles this one); or "',
        (
            "tests/e2e/test_crash.py::test_a_lost_submit_a_history_listing_only_finished_requests_cannot_show_is_not"
            "_promised_to_an_added_row",
        ),
    ),
    Plant(
        "a lost submit with no request of ours after it, in a history not seen listing a request unfinished, is "
        "promised to a row added (a history that lists requests only once finished never shows it)",
        "batchgen/engine/recovery.py",
        "        if self.lists_unfinished:",
        "        if True:",
        (
            "tests/e2e/test_crash.py::test_a_lost_submit_a_history_listing_only_finished_requests_cannot_show_is_not"
            "_promised_to_an_added_row",
        ),
    ),
    Plant(
        "a record gone where the request history answers 404 (there is none) is said to have no output there, as if "
        "it had been searched",
        "batchgen/engine/recovery.py",
        '            "there is no request history to find its output in (it answers 404)"',
        '            "the request history has no output for it"',
        (
            "tests/engine/test_recovery.py::test_a_record_gone_without_output_says_why_and_what_to_do",
            "tests/e2e/test_crash.py::test_a_record_gone_where_there_is_no_request_history_is_not_said_to_lack_its_ou"
            "tput",
        ),
    ),
    Plant(
        "the run that sent a lost submit says a plain re-run cannot settle it, where a history that only lags would",
        "batchgen/engine/recovery.py",
        "            if unseen and since < self.started and not self.more_to_send(job):",
        "            if unseen and not self.more_to_send(job):",
        ("tests/e2e/test_pacing.py::test_an_unsettled_submit_is_left_for_a_later_run_not_resubmitted",),
    ),
    # ----------------------------------------------------------------- a record's life caps the jobs in flight
    Plant(
        "with no history, the configured concurrency is kept however long jobs wait in the queue",
        "batchgen/engine/submitter.py",
        "if book.in_flight < self.life.room(self.settings.limits.concurrency, book.in_flight):",
        "if book.in_flight < self.settings.limits.concurrency:",
        ("tests/e2e/test_record_life.py", "tests/engine/test_life_cap.py"),
    ),
    Plant(
        "a job whose record died unfinished is not counted ahead of the jobs sent after it",
        "batchgen/engine/poller.py",
        '            outlived = self.life.died(job.request_id or "", kind)',
        "            pass",
        ("tests/e2e/test_record_life.py", "tests/engine/test_life_cap.py"),
    ),
    Plant(
        "a dead record's job is counted ahead for no time",
        "batchgen/engine/life_cap.py",
        "            max(found, sent + ahead / rate) if rate else (found if died else sent) + target\n",
        "            found\n",
        ("tests/e2e/test_record_life.py", "tests/engine/test_life_cap.py"),
    ),
    Plant(
        "the throughput is taken as the slowest recent finish's, not the upper quartile",
        "batchgen/engine/life_cap.py",
        "        return rates[round(UPPER * (len(rates) - 1))]",
        "        return rates[0]",
        ("tests/e2e/test_record_life.py", "tests/engine/test_life_cap.py"),
    ),
    Plant(
        "the cap binds from the first finish, before any job of ours was seen to wait",
        "batchgen/engine/life_cap.py",
        "        self.wait_seen = self.wait_seen or died or self._waited(now, target)",
        "        self.wait_seen = self.wait_seen or died or bool(self._recent) or self._waited(now, target)",
        ("tests/e2e/test_record_life.py", "tests/engine/test_life_cap.py"),
    ),
    Plant(
        "before any finish, jobs go on being sent however long the first has waited",
        "batchgen/engine/life_cap.py",
        "        alone = self._alone() or min(target, ALONE_ROOM * self._earlier)",
        "        alone = self._alone() or math.inf",
        ("tests/e2e/test_record_life.py", "tests/engine/test_life_cap.py"),
    ),
    Plant(
        "the target ignores a guard shortened by a record found gone sooner",
        "batchgen/engine/life_cap.py",
        "        guard = self.plan.guard\n",
        "        guard = self.plan.expiry_s_configured if hasattr(self.plan, 'expiry_s_configured') else 3000.0\n",
        ("tests/e2e/test_record_life.py", "tests/engine/test_life_cap.py"),
    ),
    Plant(
        "the feeder waiting on the book is never woken by time alone",
        "batchgen/engine/book.py",
        "                await clock.wait(self._changed, recheck())",
        "                await self._changed.wait()",
        ("tests/engine/test_life_cap.py", "tests/e2e/test_record_life.py"),
    ),
    # ----------------------------------------------------------------- a lagging history: sweeps or polls
    Plant(
        "a lagging history always switches the sweeps off, whatever polls would cost the budget",
        "batchgen/engine/sweeper.py",
        "        if swept < (1.0 if self._lag_kept else LAG_MARGIN) * polled:\n",
        "        if True:\n",
        ("tests/e2e/test_history_lag.py",),
    ),
    Plant(
        "a lagging history is always swept on, however cheap polls are",
        "batchgen/engine/sweeper.py",
        "        if swept < (1.0 if self._lag_kept else LAG_MARGIN) * polled:\n",
        "        if False:\n",
        ("tests/e2e/test_history_lag.py",),
    ),
    Plant(
        "the request budget is read per window, not per second, in weighing sweeps against polls",
        "batchgen/engine/sweeper.py",
        "        rate, slots = budget.limit / budget.window, max(1, self.peak)",
        "        rate, slots = budget.limit, max(1, self.peak)",
        ("tests/e2e/test_history_lag.py",),
    ),
    Plant(
        "with a lag kept to, a poll's find counts as the history's miss within the lag",
        "batchgen/engine/sweeper.py",
        "self._covered.get(job.request_id, -math.inf) - self._lag_kept > finished_at",
        "self._covered.get(job.request_id, -math.inf) > finished_at",
        ("tests/engine/test_sweeper.py", "tests/e2e/test_history_lag.py"),
    ),
    Plant(
        "with no history, the cap falls below the jobs in flight that finishes showed wait for no worker",
        "batchgen/engine/life_cap.py",
        "cap = max(1, self._rounds(math.floor(rate * target)), self._unwaited()) if rate",
        "cap = max(1, self._rounds(math.floor(rate * target))) if rate",
        ("tests/engine/test_life_cap.py",),
    ),
    Plant(
        "a record gone with no history after its job was seen finished is said to have run past its record's life",
        "batchgen/engine/recovery.py",
        "        if self.api.history_answered is False and job.pending_age > 0 and job.done_age is None:",
        "        if self.api.history_answered is False and job.pending_age > 0:",
        ("tests/engine/test_recovery.py",),
    ),
    Plant(
        "a lag kept to is said again each time a show is later than the last",
        "batchgen/engine/sweeper.py",
        "        if not self._lag_kept:\n",
        "        if self._lag_kept < self.lag.worst:\n",
        ("tests/engine/test_sweeper.py",),
    ),
    Plant(
        "sweeps kept behind a lagging history stop at the first reckoning short of the margin, not of polls",
        "batchgen/engine/sweeper.py",
        "        if swept < (1.0 if self._lag_kept else LAG_MARGIN) * polled:",
        "        if swept < LAG_MARGIN * polled:",
        ("tests/engine/test_sweeper.py",),
    ),
    # ----------------------------------------------------------------- a resumed run and the earlier run's queue
    Plant(
        "with no history, the jobs a resumed run re-attached are not counted in the cap on jobs in flight",
        "batchgen/engine/schedule.py",
        "        self.life.attached(earlier, lineup or [])",
        "        pass",
        ("tests/e2e/test_record_life.py", "tests/engine/test_life_cap.py"),
    ),
    Plant(
        "a re-attached job is taken to have had none ahead of it, whatever the ledger shows was in flight",
        "batchgen/engine/life_cap.py",
        "_ahead(sends, placed.get(request_id, at), self._unseen)))",
        "1))",
        ("tests/engine/test_life_cap.py", "tests/e2e/test_record_life.py"),
    ),
    Plant(
        "the jobs whose records died unfinished in an earlier run are not counted ahead in the resumed one",
        "batchgen/engine/life_cap.py",
        "            if left is None and request_id not in known and now - sent < self._unseen:",
        "            if False:",
        ("tests/engine/test_life_cap.py", "tests/e2e/test_record_life.py"),
    ),
    Plant(
        "an earlier run's job found done at its first look teaches the throughput",
        "batchgen/engine/life_cap.py",
        "        if sent is None or not took > 0 or (attached and not (bracketed and dated)):",
        "        if sent is None or not took > 0 or (attached and not dated):",
        ("tests/engine/test_life_cap.py",),
    ),
    Plant(
        "an earlier run's job, which waited behind jobs this run never knew, is taken for how long a job takes alone",
        "batchgen/engine/life_cap.py",
        "        self._finish(took, sent[1], alone=not attached)",
        "        self._finish(took, sent[1], alone=True)",
        ("tests/engine/test_life_cap.py", "tests/e2e/test_record_life.py"),
    ),
    Plant(
        "with no history, the cap is let go once the account's queue drains, and the next wave overfills it",
        "batchgen/engine/life_cap.py",
        "        self.wait_seen = self.wait_seen or died or self._waited(now, target)",
        "        self.wait_seen = died or self._waited(now, target)",
        ("tests/engine/test_life_cap.py", "tests/e2e/test_record_life.py"),
    ),
    Plant(
        "with the cap held, no job in flight and none known finished, nothing is ever sent again",
        "batchgen/engine/life_cap.py",
        "self._unwaited()) if rate else max(1, in_flight)",
        "self._unwaited()) if rate else in_flight",
        ("tests/engine/test_life_cap.py",),
    ),
    Plant(
        "a feeder held by the cap is looked at again only when a dead record's job is through",
        "batchgen/engine/life_cap.py",
        "        if not self._held:\n            return through",
        "        if True:\n            return through",
        ("tests/engine/test_life_cap.py",),
    ),
    Plant(
        "a run cancelled by its caller leaves its HTTP sessions open",
        "batchgen/api/client.py",
        "        with anyio.move_on_after(CLOSE_S, shield=True):\n            for session in",
        "        if True:\n            for session in",
        ("tests/e2e/test_record_life.py",),
    ),
    Plant(
        "a submit of unknown outcome that a history answering 404 cannot look up is left to a plain re-run",
        "batchgen/engine/recovery.py",
        "    if isinstance(exc, NotFound):  # the history is not there",
        "    if False:  # the history is not there",
        ("tests/engine/test_recovery.py",),
    ),
    Plant(
        "a resumed run does not learn from its ledger that records die sooner than configured",
        "batchgen/engine/run.py",
        "                    self.poller.record_gone_at(request_id, age)",
        "                    pass",
        ("tests/e2e/test_record_life.py",),
    ),
    Plant(
        "a record's life read from the ledger is taken in real seconds, not run seconds",
        "batchgen/engine/resume.py",
        "clock.from_wall(gone) - clock.from_wall(sent)",
        "gone - sent",
        ("tests/e2e/test_record_life.py",),
    ),
    Plant(
        "a resumed run ignores the earlier run's finishes its ledger shows",
        "batchgen/engine/life_cap.py",
        "        for left, sent in seen[-RECENT:]:",
        "        for left, sent in seen[:0]:",
        ("tests/engine/test_life_cap.py", "tests/e2e/test_record_life.py"),
    ),
    Plant(
        "an earlier run's jobs are forgotten a record's life as found (not as configured) after their submits",
        "batchgen/engine/life_cap.py",
        "            if left is None and request_id not in known and now - sent < self._unseen:",
        "            if left is None and request_id not in known and now - sent < self.plan.expiry:",
        ("tests/engine/test_life_cap.py", "tests/e2e/test_record_life.py"),
    ),
    Plant(
        "a resumed run sees no wait before a job of its own finishes, and tops the queue up behind the earlier run's",
        "batchgen/engine/life_cap.py",
        "        alone = self._alone() or min(target, ALONE_ROOM * self._earlier)",
        "        alone = self._alone() or target",
        ("tests/engine/test_life_cap.py",),
    ),
    Plant(
        "a re-attached job's place is reckoned from its submit read at another moment, and may leave itself out",
        "batchgen/engine/life_cap.py",
        "_ahead(sends, placed.get(request_id, at), self._unseen)",
        "_ahead(sends, at, self._unseen)",
        ("tests/engine/test_life_cap.py",),
    ),
    Plant(
        "a re-attached job with no submit in the ledger, timed from the resume, teaches how long jobs take",
        "batchgen/engine/life_cap.py",
        "        dated = not attached or request_id in self._dated",
        "        dated = True",
        ("tests/engine/test_life_cap.py",),
    ),
    Plant(
        "a run held before its first history page is told there is no history, where it has only not answered",
        "batchgen/engine/life_cap.py",
        "            self.told, self._told_unanswered = works is False, True",
        "            self.told, self._told_unanswered = True, True",
        ("tests/engine/test_life_cap.py",),
    ),
    Plant(
        "an earlier run's job found done bounds a job alone by the middle of what it could have taken",
        "batchgen/engine/life_cap.py",
        "            self._earlier = min(self._earlier, max(took, seen or 0.0))",
        "            self._earlier = min(self._earlier, took)",
        ("tests/engine/test_life_cap.py",),
    ),
    Plant(
        "an earlier run's refusal, ended seconds after its submit, counts as a finish that tells the throughput",
        "batchgen/engine/life_cap.py",
        "            if left is not None and left > sent and request_id in made and now - left < self._unseen",
        "            if left is not None and left > sent and now - left < self._unseen",
        ("tests/engine/test_life_cap.py",),
    ),
    Plant(
        "a submit of unknown outcome no history can settle frees its slot at once, its job counted nowhere",
        "batchgen/engine/submitter.py",
        "                self.life.unknown(self.clock.from_wall(since))",
        "                pass",
        ("tests/e2e/test_record_life.py", "tests/engine/test_life_cap.py"),
    ),
    Plant(
        "before a wait is seen, a lost submit's job no history can settle does not keep its slot",
        "batchgen/engine/life_cap.py",
        "            lost = queued if self._history_works() is False else 0",
        "            lost = 0",
        ("tests/engine/test_life_cap.py", "tests/e2e/test_record_life.py"),
    ),
    Plant(
        "a lost submit's job holds a slot where the history has only not answered yet (it may soon settle it)",
        "batchgen/engine/life_cap.py",
        "            lost = queued if self._history_works() is False else 0",
        "            lost = queued if not self._history_works() else 0",
        ("tests/engine/test_life_cap.py",),
    ),
    Plant(
        "an earlier run's lost submit is placed behind this run's jobs only, not the ledger's",
        "batchgen/engine/life_cap.py",
        "        ahead = max(ahead, 1 + _ahead(self._sends, sent_at, self._unseen))",
        "        ahead = max(ahead, 1)",
        ("tests/engine/test_life_cap.py",),
    ),
    Plant(
        "a lost submit is taken for a job seen waiting, and binds the cap",
        "batchgen/engine/life_cap.py",
        "        died = any(dead for *_, dead in self._ghosts)",
        "        died = bool(self._ghosts)",
        ("tests/engine/test_life_cap.py",),
    ),
    Plant(
        "a lost submit sent more than two records' lives ago still holds a slot",
        "batchgen/engine/life_cap.py",
        "        return self.clock.now() - sent_at >= self._unseen",
        "        return False",
        ("tests/engine/test_life_cap.py",),
    ),
    Plant(
        "a job id that is a plain word is cut out of its reason's own words, and reasons split",
        "batchgen/report/summary.py",
        '        before = r"(?:(?<=[Jj]ob )|^)" if job_id.isalpha() else r"(?<![\\w.-])"',
        '        before = r"(?<![\\w.-])"',
        ("tests/report/test_summary_lines.py",),
    ),
    Plant(
        "an id, model or repeat under a manifest's defaults is dropped in silence",
        "batchgen/manifest.py",
        "    for key in [key for key in defaults if key in _DEFAULTS_NOT_TAKEN]:",
        "    for key in []:",
        ("tests/test_manifest_forms.py",),
    ),
    Plant(
        "a re-run judges a lost submit's absence by an earlier run's requests it first sees listed, never ripe",
        "batchgen/engine/recovery.py",
        "if self._submitted[request_id] >= self.started]",
        "]",
        ("tests/engine/test_recovery.py",),
    ),
    Plant(
        "a resumed run counts the earlier run's dead records ahead of its finishes, and sends too many at once",
        "batchgen/engine/life_cap.py",
        "        in_flight = [send for send in sends if send[1] is not None or send[2] in known]",
        "        in_flight = sends",
        ("tests/engine/test_life_cap.py",),
    ),
    Plant(
        "an API out of reach is asked again at the first retry's gap all along, not at growing ones",
        "batchgen/retry.py",
        "        delay = self.policy.wait_for(self.number + self._uncounted - 1, verdict)",
        "        delay = self.policy.wait_for(max(1, self.number), verdict)",
        ("tests/api/test_gateway_reach.py::test_an_api_out_of_reach_is_asked_again_at_growing_gaps_until_the_bound",),
    ),
    Plant(
        "a job made again forgets its earlier requests: its lost retry's look-up takes its own failed request",
        "batchgen/engine/resume.py",
        '    reconciler.claimed.update(rid for rec in known.values() for rid in rec.get("ended_requests") or ())',
        "    pass",
        ("tests/e2e/test_crash.py::test_a_failed_jobs_lost_retry_is_never_taken_for_its_earlier_failed_request",),
    ),
    Plant(
        "a re-run that sends no job of its own never trusts a lost submit's absence: exit 6 every run",
        "batchgen/engine/recovery.py",
        "            lags = list(self._lags.values())",
        "            lags = []",
        (
            "tests/e2e/test_told_true.py::test_a_submit_of_unknown_outcome_is_counted_as_sent_and_its_settling_is_tol"
            "d_true",
        ),
    ),
    Plant(
        "a lost submit with no job left to send is told a plain 'run again later' settles it, made or not",
        "batchgen/engine/recovery.py",
        "                if self.more_to_send(job)",
        "                if True",
        ("tests/engine/test_recovery.py",),
    ),
    Plant(
        "status takes an unsharded run into an object store for shard 0 of 1, and names a --shard it never had",
        "batchgen/cli/main.py",
        "(shard := parse_name(name)) is not None and shard.count > 1]",
        "(shard := parse_name(name)) is not None]",
        ("tests/e2e/test_scale.py::test_status_of_a_killed_unsharded_run_into_s3_resumes_it_with_the_same_command",),
    ),
    Plant(
        "a sharded folder's status says 'run again' of its deferred jobs without the shard whose run sends them",
        "batchgen/report/summary.py",
        "        owners = _shard_flags(stopped, shards)",
        "        owners = ''",
        (
            "tests/report/test_summary_lines.py::test_a_sharded_folders_status_names_the_shard_whose_run_sends_its_de"
            "ferred_jobs",
        ),
    ),
    Plant(
        "the spend cap defers jobs the estimates of failing jobs in flight still hold room for",
        "batchgen/engine/submitter.py",
        "        await book.until(lambda: fits() or not self._may_give_back() or self.control.stopping)",
        "        pass",
        ("tests/engine/test_submitter_units.py",),
    ),
    Plant(
        "a run's report counts its manifest's rows never sent as jobs in the ledger",
        "batchgen/report/html.py",
        "    rows = [row for row in data.rows if row.recorded]",
        "    rows = data.rows",
        (
            "tests/report/test_report.py::test_a_run_stopped_before_it_sent_every_row_counts_in_the_ledger_only_the_l"
            "edgers_jobs",
        ),
    ),
    Plant(
        "after a stop at the spend cap, the --retry-failed line gives the full cap, and defers everything again",
        "batchgen/cli/nextstep.py",
        '            _raised_cap(out_text, args, manifest, settings, jobs, also=("failed", "expired")),',
        "            command,",
        ("tests/e2e/test_told_true.py::test_after_a_stop_at_the_cap_the_retry_failed_line_covers_the_failed_jobs",),
    ),
    Plant(
        "a sharded folder's status says 'add --retry-failed' without the shards whose runs hold the failed jobs",
        "batchgen/report/summary.py",
        '{each_shards_run(shards)}" if shards else "")',
        '{each_shards_run(shards)}" if False else "")',
        ("tests/report/test_summary_lines.py",),
    ),
    Plant(
        "the job answered 406 is given another reason than the jobs the credit stop defers: two groups of one",
        "batchgen/engine/submitter.py",
        "            self.control.credit_stop(exc)\n",
        "            self.control.credit_stop(exc)\n"
        "            self._stop_error = lambda: exc.to_record()  # type: ignore[method-assign]\n",
        ("tests/e2e/test_promises_money.py::test_after_a_credit_stop_no_submit_is_sent",),
    ),
    Plant(
        "a lost submit a history answering 404 leaves is not marked as one no later send settles",
        "batchgen/engine/submitter.py",
        '                error["send_settles"] = False',
        "                pass",
        (
            "tests/e2e/test_record_life.py::test_a_submit_of_unknown_outcome_holds_its_slot_where_no_history_can_sett"
            "le_it",
        ),
    ),
    Plant(
        "status says a re-run settles every stuck submit once jobs are left to send, a 404 history's too",
        "batchgen/report/summary.py",
        '        stuck_ids = [i for i in stuck_ids if jobs[i]["error"].get("send_settles") is False]',
        "        stuck_ids = []",
        ("tests/report/test_summary_lines.py",),
    ),
    # ----------------------------------------------------------------- fixes that came without a plant
    Plant(
        "--replace-changed makes a changed row anew while its earlier request is in flight: that video never fetched",
        "batchgen/engine/identity.py",
        "    in_flight = [change for change in changes if change.state in IN_FLIGHT]",
        "    in_flight = []",
        (
            "tests/engine/test_identity_units.py::"
            "test_only_changed_jobs_in_flight_are_refused_replacing_and_an_unknown_submit_is_told_to_settle_first",
            "tests/e2e/test_promises_identity.py::"
            "test_a_changed_row_whose_earlier_request_is_in_flight_is_not_replaced_and_under_a_new_id_both_are_fetched",
        ),
    ),
    Plant(
        "a submit refused 413 (body too large) is told as failed, and --retry-failed pays to send it again",
        "batchgen/engine/outcome.py",
        "        and 400 <= status < 500",
        "        and status == 400",
        (
            "tests/e2e/test_image_forms.py::"
            "test_an_image_body_too_large_for_the_gateway_is_told_as_refused_as_sent_not_as_failed_and_paid_again",
        ),
    ),
    Plant(
        "an images block with an 'id' drops it without a word",
        "batchgen/models/image_folder.py",
        '        problems.append((key_lines.get("id", line), "images.id", _NO_ID))',
        "        pass",
        (
            "tests/test_manifest_edges.py::test_an_images_block_names_the_keys_it_does_not_take_instead_of_leaving_th"
            "em_out",
        ),
    ),
    Plant(
        "'batchgen models NAME' leaves out an image's aspect limit with one end, though it is checked",
        "batchgen/models/spec.py",
        "        if self.aspect_min is not None or self.aspect_max is not None:",
        "        if self.aspect_min and self.aspect_max:",
        ("tests/models/test_images_edges.py::test_a_limit_with_one_end_is_listed_and_refused_as_it_stands",),
    ),
    Plant(
        "a shot that is no mapping refuses the whole list, not named by its place, and the other shots go unchecked",
        "batchgen/models/check.py",
        "and not isinstance(item, dict) and not (param.item_fields or param.item_images):",
        "and not isinstance(item, dict):",
        (
            "tests/models/test_check_edges.py::"
            "test_an_item_of_a_list_of_objects_that_is_no_object_is_named_by_its_place_and_the_others_still_checked",
            "tests/test_manifest_edges.py::test_a_shot_that_is_not_a_mapping_is_named_at_its_own_line",
        ),
    ),
    Plant(
        "the simulator refuses a WebP image its spec allows",
        "batchgen/simulator/schema.py",
        '    formats = [str(f) for f in spec.get("formats") or ("jpeg", "png")]',
        '    formats = ["jpeg", "png"]',
        (
            "tests/e2e/test_images.py::"
            "test_the_simulator_takes_an_image_in_every_format_its_spec_allows_and_holds_it_to_its_longest_side",
        ),
    ),
    Plant(
        "an image job that names no aspect ratio gets an aspect_mismatch warning for not being 16:9",
        "batchgen/store/media.py",
        "    return duration, None if _has_image(params, model) else DEFAULT_ASPECT",
        "    return duration, DEFAULT_ASPECT",
        ("tests/report/test_report.py::test_an_image_job_that_names_no_aspect_ratio_is_not_held_to_16_9",),
    ),
    Plant(
        "a spec file with aspect or side limits upside down loads, and then no image is ever taken",
        "batchgen/models/loader.py",
        '    for lower, upper in (("min", "max"), ("aspect_min", "aspect_max"), ("min_side_px", "max_side_px")):',
        '    for lower, upper in (("min", "max"),):',
        ("tests/models/test_loader_edges.py::test_image_limits_upside_down_are_refused_as_a_range_is",),
    ),
    Plant(
        "status calls a folder finished when its kept manifest no longer reads, and does not say why",
        "batchgen/cli/options.py",
        "        return None, (str(problems[0]) + more if problems else str(exc).splitlines()[0])",
        "        return None, None",
        (
            "tests/e2e/test_images.py::"
            "test_status_says_the_kept_manifest_no_longer_reads_and_does_not_call_the_folder_finished",
        ),
    ),
    Plant(
        "an images block of a misspelt model says which image parameter is missing, not that the model is unknown",
        "batchgen/manifest.py",
        '        names = ["image"]  # no model, or one unknown',
        "        pass  # no model, or one unknown",
        (
            "tests/test_manifest_edges.py::test_an_images_block_of_a_misspelt_or_text_only_model_says_so_not_which_pa"
            "rameter",
        ),
    ),
    Plant(
        "two images of one name (a.jpg, a.png) make one job id, and the error does not name the two files",
        "batchgen/models/image_folder.py",
        "        if (first := stems.setdefault(stem, path)) != path:",
        "        if False:",
        ("tests/test_manifest_edges.py::test_two_images_of_one_name_are_both_named_where_their_ids_collide",),
    ),
    Plant(
        "the simulator refuses for its size a body a shipped spec allows (50 MB images), not judged by the spec",
        "batchgen/simulator/app.py",
        "MAX_BODY_BYTES = 144 << 20",
        "MAX_BODY_BYTES = 32 << 20",
        ("tests/e2e/test_image_forms.py::test_the_simulator_takes_a_body_as_large_as_a_shipped_spec_allows",),
    ),
    Plant(
        "input_image and the report show the end image when the row writes it before the start image",
        "batchgen/models/images.py",
        "    return list(dict.fromkeys([*(name for name in order if name in params), *params]))",
        "    return list(dict.fromkeys(params))",
        (
            "tests/e2e/test_images.py::"
            "test_input_image_names_the_start_image_whatever_order_the_row_writes_the_images_in",
        ),
    ),
    Plant(
        "an image URL written HTTPS:// is refused as another kind of URL",
        "batchgen/models/images.py",
        "    head = text[:8].lower()",
        "    head = text[:8]",
        ("tests/models/test_images_edges.py::test_a_urls_scheme_is_read_in_any_letter_case",),
    ),
    Plant(
        "before any finish, a lost submit's job holds its slot a target after it was left, not after its submit",
        "batchgen/engine/life_cap.py",
        "            max(found, sent + ahead / rate) if rate else (found if died else sent) + target",
        "            max(found, sent + ahead / rate) if rate else found + target",
        ("tests/engine/test_life_cap.py",),
    ),
    Plant(
        "a recorded line wakes no wait: the feeder learns no estimate comes back only once a video is fetched",
        "batchgen/engine/book.py",
        "        self.wake()  # a wait on the jobs' states or holds looks again",
        "        pass  #",
        (
            "tests/engine/test_submitter_units.py::"
            "test_a_job_the_cap_refuses_is_deferred_once_no_job_in_flight_may_give_its_estimate_back",
            # (nor a look-up whose rows nothing tells apart, once another job's submit is answered)
            "tests/engine/test_submitter_units.py::"
            "test_a_look_up_whose_rows_nothing_tells_apart_goes_on_once_another_submit_is_answered",
        ),
    ),
    Plant(
        "the backoff's doublings have no bound: a long outage overflows it and the run ends in a traceback",
        "batchgen/retry.py",
        "        doublings = min(max(retry_number - 1, 0), MAX_DOUBLINGS)",
        "        doublings = max(retry_number - 1, 0)",
        ("tests/test_retry.py",),
    ),
    Plant(
        "a job that waited for estimates given back is sent whatever the room, which the life cap may have shrunk",
        "batchgen/engine/submitter.py",
        "                    if not fits or self.control.stopping or (self._may_send() and not self._probing()):",
        "                    if True:",
        (
            "tests/engine/test_submitter_units.py::"
            "test_a_job_that_waited_for_estimates_given_back_is_sent_only_if_the_room_still_has_it",
        ),
    ),
    Plant(
        "the changed rows' error sends a row still in flight to --replace-changed, which refuses it",
        "batchgen/engine/identity.py",
        '            "videos/replaced/), or give the changed rows new ids" + _in_flight_note(changes)',
        '            "videos/replaced/), or give the changed rows new ids"',
        ("tests/engine/test_identity_units.py",),
    ),
    # ------------------------------------------------- the request budget as a bound on jobs in flight
    Plant(
        "where only polls fetch a video, the jobs in flight are not bounded by what the budget can poll in time",
        "batchgen/engine/life_cap.py",
        "        most = max(1, math.floor(self._budget() * target / POLLED_REQUESTS))",
        "        most = concurrency",
        (
            "tests/engine/test_life_cap.py::"
            "test_no_more_jobs_are_kept_in_flight_than_the_request_budget_can_poll_within_the_target",
            "tests/e2e/test_record_life.py::"
            "test_no_more_jobs_are_sent_than_the_request_budget_can_poll_before_their_records_die",
        ),
    ),
    Plant(
        "the run does not give the life cap the request budget",
        "batchgen/engine/run.py",
        "            budget=lambda: budget.limit / budget.window / self.gateway.requests_per_call(),",
        "            budget=None,",
        (
            "tests/e2e/test_record_life.py::"
            "test_no_more_jobs_are_sent_than_the_request_budget_can_poll_before_their_records_die",
        ),
    ),
    Plant(
        "a history that answers is taken to stand in for a dead record, whether its rows link the videos or not",
        "batchgen/engine/run.py",
        "            return links.stand_in if api.history_answered else api.history_answered",
        "            return api.history_answered",
        (
            "tests/e2e/test_record_life.py::"
            "test_a_history_whose_rows_do_not_link_the_videos_does_not_stand_in_for_a_record[none]",
            "tests/e2e/test_record_life.py::"
            "test_a_history_whose_rows_do_not_link_the_videos_does_not_stand_in_for_a_record[other]",
        ),
    ),
    Plant(
        "a finished row of ours shown with no link leaves the history taken to stand in for a dead record",
        "batchgen/engine/poller.py",
        "                self.reconciler.links.shown(linked=bool(row.generation_url))",
        "                self.reconciler.links.shown(linked=True)",
        (
            "tests/e2e/test_record_life.py::"
            "test_a_history_whose_rows_do_not_link_the_videos_does_not_stand_in_for_a_record[none]",
        ),
    ),
    Plant(
        "history links found to be another file's leave the history taken to stand in for a dead record",
        "batchgen/engine/history_links.py",
        "        if self._off or self._unlinked:",
        "        if self._unlinked:",
        (
            "tests/e2e/test_record_life.py::"
            "test_a_history_whose_rows_do_not_link_the_videos_does_not_stand_in_for_a_record[other]",
        ),
    ),
    Plant(
        "a held feeder looks at the room again only every 10 s while the history has not answered",
        "batchgen/engine/life_cap.py",
        "        return min(through, RECHECK_S if self._history_works() is not None else self.plan.min_interval)",
        "        return min(through, RECHECK_S)",
        (
            "tests/engine/test_life_cap.py::"
            "test_no_more_jobs_are_kept_in_flight_than_the_request_budget_can_poll_within_the_target",
        ),
    ),
    Plant(
        "a lost submit's job holds a slot where the history answers but its rows do not link the videos",
        "batchgen/engine/life_cap.py",
        "            lost = queued if self._history_works() is False else 0",
        "            lost = queued if works is False else 0",
        (
            "tests/engine/test_life_cap.py::"
            "test_a_lost_submit_keeps_its_slot_until_its_job_would_be_through_but_shows_no_wait",
        ),
    ),
    Plant(
        "a lost submit no look-up can reach is left as one a plain re-run settles (it reads the same history)",
        "batchgen/engine/recovery.py",
        '                    "(paid again if the lost one was made)",\n                    rerun=False,',
        '                    "(paid again if the lost one was made)",',
        ("tests/e2e/test_history_ids.py::test_a_history_that_keeps_no_bodies_leaves_lost_submits_unsent_and_says_why",),
    ),
    # ------------------------------------------------- what the operator is told, from using the tool (round 25)
    Plant(
        "a completed row's deleted image stops every later run (exit 2), though that row is never sent again",
        "batchgen/manifest.py",
        '        if rec is None or rec.get("state") not in settled or rec.get("model") != model:',
        "        if True:",
        (
            "tests/e2e/test_images.py::"
            "test_a_completed_rows_deleted_image_warns_and_the_run_goes_on_but_a_row_to_send_still_needs_its_image",
        ),
    ),
    Plant(
        "a changed completed row whose image is gone is made anew with --replace-changed: sent without its image",
        "batchgen/cli/main.py",
        "    if args.replace_changed and replay is not None:",
        "    if False:",
        (
            "tests/e2e/test_images.py::"
            "test_a_completed_rows_deleted_image_warns_and_the_run_goes_on_but_a_row_to_send_still_needs_its_image",
        ),
    ),
    Plant(
        "a deferred row since removed from the manifest is told on the report as what a re-run submits",
        "batchgen/report/timeline.py",
        "    wanted = given if specs is not None else None if manifest is None else set(manifest)",
        "    wanted = None",
        (
            "tests/e2e/test_told_true.py::"
            "test_rows_a_stop_deferred_and_then_removed_from_the_manifest_are_not_told_as_what_a_re_run_sends",
        ),
    ),
    Plant(
        "status says nothing of the deferred jobs whose rows left the manifest: no run sends them",
        "batchgen/report/summary.py",
        '        if unsent:  # no run sends (or looks up) a job left unsent whose row is gone: not "run again", then',
        "        if False:",
        (
            "tests/e2e/test_told_true.py::"
            "test_rows_a_stop_deferred_and_then_removed_from_the_manifest_are_not_told_as_what_a_re_run_sends",
        ),
    ),
    Plant(
        "'batchgen report' tells a deferred row since removed from the kept manifest as what a re-run submits",
        "batchgen/report/publish.py",
        '    rows = load_rows(root / "ledger.jsonl", specs, manifest)',
        '    rows = load_rows(root / "ledger.jsonl", specs)',
        (
            "tests/e2e/test_told_true.py::"
            "test_rows_a_stop_deferred_and_then_removed_from_the_manifest_are_not_told_as_what_a_re_run_sends",
        ),
    ),
    Plant(
        "a SIGTERM while the CLI is still being imported ends the process by the signal (143), not a clean 130",
        "batchgen/cli/entry.py",
        "    signal.signal(signal.SIGTERM, _interrupt)",
        "    pass",
        ("tests/e2e/test_crash.py::test_sigterm_while_the_cli_is_still_being_imported_is_a_clean_stop_with_exit_130",),
    ),
    Plant(
        "status --manifest OTHER tells its unsent rows to 'run the same batchgen run again', which never sends them",
        "batchgen/cli/main.py",
        "    if manifest is None or options.kept_manifest(out) == Path(manifest).resolve():",
        "    if True:",
        (
            "tests/e2e/test_told_status.py::"
            "test_status_of_another_manifest_names_the_run_of_that_manifest_for_its_jobs_not_the_same_run_again",
        ),
    ),
    Plant(
        "an image given as an https:// URL is not recorded in input_image (results.csv, index.parquet)",
        "batchgen/models/images.py",
        "        if name in urls:",
        "        if False:",
        (
            "tests/e2e/test_images.py::"
            "test_an_image_given_as_an_https_url_is_recorded_as_its_input_without_the_query_string",
        ),
    ),
    Plant(
        "an image URL's query string (a signed URL's signature) is recorded in input_image",
        "batchgen/models/images.py",
        '    return urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))',
        "    return url",
        (
            "tests/e2e/test_images.py::"
            "test_an_image_given_as_an_https_url_is_recorded_as_its_input_without_the_query_string",
        ),
    ),
    Plant(
        "image jobs refused in turn for one cause flip the model's inline form back and forth, logged once per job",
        "batchgen/engine/inline_forms.py",
        "            if self._trying.get(key, job_id) != job_id:",
        "            if False:",
        (
            "tests/engine/test_inline_forms.py::"
            "test_jobs_refused_in_turn_for_one_cause_change_the_form_and_say_so_once_naming_the_job",
            "tests/e2e/test_image_forms.py::test_a_gateway_that_refuses_both_forms_is_not_said_to_take_each_in_turn",
        ),
    ),
    Plant(
        "a resumed lost submit's reason names the search's lower bound (5 s before its POST) as when it was sent",
        "batchgen/engine/recovery.py",
        '        when = datetime.fromtimestamp(since if sent is None else sent, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")',
        '        when = datetime.fromtimestamp(since, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")',
        (
            "tests/e2e/test_crash.py::"
            "test_a_lost_submit_an_earlier_run_left_is_told_with_the_time_its_post_went_out_not_the_search_bound",
        ),
    ),
    Plant(
        "a resumed run forgets when an earlier run's lost submit was posted: no send time named, searched from afar",
        "batchgen/engine/resume.py",
        '            job.posted_epoch = parse_time(rec.get("posting_at") or line)',
        "            job.posted_epoch = None",
        (
            "tests/e2e/test_crash.py::"
            "test_a_lost_submit_an_earlier_run_left_is_told_with_the_time_its_post_went_out_not_the_search_bound",
        ),
    ),
    # ------------------------------------------------- an audit of the tests: stores, ledgers, retries, manifests
    Plant(
        "a ledger read is stamped after its lines are parsed: lines appended meanwhile are vouched for, never read",
        "batchgen/store/ledger.py",
        "    return Replay(jobs, last_complete, torn, _stamp(info))",
        "    return Replay(jobs, last_complete, torn, ledger_stamp(path))",
        ("tests/cli/test_start_reads.py::test_a_line_appended_while_the_ledger_is_being_read_makes_the_read_stale",),
    ),
    Plant(
        "a retry's wait is not bounded by its wait cap: a call past the reachability bound waits out a full backoff",
        "batchgen/retry.py",
        "            delay = min(delay, self.wait_cap(exc))",
        "            pass",
        ("tests/test_retry.py::test_a_wait_cap_bounds_the_wait_the_hook_asks_for",),
    ),
    Plant(
        "a 429 met past the retry deadline is waited out at the gate again and again (the deadline never ends)",
        "batchgen/retry.py",
        "        return self.clock.now() - self.started <= self.deadline_s",
        "        return True",
        ("tests/test_retry.py::test_the_deadline_is_kept_only_while_the_time_since_the_first_attempt_is_within_it",),
    ),
    Plant(
        "a restart after a retried error (a fresh link) still waits out that error's backoff",
        "batchgen/retry.py",
        "        self.number, self._uncounted, self._wait, self._more = 0, 0, None, True",
        "        self.number, self._uncounted, self._more = 0, 0, True",
        ("tests/test_retry.py::test_a_restart_after_a_retried_error_goes_on_at_once_not_after_its_backoff",),
    ),
    Plant(
        "a cancel inside an attempt is handed to the retry hook and swallowed: the run cannot stop",
        "batchgen/retry.py",
        "        if not isinstance(exc, Exception):",
        "        if exc is None:",
        ("tests/test_retry.py::test_a_cancel_inside_an_attempt_is_never_retried_whatever_the_hook_says",),
    ),
    Plant(
        "a loop's own deadline is ignored: a lost submit's look-ups stop at retry.deadline_s, short of their delays",
        "batchgen/retry.py",
        "            deadline_s=self.deadline_s if deadline_s is None else deadline_s,",
        "            deadline_s=self.deadline_s,",
        ("tests/test_retry.py::test_a_loop_with_bounds_of_its_own_keeps_them_not_the_settings",),
    ),
    Plant(
        "a lease taken over before it expired (an actor started again) is still held: the old writer goes on",
        "batchgen/store/lease.py",
        "        return self.generation > 0 and self.lost is None and self.now() < self.expires_at",
        "        return self.generation > 0 and self.now() < self.expires_at",
        ("tests/store/test_lease.py::test_a_holder_taken_over_before_its_lease_expires_holds_it_no_more",),
    ),
    Plant(
        "a lease held from another host whose pid is not one of ours is told 'no longer running on this host'",
        "batchgen/store/lease.py",
        'if record.get("host") != socket.gethostname() or isinstance(pid, bool)',
        "if isinstance(pid, bool)",
        ("tests/store/test_lease.py::test_a_holder_is_told_gone_only_for_a_pid_of_this_host_that_no_longer_runs",),
    ),
    Plant(
        "a lease held by another user's live process on this host is told 'no longer running'",
        "batchgen/store/lease.py",
        "    except OSError:  # it exists, under another user\n        return False",
        "    except OSError:  # it exists, under another user\n        return True",
        ("tests/store/test_lease.py::test_a_holder_is_told_gone_only_for_a_pid_of_this_host_that_no_longer_runs",),
    ),
    Plant(
        "a segment writer whose lease lapsed folds its segments into a snapshot as it closes (another run's shard)",
        "batchgen/store/segments.py",
        "        if self.lease is not None and not self.lease.holds():\n            return\n        try:",
        "        try:",
        ("tests/store/test_segments_kept.py::test_a_writer_whose_lease_lapsed_folds_nothing_when_it_closes",),
    ),
    Plant(
        "derived ids hash the model after the parameters: every row of an earlier folder gets a new id (paid again)",
        "batchgen/jobs.py",
        '    return json.dumps([model, params], sort_keys=True, separators=(",", ":"), ensure_ascii=False)',
        '    return json.dumps([params, model], sort_keys=True, separators=(",", ":"), ensure_ascii=False)',
        ("tests/test_manifest.py::test_a_derived_id_is_the_same_from_one_batchgen_to_the_next",),
    ),
    Plant(
        "a derived id's model prefix is not cut to 40 characters: a long model name's rows get new ids (paid again)",
        "batchgen/jobs.py",
        '    return re.sub(r"[^A-Za-z0-9]+", "-", model).strip("-")[:40] or "job"',
        '    return re.sub(r"[^A-Za-z0-9]+", "-", model).strip("-") or "job"',
        ("tests/test_manifest.py::test_a_derived_id_is_the_same_from_one_batchgen_to_the_next",),
    ),
    Plant(
        "an id may begin with '.' or '-': ids '.a' and '..a' share videos/a.mp4, one video saved over the other",
        "batchgen/jobs.py",
        'ID_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")',
        'ID_PATTERN = re.compile(r"[A-Za-z0-9._-]{1,128}")',
        ("tests/test_manifest.py::test_an_id_that_does_not_begin_with_a_letter_or_digit_is_refused",),
    ),
    Plant(
        "a completed job whose cost was never told counts nothing against the spend cap",
        "batchgen/jobs.py",
        "    {JobState.SUBMITTING, JobState.SUBMITTED, JobState.DOWNLOADING, JobState.COMPLETED, JobState.EXPIRED}\n",
        "    {JobState.SUBMITTING, JobState.SUBMITTED, JobState.DOWNLOADING, JobState.EXPIRED}\n",
        ("tests/engine/test_book.py::test_a_job_completed_without_a_known_cost_counts_its_estimate",),
    ),
    Plant(
        "two rows of one request both take the folder's one job: two rows under one id",
        "batchgen/engine/derived_ids.py",
        "            renamed[job.id] = candidates.pop(0)",
        "            renamed[job.id] = candidates[0]",
        (
            "tests/engine/test_derived_ids.py::"
            "test_two_rows_of_one_request_take_the_one_job_the_folder_made_once_the_other_is_made_anew",
        ),
    ),
    Plant(
        "a YAML manifest of two documents is read as its second: the first one's jobs are dropped in silence",
        "batchgen/yaml_reader.py",
        "            if documents > 1:",
        "            if documents > 2:",
        ("tests/test_manifest_forms.py::test_yaml_the_reader_does_not_take_is_refused_at_its_line",),
    ),
    Plant(
        "a YAML value of a tag the reader does not build (!!binary, !custom) is sent as its raw text",
        "batchgen/yaml_reader.py",
        "        if build is None:\n            raise YamlProblem(",
        "        if build is None:\n            return value\n            raise YamlProblem(",
        ("tests/test_manifest_forms.py::test_yaml_the_reader_does_not_take_is_refused_at_its_line",),
    ),
    Plant(
        "a !!str-tagged YAML value is refused as an unsupported tag",
        "batchgen/yaml_reader.py",
        "        if tag == _STR:\n            return value",
        "        if tag is None:\n            return value",
        ("tests/test_manifest_forms.py::test_a_quoted_or_str_tagged_yaml_value_stays_the_text_it_was_written_as",),
    ),
    Plant(
        "a YAML mapping used as a key is taken as the text of its Python form",
        "batchgen/yaml_reader.py",
        '                raise YamlProblem(line, "a mapping key must be plain text")',
        "                pass",
        ("tests/test_manifest_forms.py::test_yaml_the_reader_does_not_take_is_refused_at_its_line",),
    ),
    # ----------------------------------------------- an audit of the tests: rate windows, paging, plans, specs, clocks
    Plant(
        "an admitted call narrows the rate window below the lower bound a refused call proved (a fixed-window server)",
        "batchgen/api/window.py",
        "        if self.lower < bound < self.window:",
        "        if bound < self.window:",
        (
            (
                "tests/api/test_ratewindow.py::"
                "test_an_admitted_call_never_narrows_the_window_below_what_a_refused_call_proved"
            ),
        ),
    ),
    Plant(
        "calls that may have reached the server after an admitted one count towards the window's upper bound",
        "batchgen/api/window.py",
        "        i = bisect.bisect_left(self._admitted, sent_at - self.delay) - self.limit",
        "        i = bisect.bisect_left(self._admitted, sent_at) - self.limit",
        ("tests/api/test_ratewindow.py::test_calls_that_may_have_reached_the_server_late_prove_no_shorter_window",),
    ),
    Plant(
        "hintless-429 probes stop growing after a few and go one span apart: a long window costs many refused probes",
        "batchgen/api/window.py",
        "            if self._k > 400:  # a stuck clock; never spin",
        "            if self._k > 4:  # a stuck clock; never spin",
        ("tests/api/test_ratewindow.py::test_a_window_sixty_times_the_configured_one_is_found_in_few_probes",),
    ),
    Plant(
        "a cancelled waiter at the head of the request budget's queue wakes no one: the next waits forever",
        "batchgen/api/ratelimit.py",
        "                heapq.heapify(self._waiters)\n                self._wake_head()\n",
        "                heapq.heapify(self._waiters)\n",
        ("tests/api/test_ratelimit.py::test_a_cancelled_waiter_at_the_head_hands_the_timer_to_the_one_behind_it",),
    ),
    Plant(
        "every object-store error is taken for permanent: a passing network fault stops the run",
        "batchgen/store/objects.py",
        "        kind = StorageError if isinstance(exc, permanent) else StoreUnavailable",
        "        kind = StorageError",
        (
            (
                "tests/store/test_store.py::"
                "test_a_store_error_that_running_again_can_mend_is_retried_and_one_it_cannot_stops_the_run_saying_why"
            ),
        ),
    ),
    Plant(
        "every object-store error is taken for passing: bad credentials are retried, never told",
        "batchgen/store/objects.py",
        "        kind = StorageError if isinstance(exc, permanent) else StoreUnavailable",
        "        kind = StoreUnavailable",
        (
            (
                "tests/store/test_store.py::"
                "test_a_store_error_that_running_again_can_mend_is_retried_and_one_it_cannot_stops_the_run_saying_why"
            ),
        ),
    ),
    Plant(
        "a bucket that does not exist is told as a passing fault to retry, not named with what to correct",
        "batchgen/store/objects.py",
        (
            "        if _missing_bucket(exc):  # the same command would meet the same absence: it is the URL or the "
            "store to fix"
        ),
        "        if False:",
        (
            (
                "tests/store/test_store.py::"
                "test_a_store_error_that_running_again_can_mend_is_retried_and_one_it_cannot_stops_the_run_saying_why"
            ),
        ),
    ),
    Plant(
        "every shard writes the one results file in an object store: each overwrites the others' rows",
        "batchgen/store/objects.py",
        '        await self.bucket.put(f"results/{self.shard_name}.csv", data)',
        '        await self.bucket.put("results/0-of-1.csv", data)',
        (
            (
                "tests/store/test_store.py::"
                "test_each_shard_writes_its_own_results_file_and_a_video_of_no_recorded_size_is_trusted_by_presence"
            ),
        ),
    ),
    Plant(
        "a stored video whose record holds no size is never trusted in an object store (fetched again)",
        "batchgen/store/objects.py",
        "            ok = str(key) in sizes and (size is None or sizes[str(key)] == size)",
        "            ok = str(key) in sizes and sizes[str(key)] == size",
        (
            (
                "tests/store/test_store.py::"
                "test_each_shard_writes_its_own_results_file_and_a_video_of_no_recorded_size_is_trusted_by_presence"
            ),
        ),
    ),
    Plant(
        "an image limit that is no whole number of MiB is listed rounded (9.53674 MiB), not in bytes",
        "batchgen/models/spec.py",
        (
            '            parts.append(f"at most {mib:g} MiB" if mib.is_integer() else f"at most {self.max_bytes:,} '
            'bytes")'
        ),
        '            parts.append(f"at most {mib:g} MiB")',
        ("tests/models/test_loader_edges.py::test_listings_say_a_size_exactly_and_true_as_a_spec_file_writes_it",),
    ),
    Plant(
        "rules and enum listings say True/False, not true/false as a spec or manifest writes them",
        "batchgen/models/spec.py",
        '        return "true" if value else "false"',
        "        return str(value)",
        ("tests/models/test_loader_edges.py::test_listings_say_a_size_exactly_and_true_as_a_spec_file_writes_it",),
    ),
    Plant(
        "a model spec file of any size is read and parsed (a video passed by mistake)",
        "batchgen/models/loader.py",
        '    if len(data) > MAX_SPEC_BYTES or b"\\x00" in data:',
        '    if b"\\x00" in data:',
        ("tests/models/test_loader_edges.py::test_a_file_too_large_to_be_a_spec_is_refused_unread",),
    ),
    Plant(
        "a spec's enum with an empty list of values is taken (no value could ever pass)",
        "batchgen/models/loader.py",
        "        if not isinstance(values, list) or not values or any(isinstance(v, list | dict) for v in values):",
        "        if not isinstance(values, list) or any(isinstance(v, list | dict) for v in values):",
        ("tests/models/test_loader_edges.py::test_each_problem_of_a_spec_is_named_at_its_line_and_field",),
    ),
    Plant(
        "a spec's rule that requires nothing (only when and a message) is taken",
        "batchgen/models/loader.py",
        '        if not (conditions["require"] or names["present"] or names["absent"] or names["one_of"]):',
        "        if False:",
        ("tests/models/test_loader_edges.py::test_each_problem_of_a_spec_is_named_at_its_line_and_field",),
    ),
    Plant(
        "a spec's price by a parameter the spec does not have is taken",
        "batchgen/models/loader.py",
        "    if not isinstance(by, list) or not all(isinstance(b, str) and b in declared for b in by):",
        "    if not isinstance(by, list):",
        ("tests/models/test_loader_edges.py::test_each_problem_of_a_spec_is_named_at_its_line_and_field",),
    ),
    Plant(
        "a spec's unknown top-level key is ignored, not named",
        "batchgen/models/loader.py",
        "        if key not in _TOP:",
        "        if False:",
        ("tests/models/test_loader_edges.py::test_a_key_the_spec_format_does_not_have_is_named_not_ignored",),
    ),
    Plant(
        "a spec's image parameter with a wire form other than base64 or url is taken",
        "batchgen/models/loader.py",
        '    if kind == "image" and wire not in (None, "base64", "url"):',
        "    if False:",
        ("tests/models/test_loader_edges.py::test_each_problem_of_a_spec_is_named_at_its_line_and_field",),
    ),
    Plant(
        "a spec's required or send_default that is not a boolean is taken",
        "batchgen/models/loader.py",
        "        if key in node and not isinstance(node[key], bool):",
        "        if False:",
        ("tests/models/test_loader_edges.py::test_each_problem_of_a_spec_is_named_at_its_line_and_field",),
    ),
    Plant(
        "a wall moment is put on the run clock unscaled: under --simulate a resumed job looks N times younger",
        "batchgen/clock.py",
        "        return self.now() - max(0.0, self.epoch() - epoch) * self.scale",
        "        return self.now() - max(0.0, self.epoch() - epoch)",
        (
            (
                "tests/test_clock.py::"
                "test_a_wall_moment_lies_as_far_back_on_the_run_clock_as_the_time_scale_makes_it_and_never_ahead"
            ),
        ),
    ),
    Plant(
        "a wall moment ahead of this machine's clock (skew) is put in the run clock's future",
        "batchgen/clock.py",
        "        return self.now() - max(0.0, self.epoch() - epoch) * self.scale",
        "        return self.now() - (self.epoch() - epoch) * self.scale",
        (
            (
                "tests/test_clock.py::"
                "test_a_wall_moment_lies_as_far_back_on_the_run_clock_as_the_time_scale_makes_it_and_never_ahead"
            ),
        ),
    ),
    Plant(
        "a date in epoch milliseconds is read as seconds (a moment 1000 times later)",
        "batchgen/clock.py",
        "    return value / 1000 if value > 1e11 else value",
        "    return value",
        ("tests/test_clock.py::test_dates_read_back_as_the_moments_they_were_written",),
    ),
    Plant(
        "a header's ISO time without a zone is read as local time, not UTC",
        "batchgen/clock.py",
        "        if naive_utc and parsed.tzinfo is None:",
        "        if False:",
        ("tests/test_clock.py::test_dates_read_back_as_the_moments_they_were_written",),
    ),
    Plant(
        "the ledger's dates are written in local time marked Z",
        "batchgen/clock.py",
        '    return datetime.fromtimestamp(epoch, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")',
        '    return datetime.fromtimestamp(epoch).isoformat(timespec="milliseconds") + "Z"',
        ("tests/test_clock.py::test_dates_read_back_as_the_moments_they_were_written",),
    ),
    Plant(
        "a fake sleep whose deadline time reaches exactly is not woken",
        "batchgen/clock.py",
        "        due = [event for deadline, event in self._sleepers if deadline <= value]",
        "        due = [event for deadline, event in self._sleepers if deadline < value]",
        ("tests/test_clock.py::test_a_fake_sleep_ends_when_time_reaches_its_deadline_exactly",),
    ),
    Plant(
        "a spec's price row of usd .inf is taken",
        "batchgen/models/loader.py",
        (
            "            if isinstance(usd, bool) or not isinstance(usd, int | float) or not math.isfinite(usd) or usd "
            "<= 0:"
        ),
        "            if isinstance(usd, bool) or not isinstance(usd, int | float) or usd <= 0:",
        ("tests/models/test_loader_edges.py::test_each_problem_of_a_spec_is_named_at_its_line_and_field",),
    ),
    Plant(
        "a spec's price range from $0 is taken",
        "batchgen/models/loader.py",
        "            or not all(_positive(v) for v in span)\n",
        "",
        ("tests/models/test_loader_edges.py::test_each_problem_of_a_spec_is_named_at_its_line_and_field",),
    ),
    Plant(
        "a spec without latency_s or source is not told so (latency_s: a crash)",
        "batchgen/models/loader.py",
        '    for key in ("slug", "kind", "source", "latency_s", "params", "price"):',
        '    for key in ("slug", "kind", "params", "price"):',
        ("tests/models/test_loader_edges.py::test_each_problem_of_a_spec_is_named_at_its_line_and_field",),
    ),
    Plant(
        "a key of a list's objects declared both an image and a field is taken",
        "batchgen/models/loader.py",
        "    for key in item_images.keys() & item_fields.keys():",
        "    for key in ():",
        ("tests/models/test_loader_edges.py::test_a_wrong_key_of_a_lists_objects_is_refused_where_it_is_written",),
    ),
    Plant(
        "a spec's image formats outside jpeg, png, webp are taken",
        "batchgen/models/loader.py",
        "    if not isinstance(formats, list) or any(f not in IMAGE_FORMATS for f in formats):",
        "    if not isinstance(formats, list):",
        ("tests/models/test_loader_edges.py::test_each_problem_of_a_spec_is_named_at_its_line_and_field",),
    ),
    Plant(
        "a spec's unknown kind is taken",
        "batchgen/models/loader.py",
        '    if "kind" in root and kind not in KINDS:',
        '    if "kind" in root and not kind:',
        ("tests/models/test_loader_edges.py::test_each_problem_of_a_spec_is_named_at_its_line_and_field",),
    ),
    Plant(
        "a resumed job never polled waits half its age (up to max_interval_s) for its first poll",
        "batchgen/engine/pollplan.py",
        "            gap = self.min_interval if polls == 0 else growth * age",
        "            gap = growth * age",
        (
            (
                "tests/engine/test_pollplan_edges.py::"
                "test_a_resumed_job_never_polled_is_first_polled_min_interval_on_whatever_its_age"
            ),
        ),
    ),
    Plant(
        "every row out of order overwrites what first showed the disorder and logs the warning again",
        "batchgen/api/paging.py",
        "        if self.disorder is None:\n            self.disorder = what\n",
        "        if True:\n            self.disorder = what\n",
        ("tests/api/test_paging.py::test_what_first_showed_a_listing_out_of_order_is_kept_and_said_once",),
    ),
    Plant(
        "a server clock ahead puts a request's earliest stamp later than its sending less the skew",
        "batchgen/api/paging.py",
        "        return None if ahead is None else sent + min(0.0, ahead) - CLOCK_SKEW_S",
        "        return None if ahead is None else sent + ahead - CLOCK_SKEW_S",
        ("tests/api/test_paging.py::test_only_requests_answered_by_then_say_how_far_ahead_the_servers_clock_ran",),
    ),
    Plant(
        "requests answered later say how far ahead a gaining server clock ran at an earlier moment",
        "batchgen/api/paging.py",
        "        bounds = [ahead for rid, ahead in self._ahead.items() if made[rid] <= sent]",
        "        bounds = list(self._ahead.values())",
        ("tests/api/test_paging.py::test_only_requests_answered_by_then_say_how_far_ahead_the_servers_clock_ran",),
    ),
    Plant(
        "the Date header stands in for the server's clock after a row was stamped without a zone",
        "batchgen/api/paging.py",
        "        return max(bounds) if bounds else (None if self.zoneless else self.fallback(sent))",
        "        return max(bounds) if bounds else self.fallback(sent)",
        (
            (
                "tests/api/test_paging.py::"
                "test_a_row_stamped_without_a_zone_rules_the_date_header_out_as_the_servers_clock"
            ),
        ),
    ),
    Plant(
        "an object that is not there reads as empty bytes, not absent (a removed segment or lease read as nothing)",
        "batchgen/store/objects.py",
        "        except (NotFoundError, FileNotFoundError):\n            return None\n",
        '        except (NotFoundError, FileNotFoundError):\n            return b""\n',
        (
            (
                "tests/store/test_store.py::"
                "test_each_shard_writes_its_own_results_file_and_a_video_of_no_recorded_size_is_trusted_by_presence"
            ),
        ),
    ),
    Plant(
        "a later poll held for a sweep's patience is carried past the record's expiry guard",
        "batchgen/engine/schedule.py",
        "                at = max(at, min(shown + patience, job.submitted_at + self.plan.guard))",
        "                at = max(at, shown + patience)",
        (
            (
                "tests/engine/test_schedule_edges.py::"
                "test_a_later_poll_a_sweep_showed_unfinished_may_wait_but_never_past_the_expiry_guard"
            ),
        ),
    ),
    Plant(
        "a job a sweep saw finish while its poll was out is planned as any other, not settled next",
        "batchgen/engine/schedule.py",
        "        if job.result_due:\n            at = now  # a sweep saw it finish while it was being polled\n",
        "        if False:\n            at = now  # a sweep saw it finish while it was being polled\n",
        (
            (
                "tests/engine/test_schedule_edges.py::"
                "test_a_job_a_sweep_saw_finish_while_it_was_being_polled_is_settled_next"
            ),
        ),
    ),
    Plant(
        "a probe admitted after a hintless cooldown that showed nothing leaves the gate shut until the next probe",
        "batchgen/api/ratelimit.py",
        (
            "        if learned is None and cooling and not self.finder.cooling:  # a cooldown that showed nothing: "
            "over\n            self._gate_until = now\n"
        ),
        (
            "        if learned is None and cooling and not self.finder.cooling:  # a cooldown that showed nothing: "
            "over\n            pass\n"
        ),
        (
            (
                "tests/api/test_ratelimit.py::"
                "test_a_probe_admitted_after_a_cooldown_that_showed_nothing_opens_the_gate_at_once"
            ),
        ),
    ),
    Plant(
        "a hinted 429 does not restart the clean-window count: the limit climbs back past the ceiling at once",
        "batchgen/api/ratelimit.py",
        "        self._last_raise = now\n        self._tokens = 0.0\n        self._tokens_at = now\n",
        "        self._tokens = 0.0\n        self._tokens_at = now\n",
        (
            (
                "tests/api/test_ratelimit.py::"
                "test_after_a_hinted_429_the_limit_climbs_back_only_after_a_clean_window_from_the_429"
            ),
        ),
    ),
    Plant(
        "a job whose record is gone but shown running is not looked at again by the age it would be taken for stalled",
        "batchgen/engine/schedule.py",
        "            at = max(now, min(at, by))",
        "            at = max(now, at)",
        (
            (
                "tests/engine/test_schedule_edges.py::"
                "test_a_job_looked_at_again_by_a_deadline_is_polled_by_then_and_one_out_of_the_schedule_is_never_polled"
            ),
        ),
    ),
    Plant(
        "a job taken out of the schedule keeps its live heap entry and is polled again",
        "batchgen/engine/schedule.py",
        (
            "        job.result_due, job.swept = False, None\n        job.poll_token += 1  # any heap entry left is "
            "stale\n"
        ),
        "        job.result_due, job.swept = False, None\n",
        (
            (
                "tests/engine/test_schedule_edges.py::"
                "test_a_job_looked_at_again_by_a_deadline_is_polled_by_then_and_one_out_of_the_schedule_is_never_polled"
            ),
        ),
    ),
    Plant(
        "a sweep's row sends a job already being downloaded to be settled again",
        "batchgen/engine/schedule.py",
        "        if job.state is JobState.SUBMITTED and not job.result_due:",
        "        if not job.result_due:",
        (
            (
                "tests/engine/test_schedule_edges.py::"
                "test_a_job_looked_at_again_by_a_deadline_is_polled_by_then_and_one_out_of_the_schedule_is_never_polled"
            ),
        ),
    ),
    Plant(
        "an upper-case S3:// out is opened without the configured endpoint (keys and videos sent to AWS)",
        "batchgen/store/objects.py",
        "    url = scheme.lower() + sep + rest  # (an upper-case S3:// names the same store, at the same endpoint)",
        "    url = scheme + sep + rest",
        ("tests/store/test_store.py::test_an_s3_url_in_any_case_is_opened_at_the_configured_endpoint",),
    ),
    Plant(
        "a job shown finished past its record's life is settled from a row whose links were found to be other files",
        "batchgen/engine/poller.py",
        "            linked = gone and links.history_urls is not False",
        "            linked = gone",
        (
            "tests/e2e/test_record_life.py::"
            "test_a_history_whose_rows_do_not_link_the_videos_does_not_stand_in_for_a_record[other]",
        ),
    ),
    Plant(
        "a dead record's row that links another file (a preview) is downloaded as its video, then retried forever",
        "batchgen/engine/recovery.py",
        "            if self.links.history_urls is False:  # the rows' links were found to be other files (a preview)",
        "            if False:",
        (
            "tests/e2e/test_record_life.py::"
            "test_a_history_whose_rows_do_not_link_the_videos_does_not_stand_in_for_a_record[other]",
        ),
    ),
    # ------------------------------------------------- a review of this round's change
    Plant(
        "a completed row of no id whose image was deleted is not found by its path (exit 2 for a made job)",
        "batchgen/manifest.py",
        "    if given_id is not None or derive is None or made_from is None:\n",
        "    if True:\n",
        (
            "tests/e2e/test_images.py::"
            "test_a_completed_rows_deleted_image_is_not_needed_again_in_a_manifest_without_ids",
        ),
    ),
    Plant(
        "main_entry leaves SIGTERM to entry.py alone: an older console script has no handler (exit 143, not 130)",
        "batchgen/cli/main.py",
        "    take_sigterm()\n",
        "    pass\n",
        (
            "tests/e2e/test_crash.py::"
            "test_sigterm_before_the_run_watches_signals_is_a_clean_stop_with_exit_130[main_entry]",
        ),
    ),
    Plant(
        "the request budget's bound is told in %.3g (1.5e+03 s) rather than whole seconds",
        "batchgen/engine/life_cap.py",
        "can poll only %s within %.0f s of ",
        "can poll only %s within %.3g s of ",
        (
            "tests/engine/test_life_cap.py::"
            "test_the_request_budgets_bound_is_told_in_whole_seconds_at_the_default_record_life",
        ),
    ),
    Plant(
        "one deleted image that many completed rows share is told in a line for each row",
        "batchgen/manifest.py",
        "    said = [warning for _, warning, _ in done_gone[:GONE_SHOWN]]",
        "    said = [warning for _, warning, _ in done_gone]",
        (
            "tests/e2e/test_images.py::"
            "test_one_deleted_image_many_completed_rows_share_is_told_in_a_few_lines_not_one_a_row",
        ),
    ),
    # ----------------------------------------------- an audit of the tests: the engine's small parts, results, reports
    Plant(
        "a failed job the API made is told refused as sent (never charged) when its error names a 4xx",
        "batchgen/engine/outcome.py",
        '        and not record.get("request_id")\n',
        "",
        (
            "tests/report/test_summary_lines.py::"
            "test_a_job_the_api_made_and_failed_with_a_4xx_is_not_told_as_refused_as_sent_nor_free_to_send_again",
        ),
    ),
    Plant(
        "a job in any state whose last error says rerun: false is told a re-run cannot settle it",
        "batchgen/engine/outcome.py",
        'return record.get("state") == "submitting" and isinstance(error, dict) and error.get("rerun") is False',
        'return isinstance(error, dict) and error.get("rerun") is False',
        (
            "tests/report/test_summary_lines.py::"
            "test_only_a_submit_left_of_unknown_outcome_is_told_a_re_run_cannot_settle",
        ),
    ),
    Plant(
        "a reason is told by its kind where it has a detail",
        "batchgen/engine/outcome.py",
        'detail = error.get("detail") or error.get("kind") or "unknown error"',
        'detail = error.get("kind") or error.get("detail") or "unknown error"',
        (
            "tests/report/test_summary_lines.py::"
            "test_a_reason_is_told_by_its_detail_and_its_http_status_and_by_its_kind_only_without_a_detail",
        ),
    ),
    Plant(
        "results.csv reads the prompt off the ledger record, not the job's parameters (the column left empty)",
        "batchgen/store/results.py",
        'row.append(params.get("prompt"))',
        'row.append(rec.get("prompt"))',
        ("tests/store/test_storage.py::test_results_csv_gives_each_jobs_prompt_and_parameters_as_it_asked_them",),
    ),
    Plant(
        "a saved video FFmpeg cannot read is kept without its unreadable warning",
        "batchgen/store/media.py",
        "        return None, [unreadable(exc)]\n",
        "        return None, []\n",
        ("tests/store/test_storage.py::test_a_saved_file_ffmpeg_cannot_read_is_kept_with_its_unreadable_warning",),
    ),
    Plant(
        "a 400 naming an inlined field in capitals alone ('Image is ...') fails the job, not tried in the other form",
        "batchgen/engine/inline_forms.py",
        'if not re.search(rf"\\b{re.escape(name)}\\b", text, re.IGNORECASE):  # "Image is ..." too',
        'if not re.search(rf"\\b{re.escape(name)}\\b", text):  # "Image is ..." too',
        ("tests/engine/test_inline_forms.py::test_a_400_naming_the_field_in_capitals_alone_is_taken_for_its_form",),
    ),
    Plant(
        "the expected finds take every job in flight for running from age 0, not from the age last seen unfinished",
        "batchgen/engine/survival.py",
        "self._running.setdefault(latency_key(job.spec), []).append(self._seen(rid, job))",
        "self._running.setdefault(latency_key(job.spec), []).append(0.0)",
        (
            "tests/engine/test_survival.py::"
            "test_the_expected_finds_count_each_job_in_flight_at_risk_from_the_age_it_was_last_seen_unfinished",
        ),
    ),
    Plant(
        "a job a manifest row still names is also taken up as a stray, fetch-only",
        "batchgen/engine/strays.py",
        "if job_id not in named and fetchable(rec)",
        "if fetchable(rec)",
        ("tests/engine/test_strays.py::test_only_jobs_in_flight_no_row_names_are_taken_up_and_only_to_be_fetched",),
    ),
    Plant(
        "a job in flight without a request id is taken up as a stray (nothing to poll it by)",
        "batchgen/engine/strays.py",
        '        and bool(rec.get("request_id"))\n',
        "",
        ("tests/engine/test_strays.py::test_a_job_without_what_fetching_it_needs_is_not_taken_up",),
    ),
    Plant(
        "index.parquet leaves input_images_json empty (images inside list parameters' objects unnamed)",
        "batchgen/report/index.py",
        '"input_images_json": input_images_json(row.params),',
        '"input_images_json": None,',
        (
            "tests/report/test_promises_units.py::"
            "test_the_index_names_the_images_inside_a_list_parameters_objects_as_results_csv_does",
        ),
    ),
    Plant(
        "index.parquet drops the manifest's annotation columns (meta_json empty)",
        "batchgen/report/index.py",
        '"meta_json": json.dumps(row.meta, sort_keys=True, ensure_ascii=False) if row.meta else None,',
        '"meta_json": None,',
        ("tests/report/test_promises_units.py::test_the_index_keeps_each_jobs_annotation_columns_as_one_json_object",),
    ),
    Plant(
        "a report made later takes a live refresh's report.json (running) for how the run ended",
        "batchgen/report/publish.py",
        'if isinstance(kept, dict) and not kept.get("running"):',
        "if isinstance(kept, dict):",
        ("tests/report/test_exits.py::test_a_verdict_kept_by_a_refresh_while_the_run_went_on_is_not_the_runs_end",),
    ),
    Plant(
        "a report judged from the jobs waits on jobs left unsent by rows since removed from the manifest",
        "batchgen/report/publish.py",
        "rows = [row for row in rows if not row.unsent_outside]",
        "rows = list(rows)",
        (
            "tests/report/test_exits.py::"
            "test_jobs_left_unsent_by_rows_since_removed_from_the_manifest_do_not_set_the_verdict",
        ),
    ),
    Plant(
        "a report judged from a folder with no job left to do says exit 1, not 0",
        "batchgen/report/publish.py",
        'if states <= {"completed"}:',
        'if states == {"completed"}:',
        (
            "tests/report/test_exits.py::"
            "test_jobs_left_unsent_by_rows_since_removed_from_the_manifest_do_not_set_the_verdict",
        ),
    ),
    Plant(
        "the report makes and shows a poster frame of a file outside videos/ that a ledger line names",
        "batchgen/report/publish.py",
        "videos = [(row, path) for row, path in videos if path.resolve().is_relative_to(inside)]",
        "videos = list(videos)",
        ("tests/report/test_report.py::test_a_ledger_naming_a_video_outside_videos_gets_no_poster_frame_of_it",),
    ),
    Plant(
        "a balance read no HTTP answer came back for (refused, reset) is told as 'answered HTTP None'",
        "batchgen/engine/balance.py",
        "    if isinstance(exc, RouteTrouble) or exc.status is None:",
        "    if isinstance(exc, RouteTrouble):",
        (
            "tests/e2e/test_balance_unread.py::"
            "test_a_balance_read_no_http_answer_came_back_for_is_told_as_failed_never_as_an_http_status",
        ),
    ),
    Plant(
        "the report keeps an input image's old thumbnail after the image changed under the same path",
        "batchgen/report/publish.py",
        "current = is_current(dest, Path(image)) if image is not None else dest.exists()",
        "current = dest.exists()",
        (
            "tests/report/test_ahead.py::"
            "test_an_input_image_changed_under_the_same_path_gets_its_thumbnail_made_again_in_the_report",
        ),
    ),
    Plant(
        "poster frames made as videos land read a real video outside videos/ that a ledger line names",
        "batchgen/report/ahead.py",
        "if not video.resolve().is_relative_to(inside) or not video.is_file():",
        "if not video.is_file():",
        ("tests/report/test_ahead.py::test_posters_are_made_as_videos_land_once_each_and_a_line_being_written_waits",),
    ),
    Plant(
        "a report of exactly two pages does not make the folder its second page is written to",
        "batchgen/report/publish.py",
        "    if len(pages) > 1:\n        folder.mkdir(exist_ok=True)\n",
        "    if len(pages) > 2:\n        folder.mkdir(exist_ok=True)\n",
        (
            "tests/report/test_report.py::"
            "test_a_report_of_exactly_two_pages_writes_its_second_and_a_later_report_keeps_the_runs_verdict",
        ),
    ),
    Plant(
        "report.json drops the run's resume command (a report made later cannot say how to resume)",
        "batchgen/report/publish.py",
        'kept = {"exit_code": verdict.code, "resume_command": verdict.resume_command, "running": verdict.running}',
        'kept = {"exit_code": verdict.code, "resume_command": None, "running": verdict.running}',
        (
            "tests/report/test_report.py::"
            "test_a_report_of_exactly_two_pages_writes_its_second_and_a_later_report_keeps_the_runs_verdict",
        ),
    ),
    # ----------------------------------------------- an audit of the tests: the command line, config, prices, catalogue
    Plant(
        "a shard that could not write its output is outranked by one with failed jobs",
        "batchgen/report/exits.py",
        "    EXIT_UNWRITABLE,\n    EXIT_FAILED,\n",
        "    EXIT_FAILED,\n    EXIT_UNWRITABLE,\n",
        (
            "tests/report/test_exits.py::"
            "test_each_shard_code_outranks_the_next_in_the_readmes_order_whichever_shard_reports_it",
        ),
    ),
    Plant(
        "a shard stopped at the spend cap outranks one the API left unsettled",
        "batchgen/report/exits.py",
        "    EXIT_UNREACHABLE,\n    EXIT_CREDITS,\n",
        "    EXIT_CREDITS,\n    EXIT_UNREACHABLE,\n",
        (
            "tests/report/test_exits.py::"
            "test_each_shard_code_outranks_the_next_in_the_readmes_order_whichever_shard_reports_it",
        ),
    ),
    Plant(
        "a shard whose lock is held outranks one refused for bad usage",
        "batchgen/report/exits.py",
        "    EXIT_USAGE,\n    EXIT_LOCKED,\n",
        "    EXIT_LOCKED,\n    EXIT_USAGE,\n",
        (
            "tests/report/test_exits.py::"
            "test_each_shard_code_outranks_the_next_in_the_readmes_order_whichever_shard_reports_it",
        ),
    ),
    Plant(
        "a ledger line that cannot be written before the run starts exits 1, not 7",
        "batchgen/errors.py",
        "class LedgerUnwritable(LedgerError, OutputUnwritable):",
        "class LedgerUnwritable(LedgerError):",
        ("tests/report/test_exits.py::test_an_error_before_a_run_gives_its_own_code",),
    ),
    Plant(
        "a manifest of one problem is told as '1 problems'",
        "batchgen/errors.py",
        "        head = f\"the manifest has {count} problem{'s' if count != 1 else ''}; nothing was submitted\"",
        '        head = f"the manifest has {count} problems; nothing was submitted"',
        ("tests/test_manifest_edges.py::test_a_manifest_of_one_problem_says_one_problem_and_of_two_says_two",),
    ),
    Plant(
        "the spend cap has no slack for float sums: a job that brings the spend exactly to it is deferred",
        "batchgen/models/price.py",
        "    return spent + cost > cap + CAP_SLACK",
        "    return spent + cost > cap",
        (
            "tests/models/test_price_edges.py::"
            "test_a_job_that_brings_the_spend_exactly_to_the_cap_is_within_it_and_one_a_cent_past_is_not",
        ),
    ),
    Plant(
        "the spend cap weighs a job's cost alone, not the folder's spend with it",
        "batchgen/models/price.py",
        "    return spent + cost > cap + CAP_SLACK",
        "    return cost > cap + CAP_SLACK",
        (
            "tests/models/test_price_edges.py::"
            "test_a_job_that_brings_the_spend_exactly_to_the_cap_is_within_it_and_one_a_cent_past_is_not",
        ),
    ),
    Plant(
        "the catalogue stops at the first bad user spec file: the next one's problems come a run later",
        "batchgen/models/catalogue.py",
        "            problems += exc.problems\n            continue\n",
        "            raise\n",
        (
            "tests/models/test_catalogue.py::"
            "test_every_problem_of_every_user_spec_file_is_listed_at_once_and_only_user_files_are_named_again",
        ),
    ),
    Plant(
        "the user's spec files given again (resume line, Ray actors) include every shipped spec",
        "batchgen/models/catalogue.py",
        "    return tuple(spec.file for spec in current().models.values() if not spec.shipped)",
        "    return tuple(spec.file for spec in current().models.values())",
        (
            "tests/models/test_catalogue.py::"
            "test_every_problem_of_every_user_spec_file_is_listed_at_once_and_only_user_files_are_named_again",
        ),
    ),
    Plant(
        "an images block of exactly its limit of files is refused",
        "batchgen/models/image_folder.py",
        "    if len(files) > MAX_IMAGES:",
        "    if len(files) >= MAX_IMAGES:",
        ("tests/test_manifest_edges.py::test_an_images_block_may_match_as_many_files_as_its_limit_and_not_one_more",),
    ),
    Plant(
        "two images of long names alike in their first 120 letters are refused as one id, neither named",
        "batchgen/models/image_folder.py",
        '.strip("-._")[:120].rstrip("-._") or "image"',
        '.strip("-._") or "image"',
        (
            "tests/models/test_audit_image_folder.py::"
            "test_two_images_whose_long_names_are_alike_in_their_first_120_letters_are_told_apart_or_named",
        ),
    ),
    Plant(
        "a caption file saved with a byte order mark sends the mark in the prompt",
        "batchgen/models/image_folder.py",
        '                prompt = caption.read_text(encoding="utf-8-sig").strip() or None',
        '                prompt = caption.read_text(encoding="utf-8").strip() or None',
        (
            "tests/test_manifest_edges.py::"
            "test_a_caption_saved_with_a_byte_order_mark_or_left_blank_is_read_as_a_person_means_it",
        ),
    ),
    Plant(
        "a blank caption file sends an empty prompt instead of the block's template",
        "batchgen/models/image_folder.py",
        '                prompt = caption.read_text(encoding="utf-8-sig").strip() or None',
        '                prompt = caption.read_text(encoding="utf-8-sig").strip()',
        (
            "tests/test_manifest_edges.py::"
            "test_a_caption_saved_with_a_byte_order_mark_or_left_blank_is_read_as_a_person_means_it",
        ),
    ),
    Plant(
        "an images block varying a parameter over an empty list makes no jobs without a word",
        "batchgen/models/image_folder.py",
        '            problems.append((key_lines.get(name, line), name, "an empty list would make no jobs"))',
        "            pass",
        (
            "tests/test_manifest_edges.py::"
            "test_an_images_block_that_varies_a_parameter_over_an_empty_list_is_refused_not_left_with_no_jobs",
        ),
    ),
    Plant(
        "an image named '(copy).png' or 'été.png' makes a job id no job may have",
        "batchgen/models/image_folder.py",
        'stem = _NOT_ID.sub("-", path.stem).strip("-._")[:120]',
        'stem = _NOT_ID.sub("-", path.stem)[:120]',
        (
            "tests/test_manifest_edges.py::"
            "test_an_image_whose_name_has_no_id_safe_letters_at_its_ends_still_makes_a_valid_job_id",
        ),
    ),
    Plant(
        "a download cut short is not tried again: the paid video waits for the next run, which exits 1",
        "batchgen/errors.py",
        "        self, message: str, *, retryable: bool = True, gone: bool = False, not_mp4",
        "        self, message: str, *, retryable: bool = False, gone: bool = False, not_mp4",
        (
            "tests/e2e/test_promises_output.py::"
            "test_a_download_cut_short_again_and_again_is_tried_until_the_video_is_whole",
        ),
    ),
    Plant(
        "after a cap stop, the command the summary adds --retry-failed to has a cap that leaves the failed jobs out",
        "batchgen/cli/nextstep.py",
        '            _raised_cap(out_text, args, manifest, settings, jobs, also=("failed", "expired")),',
        "            _raised_cap(out_text, args, manifest, settings, jobs),",
        (
            "tests/cli/test_nextstep.py::"
            "test_after_a_cap_stop_the_line_for_failed_or_lost_jobs_has_a_cap_that_covers_them_too[failed]",
        ),
    ),
    Plant(
        "the raised cap leaves out the jobs the ledger has no line for yet",
        "batchgen/cli/nextstep.py",
        '    waiting = ("deferred", "pending", None, *also)',
        '    waiting = ("deferred", "pending", *also)',
        ("tests/cli/test_nextstep.py::test_the_raised_cap_covers_a_job_the_ledger_has_no_line_for_yet",),
    ),
    Plant(
        "a run that left a video downloading is told to resume with --retry-failed (paid again)",
        "batchgen/cli/nextstep.py",
        '    unfinished = ("pending", "submitting", "submitted", "downloading", "deferred")',
        '    unfinished = ("pending", "submitting", "submitted", "deferred")',
        (
            "tests/cli/test_nextstep.py::"
            "test_a_run_that_left_a_video_downloading_resumes_with_the_same_command_not_one_that_pays_again",
        ),
    ),
    Plant(
        "--replace-changed sets aside a job still in flight and sends its row again (paid twice for the id)",
        "batchgen/cli/runner.py",
        "        refuse_replacing_in_flight(changes, str(output.dir))\n",
        "",
        ("tests/engine/test_identity.py::test_replace_changed_refuses_a_row_whose_earlier_request_is_still_in_flight",),
    ),
    Plant(
        "a results.csv that could not be written is not told: the operator never hears the table is stale",
        "batchgen/cli/runner.py",
        '                report.warnings.append(message)\n                log.warning("warning: %s", message)\n'
        "            if folder is not None:",
        '                log.debug("warning: %s", message)\n            if folder is not None:',
        (
            "tests/e2e/test_promises_output.py::"
            "test_a_results_table_that_cannot_be_written_is_told_and_the_paid_videos_and_exit_code_stand",
        ),
    ),
    Plant(
        "a model spec of one problem is told as '1 problems'",
        "batchgen/errors.py",
        "        head = f\"the model spec has {count} problem{'s' if count != 1 else ''}; nothing was submitted\"",
        '        head = f"the model spec has {count} problems; nothing was submitted"',
        ("tests/models/test_loader_edges.py::test_a_spec_of_one_problem_says_one_problem",),
    ),
    Plant(
        "the JSON outcome object on stdout is written without the redactor",
        "batchgen/cli/logs.py",
        "        for secret in REDACTOR.secrets:\n"
        "            record = record.replace(secret, REDACTED)\n        emit(record)",
        "        emit(record)",
        ("tests/cli/test_promises_units.py::test_the_outcome_object_on_stdout_under_json_holds_no_secret",),
    ),
    Plant(
        "a config number of .nan or .inf is taken (a NaN rpm never paces)",
        "batchgen/config.py",
        "    number = isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)",
        "    number = isinstance(value, int | float) and not isinstance(value, bool)",
        (
            "tests/store/test_ledger_storage_config.py::"
            "test_a_config_number_that_is_not_a_finite_number_is_refused_by_its_key",
        ),
    ),
    Plant(
        "a config number given as a YAML boolean is taken ('concurrency: true' runs one job at a time)",
        "batchgen/config.py",
        "    number = isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)",
        "    number = isinstance(value, int | float) and math.isfinite(value)",
        (
            "tests/store/test_ledger_storage_config.py::"
            "test_a_config_number_that_is_not_a_finite_number_is_refused_by_its_key",
        ),
    ),
    Plant(
        "an empty BATCHGEN_* variable (BATCHGEN_MAX_SPEND= in a cron line) stops every run as a bad number",
        "batchgen/config.py",
        '        if var in environ and environ[var] != "":',
        "        if var in environ:",
        (
            "tests/store/test_ledger_storage_config.py::"
            "test_an_empty_environment_variable_is_unset_and_a_negative_config_price_is_refused",
        ),
    ),
    Plant(
        "a negative price in the config is taken (every job then fits under the spend cap)",
        "batchgen/config.py",
        "                if isinstance(usd, bool) or not isinstance(usd, int | float) or not usd >= 0:",
        "                if isinstance(usd, bool) or not isinstance(usd, int | float):",
        (
            "tests/store/test_ledger_storage_config.py::"
            "test_an_empty_environment_variable_is_unset_and_a_negative_config_price_is_refused",
        ),
    ),
    Plant(
        "an http://localhost base URL is refused as plain http to another host",
        "batchgen/config.py",
        '    if host == "localhost":\n        return True',
        '    if host == "localhost":\n        return False',
        (
            "tests/store/test_ledger_storage_config.py::"
            "test_config_edges_a_user_meets_bom_localhost_a_whole_concurrency_and_a_plain_http_history",
        ),
    ),
    Plant(
        "BATCHGEN_CONCURRENCY=4 becomes the float 4.0",
        "batchgen/config.py",
        '    return int(number) if key == "concurrency" and number.is_integer() else number',
        "    return number",
        (
            "tests/store/test_ledger_storage_config.py::"
            "test_config_edges_a_user_meets_bom_localhost_a_whole_concurrency_and_a_plain_http_history",
        ),
    ),
    Plant(
        "a plain-http api.history_url to another host is taken (the key would travel unencrypted)",
        "batchgen/config.py",
        '            _check_url("api.history_url", self.history_url)',
        "            pass",
        (
            "tests/store/test_ledger_storage_config.py::"
            "test_config_edges_a_user_meets_bom_localhost_a_whole_concurrency_and_a_plain_http_history",
        ),
    ),
    Plant(
        "the request budget's bound is told once, not again when 429s lower it",
        "batchgen/engine/life_cap.py",
        "        if most < self._told_budget:",
        "        if self._told_budget == math.inf:",
        (
            "tests/engine/test_life_cap.py::"
            "test_no_more_jobs_are_kept_in_flight_than_the_request_budget_can_poll_within_the_target",
        ),
    ),
    Plant(
        "a failed row's deleted image stops every later run (exit 2), though a plain run never sends it again",
        "batchgen/manifest.py",
        'LEFT_ALONE = ("completed", "failed", "expired")',
        'LEFT_ALONE = ("completed",)',
        (
            "tests/e2e/test_images.py::test_a_failed_rows_deleted_image_stops_only_the_run_that_sends_it_again",
            "tests/test_manifest_edges.py::"
            "test_a_done_rows_deleted_image_is_needed_only_by_a_run_that_sends_its_job_again",
        ),
    ),
    Plant(
        "--retry-failed sends a failed row again whose image is gone (the image the ledger recorded, not the file)",
        "batchgen/cli/main.py",
        '    again = {"failed": args.retry_failed, "expired": args.resubmit_lost}',
        '    again = {"failed": False, "expired": args.resubmit_lost}',
        ("tests/e2e/test_images.py::test_a_failed_rows_deleted_image_stops_only_the_run_that_sends_it_again",),
    ),
    Plant(
        "a done row whose image is gone is told as completed whatever the folder holds of its job",
        "batchgen/manifest.py",
        '    if set(states) == {"completed"}:',
        "    if True:",
        (
            "tests/test_manifest_edges.py::"
            "test_a_done_rows_deleted_image_is_needed_only_by_a_run_that_sends_its_job_again",
        ),
    ),
    Plant(
        "a history that answers is taken to stand in for records before any finished row of ours showed a link",
        "batchgen/engine/history_links.py",
        "        return True if self._linked else None",
        "        return True",
        (
            "tests/e2e/test_record_life.py::"
            "test_no_more_jobs_are_sent_than_the_request_budget_can_poll_before_their_records_die[unlinked]",
        ),
    ),
    Plant(
        "a submit handed over while the room had it is sent though the life cap shrank while it waited",
        "batchgen/engine/submitter.py",
        "        return sent >= self.life.room(self.settings.limits.concurrency, sent)",
        "        return False",
        (
            "tests/engine/test_submitter_units.py::test_a_submit_the_room_had_when_handed_over_waits_if_the_life_cap_"
            "shrank_while_it_waited_for_the_budget",
        ),
    ),
    Plant(
        "a submit beside submits of unknown outcome alone is held by the life cap (none sent, none settled)",
        "batchgen/engine/submitter.py",
        "        sent = sum(1 for other in self.book.holding() if other is not job and other.request_id is not None)",
        "        sent = sum(1 for other in self.book.holding() if other is not job)",
        (
            "tests/engine/test_submitter_units.py::"
            "test_a_submit_beside_submits_of_unknown_outcome_alone_is_never_held_by_the_life_cap",
        ),
    ),
    Plant(
        "a ledger opened without O_APPEND writes its first line past a torn tail it cut (zero bytes, malformed)",
        "batchgen/store/ledger.py",
        "os.O_RDWR | os.O_CREAT | os.O_APPEND",
        "os.O_RDWR | os.O_CREAT",
        ("tests/store/test_ledger.py::test_a_line_appended_right_after_a_torn_line_is_cut_follows_the_whole_lines",),
    ),
    Plant(
        "only a ledger's last KiB is searched for a torn line: a long torn line is left and the next glued to it",
        "batchgen/store/ledger.py",
        "tail = min(size, 1 << 20)",
        "tail = min(size, 1 << 10)",
        ("tests/store/test_ledger.py::test_a_torn_line_far_longer_than_a_block_is_cut_before_the_next_line",),
    ),
    Plant(
        "a made-again job's ended requests are not carried past its submitting line (a look-up may take r0's row)",
        "batchgen/store/ledger.py",
        '    "ended_requests",  # the requests of earlier attempts of a job made again: never a lost submit\'s row\n',
        "",
        (
            "tests/store/test_ledger.py::test_a_job_made_again_whose_new_submit_is_lost_keeps_its_earlier_requests_"
            "and_dates_on_every_later_line",
        ),
    ),
    Plant(
        "a ledger's stamp leaves out its size: a line appended within one mtime tick is vouched for, never read",
        "batchgen/store/ledger.py",
        "    return info.st_size, info.st_mtime_ns, info.st_ino\n",
        "    return 0, info.st_mtime_ns, info.st_ino\n",
        (
            "tests/store/test_ledger.py::test_a_read_is_taken_again_only_while_the_ledger_is_unchanged_even_within_"
            "one_tick_of_its_clock",
        ),
    ),
    Plant(
        "a file written atomically is fsynced before its buffer is flushed (renamed in place with its bytes unsynced)",
        "batchgen/store/files.py",
        "                fh.flush()\n",
        "",
        (
            "tests/store/test_storage.py::"
            "test_a_file_written_atomically_has_all_its_bytes_handed_to_the_disk_before_its_fsync",
        ),
    ),
    Plant(
        "a download is fsynced before its buffer is flushed (renamed into videos/ with its bytes unsynced)",
        "batchgen/store/mp4.py",
        "        await out.flush()\n",
        "",
        ("tests/store/test_storage.py::test_a_download_has_all_its_bytes_handed_to_the_disk_before_its_fsync",),
    ),
    Plant(
        "a file written atomically whose rename fails leaves its hidden temporary file behind",
        "batchgen/store/files.py",
        "        with contextlib.suppress(OSError):\n            tmp.unlink()\n",
        "        pass\n",
        ("tests/store/test_storage.py::test_a_file_that_cannot_be_put_in_place_leaves_no_temporary_file_behind",),
    ),
    Plant(
        "results.csv's params column escapes every non-ASCII character of what was asked",
        "batchgen/store/results.py",
        "json.dumps(params, ensure_ascii=False, sort_keys=True)",
        "json.dumps(params, ensure_ascii=True, sort_keys=True)",
        ("tests/store/test_storage.py::test_results_csv_gives_parameters_in_any_script_as_written_not_as_escapes",),
    ),
    Plant(
        "status says no run holds a folder whose lock is held by a run that has not written its pid yet",
        "batchgen/store/output.py",
        "            if pid is not None:\n",
        "            if pid:\n",
        ("tests/store/test_storage.py::test_status_names_a_run_that_holds_the_lock_before_it_has_written_its_pid",),
    ),
    Plant(
        "status names a shard's lapsed, unreleased lease (its machine died) as a run holding it now",
        "batchgen/store/output.py",
        'if not record.get("released") and left > 0:',
        'if not record.get("released"):',
        ("tests/store/test_lease.py::test_status_names_a_shards_run_only_while_its_lease_has_not_lapsed",),
    ),
    Plant(
        "a video whose aspect is exactly at media.aspect_tolerance is warned aspect_mismatch",
        "batchgen/store/media.py",
        "        if abs(ratio / want_ratio - 1) > aspect_tolerance:",
        "        if abs(ratio / want_ratio - 1) >= aspect_tolerance:",
        ("tests/report/test_report.py::test_an_aspect_exactly_at_the_tolerance_is_no_mismatch",),
    ),
    Plant(
        "a video whose header counts no frames (a fragmented MP4) is told as 0 frames, never counted",
        "batchgen/store/media.py",
        "            frames = stream.frames or None\n",
        "            frames = stream.frames\n",
        ("tests/report/test_report.py::test_probe_counts_the_frames_of_a_video_whose_header_does_not_say",),
    ),
    Plant(
        "a saved file with sound and no picture is probed as a video (an IndexError, not the unreadable warning)",
        "batchgen/store/media.py",
        "            if not container.streams.video:\n",
        "            if False:\n",
        ("tests/report/test_report.py::test_a_saved_file_with_sound_and_no_picture_is_kept_as_unreadable_not_a_crash",),
    ),
    Plant(
        "a download starting with a box other than moov (mdat, free) passes the 'ftyp' first check",
        "batchgen/store/mp4.py",
        'if not seen and kind != b"ftyp":',
        'if kind == b"moov" and not seen:',
        ("tests/store/test_storage.py::test_the_mp4_structure_check",),
    ),
    # ----------------------------------------------- an audit of the tests: places, lag checks, history trouble
    Plant(
        "a request listed again on another page keeps its first page: a job sent after it is sought where it was",
        "batchgen/engine/places.py",
        "            marks[at] = (epoch, page)\n",
        "            pass\n",
        (
            "tests/engine/test_places.py::"
            "test_a_job_not_yet_listed_is_looked_for_from_the_page_of_the_last_request_made_before_it_was_sent",
        ),
    ),
    Plant(
        "of two jobs not yet listed, a sweep reads on from the newer one's place and misses the older on the way",
        "batchgen/engine/places.py",
        "tail = below if tail is None else min(tail, below)",
        "tail = below if tail is None else max(tail, below)",
        (
            "tests/engine/test_places.py::"
            "test_a_job_not_yet_listed_is_looked_for_from_the_page_of_the_last_request_made_before_it_was_sent",
        ),
    ),
    Plant(
        "the search for a listing's first empty page gives up one page short of its reach",
        "batchgen/engine/places.py",
        "            if page > limit:\n",
        "            if page >= limit:\n",
        (
            "tests/engine/test_places.py::"
            "test_the_first_empty_page_is_found_by_galloping_from_the_last_one_seen_then_halving",
        ),
    ),
    Plant(
        "a row's latency equal to the age a poll saw its job unfinished is read as no latency",
        "batchgen/engine/history_lag.py",
        "or latency_s < seen_unfinished:",
        "or latency_s <= seen_unfinished:",
        (
            "tests/engine/test_history_lag.py::"
            "test_a_rows_latency_counts_only_where_it_can_be_its_jobs_submit_to_finish",
        ),
    ),
    Plant(
        "a result exactly the tolerance before the sweep that showed its job unfinished confirms a lag",
        "batchgen/engine/history_lag.py",
        "        if seen - finished_at > tolerance:\n",
        "        if seen - finished_at >= tolerance:\n",
        (
            "tests/engine/test_history_lag.py::"
            "test_a_result_exactly_the_tolerance_before_the_sweep_confirms_no_lag_and_refutes_the_rows",
        ),
    ),
    Plant(
        "a lag needs one late show more than the sweeper's least before the sweeps are switched off",
        "batchgen/engine/history_lag.py",
        "self.late_shows >= at_least and",
        "self.late_shows > at_least and",
        ("tests/engine/test_history_lag.py::test_a_lag_needs_more_than_the_share_of_telling_shows_not_just_as_many",),
    ),
    Plant(
        "a spell of history trouble that gave up never ends: a later outage is given up at its first failure",
        "batchgen/engine/history_trouble.py",
        "            self.answered()  # long enough ago: the next failure begins a new spell\n",
        "            pass\n",
        (
            "tests/engine/test_recovery.py::"
            "test_an_outage_long_after_a_spell_gave_up_is_ridden_out_as_a_new_spell_not_given_up_at_once",
        ),
    ),
    Plant(
        "a spell of history trouble tells the jobs its first failure, not the latest",
        "batchgen/engine/history_trouble.py",
        "        self.error = exc\n",
        "        self.error = self.error or exc\n",
        ("tests/engine/test_recovery.py::test_a_spell_that_gives_up_tells_its_latest_failure_not_its_first",),
    ),
    Plant(
        "the expected finds skip the jobs of a kind not yet learned: a due sweep is put off while they wait",
        "batchgen/engine/survival.py",
        "        if curve is None:\n            return None\n        age = now - job.submitted_at\n",
        "        if curve is None:\n            continue\n        age = now - job.submitted_at\n",
        (
            "tests/engine/test_survival.py::"
            "test_the_expected_finds_are_unknown_while_a_kind_among_the_jobs_in_flight_is_not_learned",
        ),
    ),
    Plant(
        "a hintless 429 on the run's first call spans no time: its probes go one each instant",
        "batchgen/api/window.py",
        "self._span = max(now - self._start, 1e-3 * self.reference)",
        "self._span = now - self._start",
        (
            "tests/api/test_ratewindow.py::"
            "test_a_429_on_the_very_first_call_spaces_its_probes_apart_not_one_each_instant",
        ),
    ),
    Plant(
        "the lower bound a 429 proves takes the held call as arrived when sent, not up to a delay later",
        "batchgen/api/window.py",
        "(sent_at - held - self.delay) * (1 - SLACK)",
        "(sent_at - held) * (1 - SLACK)",
        ("tests/api/test_ratewindow.py::test_the_bounds_refusals_prove_allow_for_a_call_that_reached_the_server_late",),
    ),
    Plant(
        "the lower bound a refused probe proves takes the run as arrived when sent, not up to a delay later",
        "batchgen/api/window.py",
        "(sent_at - self._start - self.delay) * (1 - SLACK)",
        "(sent_at - self._start) * (1 - SLACK)",
        ("tests/api/test_ratewindow.py::test_the_bounds_refusals_prove_allow_for_a_call_that_reached_the_server_late",),
    ),
    Plant(
        "a probe refused after fewer calls than the limit got through raises the window's lower bound",
        "batchgen/api/window.py",
        "elif sent_at >= self._t429 and (self.limit is None or self._count >= self.limit):",
        "elif sent_at >= self._t429:",
        (
            "tests/api/test_ratewindow.py::"
            "test_a_refused_probe_after_fewer_than_the_limit_got_through_proves_nothing_about_the_window",
        ),
    ),
    Plant(
        "once the known window is refused, the probes go one span apart instead of growing",
        "batchgen/api/window.py",
        "            if self._k == 0 and self.window is not None:\n",
        "            if self.window is not None:\n",
        ("tests/api/test_ratewindow.py::test_once_the_known_window_is_refused_the_probes_grow_from_the_run_as_before",),
    ),
    Plant(
        "a lost submit a later send can settle is marked in the ledger as one no send settles (`status`)",
        "batchgen/engine/verdicts.py",
        "    send_settles: bool = True\n",
        "    send_settles: bool = False\n",
        (
            "tests/e2e/test_crash.py::test_a_lost_submit_a_re_run_cannot_settle_is_told_what_settles_it_not_promised"
            "_to_a_re_run",
        ),
    ),
    Plant(
        "with sweeps working, a safety-net poll floor past max_interval_s is told as a budget shortfall",
        "batchgen/engine/pollplan.py",
        "        if not sparse and floor > self.max_interval and when < now + floor and not self.budget_bound:\n",
        "        if floor > self.max_interval and when < now + floor and not self.budget_bound:\n",
        (
            "tests/engine/test_polling.py::"
            "test_safety_net_polls_further_apart_than_max_interval_are_no_budget_shortfall_to_warn_of",
        ),
    ),
    Plant(
        "the pages where a sweep's jobs were last listed are read in the set's order, not ascending",
        "batchgen/engine/places.py",
        "self._todo = sorted(page for page in set(pages) if tail is None or page < tail)",
        "self._todo = list(page for page in set(pages) if tail is None or page < tail)",
        ("tests/engine/test_places.py::test_with_every_job_placed_no_tail_and_back_from_a_page_past_the_last",),
    ),
    Plant(
        "admitted calls are kept in the order answered: a run's start is its first answer, not its first send",
        "batchgen/api/window.py",
        "        bisect.insort(self._admitted, sent_at)\n",
        "        self._admitted.append(sent_at)\n",
        ("tests/api/test_ratewindow.py::test_calls_answered_out_of_order_are_counted_by_when_they_were_sent",),
    ),
    # (already caught by the suite; planted here as it guards a paid video: a job taken for stalled too soon)
    Plant(
        "the slowest recent finish of a kind is read as its fastest: a job is taken for stalled too soon",
        "batchgen/engine/pollplan.py",
        "        seen = self._group(key, least=1)\n        return seen[-1] if seen else None\n",
        "        seen = self._group(key, least=1)\n        return seen[0] if seen else None\n",
        (
            "tests/engine/test_stalls.py::"
            "test_a_job_is_taken_for_stalled_past_three_times_the_slowest_finish_or_listing_seen",
        ),
    ),
    Plant(
        "a submit whose room was filled meanwhile by jobs whose records died goes out with none of ours in flight",
        "batchgen/engine/submitter.py",
        "        if not sent and not self.life.dead_ahead():",
        "        if not sent:",
        (
            "tests/engine/test_submitter_units.py::"
            "test_a_submit_the_room_had_waits_if_records_found_dead_meanwhile_fill_it_with_no_job_of_ours_in_flight",
        ),
    ),
    Plant(
        "the jobs whose records died ahead of a held submit include those a lost submit may have made",
        "batchgen/engine/life_cap.py",
        "        return sum(1 for *_, died in self._ghosts if died)",
        "        return len(self._ghosts)",
        (
            "tests/engine/test_life_cap.py::"
            "test_a_lost_submit_keeps_its_slot_until_its_job_would_be_through_but_shows_no_wait",
        ),
    ),
    Plant(
        "a poll's gap is widened for every job in flight when it is planned, as well as paced in turns",
        "batchgen/engine/pollplan.py",
        "            )\n        # Never let a job's record expire unpolled;",
        "            )\n        when = max(when, now + floor)\n        # Never let a job's record expire unpolled;",
        (
            "tests/engine/test_poll_turns.py::"
            "test_the_last_jobs_of_a_wave_are_polled_in_turn_once_submits_stop_waiting_not_a_wave_sized_gap_later",
        ),
    ),
    Plant(
        "polls waiting for a turn go in the order they were put back, not the one that came due first",
        "batchgen/engine/schedule.py",
        "return (at, (at if due is None else due, -done, next(self._seq)), job.poll_token, job)",
        "return (at, (at, -done, next(self._seq)), job.poll_token, job)",
        (
            "tests/engine/test_schedule_edges.py::"
            "test_of_the_polls_waiting_for_a_turn_the_one_due_first_goes_first_then_the_one_more_likely_done",
        ),
    ),
    Plant(
        "a poll at its record's expiry guard waits its turn behind polls",
        "batchgen/engine/schedule.py",
        "        if job.result_due or job.record_gone or now >= urgent_at:",
        "        if job.result_due or job.record_gone:",
        (
            "tests/engine/test_schedule_edges.py::"
            "test_status_polls_take_turns_at_their_share_of_the_budget_the_smaller_while_submits_wait",
        ),
    ),
    Plant(
        "polls take turns at the larger share of the budget while submits wait",
        "batchgen/engine/schedule.py",
        "        share = POLL_SHARE if budget.waiting(Priority.SUBMIT) else POLL_SHARE_IDLE\n        return",
        "        share = POLL_SHARE_IDLE\n        return",
        (
            "tests/engine/test_schedule_edges.py::"
            "test_status_polls_take_turns_at_their_share_of_the_budget_the_smaller_while_submits_wait",
        ),
    ),
    Plant(
        "the budget is told to bind from every job in flight, not only those old enough to be done",
        "batchgen/engine/schedule.py",
        "            floor = self._could_be_done(now) * self.turn_gap()",
        "            floor = max(1, len(self.by_request)) * self.turn_gap()",
        (
            "tests/engine/test_schedule_edges.py::"
            "test_only_jobs_old_enough_to_be_done_tell_whether_the_budget_affords_their_polls",
        ),
    ),
    Plant(
        "a job taken for stalled is forgotten by the life cap, not counted ahead of the jobs sent after it",
        "batchgen/engine/poller.py",
        "        if isinstance(found, Gone | Later) and job.done_age is None:",
        "        elif isinstance(found, Gone | Later) and job.done_age is None:",
        (
            "tests/engine/test_poller_units.py::"
            "test_a_job_taken_for_stalled_holds_its_place_in_the_account_queue_as_a_dead_record_does",
        ),
    ),
    Plant(
        "a job whose record died where the history could not be read is forgotten by the life cap",
        "batchgen/engine/poller.py",
        "isinstance(found, Gone | Later) and job.done_age is None",
        "isinstance(found, Gone) and job.done_age is None",
        (
            "tests/engine/test_poller_units.py::"
            "test_a_gone_record_the_history_cannot_say_anything_of_is_left_for_a_later_run",
        ),
    ),
    Plant(
        "a row pushed down onto the next page by new requests is taken to show the listing not newest first",
        "batchgen/api/paging.py",
        "            if rid in self._read and rid != self._previous:\n                continue\n",
        "",
        ("tests/api/test_paging.py::test_rows_pushed_down_onto_the_next_page_by_new_requests_show_no_order",),
    ),
    Plant(
        "the rate rows are listed at is read off the first job in flight a listing shows, not the deepest",
        "batchgen/api/paging.py",
        "            if self._in_flight(rid) and (sent := self._sent.get(rid)) is not None:",
        "            if self._deepest is None and self._in_flight(rid) and (sent := self._sent.get(rid)) is not None:",
        (
            "tests/api/test_paging.py::"
            "test_the_rows_listed_above_the_deepest_job_in_flight_give_the_rate_they_are_made_at",
        ),
    ),
    Plant(
        "a sweep's page budget counts only this run's requests made since the job it looks for",
        "batchgen/engine/sweeper.py",
        "        return max(budget, math.ceil(max(2.5 * above, made_since) / size) + 1)",
        "        return max(budget, math.ceil(2.5 * above / size) + 1)",
        (
            "tests/e2e/test_history_pages.py::"
            "test_a_history_crowded_with_the_accounts_other_requests_is_read_as_deep_as_ours_lie",
        ),
    ),
    Plant(
        "the account's other users' requests are listed after this run's, not in time order",
        "batchgen/simulator/history.py",
        "    made = heapq.merge(state.backlog, state.jobs.values(), state.others, key=lambda job: job.submitted)",
        "    made = [*state.backlog, *state.jobs.values(), *state.others]",
        (
            "tests/simulator/test_sim_worlds.py::"
            "test_the_accounts_other_users_requests_are_listed_among_this_runs_in_time_order_and_count_nowhere_else",
        ),
    ),
    Plant(
        "a poll waiting for its turn is put back at the next turn even past its record's expiry guard",
        "batchgen/engine/schedule.py",
        "self._entry(job, min(at, urgent_at), due, done)",
        "self._entry(job, at, due, done)",
        (
            "tests/engine/test_schedule_edges.py::"
            "test_a_poll_due_just_before_its_expiry_guard_waits_for_a_turn_no_later_than_the_guard",
            "tests/engine/test_schedule_edges.py::"
            "test_the_last_looks_before_a_record_dies_take_no_turn_and_a_turn_waits_no_later_than_the_next_one",
        ),
    ),
    Plant(
        "polls take turns however many of them still wait for the budget: they queue up there, one per job",
        "batchgen/engine/schedule.py",
        "        if now < self._next_turn or len(self._asking) >= ASKING:",
        "        if now < self._next_turn:",
        (
            "tests/engine/test_poll_turns.py::"
            "test_polls_taking_turns_never_queue_up_in_the_budget_behind_calls_that_go_first",
        ),
    ),
    Plant(
        "status polls are ranked in the budget by how likely their job is done when they ask: the first may wait on",
        "batchgen/engine/poller.py",
        "            value = await self.gateway.call(priority, fn, urgent_at=urgent_at, "
        "before=lambda: self.granted(job))",
        "            value = await self.gateway.call(priority, fn, urgent_at=urgent_at, "
        "before=lambda: self.granted(job), "
        "rank=-self.latency.likelihood_done(latency_key(job.spec), self.clock.now() - job.submitted_at))",
        (
            "tests/engine/test_poll_turns.py::"
            "test_polls_taking_turns_never_queue_up_in_the_budget_behind_calls_that_go_first",
        ),
    ),
    Plant(
        "every poll past a record's expiry guard takes no turn, not only the one at the guard",
        "batchgen/engine/schedule.py",
        "        return math.inf if last is None else job.submitted_at + last",
        "        return job.submitted_at + self.plan.guard",
        (
            "tests/engine/test_schedule_edges.py::"
            "test_only_the_poll_at_a_records_expiry_guard_takes_no_turn_not_every_later_poll_of_that_job",
        ),
    ),
    Plant(
        "a due poll that sends nothing (held for the first sweep) is told apart only after it took the turn",
        "batchgen/engine/poller.py",
        "                if self._planned_again(job):\n"
        "                    continue  # no request now (planned again): no turn taken\n"
        "                if self.wait_turn(job, now, due):\n"
        "                    continue  # the polls' share of the budget is taken: at its turn\n",
        "                if self.wait_turn(job, now, due):\n"
        "                    continue  # the polls' share of the budget is taken: at its turn\n"
        "                if self._planned_again(job):\n"
        "                    continue  # no request now (planned again): no turn taken\n",
        ("tests/engine/test_poll_turns.py::test_a_due_poll_that_sends_nothing_takes_no_turn",),
    ),
    Plant(
        "a call granted and held back by its caller counts as sent: held submits spend the budget on nothing",
        "batchgen/api/gateway.py",
        "                            self.budget.give_back(granted)  # nothing was sent",
        "                            self.budget.release()",
        (
            "tests/api/test_gateway.py"
            "::test_a_grant_its_caller_held_back_takes_no_place_in_the_window_and_the_next_call_has_it",
        ),
    ),
    Plant(
        "a probe granted in a cooldown and given back unsent still counts as this cooldown's probe",
        "batchgen/api/ratelimit.py",
        "            self.finder.probe_unsent()",
        "            pass",
        ("tests/api/test_ratelimit.py::test_a_probe_granted_but_not_sent_leaves_the_probe_to_the_next_call",),
    ),
    Plant(
        "a probe given back unsent leaves the gate shut until the next probe's time",
        "batchgen/api/ratelimit.py",
        "            self._gate_until = min(self._gate_until, now)",
        "            pass",
        ("tests/api/test_ratelimit.py::test_a_probe_granted_but_not_sent_leaves_the_probe_to_the_next_call",),
    ),
    Plant(
        "a poll still waiting for the budget when its record's expiry guard comes stays behind submits",
        "batchgen/api/ratelimit.py",
        "        waiter.priority, waiter.rank = int(Priority.RESULT), 0.0",
        "        pass",
        (
            "tests/engine/test_poll_turns.py"
            "::test_the_poll_at_a_records_expiry_guard_goes_before_submits_that_wait_for_the_budget",
        ),
    ),
    Plant(
        "a poll asked at its record's expiry guard waits behind submits, as any poll",
        "batchgen/api/ratelimit.py",
        "    if now >= urgent_at and (waiter.priority, waiter.rank) != (Priority.RESULT, 0.0):",
        "    if now > urgent_at and (waiter.priority, waiter.rank) != (Priority.RESULT, 0.0):",
        (
            "tests/engine/test_poll_turns.py"
            "::test_the_poll_at_a_records_expiry_guard_goes_before_submits_that_wait_for_the_budget",
        ),
    ),
    Plant(
        "no poll is urgent at its record's expiry guard: it waits behind submits that take every request",
        "batchgen/engine/poller.py",
        "        urgent_at = self.guard_poll_at(job)",
        "        urgent_at = math.inf",
        (
            "tests/engine/test_poll_turns.py"
            "::test_the_poll_at_a_records_expiry_guard_goes_before_submits_that_wait_for_the_budget",
            "tests/e2e/test_record_life.py"
            "::test_a_limit_five_times_below_the_configured_one_loses_no_record_to_submits_held_back",
        ),
    ),
    Plant(
        "an expired record not found dashed is not asked bare: its video, listed bare, is written off",
        "batchgen/engine/recovery.py",
        "                return await ask(self.api.history_get_bare)",
        "                raise",
        (
            "tests/engine/test_recovery.py::test_an_expired_record_not_found_dashed_is_asked_bare_as_a_request_of_its"
            "_own",
        ),
    ),
    Plant(
        "a new key's request not found dashed is not asked bare: its own account is taken for another",
        "batchgen/engine/account.py",
        "                row = await api.history_get_bare(rid)",
        "                raise",
        (
            "tests/engine/test_account.py"
            "::test_a_new_key_of_the_same_account_whose_history_spells_ids_bare_is_known_by_it",
        ),
    ),
    Plant(
        "a job told the spell's error after it gave up is told another job's look-up, naming that request",
        "batchgen/engine/history_trouble.py",
        "                return self.told()",
        "                return self.error",
        ("tests/engine/test_recovery.py::test_a_spell_that_gives_up_tells_its_latest_failure_not_its_first",),
    ),
    Plant(
        "a poll at the head of the queue when its record's expiry guard comes stays a poll: a later submit passes it",
        "batchgen/api/ratelimit.py",
        "                    await self.clock.wait(waiter.event, min(math.inf if wait is None else wait, until))",
        "                    await self.clock.wait(waiter.event, math.inf if wait is None else wait)",
        (
            "tests/api/test_ratelimit.py"
            "::test_a_call_that_becomes_urgent_at_the_head_of_the_queue_stays_ahead_of_a_submit_that_asks_later",
        ),
    ),
    Plant(
        "a probe given back is looked for at a second reading of the clock: on a real one it is never found",
        "batchgen/api/ratelimit.py",
        "            self._probe_at = now",
        "            self._probe_at = self.clock.now()",
        ("tests/api/test_ratelimit.py::test_a_probe_granted_but_not_sent_leaves_the_probe_to_the_next_call",),
    ),
    Plant(
        "a history page's form refused (400) is forgotten when the next form's request fails for now (a 429)",
        "batchgen/api/client.py",
        "            self._history_trying[asked] = asks",
        "            pass",
        (
            "tests/api/test_client_answers.py"
            "::test_a_form_the_history_refused_is_not_asked_again_when_the_next_one_failed_for_now",
        ),
    ),
    Plant(
        "a page asked again after a 429 starts from the first form, the one refused, again",
        "batchgen/api/client.py",
        "        asks = self.history_asks if trying is None else max(",
        "        asks = self.history_asks if True else max(",
        (
            "tests/api/test_client_answers.py"
            "::test_a_form_the_history_refused_is_not_asked_again_when_the_next_one_failed_for_now",
        ),
    ),
    Plant(
        "a 429 on a page's next form clears the forms found refused, as an answer would",
        "batchgen/api/client.py",
        "        if http != 429 and http < 500:  # an answer, not a failure for now "
        "(asked again, it goes on from here)",
        "        if True:",
        (
            "tests/api/test_client_answers.py"
            "::test_a_form_the_history_refused_is_not_asked_again_when_the_next_one_failed_for_now",
        ),
    ),
    Plant(
        "the job whose look-up ended a spell of failures is told its own words: the summary gives two reasons",
        "batchgen/engine/recovery.py",
        "                            return trouble.told()  "
        "# (as every job waiting is told: the same words, one reason)",
        "                            return exc",
        (
            "tests/engine/test_recovery.py"
            "::test_a_history_answering_500_is_probed_once_for_every_job_waiting_then_all_are_told_at_once",
        ),
    ),
    Plant(
        "a spool folder of a run still going is taken for a killed run's and removed under it",
        "batchgen/store/spools.py",
        "        return True\n    return True",
        "        return True\n    return False",
        ("tests/store/test_spools.py::test_a_killed_runs_spool_is_removed_by_the_next_run_and_nothing_else_is",),
    ),
    Plant(
        "a dead process's spool folder touched a minute ago is removed (another machine's run, same id)",
        "batchgen/store/spools.py",
        "        if touched is None or now - touched < STALE_S:",
        "        if touched is None:",
        ("tests/store/test_spools.py::test_a_killed_runs_spool_is_removed_by_the_next_run_and_nothing_else_is",),
    ),
    Plant(
        "a spool folder's age is its own, not its files': a folder being written into is removed",
        "batchgen/store/spools.py",
        "                times.append(entry.stat().st_mtime)",
        "                pass",
        ("tests/store/test_spools.py::test_a_killed_runs_spool_is_removed_by_the_next_run_and_nothing_else_is",),
    ),
    Plant(
        "a redirect followed within the API is sent under its call's grant: twice the rate, half counted",
        "batchgen/api/client.py",
        "                await next_request()",
        "                pass",
        (
            "tests/e2e/test_pacing.py"
            "::test_redirects_the_server_counts_are_granted_by_the_budget_and_counted_as_requests",
        ),
    ),
    Plant(
        "a redirect's request is granted but not counted: the summary says fewer requests than were sent",
        "batchgen/api/gateway.py",
        "        sent.append(await self.budget.another())\n        self.requests += 1",
        "        sent.append(await self.budget.another())",
        (
            "tests/e2e/test_pacing.py"
            "::test_redirects_the_server_counts_are_granted_by_the_budget_and_counted_as_requests",
        ),
    ),
    Plant(
        "a redirect's request waits for no grant: only counted",
        "batchgen/api/ratelimit.py",
        "        self.release()\n        try:\n            return await self.acquire(Priority.RESULT)",
        "        self.release()\n        self.in_flight += 1\n        try:\n            return self.clock.now()",
        (
            "tests/api/test_ratelimit.py::test_a_granted_calls_next_request_takes_a_grant_of_its_own"
            "_and_a_cancel_while_waiting_loses_no_slot",
        ),
    ),
    Plant(
        "a cancel while a redirect waits for its grant frees a slot the call no longer holds",
        "batchgen/api/ratelimit.py",
        "        except BaseException:\n            self.in_flight += 1\n            raise",
        "        except BaseException:\n            raise",
        (
            "tests/api/test_ratelimit.py::test_a_granted_calls_next_request_takes_a_grant_of_its_own"
            "_and_a_cancel_while_waiting_loses_no_slot",
        ),
    ),
    Plant(
        "a redirect never followed (the fourth) still waits for a grant and is counted as a request",
        "batchgen/api/client.py",
        "            url, query = target, None  # the Location carries its own query",
        "            url, query = target, None  # the Location carries its own query\n"
        "            if hop == MAX_SAME_ORIGIN_REDIRECTS:\n                await next_request()",
        (
            "tests/api/test_client_answers.py"
            "::test_each_redirect_followed_asks_the_budget_once_and_one_not_followed_asks_nothing",
        ),
    ),
    Plant(
        "a redirect's answer is told to the budget as sent at its call's grant: a probe admitted ends no cooldown",
        "batchgen/api/gateway.py",
        "        sent.append(await self.budget.another())",
        "        await self.budget.another()",
        ("tests/api/test_gateway.py::test_a_redirect_granted_as_a_cooldowns_probe_is_judged_by_its_own_grant",),
    ),
    Plant(
        "a spool-like folder named with no process id (a huge number) crashes the run opening its spool",
        "batchgen/store/spools.py",
        "    except (OSError, OverflowError):  # another user's, or no process id at all (a name made by hand)",
        "    except OSError:",
        ("tests/store/test_spools.py::test_a_killed_runs_spool_is_removed_by_the_next_run_and_nothing_else_is",),
    ),
    Plant(
        "the manifest is read by the event loop's thread: a SIGTERM another thread takes hangs a read of a pipe",
        "batchgen/cli/main.py",
        "    manifest, strays = _against_folder(await anyio.to_thread.run_sync(read, abandon_on_cancel=True), replay)",
        "    manifest, strays = _against_folder(read(), replay)",
        ("tests/e2e/test_crash.py::test_the_manifest_is_read_off_the_event_loops_thread",),
    ),
    Plant(
        "a sweep's page always waits behind submits: slots stay taken for its round trip while the budget idles",
        "batchgen/engine/sweeper.py",
        "                        ahead_at=self._ahead_at(),",
        "                        ahead_at=math.inf,",
        (
            "tests/engine/test_sweeper.py::test_a_sweeps_page_goes_ahead_of_the_submits_that_would_fill_the_slots_wit"
            "hin_its_round_trip",
        ),
    ),
    Plant(
        "a sweep's page goes ahead of submits a round trip late (added where it is taken away)",
        "batchgen/engine/sweeper.py",
        "        return self.clock.now() + waiting * budget.window / budget.limit - self._page_trip.seconds",
        "        return self.clock.now() + waiting * budget.window / budget.limit + self._page_trip.seconds",
        (
            "tests/engine/test_sweeper.py::test_a_sweeps_page_goes_ahead_of_the_submits_that_would_fill_the_slots_wit"
            "hin_its_round_trip",
        ),
    ),
    Plant(
        "a call's round trip is never learned (a page goes ahead of submits only once none is left)",
        "batchgen/api/gateway.py",
        "                        timed.add(self.last_reached - sent[-1])",
        "                        timed.add(0.0)",
        (
            "tests/engine/test_sweeper.py::test_a_sweeps_page_goes_ahead_of_the_submits_that_would_fill_the_slots_wit"
            "hin_its_round_trip",
        ),
    ),
    Plant(
        "a redirected call counted as one request: more jobs kept in flight than the budget can poll in time",
        "batchgen/api/gateway.py",
        "        return self.requests / max(1, self.requests - self.followed)",
        "        return 1.0",
        (
            "tests/e2e/test_record_life.py::test_where_the_api_redirects_each_poll_the_jobs_in_flight_are_as_few_as_t"
            "he_budget_can_poll_so",
        ),
    ),
    Plant(
        (
            "a re-run at a URL an earlier submit found not the API's skips the base URL's check: one more job of "
            "unknown outcome each run"
        ),
        "batchgen/engine/url_check.py",
        "    if api.spoken or not left or api.history_url != default_history_url(api.base_url):",
        "    if api.spoken or left or api.history_url != default_history_url(api.base_url):",
        (
            (
                "tests/e2e/test_not_the_api.py::"
                "test_runs_again_at_the_same_wrong_url_send_no_submit_and_leave_no_job_more_of_unknown_outcome"
            ),
            (
                "tests/engine/test_audit_url_check.py::"
                "test_one_job_left_is_named_alone_and_a_page_answered_lets_the_run_go_on"
            ),
        ),
    ),
    Plant(
        "the base URL's check answered by an object store lets the run send its first submit into it anyway",
        "batchgen/engine/url_check.py",
        "        return _still_not_the_api(api, left, exc)",
        "        return None",
        (
            (
                "tests/e2e/test_not_the_api.py::"
                "test_runs_again_at_the_same_wrong_url_send_no_submit_and_leave_no_job_more_of_unknown_outcome"
            ),
            (
                "tests/engine/test_audit_url_check.py::"
                "test_jobs_left_at_a_url_still_not_the_api_are_named_and_the_rest_counted"
            ),
        ),
    ),
    Plant(
        (
            "the base URL's check is asked with no job left of unknown outcome: a history that fails stops a fresh run "
            "(exit 6)"
        ),
        "batchgen/engine/url_check.py",
        "    if api.spoken or not left or api.history_url != default_history_url(api.base_url):",
        "    if api.spoken or api.history_url != default_history_url(api.base_url):",
        (
            (
                "tests/engine/test_audit_url_check.py::"
                "test_the_url_is_not_asked_of_once_the_api_spoke_nor_with_no_job_left_nor_with_a_history_url_apart"
            ),
            (
                "tests/e2e/test_not_the_api.py::"
                "test_a_base_url_of_an_object_store_stops_the_run_at_its_first_submit_and_pays_nothing_twice"
            ),
        ),
    ),
    Plant(
        (
            "the base URL's check is skipped at the base URL's own history route, asked only of a history URL "
            "configured apart"
        ),
        "batchgen/engine/url_check.py",
        "    if api.spoken or not left or api.history_url != default_history_url(api.base_url):",
        "    if api.spoken or not left or api.history_url == default_history_url(api.base_url):",
        (
            (
                "tests/e2e/test_not_the_api.py::"
                "test_runs_again_at_the_same_wrong_url_send_no_submit_and_leave_no_job_more_of_unknown_outcome"
            ),
            (
                "tests/engine/test_audit_url_check.py::"
                "test_the_url_is_not_asked_of_once_the_api_spoke_nor_with_no_job_left_nor_with_a_history_url_apart"
            ),
        ),
    ),
    Plant(
        "jobs left at a URL still not the API's: the message counts the ones it names among the more",
        "batchgen/engine/url_check.py",
        'f" and {len(left) - SHOWN} more" if len(left) > SHOWN else ""',
        'f" and {len(left)} more" if len(left) > SHOWN else ""',
        (
            (
                "tests/engine/test_audit_url_check.py::"
                "test_jobs_left_at_a_url_still_not_the_api_are_named_and_the_rest_counted"
            ),
        ),
    ),
    Plant(
        (
            "the base URL's check bypasses the request budget: a 429 or a 5xx on it is told as a URL that is not the "
            "API's (exit 6)"
        ),
        "batchgen/engine/url_check.py",
        "        await gateway.call(Priority.RESULT, lambda: api.history(per_page=1))",
        "        await api.history(per_page=1)",
        (
            (
                "tests/engine/test_audit_url_check.py::"
                "test_the_check_goes_through_the_budget_so_a_429_or_a_5xx_is_waited_out_not_told_as_the_wrong_url"
            ),
        ),
    ),
    Plant(
        "a redirect followed outside a granted call calls a grant that is not there (every check before the run fails)",
        "batchgen/api/hops.py",
        "    if grant is not None:",
        "    if grant is None:",
        (
            (
                "tests/api/test_client_answers.py::"
                "test_a_read_follows_up_to_three_redirects_within_the_api_and_keeps_the_key"
            ),
        ),
    ),
    Plant(
        "a redirect's grant is called and not awaited: the redirect goes out ungranted, uncounted",
        "batchgen/api/hops.py",
        "        await grant()",
        "        grant()",
        (
            (
                "tests/api/test_client_answers.py::"
                "test_each_redirect_followed_asks_the_budget_once_and_one_not_followed_asks_nothing"
            ),
        ),
    ),
    Plant(
        "API calls follow two redirects within the API, not the three promised",
        "batchgen/api/client.py",
        "        for hop in range(MAX_SAME_ORIGIN_REDIRECTS + 1):",
        "        for hop in range(MAX_SAME_ORIGIN_REDIRECTS):",
        (
            (
                "tests/api/test_client_answers.py::"
                "test_a_read_follows_up_to_three_redirects_within_the_api_and_keeps_the_key"
            ),
        ),
    ),
    Plant(
        "a submit follows a 302 or 303 by sending its POST again (a job made twice, paid twice)",
        "batchgen/api/client.py",
        '    if method != "GET" and status not in (307, 308):',
        '    if method != "GET" and status not in (302, 303, 307, 308):',
        ("tests/api/test_client_answers.py::test_a_submit_follows_only_redirects_that_keep_its_method_and_body",),
    ),
    Plant(
        "a redirect to the same host over another scheme is followed with the key",
        "batchgen/api/client.py",
        "    if (here.scheme.lower(), here.netloc.lower()) != (there.scheme.lower(), there.netloc.lower()):",
        "    if here.netloc.lower() != there.netloc.lower():",
        ("tests/api/test_client_answers.py::test_a_redirect_away_from_the_api_is_never_followed",),
    ),
    Plant(
        "a redirect without a Location is followed to the URL asked, again and again",
        "batchgen/api/client.py",
        "    if not location:\n        return None\n",
        "",
        ("tests/api/test_client_answers.py::test_a_redirect_away_from_the_api_is_never_followed",),
    ),
    Plant(
        "a redirect followed keeps the first request's query beside the Location's own",
        "batchgen/api/client.py",
        "            url, query = target, None  # the Location carries its own query",
        "            url = target  # the Location carries its own query",
        (
            (
                "tests/api/test_client_answers.py::"
                "test_a_read_follows_up_to_three_redirects_within_the_api_and_keeps_the_key"
            ),
        ),
    ),
    Plant(
        "the public API's base URL spelled with capitals or its default port seeks its request history on its own host",
        "batchgen/api/client.py",
        "    if _origin(base) == _origin(DEFAULT_BASE_URL) and not urlsplit(base).path:",
        "    if base == DEFAULT_BASE_URL:",
        (
            (
                "tests/api/test_audit_history_url.py::"
                "test_the_public_api_however_spelled_has_its_history_on_the_history_host"
            ),
        ),
    ),
    Plant(
        "a base URL on the public API's host with a path of its own is given the public API's history host",
        "batchgen/api/client.py",
        "    if _origin(base) == _origin(DEFAULT_BASE_URL) and not urlsplit(base).path:",
        "    if _origin(base) == _origin(DEFAULT_BASE_URL):",
        ("tests/api/test_audit_history_url.py::test_any_other_server_serves_its_history_itself",),
    ),
    Plant(
        "a page whose doctype is in capitals is told as an XML document, not an HTML page",
        "batchgen/api/foreign.py",
        "    head = raw[:1024].lstrip().lower()",
        "    head = raw[:1024].lstrip()",
        (
            "tests/api/test_audit_foreign.py::test_a_body_that_is_not_json_is_told_as_what_it_looks_like",
            (
                "tests/api/test_client_answers.py::"
                "test_a_page_refusing_a_poll_once_the_api_accepted_the_key_is_a_gateway_refusal_not_a_refused_key"
            ),
        ),
    ),
    Plant(
        "a page served as text/html is told by its first bytes only (a proxy's fragment: an XML document, or text)",
        "batchgen/api/foreign.py",
        '    if head.startswith((b"<!doctype html", b"<html")) or "html" in content_type:',
        '    if head.startswith((b"<!doctype html", b"<html")):',
        (
            "tests/api/test_audit_foreign.py::test_a_body_that_is_not_json_is_told_as_what_it_looks_like",
            (
                "tests/api/test_audit_foreign.py::"
                "test_a_first_submit_answered_by_a_proxys_html_fragment_says_an_html_page_answered"
            ),
        ),
    ),
    Plant(
        (
            "an answer's words for a body not JSON are kept under its 'error': the API's own JSON errors are taken for "
            "pages"
        ),
        "batchgen/api/foreign.py",
        'NOT_JSON = "batchgen:not_json"',
        'NOT_JSON = "error"',
        (
            (
                "tests/api/test_client_answers.py::"
                "test_a_submit_answered_by_a_server_error_is_ambiguous_and_says_what_the_server_said"
            ),
        ),
    ),
    Plant(
        "a JSON list is told as text that is not JSON",
        "batchgen/api/foreign.py",
        '    if head[:1] in (b"[", b\'"\') or',
        "    if head[:1] in (b'\"',) or",
        (
            "tests/api/test_client_answers.py::test_an_ok_answer_that_is_not_a_json_object_is_route_trouble",
            "tests/api/test_audit_foreign.py::test_a_body_that_is_not_json_is_told_as_what_it_looks_like",
        ),
    ),
    Plant(
        "a body of blanks is told as text that is not JSON, not as an empty body",
        "batchgen/api/foreign.py",
        '    if not head:\n        return "an empty body"',
        '    if not head:\n        return "text that is not JSON"',
        (
            "tests/api/test_audit_foreign.py::test_a_body_that_is_not_json_is_told_as_what_it_looks_like",
            (
                "tests/api/test_audit_foreign.py::"
                "test_a_first_submit_answered_by_a_proxys_html_fragment_says_an_html_page_answered"
            ),
        ),
    ),
    Plant(
        "a record expired and not in the history is written as lost (a link gone), not expired",
        "batchgen/engine/messages.py",
        "    event: Event = Event.EXPIRED",
        "    event: Event = Event.LOST",
        ("tests/engine/test_submitter_units.py::test_lost_news_is_acted_on_for_each_job_the_stream_brings",),
    ),
    Plant(
        "a record expired and not in the history is written without its HTTP 404",
        "batchgen/engine/messages.py",
        "    http: int | None = 404",
        "    http: int | None = None",
        ("tests/engine/test_submitter_units.py::test_lost_news_is_acted_on_for_each_job_the_stream_brings",),
    ),
    Plant(
        "a config price for 5 s of a model without a spec costs a 10 s job as 5 s (the spend cap passed)",
        "batchgen/params.py",
        "        return by_duration[5] * duration / 5",
        "        return by_duration[5]",
        ("tests/test_params.py::test_a_model_without_a_spec_costs_its_config_prices",),
    ),
    Plant(
        "a config price for std mode of a spec model is taken for its pro mode (the spend cap passed)",
        "batchgen/params.py",
        '    by_duration = table.get(mode) or (table.get("std") if unspecified else None) or {}',
        '    by_duration = table.get(mode) or table.get("std") or {}',
        ("tests/test_params.py::test_config_prices_override_a_spec_model_for_the_combinations_they_name_only",),
    ),
    Plant(
        "the config's prices never override a spec's: estimates and the spend cap ignore them",
        "batchgen/params.py",
        "    if override is not None:\n        return override\n",
        "",
        (
            "tests/test_params.py::test_a_combination_the_page_does_not_price_counts_at_the_highest_price_and_says_so",
            "tests/test_params.py::test_config_prices_override_a_spec_model_for_the_combinations_they_name_only",
        ),
    ),
    Plant(
        "a config price is looked up by the job's own fields, without its model's defaults",
        "batchgen/params.py",
        "    full = {**defaults_of(model), **params}",
        "    full = params",
        ("tests/test_params.py::test_config_prices_apply_to_what_the_job_gets_with_its_models_defaults",),
    ),
    Plant(
        "a CSV row's values are checked as typed values: its '5' refused as a duration",
        "batchgen/params.py",
        "    return check_params(spec, raw, from_text=from_text, base=base)",
        "    return check_params(spec, raw, from_text=False, base=base)",
        ("tests/test_params.py::test_defaults_validation_and_latency_come_from_the_spec_or_are_left_alone",),
    ),
    Plant(
        "a gone record the history cannot be read for is sent as lost (made again with --resubmit-lost: paid twice)",
        "batchgen/engine/handover.py",
        "        elif isinstance(found, Later):  # unknown",
        "        elif isinstance(found, Gone):  # unknown",
        (
            (
                "tests/engine/test_audit_handover.py::"
                "test_a_gone_record_the_history_could_not_be_read_for_is_left_for_a_later_run_never_made_again"
            ),
        ),
    ),
    Plant(
        "a paid job whose link no answer gives is failed, not left for a later run to fetch",
        "batchgen/engine/handover.py",
        '            await self.book.finish(job, Event.UNREACHABLE, JobState.SUBMITTED, error={"detail": detail})',
        '            await self.book.finish(job, Event.UNREACHABLE, JobState.FAILED, error={"detail": detail})',
        (
            (
                "tests/engine/test_poller_paths.py::"
                "test_a_completed_result_without_a_link_is_left_for_a_later_run_saying_so"
            ),
        ),
    ),
    Plant(
        (
            "a job whose answers cannot be used, and whose history look-up errs, stops the run instead of being left "
            "for later"
        ),
        "batchgen/engine/handover.py",
        "        except ApiError as exc:\n            found = Later(str(exc))\n",
        "        except ApiError:\n            raise\n",
        (
            (
                "tests/engine/test_audit_handover.py::"
                "test_a_job_whose_answers_cannot_be_used_nor_its_history_read_is_left_submitted_never_failed"
            ),
        ),
    ),
    Plant(
        "a result without a cost wipes the estimate the job held (the spend cap loses it)",
        "batchgen/engine/handover.py",
        "        job.cost = cost if cost else job.cost",
        "        job.cost = cost",
        (
            (
                "tests/engine/test_poller_units.py::"
                "test_a_result_without_a_cost_keeps_the_estimate_held_and_no_queue_time_dates_nothing"
            ),
        ),
    ),
    Plant(
        "a history row's link found for a job without one is retried as the result's own",
        "batchgen/engine/handover.py",
        "            await self.to_downloads(job, found.url, None, found.cost or cost, from_history=True)",
        "            await self.to_downloads(job, found.url, None, found.cost or cost)",
        (
            (
                "tests/engine/test_poller_units.py::"
                "test_a_completed_job_without_a_link_is_looked_up_in_the_history_never_failed"
            ),
        ),
    ),
    Plant(
        "a gone record the history cannot say anything of is ended expired, never looked up again",
        "batchgen/engine/handover.py",
        "Event.RECOVER_LATER, JobState.SUBMITTED,",
        "Event.RECOVER_LATER, JobState.EXPIRED,",
        (
            (
                "tests/engine/test_poller_units.py::"
                "test_a_gone_record_the_history_cannot_say_anything_of_is_left_for_a_later_run"
            ),
            (
                "tests/engine/test_audit_handover.py::"
                "test_a_gone_record_the_history_could_not_be_read_for_is_left_for_a_later_run_never_made_again"
            ),
        ),
    ),
    Plant(
        "a lost submit a re-run can settle is marked in the ledger as one the same command does not settle",
        "batchgen/engine/verdicts.py",
        "    rerun: bool = True\n",
        "    rerun: bool = False\n",
        (
            (
                "tests/engine/test_recovery.py::"
                "test_a_lost_submit_with_no_job_left_to_send_is_told_a_later_run_finds_it_only_if_it_was_made"
            ),
        ),
    ),
    Plant(
        "an expired record found in the history by its id is taken as measured to finish at once (latency 0)",
        "batchgen/engine/verdicts.py",
        "    latency_s: float | None = None",
        "    latency_s: float | None = 0.0",
        ("tests/engine/test_recovery.py::test_an_expired_record_is_looked_up_by_id",),
    ),
    # ------------------------------------------------- audits: shards, pace, log lines, simulate, poster frames, ledger
    Plant(
        "--shard auto takes BATCHGEN_SHARDS over --shards: a shard runs another count's slice (a job run by two)",
        "batchgen/store/shards.py",
        '    if count is None and environ.get("BATCHGEN_SHARDS"):',
        '    if environ.get("BATCHGEN_SHARDS"):',
        (
            "tests/store/test_audit_shards.py::"
            "test_shards_given_on_the_command_line_win_over_batchgen_shards_in_the_environment",
        ),
    ),
    Plant(
        "a Slurm array started at 1 is not shifted by SLURM_ARRAY_TASK_MIN (one shard never runs)",
        "batchgen/store/shards.py",
        "        return Shard(task - low, count)",
        "        return Shard(task, count)",
        ("tests/store/test_promises_units.py::test_auto_reads_this_processs_environment_and_trims_numbers",),
    ),
    Plant(
        "--shard I/N that disagrees with --shards is taken (two layouts over one folder)",
        "batchgen/store/shards.py",
        "    if count is not None and count != shard.count:",
        "    if False:",
        ("tests/store/test_promises_units.py::test_every_bad_shard_message_in_full",),
    ),
    Plant(
        "the pace file records a fixed limit, not the run's requests_per_minute",
        "batchgen/report/pace.py",
        '        "rpm": run.settings.limits.requests_per_minute,',
        '        "rpm": 60,',
        ("tests/report/test_audit_pace.py::test_a_pace_line_holds_the_runs_counters_and_the_limit_it_ran_under",),
    ),
    Plant(
        "the pace file counts every request as a 429 (the chart marks 429s that never came)",
        "batchgen/report/pace.py",
        '        "throttled": snap.throttled,',
        '        "throttled": snap.requests,',
        ("tests/report/test_audit_pace.py::test_a_pace_line_holds_the_runs_counters_and_the_limit_it_ran_under",),
    ),
    Plant(
        "a torn pace line (a run killed mid-append) stops the report",
        "batchgen/report/pace.py",
        "        except (ValueError, KeyError, TypeError):",
        "        except (KeyError, TypeError):",
        (
            "tests/report/test_audit_pace.py::"
            "test_torn_and_unreadable_pace_lines_are_skipped_and_the_rest_read_oldest_first",
        ),
    ),
    Plant(
        "a run that ends writes no last pace line (the chart stops short of the run's end)",
        "batchgen/report/pace.py",
        "pace_line(run, run_id))\n\n\ndef read_pace",
        "pace_line(run, run_id)) if False else None\n\n\ndef read_pace",
        ("tests/report/test_audit_pace.py::test_a_run_that_ends_leaves_a_last_pace_line_with_its_final_counters",),
    ),
    Plant(
        "a video lost (its record died) is logged at debug: a cron log never says it",
        "batchgen/cli/progress.py",
        '    if event in ("failed", "expired", "lost"):',
        '    if event in ("failed", "expired"):',
        (
            "tests/cli/test_audit_progress.py::"
            "test_each_job_event_is_logged_at_its_level_in_words_that_say_what_happened",
        ),
    ),
    Plant(
        "the log says a failed job was lost and a lost one failed",
        "batchgen/cli/progress.py",
        '"failed" if event == "failed" else "was lost"',
        '"was lost" if event == "failed" else "failed"',
        (
            "tests/cli/test_audit_progress.py::"
            "test_each_job_event_is_logged_at_its_level_in_words_that_say_what_happened",
        ),
    ),
    Plant(
        "a failed download is logged at debug: the operator is never told to run again",
        "batchgen/cli/progress.py",
        '    elif event == "download_failed":',
        '    elif event == "download_failed_":',
        (
            "tests/cli/test_audit_progress.py::"
            "test_each_job_event_is_logged_at_its_level_in_words_that_say_what_happened",
        ),
    ),
    Plant(
        "simulate --retry-after sends no Retry-After",
        "batchgen/cli/serve.py",
        '            rate_hint="both" if args.retry_after else args.rate_hint,',
        "            rate_hint=args.rate_hint,",
        ("tests/cli/test_audit_serve.py::test_the_simulators_key_and_429_flags_reach_its_config",),
    ),
    Plant(
        "simulate --revoke-after revokes no key",
        "batchgen/cli/serve.py",
        "            revoke_key=keys[0] if args.revoke_after is not None else None,",
        "            revoke_key=None,",
        ("tests/cli/test_audit_serve.py::test_the_simulators_key_and_429_flags_reach_its_config",),
    ),
    Plant(
        "simulate --second-key makes a key of another account",
        "batchgen/cli/serve.py",
        '    accounts = {key: "main" for key in args.second_key} | {key: "other" for key in args.other_account_key}',
        '    accounts = {key: "other" for key in args.second_key} | {key: "other" for key in args.other_account_key}',
        ("tests/cli/test_audit_serve.py::test_the_simulators_key_and_429_flags_reach_its_config",),
    ),
    Plant(
        "simulate --state-file of a file not the simulator's is a traceback",
        "batchgen/cli/serve.py",
        "    except ValueError as exc:  # a state file that is not the simulator's",
        "    except KeyError as exc:  # a state file that is not the simulator's",
        ("tests/cli/test_audit_serve.py::test_a_state_file_that_is_not_the_simulators_is_an_input_error",),
    ),
    Plant(
        "simulate --credits loses to the balance saved in --state-file",
        "batchgen/cli/serve.py",
        "                if args.credits is not None:  # the flag wins over a balance saved in --state-file",
        "                if False:  # the flag wins over a balance saved in --state-file",
        ("tests/e2e/test_told_friction.py::test_simulate_credits_beat_the_balance_saved_in_the_state_file",),
    ),
    Plant(
        "a file in videos/ with no video stream (sound only) stops the report",
        "batchgen/report/thumbs.py",
        "            if not container.streams.video:\n                return False\n",
        "",
        (
            "tests/report/test_audit_thumbs.py::"
            "test_videos_that_cannot_be_decoded_get_no_poster_frame_and_the_good_one_does",
        ),
    ),
    Plant(
        "a video that yields no frame stops the report",
        "batchgen/report/thumbs.py",
        "            if frame is None:\n                return False\n",
        "",
        ("tests/report/test_audit_thumbs.py::test_a_source_that_yields_no_frame_gets_no_thumbnail",),
    ),
    Plant(
        "an input image moved away loses its thumbnail in the next report",
        "batchgen/report/thumbs.py",
        "        return made >= source.stat().st_mtime_ns\n    except OSError:\n        return True",
        "        return made >= source.stat().st_mtime_ns\n    except OSError:\n        return False",
        (
            "tests/report/test_audit_thumbs.py::"
            "test_a_thumbnail_is_current_only_if_made_since_its_source_changed_and_stands_when_the_source_is_gone",
        ),
    ),
    Plant(
        "a poster frame never made counts as made (the report links a missing image)",
        "batchgen/report/thumbs.py",
        "        made = dest.stat().st_mtime_ns\n    except OSError:\n        return False",
        "        made = dest.stat().st_mtime_ns\n    except OSError:\n        return True",
        ("tests/report/test_ahead.py::test_a_video_made_anew_under_the_same_name_gets_its_own_poster_as_it_lands",),
    ),
    Plant(
        "an object-store snapshot deletes the segments written after the one it folds (paid requests forgotten)",
        "batchgen/store/segments.py",
        "(parsed[0] < upto or (parsed[0] == upto and not parsed[1]))",
        "(parsed[0] != upto or not parsed[1])",
        ("tests/store/test_audit_segments.py::test_a_snapshot_keeps_the_segments_written_after_the_one_it_folds",),
    ),
    Plant(
        "an object-store snapshot deletes itself along with the segments it covers",
        "batchgen/store/segments.py",
        "(parsed[0] < upto or (parsed[0] == upto and not parsed[1]))",
        "parsed[0] <= upto",
        ("tests/store/test_segments_units.py::test_a_long_run_compacts_itself_and_a_failed_compaction_loses_nothing",),
    ),
    Plant(
        "a missing object-store ledger segment is read past (its jobs' requests forgotten)",
        "batchgen/store/segments.py",
        "        if seq != expected:",
        "        if False:",
        ("tests/store/test_segments_units.py::test_a_missing_segment_is_named_with_what_to_do",),
    ),
    Plant(
        "a segment writer does not check its lease before each segment (two runs on one shard)",
        "batchgen/store/segments.py",
        "        if self.lease is not None:\n            self.lease.check()\n",
        "",
        ("tests/store/test_segments_units.py::test_a_writer_whose_lease_is_gone_writes_nothing",),
    ),
    Plant(
        "the folder lock is shared: two runs work on one folder at once",
        "batchgen/store/local.py",
        "            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)",
        "            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)",
        ("tests/store/test_storage.py::test_the_lock_names_its_holder_and_is_released",),
    ),
    Plant(
        "a deep check (--verify) trusts a video at its recorded size and mtime without hashing it",
        "batchgen/store/local.py",
        "        if sha256 is None or (not deep and mtime_ns is not None and info.st_mtime_ns == mtime_ns):",
        "        if sha256 is None or (mtime_ns is not None and info.st_mtime_ns == mtime_ns):",
        ("tests/store/test_storage.py::test_a_finished_video_is_trusted_only_while_it_is_exactly_what_was_recorded",),
    ),
    Plant(
        "a recorded video that is gone from disk is trusted as there",
        "batchgen/store/local.py",
        "        return digest.hexdigest() == sha256\n    except OSError:\n        return False",
        "        return digest.hexdigest() == sha256\n    except OSError:\n        return True",
        ("tests/store/test_storage.py::test_a_finished_video_is_trusted_only_while_it_is_exactly_what_was_recorded",),
    ),
    Plant(
        "a video name of dots is kept: '{id}' with id '..' names the output folder itself",
        "batchgen/store/local.py",
        '    return _SAFE.sub("_", name).lstrip(".") or',
        '    return _SAFE.sub("_", name) or',
        ("tests/store/test_storage.py::test_video_names_keep_only_safe_characters",),
    ),
    Plant(
        "the changed rows' error does not name a parameter the row no longer gives",
        "batchgen/engine/identity.py",
        "        given = old.keys() | job.params.keys()",
        "        given = job.params.keys()",
        ("tests/engine/test_audit_identity.py::test_a_parameter_the_row_no_longer_gives_is_named_as_changed",),
    ),
    Plant(
        "every replaced video of an id takes number 1: a second replacement overwrites the first",
        "batchgen/engine/identity.py",
        "    return 1 + max((int(n) for n in taken if n.isdigit()), default=0)",
        "    return 1",
        ("tests/engine/test_identity_units.py::test_each_replacement_keeps_every_earlier_video_under_its_own_number",),
    ),
    Plant(
        "a replaced job's earlier replacements drop out of what the id cost (the cap on spend undercounts)",
        "batchgen/engine/identity.py",
        '    return float(rec.get("cost") or 0.0) + float(rec.get("paid_before") or 0.0)',
        '    return float(rec.get("cost") or 0.0)',
        ("tests/engine/test_identity_units.py::test_the_replaced_line_carries_everything_paid_for_the_id_so_far",),
    ),
    Plant(
        "a replaced video's sidecar stays in videos/ (the new one overwrites the record of the old)",
        "batchgen/engine/identity.py",
        "    if sidecar.is_file():\n        found.append(sidecar)",
        "    if False:\n        found.append(sidecar)",
        ("tests/engine/test_identity_units.py::test_each_replacement_keeps_every_earlier_video_under_its_own_number",),
    ),
    Plant(
        "a completed row whose parameters changed is not a changed job (told done, never made anew)",
        "batchgen/engine/identity.py",
        'SENT_STATES = frozenset({"submitting", "submitted", "downloading", "completed", "failed", "expired"})',
        'SENT_STATES = frozenset({"submitting", "submitted", "downloading", "failed", "expired"})',
        ("tests/engine/test_identity_units.py::test_a_row_differing_from_anything_that_was_sent_is_a_changed_job",),
    ),
    Plant(
        "simulate: an account that cannot be saved at the end is told as a port in use",
        "batchgen/cli/serve.py",
        "        if serving:",
        "        if False:",
        ("tests/cli/test_audit_serve.py::test_an_account_that_cannot_be_saved_at_the_end_is_told_as_such",),
    ),
    Plant(
        "simulate: a --state-file in a folder that does not exist is found only when the account is saved",
        "batchgen/cli/serve.py",
        "    if folder and not os.path.isdir(folder):",
        "    if False:",
        ("tests/cli/test_audit_serve.py::test_a_state_file_in_a_folder_that_does_not_exist_is_refused_before_serving",),
    ),
    Plant(
        "simulate: a --state-file that cannot be read (a folder) is told as a port in use",
        "batchgen/simulator/state.py",
        '            raise ValueError(f"{path}: cannot read it ({exc.strerror or exc})") from None',
        "            raise",
        ("tests/cli/test_audit_serve.py::test_a_state_file_that_cannot_be_taken_up_is_told_never_as_a_port_in_use",),
    ),
    Plant(
        "simulate: a --state-file of JSON that is not an object is a traceback",
        "batchgen/simulator/state.py",
        '        if not isinstance(data, dict) or data.get("version") != STATE_VERSION:',
        '        if data.get("version") != STATE_VERSION:',
        ("tests/cli/test_audit_serve.py::test_a_state_file_that_cannot_be_taken_up_is_told_never_as_a_port_in_use",),
    ),
    Plant(
        "simulate: a damaged --state-file of the right version is a traceback",
        "batchgen/simulator/state.py",
        "        except (AttributeError, KeyError, TypeError, ValueError) as exc:\n            raise ValueError(",
        "        except ZeroDivisionError as exc:\n            raise ValueError(",
        ("tests/cli/test_audit_serve.py::test_a_state_file_that_cannot_be_taken_up_is_told_never_as_a_port_in_use",),
    ),
    Plant(
        "a sweep begun with no submit waiting goes ahead of the submits that ask later (sweeps as often as allowed)",
        "batchgen/engine/sweeper.py",
        "        if not waiting:  # (none to fill the slots: where a cap on jobs in flight holds them, a page ahead of",
        "        if False:  # (none to fill the slots: where a cap on jobs in flight holds them, a page ahead of",
        (
            "tests/engine/test_sweeper.py::test_a_sweep_begun_with_no_submit_waiting_lets_the_submits_that_ask_later_"
            "go_first",
        ),
    ),
    Plant(
        "a call past its ahead_at goes ahead of the result calls and the polls at a record's guard, not only submits",
        "batchgen/api/ratelimit.py",
        "        waiter.priority, waiter.rank = int(Priority.SUBMIT), -math.inf",
        "        waiter.priority, waiter.rank = int(Priority.RESULT), 0.0",
        (
            "tests/api/test_ratelimit.py::test_a_call_past_its_ahead_at_goes_before_every_submit_and_behind_the_resul"
            "t_calls",
        ),
    ),
    Plant(
        "simulate: an output closed while serving told as a failed save of --state-file",
        "batchgen/cli/serve.py",
        "        if stopping and args.state_file:",
        "        if serving and args.state_file:",
        (
            "tests/cli/test_audit_serve.py::test_an_output_closed_while_serving_is_told_as_such_never_as_a_save_or_a_"
            "port",
        ),
    ),
    Plant(
        "simulate: a failed save of --state-file at the end told as an output closed while serving",
        "batchgen/cli/serve.py",
        "                stopping = True\n",
        "                pass\n",
        ("tests/cli/test_audit_serve.py::test_an_account_that_cannot_be_saved_at_the_end_is_told_as_such",),
    ),
    Plant(
        "a job a sweep showed unfinished is taken as unfinished when the sweep began, not when its page went",
        "batchgen/engine/sweeper.py",
        "    async def _page_granted(self) -> None:\n        self._page_sent = self.clock.now()\n",
        "    async def _page_granted(self) -> None:\n        self._page_sent = self._swept_at\n",
        (
            "tests/engine/test_sweeper_finds.py::test_a_job_shown_unfinished_was_so_when_its_page_went_not_when_the_s"
            "weep_began",
        ),
    ),
    Plant(
        "only the jobs a sweep showed unfinished at the very moment it began count for the probe's gap",
        "batchgen/engine/cadence.py",
        "(seen := self._unfinished_at.get(rid, -math.inf)) >= self._swept_at",
        "(seen := self._unfinished_at.get(rid, -math.inf)) == self._swept_at",
        (
            "tests/engine/test_probe_gap.py::test_the_ages_jobs_were_seen_unfinished_at_are_their_ages_when_the_page_"
            "went_not_when_the_sweep_began",
        ),
    ),
    Plant(
        "the ages jobs were seen unfinished at are taken at the sweep's begin",
        "batchgen/engine/cadence.py",
        "            seen - job.submitted_at\n",
        "            self._swept_at - job.submitted_at\n",
        (
            "tests/engine/test_probe_gap.py::test_the_ages_jobs_were_seen_unfinished_at_are_their_ages_when_the_page_"
            "went_not_when_the_sweep_began",
        ),
    ),
    # --------------------------------------- audits: the output folder, leases, local files, stops, the report ahead
    Plant(
        "a local folder first run unsharded takes a sharded run: its jobs change shards and may be paid twice",
        "batchgen/store/output.py",
        'names = [UNSHARDED] if (root / "ledger.jsonl").exists() else []',
        "names = []",
        ("tests/store/test_store.py::test_shard_counts_cannot_change_under_one_out",),
    ),
    Plant(
        "output.lease_ttl_s is ignored: an object-store run's lease lasts the default 60 s",
        "batchgen/store/output.py",
        "ttl_s=lease_ttl_s or DEFAULT_TTL_S",
        "ttl_s=DEFAULT_TTL_S",
        ("tests/store/test_audit_output.py::test_a_run_into_an_object_store_holds_its_lease_for_the_configured_ttl",),
    ),
    Plant(
        "results.csv is rewritten in place: a reader of the old table sees it change under it",
        "batchgen/store/output.py",
        "await anyio.to_thread.run_sync(write_atomically, self.out.results, data)",
        "await anyio.to_thread.run_sync(self.out.results.write_bytes, data)",
        (
            "tests/store/test_audit_output.py::test_a_reader_of_the_old_results_csv_reads_it_whole_while_the_run_"
            "writes_the_new_one",
        ),
    ),
    Plant(
        "status counts each shard's states once each, not its jobs",
        "batchgen/store/output.py",
        'states[str(rec.get("state"))] = states.get(str(rec.get("state")), 0) + 1',
        'states[str(rec.get("state"))] = 1',
        ("tests/e2e/test_scale.py::test_status_merges_shards_as_json",),
    ),
    Plant(
        "status names a killed holder's lease, lapsing, as a run at work on the shard",
        "batchgen/store/output.py",
        "            if not gone_here(record):",
        "            if True:",
        (
            "tests/e2e/test_scale.py::test_a_killed_shards_lease_is_told_as_lapsing_not_as_a_run_at_work_and_the_"
            "next_run_takes_it_then",
        ),
    ),
    Plant(
        "ledger lines no longer say which key a job was submitted with: another key resumes it",
        "batchgen/store/output.py",
        "return await self.inner.append(job_id, event, state, key_fp=self.fingerprint, **fields)",
        "return await self.inner.append(job_id, event, state, **fields)",
        ("tests/e2e/test_scale.py::test_jobs_in_flight_are_resumed_only_with_the_key_that_submitted_them",),
    ),
    Plant(
        "the view a run's results table is written from is its ledger as it started, not as it ended",
        "batchgen/store/output.py",
        "            return read_ledger(self.out.ledger).jobs",
        "            return self.replay.jobs",
        ("tests/e2e/test_run.py::test_quick_start_example_with_simulate",),
    ),
    Plant(
        "status reads a copy of a shard's folder under shards/ as one more shard: its jobs counted twice",
        "batchgen/store/output.py",
        'if parse_name(folder.name) and (folder / "ledger.jsonl").exists():',
        'if (folder / "ledger.jsonl").exists():',
        (
            "tests/store/test_audit_output.py::test_status_reads_only_the_shards_folders_a_run_made_not_a_copy_"
            "beside_them",
        ),
    ),
    Plant(
        "a new lease holder keeps five old generations, not four",
        "batchgen/store/lease.py",
        "number <= self.generation - KEEP_GENERATIONS",
        "number < self.generation - KEEP_GENERATIONS",
        ("tests/store/test_lease.py::test_a_new_holder_keeps_the_four_newest_generations_and_deletes_the_rest",),
    ),
    Plant(
        "a held lease's refusal does not name the holder's pid",
        "batchgen/store/lease.py",
        'pid=record.get("pid") if isinstance(record.get("pid"), int) else None,',
        "pid=None,",
        ("tests/store/test_lease.py::test_a_held_lease_refuses_another_run_and_says_who_holds_it_for_how_long",),
    ),
    Plant(
        "a released lease is left unexpired: the next run waits a whole TTL for it",
        "batchgen/store/lease.py",
        "expires = sent if released else sent + self.ttl_s",
        "expires = sent + self.ttl_s",
        ("tests/store/test_store.py::test_a_held_lease_refuses_a_second_run_and_an_expired_one_is_taken_over",),
    ),
    Plant(
        "a held lease's refusal says the whole TTL is left, not the time until it expires",
        "batchgen/store/lease.py",
        'left = f"{expires - self.now():.0f}"',
        'left = f"{self.ttl_s:.0f}"',
        ("tests/store/test_lease.py::test_a_held_lease_refuses_another_run_and_says_who_holds_it_for_how_long",),
    ),
    Plant(
        "a lease held by a killed run of this host is told as another run at work: wait for it to finish",
        "batchgen/store/lease.py",
        "                if gone_here(record):  # killed",
        "                if False:  # killed",
        ("tests/store/test_lease.py::test_a_holder_is_told_gone_only_for_a_pid_of_this_host_that_no_longer_runs",),
    ),
    Plant(
        "a writer whose lease was taken over is told its lease expired, not that another run took it",
        "batchgen/store/lease.py",
        'why = self.lost or f"it expired at',
        'why = None or f"it expired at',
        ("tests/store/test_lease.py::test_a_holder_that_was_taken_over_knows_it_and_writes_nothing_more",),
    ),
    Plant(
        "the lock file keeps the tail of a longer pid written before: the holder is named wrong",
        "batchgen/store/local.py",
        '        os.ftruncate(fd, 0)\n        os.write(fd, f"{os.getpid()}\\n".encode())',
        '        os.write(fd, f"{os.getpid()}\\n".encode())',
        ("tests/store/test_storage.py::test_the_lock_names_its_holder_and_is_released",),
    ),
    Plant(
        "a held shard's lock names the whole output folder, not the shard's folder the other run holds",
        "batchgen/store/local.py",
        'f"another batchgen run ({holder}) is using {self.state}; wait',
        'f"another batchgen run ({holder}) is using {self.root}; wait',
        (
            "tests/store/test_audit_local.py::test_a_shard_held_by_another_run_is_named_by_its_own_folder_and_the_"
            "other_shard_stays_free",
        ),
    ),
    Plant(
        "a lock refused because another run holds it leaves its file open",
        "batchgen/store/local.py",
        "            pid = _read_pid(fd)\n            os.close(fd)\n",
        "            pid = _read_pid(fd)\n",
        ("tests/store/test_audit_local.py::test_a_lock_refused_because_another_run_holds_it_keeps_no_file_open",),
    ),
    Plant(
        "a .partial/ that is a link to elsewhere is written through",
        "batchgen/store/local.py",
        "for folder in (self.videos, self.partial):",
        "for folder in (self.videos,):",
        ("tests/store/test_storage.py::test_a_saved_video_is_verified_hashed_and_renamed_into_place",),
    ),
    Plant(
        "a download is renamed into videos/ without being fsynced",
        "batchgen/store/local.py",
        "where=str(self.root), fsync=True,",
        "where=str(self.root), fsync=False,",
        (
            "tests/store/test_storage.py::test_a_download_is_spooled_under_a_hidden_part_name_and_fsynced_before_it_"
            "is_renamed",
        ),
    ),
    Plant(
        "a video's sidecar is videos/<id>.mp4.json, not videos/<id>.json",
        "batchgen/store/local.py",
        'return video.with_suffix(".json")',
        'return video.with_name(video.name + ".json")',
        ("tests/store/test_storage.py::test_sidecars_are_sorted_json",),
    ),
    Plant(
        "a full disk while saving a video does not name the job",
        "batchgen/store/local.py",
        'f"the disk holding {root} is full while saving job {job_id}; free some space',
        'f"the disk holding {root} is full while saving a job; free some space',
        ("tests/store/test_storage.py::test_a_disk_error_names_the_folder_and_the_job",),
    ),
    Plant(
        "a download that cannot be installed for a reason other than permissions escapes as a raw OSError",
        "batchgen/store/local.py",
        "            mtime_ns = await anyio.to_thread.run_sync(_install, tmp, dest)\n        except OSError as exc:",
        "            mtime_ns = await anyio.to_thread.run_sync(_install, tmp, dest)\n"
        "        except PermissionError as exc:",
        (
            "tests/store/test_storage.py::test_a_download_that_cannot_be_installed_names_the_folder_the_job_and_the_"
            "cause",
        ),
    ),
    Plant(
        "stale downloads a killed run left in .partial/ are never cleared",
        "batchgen/store/local.py",
        'for stale in self.partial.glob("*.part"):',
        'for stale in self.partial.glob("*.part.tmp"):',
        ("tests/store/test_storage.py::test_taking_the_lock_clears_stale_downloads_only",),
    ),
    Plant(
        "a video found in place (a run killed before 'completed') is recorded with the hash of nothing",
        "batchgen/store/local.py",
        "    return SavedVideo(dest, digest.hexdigest(), info.st_size, info.st_mtime_ns)",
        "    return SavedVideo(dest, hashlib.sha256().hexdigest(), info.st_size, info.st_mtime_ns)",
        (
            "tests/store/test_storage.py::test_a_video_found_in_place_is_kept_only_if_sound_of_the_apis_size_and_put_"
            "there_after_the_submit",
        ),
    ),
    Plant(
        "a credit stop whose 406 names a balance of 0 tells the balance as unknown",
        "batchgen/engine/control.py",
        "        if named is not None:\n            self.report.balance = named\n        elif first:",
        "        if named:\n            self.report.balance = named\n        elif first:",
        (
            "tests/engine/test_audit_control.py::test_a_credit_stop_at_a_balance_of_nothing_tells_that_balance_not_"
            "an_unknown_one",
        ),
    ),
    Plant(
        "a second run-wide error replaces the first as the one the run stopped for",
        "batchgen/engine/control.py",
        "        if self.report.fatal is None:\n            self.report.fatal = exc",
        "        if True:\n            self.report.fatal = exc",
        ("tests/engine/test_control.py::test_a_run_wide_error_ends_the_run_now_and_names_itself",),
    ),
    Plant(
        "an input image's thumbnail made as its video lands is written over the video's poster frame",
        "batchgen/report/ahead.py",
        "source = input_thumb_path(root, video)",
        "source = thumb_path(root, video)",
        (
            "tests/report/test_audit_ahead.py::test_a_video_that_lands_gets_its_poster_and_its_input_images_"
            "thumbnail_each_in_its_own_file",
        ),
    ),
    Plant(
        "the poster maker reads a ledger made anew in the folder from where it stopped in the old one",
        "batchgen/report/ahead.py",
        "if follow is None or follow.inode != stat.st_ino or follow.offset > stat.st_size:",
        "if follow is None or follow.offset > stat.st_size:",
        ("tests/report/test_audit_ahead.py::test_a_ledger_made_anew_in_the_folder_is_read_from_its_start",),
    ),
    Plant(
        "the poster maker skips 'submitting' lines: no input image thumbnail is made as videos land",
        "batchgen/report/ahead.py",
        "if b'\"submitting\"' not in raw and b'\"completed\"' not in raw:",
        "if b'\"completed\"' not in raw:",
        (
            "tests/report/test_audit_ahead.py::test_a_video_that_lands_gets_its_poster_and_its_input_images_"
            "thumbnail_each_in_its_own_file",
        ),
    ),
    Plant(
        "a 406 answered to a submit in flight when a signal came makes the stop a credit stop (exit 3, polls again)",
        "batchgen/engine/control.py",
        "        if self.interrupted:\n            if named is not None:",
        "        if False:\n            if named is not None:",
        (
            "tests/engine/test_audit_control.py::test_a_refusal_for_credits_answered_after_a_signal_does_not_hide_the"
            "_signal",
        ),
    ),
    Plant(
        "--debug floods the log with the report drawing's font look-ups",
        "batchgen/cli/logs.py",
        '    for drawing in ("matplotlib", "PIL"):',
        '    for drawing in ("PIL",):',
        ("tests/cli/test_logs.py::test_a_debug_log_holds_every_job_event_and_not_the_report_drawings_font_look_ups",),
    ),
    Plant(
        "a trial result call answered 404 by a record that is gone settles the trial: status polls for the run",
        "batchgen/engine/poller.py",
        "                    self._trial_missing = (rid, str(exc)) if isinstance(exc, NotFound) else None\n",
        "                    self._trial_missing = None\n",
        (
            "tests/engine/test_poller_paths.py::test_a_trial_result_poll_answered_404_by_a_record_that_is_gone_leaves"
            "_the_trial_open",
        ),
    ),
    Plant(
        "a record found gone after a trial's 404 leaves result calls off for the run",
        "batchgen/engine/poller.py",
        "                self._trial_missing, self.result_polls = None, None\n",
        "                self._trial_missing, self.result_polls = None, False\n",
        (
            "tests/engine/test_poller_paths.py::test_a_trial_result_poll_answered_404_by_a_record_that_is_gone_leaves"
            "_the_trial_open",
        ),
    ),
    Plant(
        "a record the poller found gone sooner than configured is not told to the jobs lost after it",
        "batchgen/engine/poller.py",
        "        self.reconciler.records_found_to_last = self.plan.expiry  # what a job lost to it is told\n",
        "",
        (
            "tests/engine/test_poller_units.py::test_a_record_gone_sooner_than_configured_tightens_the_guard_and_says"
            "_so_once",
        ),
    ),
    Plant(
        "a job lost to a record gone sooner than configured is told nothing of the shorter life found",
        "batchgen/engine/recovery.py",
        'sooner = f"; this run found a record gone {_span(found)} after its submit" if found is not None else ""',
        'sooner = ""',
        ("tests/engine/test_recovery.py::test_a_record_gone_without_output_says_why_and_what_to_do",),
    ),
    # --------------------------------------- audits: the command line, kept options, the runner, errors
    Plant(
        "--progress-every defaults to 600 s, not the documented 60: a cron run logs its progress ten times less often",
        "batchgen/cli/arguments.py",
        '        default=60.0,\n        metavar="SECONDS",',
        '        default=600.0,\n        metavar="SECONDS",',
        (
            "tests/cli/test_audit_arguments.py::test_a_run_without_its_logging_flags_logs_text_a_progress_line_a_minu"
            "te_and_to_no_file",
        ),
    ),
    Plant(
        "--time-scale inf / --progress-every inf pass the flag check (only nan is refused as not a usable number)",
        "batchgen/cli/arguments.py",
        'if value != value or value in (float("inf"), float("-inf")):',
        "if value != value:",
        (
            "tests/cli/test_audit_arguments.py::test_a_rate_or_duration_that_is_not_a_finite_number_is_refused_before"
            "_anything_is_sent",
        ),
    ),
    Plant(
        "'batchgen simulate --credits 0' is refused: an account with no credits (every submit 406) cannot be played",
        "batchgen/cli/arguments.py",
        '    if value < 0:\n        raise argparse.ArgumentTypeError(f"must be 0 or more',
        '    if value <= 0:\n        raise argparse.ArgumentTypeError(f"must be 0 or more',
        ("tests/cli/test_audit_arguments.py::test_the_simulator_starts_an_account_with_no_credits_when_told_zero",),
    ),
    Plant(
        "--log-format defaults to json: the plain run's summary and resume line come out as JSON objects",
        "batchgen/cli/arguments.py",
        'choices=("text", "json"), default="text"',
        'choices=("text", "json"), default="json"',
        (
            "tests/cli/test_options.py::test_a_capped_run_resumed_with_a_bare_command_stays_under_its_cap",
            "tests/cli/test_audit_arguments.py::test_a_run_without_its_logging_flags_logs_text_a_progress_line_a_minu"
            "te_and_to_no_file",
        ),
    ),
    Plant(
        "the simulator refuses an uncovered submit with 402 by default, not the documented 406",
        "batchgen/cli/arguments.py",
        "        default=406,\n",
        "        default=402,\n",
        ("tests/cli/test_audit_arguments.py::test_the_simulator_without_flags_plays_the_documented_account",),
    ),
    Plant(
        "an --out or --log-file of blanks passes the not-empty check",
        "batchgen/cli/arguments.py",
        "    if not text.strip():",
        "    if not text:",
        ("tests/e2e/test_bad_input.py::test_a_bad_flag_value_is_refused",),
    ),
    Plant(
        "the simulator's request records live 600 s by default, not the documented 3600",
        "batchgen/cli/arguments.py",
        'default=3600.0, help="seconds a request record lives',
        'default=600.0, help="seconds a request record lives',
        ("tests/cli/test_audit_arguments.py::test_the_simulator_without_flags_plays_the_documented_account",),
    ),
    Plant(
        "status says a kept manifest that no longer reads has one more problem than it has ('and 2 more' for two)",
        "batchgen/cli/options.py",
        'more = f" (and {len(problems) - 1} more)"',
        'more = f" (and {len(problems)} more)"',
        (
            "tests/cli/test_audit_options.py::test_status_names_the_first_problem_of_a_kept_manifest_and_counts_the_o"
            "thers_truly",
        ),
    ),
    Plant(
        "a shard's run takes up the folder's options, not its own (one shard's cap and --rpm share become another's)",
        "batchgen/cli/options.py",
        '    shard = parse_shard(args.shard, count=args.shards).name if getattr(args, "shard", None) else ""\n',
        '    shard = ""\n',
        (
            "tests/cli/test_audit_options.py::test_each_shard_resumes_under_its_own_kept_cap_and_pace_never_another_s"
            "hards",
        ),
    ),
    Plant(
        "status --manifest FILE with FILE not there is silently ignored: the folder is told finished, exit 0",
        "batchgen/cli/options.py",
        "    if not path or (given is None and not Path(path).is_file()):",
        "    if not path or not Path(path).is_file():",
        ("tests/cli/test_audit_options.py::test_status_given_a_manifest_that_is_not_there_says_so_and_exits_2",),
    ),
    Plant(
        "a BATCHGEN_* variable beats the same option given on the command line",
        "batchgen/cli/options.py",
        "        if given.get(name) is None:\n            given[name] = value",
        "        if True:\n            given[name] = value",
        (
            "tests/cli/test_options_kept.py::test_the_command_line_beats_the_environment_and_a_simulation_named_now_k"
            "eeps_its_kept_pace",
        ),
    ),
    Plant(
        "--retry-failed and --resubmit-lost swapped on their way to the run: the failed jobs are not sent again",
        "batchgen/cli/runner.py",
        "                resubmit_lost=resubmit_lost,\n                retry_failed=retry_failed,",
        "                resubmit_lost=retry_failed,\n                retry_failed=resubmit_lost,",
        ("tests/cli/test_logs.py::test_a_cron_run_leaves_its_summary_and_exit_code_in_the_log_file",),
    ),
    Plant(
        "--verify-files never reaches the run: a same-size tampered video is trusted",
        "batchgen/cli/runner.py",
        "                verify_files=verify_files,",
        "                verify_files=False,",
        ("tests/e2e/test_crash.py::test_a_same_size_tampered_video_is_caught_by_verify_files",),
    ),
    Plant(
        "--adopt-key never reaches the account check: a folder of another account's key cannot be adopted",
        "batchgen/cli/runner.py",
        "adopt=adopt_key,",
        "adopt=False,",
        (
            "tests/e2e/test_api_worlds.py::test_adopting_a_folder_under_another_accounts_key_never_resubmits_its_jobs"
            "_silently",
        ),
    ),
    Plant(
        "a sharded run writes report.html, index.parquet and pace.jsonl into its shard as if it were the folder",
        "batchgen/cli/runner.py",
        "isinstance(out, OutputDir) and shard is None and settings.report.enabled",
        "isinstance(out, OutputDir) and settings.report.enabled",
        ("tests/cli/test_audit_runner.py::test_a_sharded_run_writes_no_report_in_its_shard_or_its_folder",),
    ),
    Plant(
        "with the report on, the run's events never reach the CLI (no progress, no warnings logged)",
        "batchgen/cli/runner.py",
        "        if on_event is not None:\n            on_event(event, job)",
        "        pass",
        ("tests/cli/test_logs.py::test_a_quiet_run_logs_its_summary_and_errors_alone",),
    ),
    Plant(
        "a second SIGINT/SIGTERM while the run stops does not exit at once",
        "batchgen/cli/runner.py",
        "    def again() -> None:\n        if on_second_signal is not None:\n            on_second_signal()\n",
        "    def again() -> None:\n",
        ("tests/cli/test_audit_runner.py::test_a_first_signal_stops_the_run_cleanly_and_a_second_one_exits_at_once",),
    ),
    Plant(
        "a report failing at the end with anything but an OSError crashes the run (a traceback, no summary or exit)",
        "batchgen/cli/runner.py",
        "                except Exception as exc:  # a report is a by-product",
        "                except OSError as exc:  # a report is a by-product",
        (
            "tests/cli/test_audit_runner.py::test_a_report_that_fails_at_the_end_is_told_and_the_run_keeps_its_exit_c"
            "ode",
        ),
    ),
    Plant(
        "--replace-changed into an object store is not refused: changed rows are sent again with nothing set aside",
        "batchgen/cli/runner.py",
        "        if changes and not isinstance(opened.ledger, Ledger):\n",
        "        if False:\n",
        (
            "tests/cli/test_audit_runner.py::test_replace_changed_into_an_object_store_is_refused_before_anything_is_"
            "sent",
        ),
    ),
    Plant(
        "a first signal stops the run as if credits ran out (exit 3, not 130)",
        "batchgen/cli/runner.py",
        "        run.request_stop(StopReason.INTERRUPTED)\n",
        "        run.request_stop(StopReason.CREDITS)\n",
        ("tests/cli/test_audit_runner.py::test_a_first_signal_stops_the_run_cleanly_and_a_second_one_exits_at_once",),
    ),
    Plant(
        "a results table that cannot be written is told as the ledger that could not be written",
        "batchgen/cli/runner.py",
        '                    f"could not write {out.results} (',
        '                    f"could not write {out.ledger} (',
        (
            "tests/e2e/test_promises_output.py::test_a_results_table_that_cannot_be_written_is_told_and_the_paid_vide"
            "os_and_exit_code_stand",
        ),
    ),
    Plant(
        "a folder of another account's key stops the run with exit 1, not 2 (AccountChanged no longer an InputError)",
        "batchgen/errors.py",
        "class AccountChanged(InputError):",
        "class AccountChanged(BatchgenError):",
        ("tests/e2e/test_api_worlds.py::test_a_revoked_key_stops_the_run_and_the_same_accounts_new_key_finishes_it",),
    ),
    Plant(
        "a manifest's problems listed once for an images block are also counted as 'not shown'",
        "batchgen/errors.py",
        "if (hidden := count - len(problems) - repeats) > 0:",
        "if (hidden := count - len(problems)) > 0:",
        (
            "tests/test_manifest_edges.py::test_the_same_problem_of_every_job_of_an_images_block_is_listed_once_and_t"
            "old_as_the_same",
        ),
    ),
    Plant(
        "a manifest error counts only the problems it lists, not every one found",
        "batchgen/errors.py",
        "        count = max(total or 0, len(problems))",
        "        count = len(problems)",
        (
            "tests/test_manifest_edges.py::test_the_same_problem_of_every_job_of_an_images_block_is_listed_once_and_t"
            "old_as_the_same",
        ),
    ),
    Plant(
        "the ledger's record of an API error leaves out its HTTP status",
        "batchgen/errors.py",
        '        if self.status is not None:\n            record["http"] = self.status\n',
        "",
        (
            "tests/engine/test_submitter_outcomes.py::test_an_unknown_submit_found_in_the_history_is_attached_and_car"
            "ries_no_error_from_then_on",
        ),
    ),
    Plant(
        "the ledger's record of an error without a detail of its own says nothing of what happened (detail null)",
        "batchgen/errors.py",
        'record["detail"] = self.detail if self.detail is not None else str(self)',
        'record["detail"] = self.detail',
        (
            "tests/test_audit_errors.py::test_the_ledgers_record_of_an_error_keeps_its_http_status_and_says_what_happ"
            "ened",
        ),
    ),
    Plant(
        "a 429 carries no HTTP status: its ledger record and the history's spell message say 'no answer'",
        "batchgen/errors.py",
        "super().__init__(message, status=429, detail=detail)",
        "super().__init__(message, detail=detail)",
        (
            "tests/test_audit_errors.py::test_the_ledgers_record_of_an_error_keeps_its_http_status_and_says_what_happ"
            "ened",
        ),
    ),
    Plant(
        "a held lock does not say which process holds it",
        "batchgen/errors.py",
        "        super().__init__(message)\n        self.pid = pid",
        "        super().__init__(message)\n        self.pid = None",
        ("tests/store/test_lease.py::test_a_held_lease_refuses_another_run_and_says_who_holds_it_for_how_long",),
    ),
    Plant(
        "every download error is taken for a video gone from the server (written lost, not tried again)",
        "batchgen/errors.py",
        "        self, message: str, *, retryable: bool = True, gone: bool = False, not_mp4",
        "        self, message: str, *, retryable: bool = True, gone: bool = True, not_mp4",
        ("tests/engine/test_downloader_units.py::test_a_failed_download_keeps_the_link_it_tried_for_the_next_run",),
    ),
    Plant(
        "a manifest error no longer says nothing was submitted",
        "batchgen/errors.py",
        "problem{'s' if count != 1 else ''}; nothing was submitted\"\n        listed",
        "problem{'s' if count != 1 else ''}\"\n        listed",
        ("tests/test_manifest.py::test_bad_manifests_name_file_line_and_field",),
    ),
    Plant(
        "a problem's field is not quoted or labelled (m.yaml:4: mode: ...)",
        "batchgen/errors.py",
        "            where += f\": field '{self.field}'\"",
        '            where += f": {self.field}"',
        ("tests/test_manifest.py::test_an_unknown_model_is_an_error_with_the_closest_name",),
    ),
    Plant(
        "every network failure is taken to have reached the server: a submit surely never arrived is looked up",
        "batchgen/errors.py",
        "        super().__init__(message)\n        self.reached_server = reached_server",
        "        super().__init__(message)\n        self.reached_server = True",
        (
            "tests/engine/test_submitter_outcomes.py::test_an_api_out_of_reach_leaves_a_submit_that_never_arrived_pen"
            "ding_and_one_that_may_have_submitting",
        ),
    ),
    Plant(
        "a request not in the history as asked (SpelledOtherwise) is no longer a NotFound to those that handle one",
        "batchgen/errors.py",
        "class SpelledOtherwise(NotFound):",
        "class SpelledOtherwise(PermanentError):",
        ("tests/api/test_worlds_answers.py::test_jobs_belong_to_the_account_of_the_key_that_made_them",),
    ),
    Plant(
        "the run never checks whose account the folder's jobs in flight belong to (another key's are resumed blind)",
        "batchgen/cli/runner.py",
        "            if check_account:\n",
        "            if False:\n",
        ("tests/e2e/test_api_worlds.py::test_a_revoked_key_stops_the_run_and_the_same_accounts_new_key_finishes_it",),
    ),
    Plant(
        "the results table is written from the ledger as the run began, not as it ended",
        "batchgen/cli/runner.py",
        "                await opened.write_results(final)",
        "                await opened.write_results(replay.jobs)",
        ("tests/e2e/test_run.py::test_quick_start_example_with_simulate",),
    ),
    Plant(
        "the run's API client never gets api.request_timeout_s: every call waits the default 30 s whatever is set",
        "batchgen/cli/runner.py",
        "            request_timeout_s=api.request_timeout_s,\n",
        "",
        ("tests/cli/test_audit_runner.py::test_the_configs_api_section_reaches_the_client_the_run_calls_with",),
    ),
    Plant(
        "the run's API client never gets api.key_env: a refused key is told as $SEGMIND_API_KEY's (one replaced)",
        "batchgen/cli/runner.py",
        "            key_env=api.key_env,\n",
        "",
        (
            "tests/cli/test_audit_runner.py::test_a_refused_key_is_told_by_the_variable_the_config_names",
            "tests/cli/test_audit_runner.py::test_the_configs_api_section_reaches_the_client_the_run_calls_with",
        ),
    ),
    Plant(
        "a bad value kept in OUT/.batchgen/options.json is blamed on its flag, one the operator never gave",
        "batchgen/config.py",
        "origin[section, key] = (origins or {}).get((section, key)) or flag",
        "origin[section, key] = flag",
        (
            "tests/cli/test_audit_options.py::test_a_bad_value_kept_with_the_folder_is_blamed_on_the_options_file_not"
            "_on_a_flag_never_given",
        ),
    ),
    # --------------------------------------- audits: manifests, the YAML reader, job states, model specs
    Plant(
        "a done row now of another model whose image is gone is taken as the job made: it goes on without its image",
        "batchgen/manifest.py",
        '        if rec is None or rec.get("state") not in settled or rec.get("model") != model:',
        '        if rec is None or rec.get("state") not in settled:',
        (
            "tests/test_audit_manifest.py::"
            "test_a_row_whose_job_the_folder_made_with_another_model_still_needs_its_image",
        ),
    ),
    Plant(
        "a done row that now names another, missing image is taken as the old job (a typo'd path goes unsaid)",
        "batchgen/manifest.py",
        'or value.strip() != ref.get("file"):',
        "or False:",
        (
            "tests/test_audit_manifest.py::"
            "test_a_row_that_now_names_another_image_that_is_not_there_is_an_error_not_the_old_job",
        ),
    ),
    Plant(
        "a repeated row whose jobs the folder made from different images is taken as done when its image is gone",
        "batchgen/manifest.py",
        '        if recorded is not None and {k: r["sha256"] for k, (_, r) in refs.items()} != {',
        '        if False and {k: r["sha256"] for k, (_, r) in refs.items()} != {',
        (
            "tests/test_audit_manifest.py::"
            "test_a_repeated_row_whose_jobs_the_folder_made_from_different_images_still_needs_its_image",
        ),
    ),
    Plant(
        "a YAML key that reads as a boolean or number (yes, 1.50, ~) becomes True, 1.5, None: sent under another name",
        "batchgen/yaml_reader.py",
        "            text = str(event.value) if isinstance(event, yaml.ScalarEvent) else str(value)",
        "            text = str(value)",
        (
            "tests/test_audit_yaml_reader.py::"
            "test_a_key_that_reads_as_a_boolean_number_or_null_stays_the_text_it_was_written_as",
        ),
    ),
    Plant(
        "'batchgen models NAME' gives an image's largest side as its smallest (at least 4000 px a side)",
        "batchgen/models/spec.py",
        '            parts.append(f"at least {self.min_side_px} px a side")',
        '            parts.append(f"at least {self.max_side_px} px a side")',
        (
            "tests/models/test_audit_spec.py::"
            "test_an_images_smallest_and_largest_side_are_each_listed_as_the_spec_limits_them",
        ),
    ),
    Plant(
        "a rule's listing says it needs the parameters it refuses",
        "batchgen/models/spec.py",
        '            parts.append("refuses " + ", ".join(self.absent))',
        '            parts.append("needs " + ", ".join(self.absent))',
        (
            "tests/models/test_audit_spec.py::"
            "test_a_rule_is_listed_with_each_value_it_takes_what_it_needs_what_it_refuses_and_its_one_of",
        ),
    ),
    Plant(
        "a rule's listing joins the values it takes with 'and' (mode is 'std' and 'pro'), though any one sets it off",
        "batchgen/models/spec.py",
        '    return " or ".join(_show(v) for v in values)',
        '    return " and ".join(_show(v) for v in values)',
        (
            "tests/models/test_audit_spec.py::"
            "test_a_rule_is_listed_with_each_value_it_takes_what_it_needs_what_it_refuses_and_its_one_of",
        ),
    ),
    Plant(
        "a list parameter of no item type is listed as a 'list of None'",
        "batchgen/models/spec.py",
        "            parts = [f\"list of {self.items or 'string'}\"]",
        '            parts = [f"list of {self.items}"]',
        ("tests/models/test_audit_spec.py::test_a_list_that_names_no_item_type_is_listed_as_a_list_of_text",),
    ),
    Plant(
        "a list's limit on each item's length is left out of its listing",
        "batchgen/models/spec.py",
        '                parts.append(f"each at most {self.item_max_length} characters")',
        "                pass",
        ("tests/models/test_audit_spec.py::test_a_lists_limit_on_each_items_length_is_listed",),
    ),
    Plant(
        "an image field's formats are always listed as jpeg/png: a field that takes webp is said to refuse it",
        "batchgen/models/spec.py",
        "URL or data: URI ({'/'.join(self.formats) or 'jpeg/png'})",
        "URL or data: URI ({'jpeg/png'})",
        ("tests/models/test_audit_spec.py::test_an_image_field_that_takes_webp_is_listed_with_every_format_it_takes",),
    ),
    Plant(
        "repeat: 1000, the documented most, is refused",
        "batchgen/manifest.py",
        "not 1 <= value <= MAX_REPEAT:",
        "not 1 <= value < MAX_REPEAT:",
        ("tests/test_manifest_forms.py::test_bad_ids_repeats_and_reused_ids_are_named",),
    ),
    Plant(
        "meta.NAME annotations are kept in the job's parameters: sent to the API and part of its identity",
        "batchgen/manifest.py",
        "        meta = {k[len(META) :]: str(fields.pop(k))",
        "        meta = {k[len(META) :]: str(fields.get(k))",
        (
            "tests/test_manifest_forms.py::"
            "test_a_csv_takes_its_model_from_a_comment_and_repeats_rows_with_their_annotations",
        ),
    ),
    Plant(
        "a misspelt top-level key (tasks:, default:) is dropped in silence",
        "batchgen/manifest.py",
        '            bad.add(root.key_lines[key], key, f"unknown top-level key; use {known}")',
        "            pass",
        ("tests/test_manifest_forms.py::test_yaml_problems_in_full",),
    ),
    Plant(
        "a CSV cell with a stray quote is read loosely: its row runs into the next rows in silence",
        "batchgen/manifest.py",
        '    reader = csv.reader(io.StringIO(text, newline=""), strict=True)',
        '    reader = csv.reader(io.StringIO(text, newline=""))',
        ("tests/test_manifest_forms.py::test_csv_problems_in_full",),
    ),
    Plant(
        "a default of false (kling-2.6's generate_audio) is left out: a silent job is priced at the dearest row",
        "batchgen/models/spec.py",
        "if p.default is not None}",
        "if p.default}",
        (
            "tests/models/test_price_edges.py::"
            "test_a_checked_job_is_priced_by_its_row_though_its_duration_goes_on_the_wire_as_text",
        ),
    ),
    Plant(
        "a published range's lower end is taken as the highest price: unpriced jobs estimated low (spend cap passed)",
        "batchgen/models/spec.py",
        "            known.append(self.range[1])",
        "            known.append(self.range[0])",
        ("tests/test_params.py::test_a_combination_the_page_does_not_price_counts_at_the_highest_price_and_says_so",),
    ),
    Plant(
        "a derived id hashes non-ASCII text escaped: each non-English row of an old folder gets a new id (paid again)",
        "batchgen/jobs.py",
        'separators=(",", ":"), ensure_ascii=False)',
        'separators=(",", ":"))',
        ("tests/test_manifest.py::test_a_derived_id_is_the_same_from_one_batchgen_to_the_next",),
    ),
    Plant(
        "deferred jobs count as unfinished: a folder of jobs held back by a stop is judged as one still at work",
        "batchgen/jobs.py",
        "UNFINISHED = IN_FLIGHT | {JobState.PENDING}",
        "UNFINISHED = IN_FLIGHT | {JobState.PENDING, JobState.DEFERRED}",
        ("tests/report/test_exits.py::test_a_folder_without_a_kept_verdict_is_judged_from_its_jobs",),
    ),
    Plant(
        "a completed job whose video is gone may not go back to downloading: the re-run that fetches it crashes",
        "batchgen/jobs.py",
        "    JobState.COMPLETED: frozenset({JobState.DOWNLOADING, JobState.SUBMITTING, JobState.PENDING}),",
        "    JobState.COMPLETED: frozenset({JobState.SUBMITTING, JobState.PENDING}),",
        ("tests/e2e/test_crash.py::test_a_lost_video_is_fetched_again_without_resubmitting",),
    ),
    Plant(
        "a local image of a base64 field goes inline as a data: URI and one of a URL field as bare base64",
        "batchgen/models/spec.py",
        '        return "base64" if self.wire == "base64" else "data_uri"',
        '        return "data_uri" if self.wire == "base64" else "base64"',
        (
            "tests/models/test_catalogue.py::"
            "test_an_image_fields_inline_form_is_checked_and_defaults_from_its_wire_form",
        ),
    ),
    Plant(
        "jobs made and left unfetched at the end are not told apart from the spend (it reads as all that was charged)",
        "batchgen/report/summary.py",
        "    if report.uncounted:\n",
        "    if False:\n",
        (
            "tests/e2e/test_told_status.py::test_jobs_made_and_left_unfetched_are_told_apart_from_the_spend_with_what"
            "_they_will_cost",
        ),
    ),
    Plant(
        "the jobs left unfetched that the summary tells apart include those whose cost an answer reported",
        "batchgen/engine/run.py",
        "job.request_id and job.cost is None and job.state in UNFETCHED]",
        "job.request_id and job.state in (*UNFETCHED, JobState.COMPLETED)]",
        (
            "tests/e2e/test_told_status.py::test_jobs_made_and_left_unfetched_are_told_apart_from_the_spend_with_what"
            "_they_will_cost",
        ),
    ),
    Plant(
        "status counts jobs made and left unfetched as nothing beside the spend",
        "batchgen/report/summary.py",
        'if rec.get("state") in UNFETCHED and rec.get("request_id") and charged(rec) is None',
        'if rec.get("state") in ("completed",) and rec.get("request_id") and charged(rec) is None',
        (
            "tests/e2e/test_told_status.py::test_jobs_made_and_left_unfetched_are_told_apart_from_the_spend_with_what"
            "_they_will_cost",
        ),
    ),
    # --------------------------------------- audits: the report's axis, charts, timeline, index and summary
    Plant(
        "a job that finished as a run ended is drawn across the cut, at the next run's start",
        "batchgen/report/axis.py",
        "        if t <= seg.end:",
        "        if t < seg.end:",
        ("tests/report/test_audit_axis.py::test_the_last_moment_of_a_run_is_drawn_at_its_end_not_across_the_cut",),
    ),
    Plant(
        "a moment in the idle gap between runs is drawn at the end of the run before, not at the next one's start",
        "batchgen/report/axis.py",
        "            return self.segments[i + 1].offset",
        "            return seg.offset + seg.length",
        (
            "tests/report/test_audit_axis.py::test_a_moment_in_the_idle_gap_between_runs_is_drawn_at_the_start_of_the"
            "_next_run",
        ),
    ),
    Plant(
        "the charts' axis counts real seconds, not the run's own clock (--simulate's scale dropped)",
        "batchgen/report/axis.py",
        "return seg.offset + (t - seg.start) * seg.scale",
        "return seg.offset + (t - seg.start)",
        ("tests/report/test_audit_axis.py::test_inside_a_run_time_is_counted_on_the_runs_own_clock",),
    ),
    Plant(
        "the charts' axis label counts one idle gap more than it cut",
        "batchgen/report/axis.py",
        "{len(self.segments) - 1} idle gap(s)",
        "{len(self.segments)} idle gap(s)",
        ("tests/report/test_report_truth.py::test_charts_of_a_resumed_folder_share_one_run_time_axis_with_gaps_cut",),
    ),
    Plant(
        "a run without a pace file is cut into runs wherever its lines span more than the idle gap",
        "batchgen/report/axis.py",
        "if loose and t - loose[-1][1] <= IDLE_GAP_S:",
        "if loose and t - loose[-1][0] <= IDLE_GAP_S:",
        ("tests/report/test_audit_axis.py::test_ledger_moments_never_further_apart_than_the_idle_gap_make_one_run",),
    ),
    Plant(
        "a shard's run inside another's span cuts the stretch they make short",
        "batchgen/report/axis.py",
        "                merged[-1][1] = max(merged[-1][1], b)",
        "                merged[-1][1] = b",
        (
            "tests/report/test_audit_axis.py::test_a_shorter_run_inside_a_longer_one_does_not_shorten_the_stretch_the"
            "y_make",
        ),
    ),
    Plant(
        "a sampled gantt says it shows every job",
        "batchgen/report/charts.py",
        'ax.set_ylabel(f"{len(shown)} of {len(timed)} jobs" if len(shown) < len(timed) else f"{len(timed)} jobs")',
        'ax.set_ylabel(f"{len(shown)} jobs")',
        ("tests/report/test_audit_charts.py::test_a_sampled_gantt_says_how_many_of_the_jobs_it_shows",),
    ),
    Plant(
        "the requests chart counts 429s as the running totals summed",
        "batchgen/report/charts.py",
        "marks.append((b.t, rate, b.throttled - a.throttled))",
        "marks.append((b.t, rate, b.throttled))",
        (
            "tests/report/test_audit_charts.py::test_the_429_count_on_the_requests_chart_is_the_429s_answered_not_the"
            "_running_totals_summed",
        ),
    ),
    Plant(
        "an expired job is not marked on the gantt",
        "batchgen/report/charts.py",
        '        if row.state in ("failed", "expired") and row.updated_at is not None:',
        '        if row.state == "failed" and row.updated_at is not None:',
        ("tests/report/test_audit_charts.py::test_an_expired_job_is_marked_on_the_gantt_as_a_failed_one_is",),
    ),
    Plant(
        "a failed job's bar runs to the end of the chart, not to when it failed",
        "batchgen/report/charts.py",
        'done = row.detected_at or (row.updated_at if row.state in ("failed", "expired") else None) or end',
        "done = row.detected_at or end",
        ("tests/report/test_audit_charts.py::test_a_failed_jobs_bar_ends_where_it_failed_not_at_the_end_of_the_chart",),
    ),
    Plant(
        "the spend chart draws each video's cost, not the cumulative spend",
        "batchgen/report/charts.py",
        "        total += cost or 0.0",
        "        total = cost or 0.0",
        ("tests/report/test_audit_charts.py::test_the_spend_chart_climbs_to_the_whole_spend_of_the_videos_made",),
    ),
    Plant(
        "the requests chart takes a later run's reset counters for a rate across the idle gap",
        "batchgen/report/charts.py",
        "        if a.run != b.run or b.t <= a.t:",
        "        if b.t <= a.t:",
        ("tests/report/test_report.py::test_request_rates_are_per_minute_of_run_time_with_429s_marked",),
    ),
    Plant(
        "the report leaves out what a job made anew paid before",
        "batchgen/report/timeline.py",
        '        row.paid_before = _number(record.get("paid_before")) or 0.0',
        "        row.paid_before = 0.0",
        ("tests/report/test_report.py::test_the_pages_spend_is_every_charge_the_ledger_holds_as_status_says",),
    ),
    Plant(
        "processing_at is taken as the moment the result was seen, not the server's queue time",
        "batchgen/report/timeline.py",
        '        row.processing_at = parse_time(record.get("processing_at"))',
        "        row.processing_at = at",
        ("tests/report/test_report.py::test_timings_are_those_of_the_attempt_that_counts",),
    ),
    Plant(
        "a job made anew keeps its earlier attempt's processing time",
        "batchgen/report/timeline.py",
        "    row.queued_at = row.processing_at = row.detected_at = row.downloaded_at = None",
        "    row.queued_at = row.detected_at = row.downloaded_at = None",
        ("tests/report/test_report.py::test_a_job_made_anew_keeps_no_timing_of_its_earlier_attempt",),
    ),
    Plant(
        "a manifest row the ledger recorded is counted as never submitted",
        "batchgen/report/timeline.py",
        "    row.recorded = True",
        "    pass",
        (
            "tests/report/test_report.py::test_a_run_stopped_before_it_sent_every_row_counts_in_the_ledger_only_the_l"
            "edgers_jobs",
        ),
    ),
    Plant(
        "the report lists a job held back by its changed image among the deferred",
        "batchgen/report/timeline.py",
        "        row.held = held_back(record)",
        "        row.held = False",
        (
            "tests/report/test_report.py::test_a_job_a_re_run_cannot_settle_and_one_held_back_for_its_image_are_told_"
            "apart_from_deferred_ones",
        ),
    ),
    Plant(
        "'batchgen report' with only the manifest's ids calls every job outside the manifest",
        "batchgen/report/timeline.py",
        "        row.outside = wanted is not None and job_id not in wanted",
        "        row.outside = wanted is not None and job_id not in given",
        (
            "tests/report/test_audit_timeline.py::test_a_report_given_only_the_manifests_ids_marks_outside_only_the_j"
            "obs_whose_rows_are_gone",
        ),
    ),
    Plant(
        "index.parquet's timestamps cut to the whole second",
        "batchgen/report/index.py",
        "    return None if epoch is None else round(epoch * 1000)",
        "    return None if epoch is None else int(epoch) * 1000",
        ("tests/report/test_promises_units.py::test_every_column_of_a_completed_job",),
    ),
    Plant(
        "index.parquet swaps media_width and media_height",
        "batchgen/report/index.py",
        '"media_width": media.width if media else None,\n            "media_height": media.height if media else None,',
        '"media_width": media.height if media else None,\n            "media_height": media.width if media else None,',
        ("tests/report/test_promises_units.py::test_every_column_of_a_completed_job",),
    ),
    Plant(
        "index.parquet gives each warning's kind as its detail",
        "batchgen/report/index.py",
        '"warnings": [{"kind": w.get("kind"), "detail": w.get("detail")} for w in row.warnings],',
        '"warnings": [{"kind": w.get("kind"), "detail": w.get("kind")} for w in row.warnings],',
        ("tests/report/test_promises_units.py::test_every_column_of_a_completed_job",),
    ),
    Plant(
        "index.parquet leaves an integer parameter written as 10.0 empty",
        "batchgen/report/index.py",
        "    if isinstance(value, float) and value.is_integer():\n        return int(value)\n",
        "",
        ("tests/report/test_promises_units.py::test_integer_columns_take_only_what_is_an_integer",),
    ),
    Plant(
        "index.parquet's params_json holds the model's defaults, not the parameters as sent",
        "batchgen/report/index.py",
        '"params_json": json.dumps(row.params, sort_keys=True, ensure_ascii=False) if row.params else None,',
        '"params_json": json.dumps(p, sort_keys=True, ensure_ascii=False) if row.params else None,',
        (
            "tests/report/test_promises_units.py::test_what_the_job_asked_for_wins_over_the_models_defaults_and_defau"
            "lts_fill_only_the_gaps",
        ),
    ),
    Plant(
        "index.parquet's input_image names the job's video, not its input image",
        "batchgen/report/index.py",
        '"input_image": _text(image["file"]) if image else None,',
        '"input_image": _text(row.file) if image else None,',
        ("tests/e2e/test_images.py::test_a_folder_of_20_images_lists_every_bad_one_then_makes_the_good_ones",),
    ),
    Plant(
        "the reasons past the eighth are counted one short (the ninth neither listed nor counted)",
        "batchgen/report/summary.py",
        "    if rest := groups[8:]:",
        "    if rest := groups[9:]:",
        (
            "tests/report/test_summary_lines.py::test_more_than_eight_reasons_show_the_eight_most_frequent_and_count_"
            "the_jobs_of_the_rest",
        ),
    ),
    Plant(
        "status counts a video's warnings, not the videos kept with warnings",
        "batchgen/report/summary.py",
        '            kinds = {w.get("kind") for w in rec.get("warnings") or [] if isinstance(w, dict)}',
        '            kinds = [w.get("kind") for w in rec.get("warnings") or [] if isinstance(w, dict)]',
        ("tests/report/test_audit_summary.py::test_a_video_kept_with_two_warnings_of_one_kind_counts_once",),
    ),
    Plant(
        "the progress line leaves submits of unknown outcome out of the jobs in flight",
        "batchgen/report/summary.py",
        "f\"{states.get('submitted', 0) + states.get('submitting', 0)} in flight\",",
        "f\"{states.get('submitted', 0)} in flight\",",
        (
            "tests/report/test_summary_lines.py::test_the_progress_line_counts_what_is_in_flight_the_pace_and_why_it_"
            "waits",
        ),
    ),
    Plant(
        "the dry run's time estimate drops the last partial wave of jobs",
        "batchgen/report/summary.py",
        "    waves = math.ceil(len(jobs) / settings.limits.concurrency)",
        "    waves = len(jobs) // settings.limits.concurrency",
        (
            "tests/report/test_summary_lines.py::test_the_plan_counts_what_is_left_to_do_what_it_costs_and_how_long_i"
            "t_takes",
        ),
    ),
    Plant(
        "status calls a folder with no job recorded finished",
        "batchgen/report/summary.py",
        'finished = states.get("completed", 0) == total and bool(jobs) and not unseen',
        'finished = states.get("completed", 0) == total and not unseen',
        ("tests/report/test_audit_summary.py::test_a_folder_with_no_job_recorded_is_not_called_finished",),
    ),
    Plant(
        "failure reasons are listed least frequent first",
        "batchgen/report/summary.py",
        "    ranked = sorted(by_reason.items(), key=lambda item: -len(item[1]))",
        "    ranked = sorted(by_reason.items(), key=lambda item: len(item[1]))",
        (
            "tests/report/test_summary_lines.py::test_the_summary_of_a_run_out_of_credits_says_everything_and_how_to_"
            "go_on",
        ),
    ),
    Plant(
        "the summary leaves submits of unknown outcome out of the jobs submitted now",
        "batchgen/report/summary.py",
        "    sent = report.submitted + report.unsettled\n",
        "    sent = report.submitted\n",
        (
            "tests/report/test_summary_lines.py::test_submits_of_unknown_outcome_count_as_sent_and_are_told_apart_fro"
            "m_failures",
        ),
    ),
    Plant(
        "submits of unknown outcome all from earlier runs are said to be '0 sent now'",
        "batchgen/report/summary.py",
        '    mixed = f" ({now} sent now)" if 0 < now < unknown else ""',
        '    mixed = f" ({now} sent now)" if now < unknown else ""',
        (
            "tests/report/test_summary_lines.py::test_submits_of_unknown_outcome_count_as_sent_and_are_told_apart_fro"
            "m_failures",
        ),
    ),
    Plant(
        "status says every job outside the manifest is in flight and fetched by the next run",
        "batchgen/report/summary.py",
        "        fetched = sum(1 for job_id, rec in replay.jobs.items() if job_id not in jobs and fetchable(rec))",
        "        fetched = sum(1 for job_id, rec in replay.jobs.items() if job_id not in jobs)",
        ("tests/e2e/test_told_status.py::test_status_counts_the_manifest_s_jobs_not_the_rows_removed_from_it",),
    ),
    Plant(
        "a reason's count is that of its examples (three at most)",
        "batchgen/report/summary.py",
        "    return [(reason, len(ids), ids[:3]) for reason, ids in ranked]",
        "    return [(reason, len(ids[:3]), ids[:3]) for reason, ids in ranked]",
        (
            "tests/report/test_summary_lines.py::test_more_than_eight_reasons_show_the_eight_most_frequent_and_count_"
            "the_jobs_of_the_rest",
        ),
    ),
    Plant(
        "the spend chart leaves out what a job made anew paid for its first request",
        "batchgen/report/charts.py",
        "if (spent := (r.cost or 0.0) + r.paid_before) and",
        "if (spent := (r.cost or 0.0)) and",
        (
            "tests/report/test_audit_charts.py::test_the_spend_chart_ends_at_the_spend_the_page_states_a_job_made_ane"
            "w_included",
        ),
    ),
    Plant(
        "the spend chart leaves out a charged job whose video was not fetched",
        "batchgen/report/charts.py",
        "(at := r.downloaded_at or r.detected_at or r.updated_at)",
        "(at := r.downloaded_at)",
        (
            "tests/report/test_audit_charts.py::test_the_spend_chart_ends_at_the_spend_the_page_states_a_job_made_ane"
            "w_included",
        ),
    ),
    Plant(
        "the progress line counts a job lost this run as still to do (its rate and ETA with it)",
        "batchgen/jobs.py",
        "TERMINAL = frozenset({JobState.COMPLETED, JobState.FAILED, JobState.EXPIRED})",
        "TERMINAL = frozenset({JobState.COMPLETED, JobState.FAILED})",
        ("tests/e2e/test_world.py::test_a_record_gone_before_expiry_tightens_the_guard_and_says_so_once",),
    ),
    # --------------------------------------- audits: object stores, MP4 checks, the run's wiring, the Ray driver
    Plant(
        "a video in the way is kept aside under the new video's hash, not its own (two runs' copies collide)",
        "batchgen/store/objects.py",
        'f"{key}.replaced-{found[:8]}"',
        'f"{key}.replaced-{sha256[:8]}"',
        (
            "tests/store/test_audit_objects.py::test_a_different_video_in_the_way_is_kept_under_the_hash_of_its_own_b"
            "ytes",
        ),
    ),
    Plant(
        "an identical video already in the bucket is moved aside and stored again instead of adopted",
        "batchgen/store/objects.py",
        "            if found == sha256:\n                return\n",
        "            if found == sha256 and False:\n                return\n",
        ("tests/store/test_store.py::test_a_video_goes_up_whole_once_and_is_adopted_if_already_there",),
    ),
    Plant(
        "a video in the way is moved aside but never replaced: the store gives up after one conflict",
        "batchgen/store/objects.py",
        "for _ in range(3):",
        "for _ in range(1):",
        ("tests/store/test_store.py::test_a_different_object_in_the_way_is_moved_aside_not_overwritten",),
    ),
    Plant(
        "a batched delete leaves the last key of every thousand behind",
        "batchgen/store/objects.py",
        "keys[start : start + 1000]",
        "keys[start : start + 999]",
        ("tests/store/test_audit_objects.py::test_deleting_more_than_a_thousand_keys_deletes_every_one_and_no_other",),
    ),
    Plant(
        "a batched delete deletes only the first thousand keys",
        "batchgen/store/objects.py",
        "for start in range(0, len(keys), 1000):",
        "for start in range(0, min(len(keys), 1000), 1000):",
        ("tests/store/test_audit_objects.py::test_deleting_more_than_a_thousand_keys_deletes_every_one_and_no_other",),
    ),
    Plant(
        "the shard folders of an object store are named by their parent (ledger) not their own name",
        "batchgen/store/objects.py",
        'p.rstrip("/").rsplit("/", 1)[-1]',
        'p.rstrip("/").rsplit("/", 1)[0]',
        ("tests/store/test_store.py::test_shard_counts_cannot_change_under_one_out",),
    ),
    Plant(
        "an object listing is returned in the store's order, not sorted by key",
        "batchgen/store/objects.py",
        "return sorted(found, key=lambda info: info.key)",
        "return found",
        ("tests/e2e/test_scale.py::test_a_file_url_is_an_object_store_on_local_disk",),
    ),
    Plant(
        "the general AWS_ENDPOINT_URL wins over the S3-specific AWS_ENDPOINT_URL_S3",
        "batchgen/store/objects.py",
        'os.environ.get("AWS_ENDPOINT_URL_S3") or os.environ.get("AWS_ENDPOINT_URL")',
        'os.environ.get("AWS_ENDPOINT_URL") or os.environ.get("AWS_ENDPOINT_URL_S3")',
        ("tests/store/test_audit_objects.py::test_an_s3_specific_endpoint_wins_over_the_general_one",),
    ),
    Plant(
        "a passing store fault during a video's PUT stops the run instead of a retried download",
        "batchgen/store/objects.py",
        "            except StoreUnavailable as exc:  # the download",
        "            except KeyError as exc:  # the download",
        ("tests/store/test_store.py::test_a_video_that_cannot_be_stored_yet_is_a_retryable_download_error",),
    ),
    Plant(
        "an unwritable spool is told without the setting to change (output.spool_dir)",
        "batchgen/store/objects.py",
        "some space in output.spool_dir and run",
        "some space and run",
        (
            "tests/store/test_audit_objects.py::test_a_spool_folder_that_cannot_be_written_names_the_job_and_the_sett"
            "ing_to_change",
        ),
    ),
    Plant(
        "a spool folder that cannot be made is told without what to set",
        "batchgen/store/objects.py",
        '"({exc.strerror or exc}); set output.spool_dir to a writable folder"',
        '"({exc.strerror or exc})"',
        ("tests/store/test_audit_objects.py::test_a_spool_folder_that_cannot_be_made_says_which_setting_to_change",),
    ),
    Plant(
        "a video's spool copy stays after its sidecar is written",
        "batchgen/store/objects.py",
        "        spooled = self._spooled.pop(str(video), None)",
        "        spooled = self._spooled.get('', None)",
        ("tests/store/test_store.py::test_a_video_goes_up_whole_once_and_is_adopted_if_already_there",),
    ),
    Plant(
        "an earlier attempt's spool copy is kept beside the new one",
        "batchgen/store/objects.py",
        "        earlier = self._spooled.pop(str(dest), None)",
        "        earlier = None",
        ("tests/store/test_store.py::test_a_video_goes_up_whole_once_and_is_adopted_if_already_there",),
    ),
    Plant(
        "an upper-case S3:// out is taken for a local folder",
        "batchgen/store/objects.py",
        "out.lower().startswith(SCHEMES)",
        "out.startswith(SCHEMES)",
        ("tests/store/test_audit_objects.py::test_an_object_store_out_is_recognised_whatever_the_case_of_its_scheme",),
    ),
    Plant(
        "an object-store sidecar is written as <id>.mp4.json, not <id>.json",
        "batchgen/store/objects.py",
        'return video.with_suffix(".json")',
        'return video.with_name(video.name + ".json")',
        ("tests/e2e/test_scale.py::test_a_run_into_s3_completes_with_every_video_verified_in_the_bucket",),
    ),
    Plant(
        "a store error is told with the whole multi-line response body",
        "batchgen/store/objects.py",
        "str(exc).strip().splitlines()[0][:300]",
        "str(exc).strip()",
        (
            "tests/store/test_audit_objects.py::test_a_store_error_is_told_on_one_short_line_naming_the_object_and_wh"
            "at_to_do",
        ),
    ),
    Plant(
        "a video of exactly output.max_download_bytes is refused",
        "batchgen/store/mp4.py",
        "if size > max_bytes:",
        "if size >= max_bytes:",
        ("tests/store/test_storage.py::test_a_saved_video_is_verified_hashed_and_renamed_into_place",),
    ),
    Plant(
        "a video over output.max_download_bytes is retried (downloaded again and again)",
        "batchgen/store/mp4.py",
        "                    retryable=False,\n",
        "",
        ("tests/store/test_storage.py::test_a_download_that_breaks_a_promise_is_refused_and_leaves_nothing",),
    ),
    Plant(
        "a download longer than its declared size passes",
        "batchgen/store/mp4.py",
        "if declared is not None and declared != size:",
        "if declared is not None and declared > size:",
        ("tests/store/test_storage.py::test_a_download_that_breaks_a_promise_is_refused_and_leaves_nothing",),
    ),
    Plant(
        "a size mismatch blames Content-Length for the API's file_size and back",
        "batchgen/store/mp4.py",
        '((content_length, "Content-Length"), (file_size, "the API\'s file_size"))',
        '((content_length, "the API\'s file_size"), (file_size, "Content-Length"))',
        ("tests/store/test_store.py::test_a_bad_video_never_reaches_the_bucket",),
    ),
    Plant(
        "an MP4 box with a 64-bit size is misread",
        "batchgen/store/mp4.py",
        '            size = struct.unpack(">Q", large)[0]\n',
        "            size = 16\n",
        ("tests/store/test_storage.py::test_the_mp4_structure_check",),
    ),
    Plant(
        "an MP4 whose last box runs to the end (size 0) is refused",
        "batchgen/store/mp4.py",
        "            size = total - offset\n",
        "            size = 0\n",
        ("tests/store/test_storage.py::test_the_mp4_structure_check",),
    ),
    Plant(
        "an MP4 box smaller than its own header passes",
        "batchgen/store/mp4.py",
        "if size < 8 or offset + size > total:",
        "if size < 1 or offset + size > total:",
        ("tests/store/test_storage.py::test_the_mp4_structure_check",),
    ),
    Plant(
        "an MP4 without a moov box passes",
        "batchgen/store/mp4.py",
        'for needed in (b"moov", b"mdat"):',
        'for needed in (b"mdat",):',
        ("tests/store/test_storage.py::test_the_mp4_structure_check",),
    ),
    Plant(
        "a download's sha256 covers its first chunk only",
        "batchgen/store/mp4.py",
        "            digest.update(chunk)\n",
        "            digest.update(chunk) if size == len(chunk) else None\n",
        ("tests/store/test_storage.py::test_a_saved_video_is_verified_hashed_and_renamed_into_place",),
    ),
    Plant(
        "a cut-short box header is told at the wrong byte",
        "batchgen/store/mp4.py",
        'return f"a box header at byte {offset} is cut short"\n        size, kind',
        'return f"a box header at byte {offset + 8} is cut short"\n        size, kind',
        ("tests/store/test_storage.py::test_the_mp4_structure_check",),
    ),
    Plant(
        "a job whose record expired is left out of the summary's failures",
        "batchgen/engine/run.py",
        "if job.state in (JobState.FAILED, JobState.EXPIRED)",
        "if job.state in (JobState.FAILED,)",
        (
            "tests/engine/test_audit_run.py::test_a_job_whose_record_expired_is_listed_among_the_failures_with_what_t"
            "o_do",
        ),
    ),
    Plant(
        "a reason this run wrote is told as an earlier run's, and back",
        "batchgen/engine/run.py",
        "for job in left if job.error and job.error_at is None]",
        "for job in left if job.error and job.error_at is not None]",
        (
            "tests/e2e/test_told_true.py::test_a_submit_of_unknown_outcome_is_counted_as_sent_and_its_settling_is_tol"
            "d_true",
        ),
    ),
    Plant(
        "an API unreachable at the preflight crashes the run instead of exit 6",
        "batchgen/engine/run.py",
        "except (AuthError, InvalidContentType, ApiUnreachable) as exc:",
        "except (AuthError, InvalidContentType) as exc:",
        ("tests/e2e/test_told_true.py::test_a_run_that_never_reached_the_api_exits_6_whatever_the_settings",),
    ),
    Plant(
        "the summary says no request was answered 429",
        "batchgen/engine/run.py",
        "report.rate_limited = self.budget.throttled",
        "report.rate_limited = 0",
        (
            "tests/engine/test_audit_run.py::test_the_summary_counts_the_requests_answered_429_and_the_spend_of_this_"
            "run",
        ),
    ),
    Plant(
        "a resumed run never finishes the downloads an earlier run left",
        "batchgen/engine/run.py",
        "                for job in plan.download:\n",
        "                for job in plan.download[:0]:\n",
        ("tests/e2e/test_crash.py::test_a_video_in_place_without_its_completed_line_is_kept_once_its_link_is_gone",),
    ),
    Plant(
        "a run a stop ended gives no reason for a job its own spent submits left pending",
        "batchgen/engine/run.py",
        "                or (job.state is JobState.PENDING and job.spec.id in report.pending_own)\n",
        "",
        (
            "tests/e2e/test_told_true.py::test_a_run_the_spend_cap_stopped_still_gives_the_reason_of_a_job_its_own_su"
            "bmits_left_pending",
        ),
    ),
    Plant(
        "--shards=N swallows the argument after it in each shard's command",
        "batchgen/cli/raydriver.py",
        '        if name == "--shards":\n            i += 1 if eq else 2',
        '        if name == "--shards":\n            i += 2',
        ("tests/e2e/test_ray.py::test_shard_argv_drops_ray_flags_and_pins_the_shard",),
    ),
    Plant(
        "an object-store --out is resolved as a local path in each shard's command",
        "batchgen/cli/raydriver.py",
        'if name != "--out" or "://" not in value:',
        'if "://" not in value or True:',
        ("tests/e2e/test_ray.py::test_shard_argv_drops_ray_flags_and_pins_the_shard",),
    ),
    Plant(
        "a relative --log-file is passed to the actors as given (another folder on another node)",
        "batchgen/cli/raydriver.py",
        'PATH_FLAGS = ("--config", "--log-file")',
        'PATH_FLAGS = ("--config",)',
        (
            "tests/cli/test_audit_raydriver.py::test_a_log_file_and_a_local_out_are_made_absolute_and_an_object_store"
            "_out_is_kept_as_given",
        ),
    ),
    Plant(
        "the actors are given 1-based shard numbers (one shard never run, one past the end)",
        "batchgen/cli/raydriver.py",
        '"--shard", f"{index}/{count}"',
        '"--shard", f"{index + 1}/{count}"',
        ("tests/e2e/test_ray.py::test_shard_argv_drops_ray_flags_and_pins_the_shard",),
    ),
    Plant(
        "the actors run without --quiet",
        "batchgen/cli/raydriver.py",
        ', "--quiet"]',
        "]",
        ("tests/e2e/test_ray.py::test_shard_argv_drops_ray_flags_and_pins_the_shard",),
    ),
    Plant(
        "--ray with --shards 0 joins the cluster and runs nothing",
        "batchgen/cli/raydriver.py",
        "if shards < 1:",
        "if shards < 0:",
        ("tests/cli/test_audit_raydriver.py::test_no_shards_is_refused_before_any_cluster_is_joined",),
    ),
    Plant(
        "the driver's progress counts every job seen as completed",
        "batchgen/cli/raydriver.py",
        'completed = sum(1 for rec in jobs.values() if rec.get("state") == "completed")',
        "completed = len(jobs)",
        ("tests/cli/test_audit_raydriver.py::test_the_drivers_progress_counts_only_completed_jobs_across_every_shard",),
    ),
    Plant(
        "Ray's lines lose their colours on a terminal and keep them in a pipe",
        "batchgen/cli/raydriver.py",
        "if not sys.stderr.isatty():",
        "if sys.stderr.isatty():",
        ("tests/e2e/test_told_friction.py::test_ray_lines_carry_no_colours_without_a_terminal",),
    ),
    Plant(
        "a --ray ADDRESS is kept as an argument of each shard's command",
        "batchgen/cli/raydriver.py",
        "i += 2 if not eq and ray_address and i + 1 < len(items) and items[i + 1] == ray_address else 1",
        "i += 1",
        ("tests/e2e/test_ray.py::test_shard_argv_drops_ray_flags_and_pins_the_shard",),
    ),
    # --------------------------------------- audits: the sweeps' cadence, survival curves, poll plans, places
    Plant(
        "past the last finish seen, a straggler may be expected at less than one finish per median",
        "batchgen/engine/survival.py",
        "        self._tail = max(rate, self._outlier)\n",
        "        self._tail = rate\n",
        ("tests/engine/test_survival.py::test_a_rate_past_the_last_finish_is_never_below_one_finish_per_median",),
    ),
    Plant(
        "past the last finish, the outlier rate and the tail rate are applied in the wrong order",
        "batchgen/engine/survival.py",
        "        return base - self._tail * near - self._outlier * (past - near)\n",
        "        return base - self._outlier * near - self._tail * (past - near)\n",
        ("tests/engine/test_survival.py::test_the_rate_past_the_last_finish_counts_the_last_quarter_of_the_finishes",),
    ),
    Plant(
        "the age by which a share is unfinished skips the tail's span once past it (a straggler called late too soon)",
        "batchgen/engine/survival.py",
        "        return self._last + self._span + (drop - near) / self._outlier\n",
        "        return self._last + (drop - near) / self._outlier\n",
        (
            "tests/engine/test_survival.py::test_the_age_by_which_a_share_is_unfinished_inverts_the_curve_within_and_"
            "past_the_finishes",
        ),
    ),
    Plant(
        "a finish at age zero teaches the latency model (a median of zero: every gap zero)",
        "batchgen/engine/pollplan.py",
        "        if not seconds > 0:\n",
        "        if seconds < 0:\n",
        ("tests/engine/test_polling.py::test_a_finish_at_age_zero_teaches_nothing_so_gaps_never_shrink_to_zero",),
    ),
    Plant(
        "a kind is learned one sample later than MIN_SAMPLES",
        "batchgen/engine/pollplan.py",
        "            if samples is not None and len(samples) >= least:\n",
        "            if samples is not None and len(samples) > least:\n",
        (
            "tests/engine/test_polling.py::test_a_prior_100x_too_long_costs_a_few_polls_then_polls_follow_what_was_le"
            "arned",
        ),
    ),
    Plant(
        "samples are no longer pooled per model: a new mode or duration of a known model probes from scratch",
        "batchgen/engine/pollplan.py",
        '        for group in {key, (key[0], "", 0)}:\n',
        "        for group in {key}:\n",
        ("tests/engine/test_polling.py::test_groups_per_mode_and_duration_with_a_pooled_fallback",),
    ),
    Plant(
        "every sample is kept forever: a backlog that builds up is never followed",
        "batchgen/engine/pollplan.py",
        "        self._recent: deque[float] = deque(maxlen=window)\n",
        "        self._recent: deque[float] = deque()\n",
        (
            "tests/engine/test_pollplan_edges.py::test_forty_slow_jobs_after_two_hundred_fast_ones_are_enough_for_the"
            "_median_to_follow_a_backlog",
        ),
    ),
    Plant(
        "a ten-second video is expected to take as long as a five-second one",
        "batchgen/engine/pollplan.py",
        "        return typical_latency(model) * (1.5 if duration >= 10 else 1.0)\n",
        "        return typical_latency(model) * (1.5 if duration > 10 else 1.0)\n",
        (
            "tests/engine/test_pollplan_edges.py::test_ten_second_videos_are_expected_to_take_half_as_long_again_as_f"
            "ive_second_ones",
        ),
    ),
    Plant(
        "jobs far shorter than min_interval_s are polled no more often than min_interval_s",
        "batchgen/engine/pollplan.py",
        "        return min(self.min_interval, SHORT_GAP_FRACTION * self.latency.median(key))\n",
        "        return max(self.min_interval, SHORT_GAP_FRACTION * self.latency.median(key))\n",
        (
            "tests/engine/test_polling.py::test_jobs_far_shorter_than_min_interval_are_polled_at_a_share_of_their_lat"
            "ency",
        ),
    ),
    Plant(
        "a record found gone sooner tightens the guard to that age itself, leaving no margin",
        "batchgen/engine/pollplan.py",
        "        self.guard = min(self.guard, age * (1.0 - self._margin_share))\n",
        "        self.guard = min(self.guard, age)\n",
        ("tests/engine/test_polling.py::test_the_expiry_guard_wins_and_a_short_record_life_tightens_it",),
    ),
    Plant(
        "a record gone exactly at its configured life is told as records living shorter than configured",
        "batchgen/engine/pollplan.py",
        "        if age <= 0 or age >= self.expiry:\n",
        "        if age <= 0 or age > self.expiry:\n",
        (
            "tests/engine/test_audit_pollplan.py::test_a_record_gone_exactly_at_its_configured_life_neither_tightens_"
            "the_guard_nor_tells_the_operator_to_lower_it",
        ),
    ),
    Plant(
        "a learned job's first safety-net poll is planned from now, not from its submit",
        "batchgen/engine/pollplan.py",
        "                when = submitted_at + max(late, self.min_interval)\n",
        "                when = now + max(late, self.min_interval)\n",
        (
            "tests/engine/test_safety_net_replan.py::test_a_safety_net_poll_planned_from_the_first_fast_finishes_wait"
            "s_for_what_is_known_when_it_is_due",
        ),
    ),
    Plant(
        "scouts sent together all first poll at the same step: the same question asked twice",
        "batchgen/engine/pollplan.py",
        "        return step * 2.0**turn\n",
        "        return step\n",
        (
            "tests/engine/test_pollplan_edges.py::test_two_scouts_sent_together_take_turns_so_their_polls_come_at_age"
            "s_doubling_one_at_a_time",
        ),
    ),
    Plant(
        "a probe is thriftier only once the budget cannot afford max_interval_s, not min_interval_s",
        "batchgen/engine/pollplan.py",
        "            growth = 2 * PROBE_GROWTH if floor > self.min_interval else PROBE_GROWTH",
        "            growth = 2 * PROBE_GROWTH if floor > self.max_interval else PROBE_GROWTH",
        ("tests/engine/test_pollplan_edges.py::test_while_the_budget_is_tight_a_probes_gaps_grow_twice_as_fast",),
    ),
    Plant(
        "a job that finished at exactly an age does not count as done by it",
        "batchgen/engine/pollplan.py",
        "        return bisect.bisect_right(seen, age) / len(seen)\n",
        "        return bisect.bisect_left(seen, age) / len(seen)\n",
        ("tests/engine/test_pollplan_edges.py::test_a_job_that_finished_at_exactly_an_age_counts_as_done_by_it",),
    ),
    Plant(
        "a job with no duration is grouped with ten-second videos, not the five-second default",
        "batchgen/engine/pollplan.py",
        '        duration = int(params.get("duration") or 5)\n',
        '        duration = int(params.get("duration") or 10)\n',
        ("tests/engine/test_polling.py::test_latency_key_reads_mode_and_duration",),
    ),
    Plant(
        "a batch at exactly half its peak in flight is swept as its draining tail",
        "batchgen/engine/cadence.py",
        "            if 2 * len(self.jobs) < self.peak:  # the last jobs",
        "            if 2 * len(self.jobs) <= self.peak:  # the last jobs",
        (
            "tests/engine/test_sweeper_units.py::test_learned_sweeps_come_every_two_percent_of_the_median_or_less_oft"
            "en_with_few_jobs",
        ),
    ),
    Plant(
        "sweeps take the idle share of the budget while submits wait, and the busy one while none does",
        "batchgen/engine/cadence.py",
        "        share = SWEEP_SHARE if budget.waiting(Priority.SUBMIT) else SWEEP_SHARE_IDLE\n",
        "        share = SWEEP_SHARE_IDLE if budget.waiting(Priority.SUBMIT) else SWEEP_SHARE\n",
        ("tests/engine/test_sweeper_units.py::test_sweeps_keep_within_their_share_of_the_budget",),
    ),
    Plant(
        "once the batch drains, a find may wait a share of the run past the longest gap max_interval_s allows",
        "batchgen/engine/cadence.py",
        "        return min(self.longest_gap(), DRAIN_RUN_SHARE * (self.clock.now() - self._started))\n",
        "        return DRAIN_RUN_SHARE * (self.clock.now() - self._started)\n",
        (
            "tests/engine/test_drain_cadence.py::test_once_everything_is_sent_a_find_may_wait_a_share_of_the_run_with"
            "in_the_longest_gap",
        ),
    ),
    Plant(
        "the longest gap between sweeps ignores a fifth of the learned median (hour-long jobs swept every minute)",
        "batchgen/engine/cadence.py",
        "        return max(self.max_interval_s, LONGEST_GAP_FRACTION * typical, queued)\n",
        "        return max(self.max_interval_s, queued)\n",
        (
            "tests/engine/test_cadence_edges.py::test_before_a_kind_is_learned_the_fastest_finish_from_either_source_"
            "stands_for_its_median[50.0-30.0]",
        ),
    ),
    Plant(
        "four jobs a sweep showed unfinished no longer widen the probe's longest gap (five needed)",
        "batchgen/engine/cadence.py",
        "        if len(ages) < MIN_SAMPLES:\n            return 0.0\n",
        "        if len(ages) <= MIN_SAMPLES:\n            return 0.0\n",
        (
            "tests/engine/test_cadence_edges.py::test_jobs_an_earlier_sweep_showed_unfinished_but_the_last_did_not_li"
            "st_say_nothing_of_their_length",
        ),
    ),
    Plant(
        "the probe's longest gap is read from the fourth youngest job seen unfinished, not the fourth oldest",
        "batchgen/engine/cadence.py",
        "        return sorted(ages, reverse=True)[MIN_SAMPLES - 1]\n",
        "        return sorted(ages)[MIN_SAMPLES - 1]\n",
        (
            "tests/engine/test_probe_gap.py::test_jobs_seen_unfinished_at_a_great_age_widen_the_gap_to_the_probes_sha"
            "re_of_the_fourth_oldest_age",
        ),
    ),
    Plant(
        "while the batch drains, sweeps resume once the oldest job could be done, not the youngest",
        "batchgen/engine/cadence.py",
        "        pick, first = (max, -math.inf) if draining else (min, math.inf)\n",
        "        pick, first = min, math.inf\n",
        (
            "tests/engine/test_sweep_pace.py::test_while_the_batch_drains_it_is_quiet_until_its_youngest_job_could_be"
            "_done",
        ),
    ),
    Plant(
        "with a few jobs in flight, a due sweep waits for one and a half expected finds, not a tenth of them",
        "batchgen/engine/cadence.py",
        "        enough = min(EXPECTED_FINDS, EXPECTED_SHARE * len(self.jobs))\n",
        "        enough = EXPECTED_FINDS\n",
        (
            "tests/engine/test_sweeper.py::test_with_one_job_in_flight_a_sweep_waits_for_a_tenth_of_a_chance_not_for_"
            "one_and_a_half_finds",
        ),
    ),
    Plant(
        "a due sweep is held back while a kind in flight is not learned",
        "batchgen/engine/cadence.py",
        "        return expected is None or expected >= enough\n",
        "        return expected is not None and expected >= enough\n",
        (
            "tests/engine/test_cadence_edges.py::test_while_a_kind_in_flight_is_not_learned_a_due_sweep_is_not_held_b"
            "ack_for_finds",
        ),
    ),
    Plant(
        "a poll that saw a job unfinished does not count in the expected finds",
        "batchgen/engine/cadence.py",
        "        return max(0.0, self._covered.get(rid, job.submitted_at) - job.submitted_at, job.pending_age)\n",
        "        return max(0.0, self._covered.get(rid, job.submitted_at) - job.submitted_at)\n",
        (
            "tests/engine/test_cadence_edges.py::test_a_poll_that_saw_a_job_unfinished_counts_in_the_expected_finds_l"
            "ike_a_sweep_that_did",
        ),
    ),
    Plant(
        "a straggler age is not reckoned again as finishes are learned between sweeps",
        "batchgen/engine/cadence.py",
        "if cached is not None and cached[0] == self._swept_at and latency.samples <= cached[1] * STALE_SAMPLES:",
        "if cached is not None and cached[0] == self._swept_at:",
        ("tests/engine/test_safety_net_replan.py::test_a_due_safety_net_poll_that_now_goes_later_sends_no_request",),
    ),
    Plant(
        "before a kind is learned, the slower of the two first finishes stands for its median",
        "batchgen/engine/cadence.py",
        "        return min(fastest) if fastest else None\n",
        "        return max(fastest) if fastest else None\n",
        (
            "tests/engine/test_cadence_edges.py::test_before_a_kind_is_learned_the_fastest_finish_from_either_source_"
            "stands_for_its_median[50.0-30.0]",
        ),
    ),
    Plant(
        "past the marks kept, the newest mark is dropped instead of the oldest",
        "batchgen/engine/places.py",
        "        if len(marks) > MARKS_KEPT:\n            del marks[0]\n",
        "        if len(marks) > MARKS_KEPT:\n            del marks[-1]\n",
        ("tests/engine/test_places.py::test_only_the_newest_marks_are_kept",),
    ),
    Plant(
        "a job sent before every request placed is looked for from the newest one's page",
        "batchgen/engine/places.py",
        "                below = self._marks[0][1]  # listed below",
        "                below = self._marks[-1][1]  # listed below",
        (
            "tests/engine/test_places.py::test_a_job_not_yet_listed_is_looked_for_from_the_page_of_the_last_request_m"
            "ade_before_it_was_sent",
        ),
    ),
    Plant(
        "an empty end page is taken for the last page that lists rows",
        "batchgen/engine/places.py",
        "        return self._end - 1 if self._end_empty else self._end\n",
        "        return self._end\n",
        (
            "tests/engine/test_places.py::test_before_anything_is_placed_the_end_of_a_long_history_is_found_by_doubli"
            "ng_then_halving",
        ),
    ),
    Plant(
        "a job no longer in flight keeps its page: an id sought again is looked for where it was, not from the end",
        "batchgen/engine/places.py",
        "        self._page.pop(request_id, None)\n",
        "        pass\n",
        (
            "tests/engine/test_places.py::test_a_job_not_yet_listed_is_looked_for_from_the_page_of_the_last_request_m"
            "ade_before_it_was_sent",
        ),
    ),
    Plant(
        "jobs just sent count as observed at the first finish: a straggler is held at the tail rate too long",
        "batchgen/engine/survival.py",
        "observed = n + len(running) - bisect.bisect_left(running, finishes[0]) if finishes else len(running)",
        "observed = n + len(running)",
        (
            "tests/engine/test_survival.py::test_jobs_never_seen_past_the_first_finish_do_not_keep_a_straggler_at_the"
            "_tail_rate",
        ),
    ),
    Plant(
        "a finish a sweep showed ignores the row's own latency measure (the midpoint of the sightings instead)",
        "batchgen/engine/survival.py",
        "    return bounded_finish(after, shown_at - job.submitted_at, row.latency_s)\n",
        "    return bounded_finish(after, shown_at - job.submitted_at, None)\n",
        (
            "tests/engine/test_cadence_edges.py::test_before_a_kind_is_learned_the_fastest_finish_from_either_source_"
            "stands_for_its_median[50.0-30.0]",
        ),
    ),
    Plant(
        "with few finishes, the rate past the last one is read from the last finish alone",
        "batchgen/engine/survival.py",
        "        k = min(n, max(2, math.ceil(TAIL_SHARE * n)))\n",
        "        k = min(n, max(1, math.ceil(TAIL_SHARE * n)))\n",
        (
            "tests/engine/test_survival.py::test_with_four_finishes_the_rate_past_the_last_is_the_last_two_over_the_s"
            "econds_at_risk_since_the_one_before",
        ),
    ),
    Plant(
        "the rate past the last finish counts from one finish too late (too few seconds at risk)",
        "batchgen/engine/survival.py",
        "        start = finishes[n - k - 1] if n > k else 0.0\n",
        "        start = finishes[n - k] if n > k else 0.0\n",
        ("tests/engine/test_survival.py::test_the_rate_past_the_last_finish_counts_the_last_quarter_of_the_finishes",),
    ),
    Plant(
        "the search for the history's end reads one doubling past its reach",
        "batchgen/engine/places.py",
        "        if self._seek and self._end is None and self._full >= SEEK_PAGES:\n",
        "        if self._seek and self._end is None and self._full > SEEK_PAGES:\n",
        ("tests/engine/test_places.py::test_the_search_for_the_end_gives_up_when_every_page_number_is_served_full",),
    ),
    Plant(
        "the first empty page's search reach no longer grows with the hint",
        "batchgen/engine/places.py",
        "    limit = SEEK_PAGES * max(1, start)\n",
        "    limit = SEEK_PAGES\n",
        (
            "tests/engine/test_places.py::test_the_first_empty_page_is_found_by_galloping_from_the_last_one_seen_then"
            "_halving[149-1023]",
        ),
    ),
    Plant(
        "a request listed again is matched by page, not by when it was made: marks are duplicated",
        "batchgen/engine/places.py",
        "        if at < len(marks) and marks[at][0] == epoch:\n",
        "        if at < len(marks) and marks[at][1] == page:\n",
        (
            "tests/engine/test_places.py::test_a_job_not_yet_listed_is_looked_for_from_the_page_of_the_last_request_m"
            "ade_before_it_was_sent",
        ),
    ),
    Plant(
        "the search for the history's end starts at page 2, skipping page 1",
        "batchgen/engine/places.py",
        "                page = (2 * self._full or 1) if self._end is None else (self._full + self._end) // 2\n",
        "                page = (2 * self._full or 2) if self._end is None else (self._full + self._end) // 2\n",
        (
            "tests/engine/test_places.py::test_a_job_not_yet_listed_is_looked_for_from_the_page_of_the_last_request_m"
            "ade_before_it_was_sent",
        ),
    ),
    Plant(
        "the budget warning swaps the configured polling.max_interval_s and the gap the budget allows",
        "batchgen/engine/pollplan.py",
        "                self.max_interval,\n                floor,\n            )\n",
        "                floor,\n                self.max_interval,\n            )\n",
        (
            "tests/engine/test_schedule_edges.py::test_only_jobs_old_enough_to_be_done_tell_whether_the_budget_afford"
            "s_their_polls",
        ),
    ),
    Plant(
        "the budget warning is said again at every poll planned",
        "batchgen/engine/pollplan.py",
        "        if not sparse and floor > self.max_interval and when < now + floor and not self.budget_bound:\n",
        "        if not sparse and floor > self.max_interval and when < now + floor:\n",
        (
            "tests/engine/test_polling.py::test_a_budget_that_cannot_afford_max_interval_says_so_once_and_leaves_the_"
            "spacing_to_the_turns",
        ),
    ),
    Plant(
        "the budget warning tells the operator to lower requests_per_minute and raise concurrency",
        "batchgen/engine/pollplan.py",
        '"(%.3gs): polls are %.3gs apart; raise limits.requests_per_minute or lower "\n',
        '"(%.3gs): polls are %.3gs apart; lower limits.requests_per_minute or raise "\n',
        (
            "tests/engine/test_schedule_edges.py::test_only_jobs_old_enough_to_be_done_tell_whether_the_budget_afford"
            "s_their_polls",
        ),
    ),
    Plant(
        "a learned job's first poll weighs a poll as a second of delay, not a share of a gap",
        "batchgen/engine/pollplan.py",
        "                cost += start + rounds * gap - finish + poll_cost * gap * rounds\n",
        "                cost += start + rounds * gap - finish + poll_cost * rounds\n",
        (
            "tests/engine/test_pollplan_edges.py::test_a_learned_jobs_first_poll_follows_what_is_learned_after_it_was"
            "_first_placed",
        ),
    ),
    Plant(
        "a probe sweeps every 30% of a young job's age, below the probe's start",
        "batchgen/engine/cadence.py",
        "            target = PROBE_SWEEP_FRACTION * (max(age, self._probe_start(key)) if job is not None else age)\n",
        "            target = PROBE_SWEEP_FRACTION * age\n",
        (
            "tests/engine/test_probe_gap.py::test_a_probe_looks_for_no_job_younger_than_min_interval_or_a_thousandth_"
            "of_its_published_latency",
        ),
    ),
    Plant(
        "a sweep of several pages is afforded as if it read one",
        "batchgen/engine/cadence.py",
        "        affordable = max(1, self._last_pages) / (share * budget.limit / budget.window)\n",
        "        affordable = 1 / (share * budget.limit / budget.window)\n",
        ("tests/engine/test_sweeper_units.py::test_sweeps_keep_within_their_share_of_the_budget",),
    ),
    Plant(
        "a job is called a straggler past twice the age by which 2% of its kind finish, not 98%",
        "batchgen/engine/cadence.py",
        "        age = SPARSE_FIRST_FACTOR * curve.age_unfinished(1.0 - SPARSE_FIRST_QUANTILE)\n",
        "        age = SPARSE_FIRST_FACTOR * curve.age_unfinished(SPARSE_FIRST_QUANTILE)\n",
        (
            "tests/engine/test_safety_net_replan.py::test_a_safety_net_poll_is_not_planned_from_a_waves_first_finishe"
            "s_while_the_rest_of_the_wave_runs",
        ),
    ),
    Plant(
        "before its kind's first finish, a sweep looks for jobs younger than the probe's start",
        "batchgen/engine/cadence.py",
        "known = by_kind[key] = grace if self._typical(key) is not None else max(grace, self._probe_start(key))",
        "known = by_kind[key] = grace",
        (
            "tests/engine/test_probe_gap.py::test_a_probe_looks_for_no_job_younger_than_min_interval_or_a_thousandth_"
            "of_its_published_latency",
        ),
    ),
    Plant(
        "the drain's first look is not reckoned again when jobs in flight finish between sweeps",
        "batchgen/engine/cadence.py",
        "        stamp = (self._swept_at, len(self.jobs), self.latency.samples)\n",
        "        stamp = (self._swept_at, 0, self.latency.samples)\n",
        (
            "tests/engine/test_drain_cadence.py::test_while_the_batch_drains_the_first_look_waits_until_every_job_in_"
            "flight_is_likely_done",
        ),
    ),
    Plant(
        "with more jobs in flight than the drain reckons with, its first look is reckoned from the oldest",
        "batchgen/engine/cadence.py",
        "youngest = heapq.nlargest(DRAIN_MODEL_JOBS, self.jobs.items(), key=lambda item: item[1].submitted_at)",
        "youngest = heapq.nsmallest(DRAIN_MODEL_JOBS, self.jobs.items(), key=lambda item: item[1].submitted_at)",
        (
            "tests/engine/test_audit_cadence.py::test_with_more_jobs_in_flight_than_the_drain_reckons_with_its_first_"
            "look_waits_for_the_youngest_not_the_oldest",
        ),
    ),
    Plant(
        "while the batch drains, a look due exactly now is held for every job likely done",
        "batchgen/engine/cadence.py",
        "        if draining and first < self.clock.now() and not self._drain_looked:\n",
        "        if draining and first <= self.clock.now() and not self._drain_looked:\n",
        ("tests/engine/test_sweep_pace.py::test_after_a_quiet_spell_the_sweep_comes_as_it_ends_not_an_interval_later",),
    ),
    Plant(
        "sweeps may come closer than a quarter of min_interval_s apart",
        "batchgen/engine/cadence.py",
        "        return max(min(target, self.longest_gap()), affordable, self.min_interval_s / 4)\n",
        "        return max(min(target, self.longest_gap()), affordable)\n",
        (
            "tests/engine/test_probe_gap.py::test_once_a_kind_has_finished_a_sweep_looks_for_its_young_jobs_past_the_"
            "grace_alone",
        ),
    ),
    Plant(
        "a job past its expiry guard is polled at every turn",
        "batchgen/engine/pollplan.py",
        "        if now < guard_at:\n",
        "        if True:\n",
        (
            "tests/engine/test_pollplan_edges.py::test_a_job_without_a_safety_net_past_its_expiry_guard_is_not_polled"
            "_at_once_again_and_again",
        ),
    ),
    Plant(
        "the sorted view of a kind's samples is never refreshed: the median stays what it first was",
        "batchgen/engine/pollplan.py",
        "        self._recent.append(seconds)\n        self._sorted = None\n",
        "        self._recent.append(seconds)\n",
        (
            "tests/engine/test_pollplan_edges.py::test_a_learned_jobs_first_poll_follows_what_is_learned_after_it_was"
            "_first_placed",
        ),
    ),
    Plant(
        "a job without a safety net is polled at its expiry guard from now, past its record's life",
        "batchgen/engine/pollplan.py",
        "                when = submitted_at + self.guard  # the sweeps",
        "                when = now + self.guard  # the sweeps",
        (
            "tests/engine/test_pollplan_edges.py::test_a_job_without_a_safety_net_past_its_expiry_guard_is_not_polled"
            "_at_once_again_and_again",
        ),
    ),
    Plant(
        "the page a job was last listed on, when it is the tail, is read twice",
        "batchgen/engine/places.py",
        "        self._todo = sorted(page for page in set(pages) if tail is None or page < tail)\n",
        "        self._todo = sorted(page for page in set(pages) if tail is None or page <= tail)\n",
        (
            "tests/engine/test_places.py::test_a_job_not_yet_listed_is_looked_for_from_the_page_of_the_last_request_m"
            "ade_before_it_was_sent",
        ),
    ),
    Plant(
        "the search for the first empty page steps up one page at a time",
        "batchgen/engine/places.py",
        "                full, step = page, 2 * step\n",
        "                full = page\n",
        (
            "tests/engine/test_places.py::test_the_first_empty_page_is_found_by_galloping_from_the_last_one_seen_then"
            "_halving[1-150]",
        ),
    ),
    Plant(
        "jobs seen running past the last finish no longer lower the rate just past it",
        "batchgen/engine/survival.py",
        "        exposed = sum(max(0.0, x - start) for x in (*finishes, *running))\n",
        "        exposed = sum(max(0.0, x - start) for x in finishes)\n",
        ("tests/engine/test_survival.py::test_the_rate_past_the_last_finish_counts_the_last_quarter_of_the_finishes",),
    ),
    Plant(
        "a finish a sweep showed is bounded by the last sweep alone: a later poll that saw it unfinished is forgotten",
        "batchgen/engine/survival.py",
        "    after = max(swept, job.pending_age)  # a poll may have seen it unfinished later\n",
        "    after = swept\n",
        (
            "tests/engine/test_sweeper_finds.py::test_a_finish_shown_without_a_measure_counts_from_the_middle_of_what"
            "_the_sweeps_saw",
        ),
    ),
    Plant(
        "a trial result call's 404 is told as the endpoint's way with unfinished jobs before the record is known alive",
        "batchgen/engine/poller.py",
        "if self._trial_missing is None:\n                        log.info(_RESULT_TRIAL_ENDED, exc)",
        "if True:\n                        log.info(_RESULT_TRIAL_ENDED, exc)",
        (
            "tests/engine/test_poller_paths.py::test_a_trial_result_poll_answered_404_by_a_record_that_is_gone_leaves"
            "_the_trial_open",
        ),
    ),
    Plant(
        "a trial result call's 404 whose record lives is never told: the run polls status and says nothing of why",
        "batchgen/engine/poller.py",
        "            log.info(_RESULT_TRIAL_ENDED, self._trial_missing[1])  # answers 404 for a job unfinished\n",
        "            pass\n",
        ("tests/e2e/test_world.py::test_polls_fall_back_to_status_when_the_result_endpoint_refuses_unfinished_jobs",),
    ),
    Plant(
        "past its expiry guard a job is polled on its plan's own gap: none looks again before its record dies",
        "batchgen/engine/pollplan.py",
        "            when = min(when, submitted_at + last)\n",
        "            when = max(when, submitted_at + last)\n",
        (
            "tests/engine/test_pollplan_edges.py::"
            "test_a_job_unfinished_at_its_expiry_guard_is_looked_at_three_times_more_each_halfway_to_its_records_end",
        ),
    ),
    Plant(
        "the last looks before a record dies all go at the record's end as found, not halfway to it",
        "batchgen/engine/pollplan.py",
        "        looks = (self.guard + margin * (1.0 - 0.5**k) for k in range(1, LAST_LOOKS + 1))",
        "        looks = (self.guard + margin for k in range(1, LAST_LOOKS + 1))",
        (
            "tests/engine/test_pollplan_edges.py::"
            "test_a_job_unfinished_at_its_expiry_guard_is_looked_at_three_times_more_each_halfway_to_its_records_end",
        ),
    ),
    Plant(
        "a last look is taken however soon after the poll before it",
        "batchgen/engine/pollplan.py",
        "        return next((at for at in looks if at >= age + self.min_interval), None)",
        "        return next((at for at in looks if at > age), None)",
        (
            "tests/engine/test_pollplan_edges.py::"
            "test_a_job_unfinished_at_its_expiry_guard_is_looked_at_three_times_more_each_halfway_to_its_records_end",
        ),
    ),
    Plant(
        "polls are spent on a record's last margin where the history's rows link the videos",
        "batchgen/engine/pollplan.py",
        "        if age < self.guard or self._stands_in():",
        "        if age < self.guard:",
        (
            "tests/engine/test_pollplan_edges.py::"
            "test_where_the_history_stands_in_for_a_record_no_look_is_spent_on_its_last_margin",
        ),
    ),
    Plant(
        "the run does not tell the poll plan whether the history stands in for a record",
        "batchgen/engine/run.py",
        "            expiry_margin_s=polling.expiry_margin_s,\n            stands_in=stands_in,\n",
        "            expiry_margin_s=polling.expiry_margin_s,\n",
        (
            "tests/e2e/test_record_life.py::"
            "test_where_the_history_links_the_videos_no_poll_is_spent_on_a_records_last_margin",
        ),
    ),
    Plant(
        "the last looks before a record dies take turns behind every other job's polls",
        "batchgen/engine/schedule.py",
        "        return math.inf if last is None else job.submitted_at + last",
        "        return math.inf",
        (
            "tests/engine/test_schedule_edges.py::"
            "test_the_last_looks_before_a_record_dies_take_no_turn_and_a_turn_waits_no_later_than_the_next_one",
        ),
    ),
    Plant(
        "the life cap keeps as many in flight as the throughput says, however long a job takes alone",
        "batchgen/engine/life_cap.py",
        "self._rounds(math.floor(rate * target)), self._unwaited())",
        "math.floor(rate * target), self._unwaited())",
        (
            "tests/engine/test_life_cap.py::"
            "test_where_jobs_alone_take_most_of_a_records_life_none_is_sent_to_wait_behind_a_whole_job",
        ),
    ),
    Plant(
        "the life cap's rounds are reckoned from the shortest job that waited for none, not a long one",
        "batchgen/engine/life_cap.py",
        "        long = took[round(UPPER * (len(took) - 1))]",
        "        long = took[0]",
        (
            "tests/engine/test_life_cap.py::"
            "test_where_jobs_alone_take_most_of_a_records_life_none_is_sent_to_wait_behind_a_whole_job",
        ),
    ),
    Plant(
        "status counts the jobs made and not fetched but says nothing of what they come to",
        "batchgen/report/summary.py",
        "    made_usd = sum(recorded_estimate(rec, {}) for rec in made)",
        "    made_usd = 0.0",
        (
            "tests/e2e/test_told_status.py::"
            "test_jobs_made_and_left_unfetched_are_told_apart_from_the_spend_with_what_they_will_cost",
        ),
    ),
    Plant(
        "an object-store segment whose create landed though its answer was lost is taken for another run's (the run "
        "stops)",
        "batchgen/store/segments.py",
        "        if not created and await self.bucket.get(key) != data:",
        "        if not created:",
        (
            "tests/store/test_segments_units.py::"
            "test_an_unavailable_store_is_tried_again_and_a_create_that_landed_is_kept[True]",
        ),
    ),
    Plant(
        "a damaged object-store ledger line is named one line early",
        "batchgen/store/segments.py",
        'enumerate(data.decode("utf-8", errors="replace").split("\\n"), start=1)',
        'enumerate(data.decode("utf-8", errors="replace").split("\\n"))',
        ("tests/store/test_segments_units.py::test_a_damaged_line_is_named_by_segment_and_line",),
    ),
    Plant(
        "an object-store ledger compacts at the lesser of 256 segments and a quarter of its jobs (a snapshot every few "
        "commits)",
        "batchgen/store/segments.py",
        "        if self.since_snapshot >= max(COMPACT_AFTER, len(self.jobs) // 4):",
        "        if self.since_snapshot >= min(COMPACT_AFTER, len(self.jobs) // 4):",
        (
            "tests/store/test_segments_units.py::"
            "test_each_append_is_one_new_segment_and_a_resume_reads_them_back_in_order",
        ),
    ),
    Plant(
        "a result line riding along is left out of the writer's view: the snapshot at close drops where the video is",
        "batchgen/store/segments.py",
        "            carry_forward(self.jobs, job_id, dict(record))  # the view is what this run recorded\n",
        "",
        (
            "tests/store/test_segments_kept.py::"
            "test_closing_with_the_lease_held_writes_the_riding_lines_and_folds_the_run_into_a_snapshot",
        ),
    ),
    Plant(
        "a segment writer that collided with another run still folds its segments into a snapshot as it closes",
        "batchgen/store/segments.py",
        "        if self.since_snapshot > 0 and not self._commit.broken:",
        "        if self.since_snapshot > 0:",
        (
            "tests/store/test_segments_kept.py::"
            "test_a_writer_that_collided_with_another_run_folds_nothing_when_it_closes",
        ),
    ),
    Plant(
        "a resume with nothing written since the newest snapshot compacts it again (a snapshot over itself)",
        "batchgen/store/segments.py",
        "    if found.next_seq <= 1 or found.segments == 0:",
        "    if found.next_seq <= 1:",
        ("tests/store/test_segments_units.py::test_compaction_writes_one_snapshot_then_deletes_only_what_it_covers",),
    ),
    Plant(
        "a submitting line rides along in an object store: not durable before the POST (paid twice after a crash)",
        "batchgen/store/segments.py",
        "RIDES_ALONG = frozenset({Event.RESULT})",
        "RIDES_ALONG = frozenset({Event.RESULT, Event.SUBMITTING})",
        (
            "tests/store/test_segments_units.py::"
            "test_each_append_is_one_new_segment_and_a_resume_reads_them_back_in_order",
        ),
    ),
    Plant(
        "a resume counts the newest snapshot among the segments written since it",
        "batchgen/store/segments.py",
        "    return SegmentReplay(Replay(jobs, lines, False), expected, len(later))",
        "    return SegmentReplay(Replay(jobs, lines, False), expected, len(keys))",
        (
            "tests/store/test_segments_units.py::"
            "test_a_resume_reads_from_the_newest_snapshot_and_ignores_what_it_covers_and_foreign_files",
        ),
    ),
    Plant(
        "an object-store ledger line without a state is read as an event",
        "batchgen/store/segments.py",
        '            job_id = record["job_id"]\n            record["state"]\n',
        '            job_id = record["job_id"]\n',
        ("tests/store/test_segments_units.py::test_a_damaged_line_is_named_by_segment_and_line",),
    ),
    Plant(
        "an object-store ledger does not count its segments since the snapshot: it never compacts",
        "batchgen/store/segments.py",
        "        self.next_seq += 1\n        self.since_snapshot += 1\n",
        "        self.next_seq += 1\n",
        (
            "tests/store/test_segments_units.py::"
            "test_each_append_is_one_new_segment_and_a_resume_reads_them_back_in_order",
        ),
    ),
    Plant(
        "a segment write that meets an unavailable store is tried 3 times, not 6 (a brief outage stops the run)",
        "batchgen/store/segments.py",
        "SEGMENT_RETRY = RetrySettings(max_attempts=6,",
        "SEGMENT_RETRY = RetrySettings(max_attempts=3,",
        (
            "tests/store/test_audit_segments.py::"
            "test_a_segment_is_written_on_its_sixth_try_when_the_store_was_unavailable_for_the_first_five",
        ),
    ),
    Plant(
        "a job's shard comes from its hash read little-endian (jobs move to other shards than the stable hash says)",
        "batchgen/store/shards.py",
        'return int.from_bytes(digest[:8], "big") % count',
        'return int.from_bytes(digest[:8], "little") % count',
        ("tests/store/test_promises_units.py::test_a_jobs_shard_is_a_fixed_hash_of_its_id_the_same_on_every_machine",),
    ),
    Plant(
        "--shard N/N is taken: a shard that owns no job, while indexes counted from 1 never run shard 0",
        "batchgen/store/shards.py",
        "        if not 0 <= self.index < self.count:",
        "        if not 0 <= self.index <= self.count:",
        ("tests/store/test_promises_units.py::test_shard_bounds_and_names",),
    ),
    Plant(
        "status takes a folder named like '2-of-8.old' beside the shards' for one of the run's shards",
        "batchgen/store/shards.py",
        '_NAME = re.compile(r"^(\\d+)-of-(\\d+)$")',
        '_NAME = re.compile(r"^(\\d+)-of-(\\d+)")',
        (
            "tests/store/test_audit_output.py::"
            "test_status_reads_only_the_shards_folders_a_run_made_not_a_copy_beside_them",
        ),
    ),
    Plant(
        "a shard is written counting from 1 (shard 0/4 told as 1/4)",
        "batchgen/store/shards.py",
        '        return f"{self.index}/{self.count}"',
        '        return f"{self.index + 1}/{self.count}"',
        ("tests/store/test_promises_units.py::test_a_jobs_shard_is_a_fixed_hash_of_its_id_the_same_on_every_machine",),
    ),
    Plant(
        "--shard auto with a JOB_COMPLETION_INDEX that is not a whole number crashes instead of saying so",
        "batchgen/store/shards.py",
        '        return Shard(number("JOB_COMPLETION_INDEX"), count)',
        '        return Shard(int(environ["JOB_COMPLETION_INDEX"]), count)',
        ("tests/store/test_promises_units.py::test_every_bad_shard_message_in_full",),
    ),
    Plant(
        "--shard with spaces around I/N is refused",
        "batchgen/store/shards.py",
        "    spec = spec.strip()\n    if spec ==",
        "    if spec ==",
        ("tests/store/test_promises_units.py::test_auto_reads_this_processs_environment_and_trims_numbers",),
    ),
    Plant(
        "a shard count of exactly the most allowed (10,000) is refused",
        "batchgen/store/shards.py",
        "        if not 1 <= self.count <= MAX_SHARDS:",
        "        if not 1 <= self.count < MAX_SHARDS:",
        ("tests/store/test_promises_units.py::test_shard_bounds_and_names",),
    ),
    Plant(
        "the shows that could tell a lag are counted only when late: a few late shows switch the sweeps off",
        "batchgen/engine/history_lag.py",
        "        self.telling += 1\n        tolerance = max(LAG_TOLERANCE * typical, self.min_interval_s)\n        lag "
        "= seen - finished_at\n        if lag <= tolerance:\n            return False\n",
        "        tolerance = max(LAG_TOLERANCE * typical, self.min_interval_s)\n        lag = seen - "
        "finished_at\n        if lag <= tolerance:\n            return False\n        self.telling += 1\n",
        ("tests/engine/test_history_lag.py::test_shows_within_a_tenth_of_the_median_are_not_late",),
    ),
    Plant(
        "a check that does not confirm refutes a lag a poll confirmed meanwhile (sweeps kept on a lagging history)",
        "batchgen/engine/history_lag.py",
        "            self.refuted = not self.confirmed",
        "            self.refuted = True",
        (
            "tests/engine/test_history_lag.py::"
            "test_a_check_that_does_not_confirm_refutes_nothing_once_a_poll_confirmed_the_lag_meanwhile",
        ),
    ),
    Plant(
        "a row's latency exactly the sweeper's least is taken for its job's submit to finish",
        "batchgen/engine/history_lag.py",
        "latency_s <= least or",
        "latency_s < least or",
        (
            "tests/engine/test_history_lag.py::"
            "test_a_rows_latency_counts_only_where_it_can_be_its_jobs_submit_to_finish[10.0-0.0-False]",
        ),
    ),
    Plant(
        "two late shows are checked at once (a run's checks spent two at a time)",
        "batchgen/engine/history_lag.py",
        "        if self.confirmed or self.checks_left <= 0 or self._checking:",
        "        if self.confirmed or self.checks_left <= 0:",
        ("tests/engine/test_history_lag.py::test_a_late_show_asks_one_result_and_a_confirmed_lag_switches_sweeps_off",),
    ),
    Plant(
        "a job forgotten while its late show was being checked blocks every later check",
        "batchgen/engine/history_lag.py",
        "        self._checking.pop(request_id, None)",
        "        self._checking.get(request_id, None)",
        (
            "tests/engine/test_history_lag.py::"
            "test_checks_stop_at_the_runs_allowance_and_a_lag_needs_enough_late_shows_among_those_that_tell",
        ),
    ),
    Plant(
        "a history in trouble is probed a step of the doubling late (10 s after the first failure, not 5)",
        "batchgen/engine/history_trouble.py",
        "        wait = PROBE_WAITS_S[min(self.failures, len(PROBE_WAITS_S)) - 1]",
        "        wait = PROBE_WAITS_S[min(self.failures, len(PROBE_WAITS_S) - 1)]",
        (
            "tests/engine/test_recovery.py::"
            "test_look_ups_by_request_id_share_the_spell_of_a_history_in_trouble[recover_missing]",
        ),
    ),
    Plant(
        "a history in trouble is probed after the spell's patience has run out",
        "batchgen/engine/history_trouble.py",
        "        self._next = now + min(wait, self.patience_s - waited)",
        "        self._next = now + wait",
        (
            "tests/engine/test_recovery.py::"
            "test_look_ups_by_request_id_share_the_spell_of_a_history_in_trouble[recover_missing]",
        ),
    ),
    Plant(
        "the gateway retries each probe of a history in trouble (a probe is six requests)",
        "batchgen/engine/history_trouble.py",
        "        return self.began is None and retry_transient(exc)",
        "        return retry_transient(exc)",
        (
            "tests/engine/test_recovery.py::"
            "test_look_ups_by_request_id_share_the_spell_of_a_history_in_trouble[recover_missing]",
        ),
    ),
    Plant(
        "a spell of history trouble that gave up is timed from its start, not from when it gave up",
        "batchgen/engine/history_trouble.py",
        "            if now - self._gave_up < self.patience_s:",
        "            if now - self.began < self.patience_s:  # type: ignore[operator]",
        (
            "tests/engine/test_recovery.py::"
            "test_look_ups_by_request_id_share_the_spell_of_a_history_in_trouble[recover_missing]",
        ),
    ),
    Plant(
        "a spell of history trouble gives up only after its patience, not at it",
        "batchgen/engine/history_trouble.py",
        "        if waited >= self.patience_s:",
        "        if waited > self.patience_s:",
        ("tests/engine/test_recovery.py::test_a_spell_that_gives_up_tells_its_latest_failure_not_its_first",),
    ),
    Plant(
        "the jobs told the history could not be read are not told for how long every look-up failed",
        "batchgen/engine/history_trouble.py",
        'f"every look-up in the request history failed for {gave_up - began:.0f} s, the last with {answer}{detail}"',
        'f"every look-up in the request history failed, the last with {answer}{detail}"',
        (
            "tests/engine/test_recovery.py::"
            "test_a_history_answering_500_is_probed_once_for_every_job_waiting_then_all_are_told_at_once[1]",
        ),
    ),
    Plant(
        "every failed look-up begins the spell of history trouble anew: it never gives up",
        "batchgen/engine/history_trouble.py",
        "        if self.began is None:\n            self.began = now\n",
        "        self.began = now\n",
        ("tests/engine/test_recovery.py::test_a_spell_that_gives_up_tells_its_latest_failure_not_its_first",),
    ),
    Plant(
        "a row whose list holds more items than the one sent is taken for the body sent",
        "batchgen/engine/history_bodies.py",
        "isinstance(shown, list) and len(sent) == len(shown) and all(map(agrees, sent, shown))",
        "isinstance(shown, list) and all(map(agrees, sent, shown))",
        ("tests/engine/test_history_bodies.py::test_a_rows_body_is_held_to_the_fields_sent[listed6-other]",),
    ),
    Plant(
        "a model none of whose rows was compared is matched exactly though the others' rows hold more than was sent",
        "batchgen/engine/history_bodies.py",
        "            worst = max(self._worst.values(), key=_RANK.__getitem__, default=EXACT)",
        "            worst = EXACT",
        (
            "tests/engine/test_history_bodies.py::"
            "test_the_worst_fit_seen_sets_the_rule_for_the_model_and_the_others_until_theirs_are_seen",
        ),
    ),
    Plant(
        "a row that writes 5 where 5.0 was sent is taken for another body",
        "batchgen/engine/history_bodies.py",
        "    if isinstance(value, float) and value.is_integer():\n        return str(int(value))\n",
        "",
        ("tests/engine/test_history_bodies.py::test_a_rows_body_is_held_to_the_fields_sent[listed3-holds]",),
    ),
    Plant(
        "a row's image fields are compared with what was sent (every row with an image is another body)",
        "batchgen/engine/history_bodies.py",
        "    shown = {name: value for name, value in listed.items() if name not in image_fields}",
        "    shown = dict(listed)",
        ("tests/engine/test_history_bodies.py::test_image_fields_are_left_out_of_the_comparison",),
    ),
    Plant(
        "a history once seen keeping another body still matches a lost submit's row as sent",
        "batchgen/engine/history_bodies.py",
        "        if rule == OTHER:\n            return False\n",
        "",
        (
            "tests/engine/test_history_bodies.py::"
            "test_the_worst_fit_seen_sets_the_rule_for_the_model_and_the_others_until_theirs_are_seen",
        ),
    ),
    Plant(
        "a row missing a field sent holds the body, and one with a default beside it is another",
        "batchgen/engine/history_bodies.py",
        "    return HOLDS if agrees(plain, shown) else OTHER",
        "    return HOLDS if agrees(shown, plain) else OTHER",
        ("tests/engine/test_history_bodies.py::test_a_rows_body_is_held_to_the_fields_sent[listed1-holds]",),
    ),
    Plant(
        "a row with the fields sent in another key order is not the body as sent: a lost submit is matched by fields "
        "alone",
        "batchgen/engine/history_bodies.py",
        "    return json.dumps(a, sort_keys=True, default=str) == json.dumps(b, sort_keys=True, default=str)",
        "    return json.dumps(a, default=str) == json.dumps(b, default=str)",
        (
            "tests/engine/test_audit_history_bodies.py::"
            "test_a_row_with_the_fields_sent_in_another_order_is_the_body_as_sent",
        ),
    ),
    Plant(
        "a job refused in an inline form is sent in it again, never in the other",
        "batchgen/engine/inline_forms.py",
        "            forms[name] = _other(form) if form in tried.get(name, ()) else form",
        "            forms[name] = form",
        ("tests/engine/test_inline_forms.py::test_each_job_tries_each_form_once_however_other_jobs_interleave",),
    ),
    Plant(
        "a form a submit went through with is not confirmed: the image's own refusal is retried in the other form",
        "batchgen/engine/inline_forms.py",
        "            self._confirmed.add(key)\n",
        "",
        (
            "tests/engine/test_inline_forms.py::"
            "test_a_form_that_went_through_is_kept_and_a_refusal_in_it_is_not_retried",
        ),
    ),
    Plant(
        "the log says a model took the image in the form it was not sent in",
        "batchgen/engine/inline_forms.py",
        "                log.warning(\"%s took the image in '%s' as %s; sending it so from now on\", model, name, "
        "_WORDS[form])",
        "                log.warning(\"%s took the image in '%s' as %s; sending it so from now on\", model, name, "
        "_WORDS[_other(form)])",
        (
            "tests/engine/test_inline_forms.py::"
            "test_the_log_says_each_change_of_form_once_and_says_which_form_went_through_after_one_it_named",
        ),
    ),
    Plant(
        "a 400 naming another field whose name holds the image field's is taken for the image's form",
        "batchgen/engine/inline_forms.py",
        'if not re.search(rf"\\b{re.escape(name)}\\b", text, re.IGNORECASE):  # "Image is ..." too',
        'if not re.search(re.escape(name), text, re.IGNORECASE):  # "Image is ..." too',
        ("tests/engine/test_inline_forms.py::test_only_a_400_naming_an_inlined_field_is_taken_for_its_form",),
    ),
    Plant(
        "a user's spec file is added to the shipped catalogue itself (it outlives the command that gave it)",
        "batchgen/models/catalogue.py",
        "    return Catalogue(_load(dict(shipped().models), files, shipped=False))",
        "    return Catalogue(_load(shipped().models, files, shipped=False))",
        (
            "tests/models/test_audit_catalogue.py::"
            "test_a_user_spec_file_changes_the_catalogue_built_with_it_and_never_the_shipped_one",
        ),
    ),
    Plant(
        "the catalogue in use stays the first one set: a later --models is not used",
        "batchgen/models/catalogue.py",
        "    _current[:] = [catalogue]",
        "    _current.append(catalogue)",
        ("tests/models/test_audit_catalogue.py::test_the_catalogue_in_use_is_the_one_last_set",),
    ),
    Plant(
        "a user's spec file of a shipped model's slug does not override it",
        "batchgen/models/catalogue.py",
        "        models[spec.slug] = spec",
        "        models.setdefault(spec.slug, spec)",
        ("tests/models/test_catalogue.py::test_a_user_spec_adds_a_model_and_overrides_a_shipped_one",),
    ),
    Plant(
        "'did you mean' offers nothing for a model name one character off",
        "batchgen/models/catalogue.py",
        "n=1, cutoff=0.6)",
        "n=1, cutoff=0.9)",
        (
            "tests/models/test_audit_catalogue.py::"
            "test_a_name_with_one_character_mistyped_is_offered_the_model_it_was_meant_to_be",
        ),
    ),
    Plant(
        "the fingerprint leaves out the model: a record without parameters moved to another model is not a changed job",
        "batchgen/engine/identity.py",
        '    text = json.dumps([model, normalised(model, params)], sort_keys=True, separators=(",", ":"), default=str)',
        '    text = json.dumps(normalised(model, params), sort_keys=True, separators=(",", ":"), default=str)',
        ("tests/engine/test_identity.py::test_a_fingerprint_fills_defaults_and_sees_every_change",),
    ),
    Plant(
        "a record with neither parameters nor fingerprint is taken for a changed job",
        "batchgen/engine/identity.py",
        "            same = before is None or before == fingerprint(job.model, job.params)",
        "            same = before == fingerprint(job.model, job.params)",
        (
            "tests/engine/test_identity_units.py::"
            "test_a_record_that_kept_only_its_fingerprint_is_judged_by_that_fingerprint",
        ),
    ),
    Plant(
        "the replaced line does not say which request the earlier attempt was",
        "batchgen/engine/identity.py",
        '                "request_id": rec.get("request_id"),',
        '                "request_id": None,',
        ("tests/engine/test_identity_units.py::test_the_replaced_line_records_what_the_earlier_attempt_was_sent_as",),
    ),
    Plant(
        "a changed submit of unknown outcome among other rows in flight is not told to settle first",
        "batchgen/engine/identity.py",
        "                if any(c.state == JobState.SUBMITTING for c in changes)",
        "                if all(c.state == JobState.SUBMITTING for c in changes)",
        (
            "tests/engine/test_audit_identity.py::"
            "test_a_submit_of_unknown_outcome_among_other_changed_rows_in_flight_is_told_to_settle_first",
        ),
    ),
    Plant(
        "a default written out on one side only makes a changed job",
        "batchgen/engine/identity.py",
        "                identity_view(params) == identity_view(job.params)\n                or normalised",
        "                identity_view(params) == identity_view(job.params)\n                and normalised",
        (
            "tests/engine/test_identity_units.py::"
            "test_a_default_written_out_or_left_out_is_the_same_job_and_only_real_differences_are_named",
        ),
    ),
    Plant(
        "the changed rows' error drops the count of the rows in flight past the twentieth",
        "batchgen/engine/identity.py",
        'shown = ", ".join(busy[:MAX_LISTED]) + (f" and {len(busy) - MAX_LISTED} more" if len(busy) > MAX_LISTED else '
        '"")',
        'shown = ", ".join(busy[:MAX_LISTED])',
        (
            "tests/engine/test_audit_identity.py::"
            "test_changed_rows_in_flight_past_the_twentieth_are_counted_in_what_replace_changed_cannot_take",
        ),
    ),
    Plant(
        "the changed rows' error does not say where each row is in the manifest",
        "batchgen/engine/identity.py",
        '        where = f" ({self.job.source})" if self.job.source else ""',
        '        where = ""',
        ("tests/engine/test_identity_units.py::test_the_changed_jobs_error_names_each_job_where_it_is_and_what_to_do",),
    ),
    Plant(
        "the spec's defaults override what a row gives (a parameter changed to another value unseen)",
        "batchgen/engine/identity.py",
        "    return {**defaults_of(model), **identity_view(params)}",
        "    return {**identity_view(params), **defaults_of(model)}",
        (
            "tests/engine/test_identity_units.py::"
            "test_a_default_written_out_or_left_out_is_the_same_job_and_only_real_differences_are_named",
        ),
    ),
    Plant(
        "the replaced line names the moved files without their folder",
        "batchgen/engine/identity.py",
        '"files": [str(t.relative_to(videos.parent)) for t in targets],',
        '"files": [t.name for t in targets],',
        ("tests/engine/test_identity_units.py::test_each_replacement_keeps_every_earlier_video_under_its_own_number",),
    ),
    Plant(
        "each replaced video of an id takes number 1 again (an earlier replaced video overwritten)",
        "batchgen/engine/identity.py",
        '    taken = [p.name[len(job_id) + 1 :].split(".")[0] for p in folder.glob(f"{job_id}.*")]',
        '    taken = [p.name[len(job_id) :].split(".")[0] for p in folder.glob(f"{job_id}.*")]',
        ("tests/engine/test_identity_units.py::test_each_replacement_keeps_every_earlier_video_under_its_own_number",),
    ),
    Plant(
        "the models listing stars the shipped models, not the user's",
        "batchgen/cli/catalogue_view.py",
        '        tag = "" if spec.shipped else " *"',
        '        tag = " *" if spec.shipped else ""',
        ("tests/models/test_catalogue.py::test_a_user_spec_adds_a_model_and_overrides_a_shipped_one",),
    ),
    Plant(
        "'batchgen models --json' gives a shipped model's file as if it were the user's",
        "batchgen/cli/catalogue_view.py",
        '        "file": spec.file if not spec.shipped else None,',
        '        "file": spec.file,',
        (
            "tests/cli/test_audit_catalogue_view.py::"
            "test_the_json_listing_names_the_file_of_a_user_spec_and_none_for_a_shipped_one",
        ),
    ),
    Plant(
        "the models listing with a user spec among the shipped ones does not say what the star means",
        "batchgen/cli/catalogue_view.py",
        "    if any(not models.models[slug].shipped for slug in models):",
        "    if all(not models.models[slug].shipped for slug in models):",
        (
            "tests/cli/test_audit_catalogue_view.py::"
            "test_a_listing_that_mixes_shipped_and_user_specs_says_what_the_star_means",
        ),
    ),
    Plant(
        "'batchgen models NAME' says '(sent)' of the defaults that are not sent, not of those that are",
        "batchgen/cli/catalogue_view.py",
        '(" (sent)" if param.send_default else "")',
        '(" (sent)" if not param.send_default else "")',
        ("tests/cli/test_audit_catalogue_view.py::test_a_default_is_said_to_be_sent_only_where_the_spec_sends_it",),
    ),
    Plant(
        "'batchgen models NAME' names the other inline form of an image field",
        "batchgen/cli/catalogue_view.py",
        '("bare base64" if param.inline_form() == "base64" else "a data: URI")',
        '("bare base64" if param.inline_form() != "base64" else "a data: URI")',
        (
            "tests/models/test_catalogue.py::"
            "test_the_models_command_shows_the_images_a_list_parameters_objects_hold_and_their_limits",
        ),
    ),
    Plant(
        "'batchgen models NAME' shows a price per second as the price of a video",
        "batchgen/cli/catalogue_view.py",
        '        lines.append(f"    {_when(row.when)}: ${row.usd:g} per second")',
        '        lines.append(f"    {_when(row.when)}: ${row.usd:g}")',
        (
            "tests/cli/test_audit_catalogue_view.py::"
            "test_a_price_per_second_is_shown_per_second_not_as_the_price_of_a_video",
        ),
    ),
    Plant(
        "'batchgen models NAME --json' gives each parameter's max as its min and its min as its max",
        "batchgen/cli/catalogue_view.py",
        '        "min": param.min,\n        "max": param.max,',
        '        "min": param.max,\n        "max": param.min,',
        (
            "tests/cli/test_audit_catalogue_view.py::"
            "test_the_json_detail_gives_each_parameters_lower_bound_as_min_and_upper_as_max",
        ),
    ),
    Plant(
        "'batchgen models --json' gives the cheapest price as the whole range",
        "batchgen/cli/catalogue_view.py",
        '        "price_usd": [lowest(spec), highest(spec)],',
        '        "price_usd": [lowest(spec), lowest(spec)],',
        (
            "tests/models/test_catalogue.py::"
            "test_the_models_command_gives_each_price_range_lowest_first_and_a_near_name_whatever_its_case",
        ),
    ),
    Plant(
        "an unknown model's error does not say that a spec file (--models FILE) adds one",
        "batchgen/cli/catalogue_view.py",
        "            \"'batchgen models' lists them; a spec file (--models FILE) adds one\"",
        "            \"'batchgen models' lists them\"",
        ("tests/cli/test_audit_catalogue_view.py::test_an_unknown_model_is_refused_with_what_to_do_about_it",),
    ),
    Plant(
        "the models listing gives the cheapest price as the whole range",
        "batchgen/cli/catalogue_view.py",
        'f"{lowest(spec):.3g} - {highest(spec):.3g}"',
        'f"{lowest(spec):.3g} - {lowest(spec):.3g}"',
        (
            "tests/cli/test_audit_catalogue_view.py::"
            "test_the_listing_gives_each_models_price_from_its_cheapest_video_to_its_dearest",
        ),
    ),
    Plant(
        "'batchgen models NAME' says 'sent as' only where the wire type is the parameter's own",
        "batchgen/cli/catalogue_view.py",
        "    if param.wire and param.wire != param.type:",
        "    if param.wire and param.wire == param.type:",
        ("tests/cli/test_audit_catalogue_view.py::test_a_default_is_said_to_be_sent_only_where_the_spec_sends_it",),
    ),
    Plant(
        "the simulator's gateway refuses from the Nth submit, not the one after the first N",
        "batchgen/simulator/worlds.py",
        "state.submit_requests > config.refuse_after_submits",
        "state.submit_requests >= config.refuse_after_submits",
        (
            "tests/simulator/test_audit_worlds.py::test_a_gateway_told_to_refuse_after_two_submits_lets_exactly_two_t"
            "hrough",
        ),
    ),
    Plant(
        "the simulator's outage after N submits begins with the Nth, so one submit fewer gets through",
        "batchgen/simulator/worlds.py",
        "state.submit_requests > config.outage_after_submits",
        "state.submit_requests >= config.outage_after_submits",
        ("tests/simulator/test_audit_worlds.py::test_an_outage_after_two_submits_begins_with_the_third",),
    ),
    Plant(
        "the simulator's revoked key makes one job more than --revoke-after says",
        "batchgen/simulator/worlds.py",
        "if limit is not None and state.submits_by_key[key] >= limit:",
        "if limit is not None and state.submits_by_key[key] > limit:",
        (
            "tests/simulator/test_audit_worlds.py::test_a_key_revoked_after_two_jobs_makes_two_and_is_refused_from_th"
            "e_third",
        ),
    ),
    Plant(
        "a history row with defaults filled in shows the defaults over the values sent",
        "batchgen/simulator/worlds.py",
        "        return {**(model.defaults() if model is not None else {}), **body}",
        "        return {**body, **(model.defaults() if model is not None else {})}",
        ("tests/simulator/test_audit_worlds.py::test_a_history_body_with_defaults_filled_in_keeps_what_was_sent",),
    ),
    Plant(
        "the redirect's other origin does not count a key sent as a Bearer token",
        "batchgen/simulator/worlds.py",
        '        if "x-api-key" in request.headers or "Authorization" in request.headers:',
        '        if "x-api-key" in request.headers:',
        ("tests/simulator/test_audit_worlds.py::test_the_other_origin_counts_a_key_sent_in_either_header",),
    ),
    Plant(
        "a list with a preview first gives the video first, so the client's pick is never tried",
        "batchgen/simulator/worlds.py",
        '        body["output"] = [preview, url]',
        '        body["output"] = [url, preview]',
        (
            "tests/simulator/test_audit_worlds.py::test_a_list_with_a_preview_first_gives_the_still_images_link_then_"
            "the_videos",
        ),
    ),
    Plant(
        "a bare request id of the history is put back together with its dashes in the wrong places",
        "batchgen/simulator/worlds.py",
        "spelled[12:16], spelled[16:20], spelled[20:]",
        "spelled[12:16], spelled[16:21], spelled[21:]",
        (
            "tests/api/test_worlds_answers.py::test_one_request_is_asked_of_the_history_in_its_own_spelling_once_that"
            "_is_known",
        ),
    ),
    Plant(
        "the simulator refuses a number at either end of its spec's range",
        "batchgen/simulator/schema.py",
        "if low is not None and high is not None and not low <= value <= high:",
        "if low is not None and high is not None and not low < value < high:",
        (
            "tests/simulator/test_audit_schema.py::test_a_number_at_either_end_of_its_range_is_taken_and_one_past_it_"
            "refused",
        ),
    ),
    Plant(
        "the simulator refuses a prompt of exactly its longest length",
        "batchgen/simulator/schema.py",
        '        if spec.get("max_length") and len(value) > int(spec["max_length"]):',
        '        if spec.get("max_length") and len(value) >= int(spec["max_length"]):',
        (
            "tests/simulator/test_audit_schema.py::test_a_prompt_of_exactly_its_longest_length_is_taken_and_one_chara"
            "cter_more_refused",
        ),
    ),
    Plant(
        "a model whose spec lists no price is charged the bottom of its range, not the top",
        "batchgen/simulator/schema.py",
        "    return max(known, default=0.5)",
        "    return min(known, default=0.5)",
        (
            "tests/simulator/test_audit_schema.py::test_a_job_is_charged_its_listed_price_or_the_top_of_its_range_whe"
            "n_none_is_listed",
        ),
    ),
    Plant(
        "the simulator refuses an image exactly its spec's smallest side",
        "batchgen/simulator/schema.py",
        '    if spec.get("min_side_px") and min(size) < int(spec["min_side_px"]):',
        '    if spec.get("min_side_px") and min(size) <= int(spec["min_side_px"]):',
        (
            "tests/simulator/test_audit_schema.py::test_an_image_at_its_smallest_side_or_widest_aspect_is_taken_and_o"
            "ne_past_either_refused",
        ),
    ),
    Plant(
        "the simulator takes an http:// image URL the provider would not fetch",
        "batchgen/simulator/schema.py",
        '    if isinstance(value, str) and value.startswith("https://"):\n        return None',
        '    if isinstance(value, str) and value.startswith(("https://", "http://")):\n        return None',
        (
            "tests/simulator/test_audit_schema.py::test_an_image_url_that_is_not_https_is_refused_naming_the_field_an"
            "d_nothing_is_made",
        ),
    ),
    Plant(
        'the simulator refuses an enum value sent as its text ("5" for 5)',
        "batchgen/simulator/schema.py",
        "        if isinstance(value, list | dict) or not any(_text(v) == _text(value) for v in allowed):",
        "        if isinstance(value, list | dict) or value not in allowed:",
        ("tests/simulator/test_simulator.py::test_sdk_submit_and_wait_returns_a_playable_video",),
    ),
    Plant(
        "every image job of one shape gets the first image job's video (the cache keyed without the image)",
        "batchgen/simulator/media.py",
        "    key = (aspect, max(1, duration), image_key if image is not None else None)",
        "    key = (aspect, max(1, duration), None)",
        ("tests/simulator/test_audit_media.py::test_two_image_jobs_of_one_shape_each_start_from_their_own_image",),
    ),
    Plant(
        "a 10 s video is served from the 5 s template",
        "batchgen/simulator/media.py",
        "    seconds = 10 if duration >= 10 else 5",
        "    seconds = 10 if duration > 10 else 5",
        ("tests/report/test_report.py::test_simulator_serves_the_wrong_video_only_where_told",),
    ),
    Plant(
        "an output file's time to live is counted from its submit, not from when it finished",
        "batchgen/simulator/outputs.py",
        "    if now > job.finish + state.config.output_ttl_s:",
        "    if now > job.submitted + state.config.output_ttl_s:",
        (
            "tests/simulator/test_audit_outputs.py::test_a_video_is_served_for_its_time_to_live_counted_from_when_it_"
            "finished",
        ),
    ),
    Plant(
        "a key sent to an output link as a Bearer token is not counted as a leak",
        "batchgen/simulator/outputs.py",
        '    if "x-api-key" in request.headers or "Authorization" in request.headers:',
        '    if "x-api-key" in request.headers:',
        ("tests/simulator/test_audit_outputs.py::test_a_key_sent_to_an_output_link_is_counted_in_either_header",),
    ),
    Plant(
        "a server told to quote the key in its errors quotes it only in 5xx answers",
        "batchgen/simulator/app.py",
        '    if "error" in places and response.status >= 400:',
        '    if "error" in places and response.status >= 500:',
        (
            "tests/simulator/test_audit_app.py::test_a_server_told_to_quote_the_key_in_errors_quotes_it_in_every_erro"
            "r_it_answers",
        ),
    ),
    Plant(
        "the simulator's Date header gives the machine's time, not its own (scaled, offset) clock",
        "batchgen/simulator/app.py",
        '    response.headers["Date"] = email.utils.formatdate(state.clock.now(), usegmt=True)',
        '    response.headers["Date"] = email.utils.formatdate(usegmt=True)',
        ("tests/simulator/test_audit_app.py::test_the_date_header_speaks_the_simulators_clock_not_the_machines",),
    ),
    Plant(
        "a request record lives half an hour by default, not the hour the README and the API say",
        "batchgen/simulator/config.py",
        "    expiry_s: float = 3600.0",
        "    expiry_s: float = 1800.0",
        ("tests/simulator/test_audit_config.py::test_a_record_lives_one_hour_by_default_and_answers_404_after_it",),
    ),
    Plant(
        "a submit the balance does not cover is refused 402 by default, not 406",
        "batchgen/simulator/config.py",
        "    credits_status: int = 406  # one of CREDIT_REFUSALS",
        "    credits_status: int = 402  # one of CREDIT_REFUSALS",
        ("tests/e2e/test_promises_money.py::test_after_a_credit_stop_no_submit_is_sent",),
    ),
    Plant(
        "the simulator's output files are served from the API's address, not the output host asked for",
        "batchgen/simulator/server.py",
        "            self.app[OUTPUT_BASE].append(self.output_url)",
        "            pass",
        ("tests/api/test_client.py::test_key_goes_only_to_the_api_never_to_the_output_host",),
    ),
    Plant(
        "an autosave that met a full disk never saves again while serving",
        "batchgen/simulator/server.py",
        "retried on the next job and at exit\n                        continue",
        "retried on the next job and at exit\n                        return",
        ("tests/simulator/test_audit_server.py::test_an_autosave_that_met_a_full_disk_is_tried_again_while_serving",),
    ),
    Plant(
        "a --simulate run on a full disk keeps its reserved room when the first save fails, so the account is lost",
        "batchgen/cli/simulated.py",
        "    if reserve is not None:  # only needed while the run lasts",
        "    if reserve is not None and saved:  # only needed while the run lasts",
        (
            "tests/cli/test_audit_simulated.py::test_a_full_disk_at_the_end_of_a_simulated_run_is_met_by_giving_up_th"
            "e_reserved_room",
        ),
    ),
    Plant(
        "an account that cannot be saved is told without what to do (free disk space)",
        "batchgen/cli/simulated.py",
        '"flight cannot be found again. Free some disk space; the next --simulate run makes them again only "',
        '"flight cannot be found again; the next --simulate run makes them again only "',
        (
            "tests/cli/test_audit_simulated.py::test_an_account_that_cannot_be_saved_even_so_says_where_why_and_what_"
            "to_do",
        ),
    ),
    Plant(
        "a page of zoned rows brings the Date header back as the server's clock after a row without a zone",
        "batchgen/api/paging.py",
        "self.zoneless = self.zoneless or any(",
        "self.zoneless = any(",
        (
            "tests/api/test_audit_paging.py::"
            "test_once_a_row_was_stamped_without_a_zone_the_date_header_stays_ruled_out_whatever_pages_follow",
        ),
    ),
    Plant(
        "a listing with exactly a tenth as many rows falling as rising is not taken for oldest first",
        "batchgen/api/paging.py",
        "self.falls <= OLDEST_FIRST_EXCEPTIONS * self.rising",
        "self.falls < OLDEST_FIRST_EXCEPTIONS * self.rising",
        (
            "tests/api/test_audit_paging.py::"
            "test_a_listing_is_taken_for_oldest_first_with_exactly_the_share_of_falling_rows_it_allows",
        ),
    ),
    Plant(
        "another user's row above ours counts each of our rows below it as listed below a newer one",
        "batchgen/api/paging.py",
        "self._sent_above = max(self._sent_above, -math.inf if sent is None else sent)",
        "self._sent_above = max(self._sent_above, math.inf if sent is None else sent)",
        (
            "tests/api/test_audit_paging.py::"
            "test_another_users_row_listed_above_this_runs_requests_shows_none_of_ours_listed_below_a_newer_one",
        ),
    ),
    Plant(
        "a sound MP4 of another size than the API gave, in place once the link is gone, is kept as the job's",
        "batchgen/engine/downloader.py",
        "saved = await self.out.installed(dest, file_size=job.file_size, since=since)",
        "saved = await self.out.installed(dest, file_size=None, since=since)",
        (
            "tests/engine/test_audit_downloader.py::"
            "test_a_sound_video_of_another_size_than_the_api_gave_is_not_kept_as_the_jobs_once_its_link_is_gone",
        ),
    ),
    Plant(
        "a video in place is kept for a job whose submit time the ledger does not give (any older file passes)",
        "batchgen/engine/downloader.py",
        "        since = parse_time(job.submitted_wall)\n",
        "        since = parse_time(job.submitted_wall) or 0.0\n",
        (
            "tests/engine/test_audit_downloader.py::"
            "test_a_video_in_place_is_not_kept_for_a_job_whose_submit_time_the_ledger_does_not_give",
        ),
    ),
    Plant(
        "a ledger line leaves out a zero cost, a zero count and a false flag, not only None fields",
        "batchgen/store/ledger.py",
        "record.update((k, v) for k, v in fields.items() if v is not None)",
        "record.update((k, v) for k, v in fields.items() if v)",
        (
            "tests/store/test_audit_ledger.py::"
            "test_a_line_keeps_a_zero_cost_a_zero_count_and_a_false_flag_and_leaves_out_only_none",
        ),
    ),
    Plant(
        "the ledger is created group-writable where the umask allows it (0o666)",
        "batchgen/store/ledger.py",
        "os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o644",
        "os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o666",
        ("tests/store/test_ledger.py::test_opening_creates_a_private_to_write_file",),
    ),
    Plant(
        "every retry waits its full ceiling (no jitter): jobs that failed together retry together",
        "batchgen/retry.py",
        "return self._rng.uniform(0.0, ceiling)",
        "return ceiling",
        ("tests/test_audit_retry.py::test_each_wait_before_a_retry_is_drawn_at_random_between_zero_and_its_ceiling",),
    ),
    Plant(
        "a fake clock started at a run time reads its given wall time that much later",
        "batchgen/clock.py",
        "self._epoch0 = epoch - start",
        "self._epoch0 = epoch",
        (
            "tests/test_audit_clock.py::"
            "test_a_fake_clock_started_late_reads_the_wall_time_it_was_given_and_moves_it_with_run_time",
        ),
    ),
    Plant(
        "the fake clock's autojump leaps to the latest pending deadline, waking every sleeper at once",
        "batchgen/clock.py",
        "self.now_s = max(self._now, min(deadline for deadline, _ in self._sleepers))",
        "self.now_s = max(deadline for deadline, _ in self._sleepers)",
        ("tests/test_audit_clock.py::test_autojump_wakes_each_sleeper_at_its_own_deadline_earliest_first",),
    ),
    Plant(
        "a fake wait of zero seconds parks until time moves",
        "batchgen/clock.py",
        "        if seconds <= 0:\n            await anyio.lowlevel.checkpoint()",
        "        if seconds < 0:\n            await anyio.lowlevel.checkpoint()",
        ("tests/test_audit_clock.py::test_a_fake_wait_of_no_time_is_over_at_once_without_the_clock_moving",),
    ),
    Plant(
        "results.csv lets a cell starting with a tab or carriage return through as a formula",
        "batchgen/store/results.py",
        'cell[:1] in ("=", "+", "-", "@", "\\t", "\\r")',
        'cell[:1] in ("=", "+", "-", "@")',
        ("tests/store/test_storage.py::test_a_cell_starting_with_a_tab_or_carriage_return_is_not_read_as_a_formula",),
    ),
    Plant(
        "results.csv's image columns only when some job has a top-level image (list parameters' images dropped)",
        "batchgen/store/results.py",
        "with_inputs = any(every.values())",
        "with_inputs = any(inputs.values())",
        (
            "tests/store/test_storage.py::"
            "test_results_csv_names_the_images_inside_a_list_parameters_objects_by_their_place",
        ),
    ),
    Plant(
        "results.csv's error column is the error's JSON, not its detail",
        "batchgen/store/results.py",
        'error = error.get("detail") or json.dumps(error, ensure_ascii=False)',
        "error = json.dumps(error, ensure_ascii=False)",
        ("tests/store/test_storage.py::test_results_csv_has_one_row_per_job_with_the_error_text_and_no_formulas",),
    ),
    Plant(
        "results.csv's updated_at is the submit time, not the last line's",
        "batchgen/store/results.py",
        '            rec.get("ts"),\n',
        '            rec.get("submitted_at"),\n',
        ("tests/store/test_storage.py::test_results_csv_has_one_row_per_job_with_the_error_text_and_no_formulas",),
    ),
    Plant(
        "results.csv's warning_detail repeats the warnings' kinds",
        "batchgen/store/results.py",
        'row.append("; ".join(str(w.get("detail")) for w in warnings) or None)',
        'row.append("; ".join(str(w.get("kind")) for w in warnings) or None)',
        ("tests/store/test_storage.py::test_results_csv_has_one_row_per_job_with_the_error_text_and_no_formulas",),
    ),
    Plant(
        "results.csv's sha256 and cost columns swapped",
        "batchgen/store/results.py",
        '            rec.get("sha256"),\n            rec.get("cost"),\n',
        '            rec.get("cost"),\n            rec.get("sha256"),\n',
        ("tests/store/test_storage.py::test_results_csv_has_one_row_per_job_with_the_error_text_and_no_formulas",),
    ),
    Plant(
        "results.csv's input_image and input_sha256 swapped",
        "batchgen/store/results.py",
        'row += [image["file"], image["sha256"]] if image else [None, None]',
        'row += [image["sha256"], image["file"]] if image else [None, None]',
        (
            "tests/store/test_storage.py::"
            "test_results_csv_names_each_jobs_input_image_as_the_manifest_gave_it_and_leaves_others_blank",
        ),
    ),
    Plant(
        "results.csv's media_width and media_height hold each other's values",
        "batchgen/store/results.py",
        'MEDIA_FIELDS = ("duration_s", "width", "height", "fps", "codec", "frames")',
        'MEDIA_FIELDS = ("duration_s", "height", "width", "fps", "codec", "frames")',
        ("tests/store/test_storage.py::test_results_csv_has_one_row_per_job_with_the_error_text_and_no_formulas",),
    ),
    Plant(
        "cutting a torn tail also cuts the newline of the last whole line (the next line is glued to it)",
        "batchgen/store/ledger.py",
        "keep = size - tail + cut + 1 if cut >= 0",
        "keep = size - tail + cut if cut >= 0",
        ("tests/store/test_ledger.py::test_opening_cuts_a_torn_final_line_and_nothing_else",),
    ),
    Plant(
        "a torn final line is not reported as torn",
        "batchgen/store/ledger.py",
        "torn = bool(lines[-1].strip())",
        "torn = False",
        ("tests/store/test_ledger.py::test_a_torn_tail_cut_inside_a_character_is_still_just_torn",),
    ),
    Plant(
        "a malformed ledger line is named one line early",
        "batchgen/store/ledger.py",
        "enumerate(lines[:last_complete], start=1)",
        "enumerate(lines[:last_complete])",
        ("tests/store/test_ledger.py::test_a_malformed_line_names_file_and_line_and_what_to_do",),
    ),
    Plant(
        "a ledger line that is JSON but not an object ends the read in a traceback",
        "batchgen/store/ledger.py",
        "except (ValueError, KeyError, TypeError):",
        "except (ValueError, KeyError):",
        ("tests/store/test_ledger.py::test_a_malformed_line_names_file_and_line_and_what_to_do",),
    ),
    Plant(
        "a failed ledger write leaves its partial line behind",
        "batchgen/store/ledger.py",
        "                os.ftruncate(self._fd, start)\n",
        "                pass\n",
        ("tests/store/test_ledger.py::test_a_failed_fsync_leaves_no_partial_line_behind",),
    ),
    Plant(
        "after a failed ledger write later appends go on as if nothing failed",
        "batchgen/store/ledger.py",
        "                self._broken = exc\n",
        "                pass\n",
        ("tests/store/test_ledger.py::test_a_full_disk_fails_the_append_and_every_later_one",),
    ),
    Plant(
        "a replaced job carries the old request's fields past its 'replaced' line",
        "batchgen/store/ledger.py",
        'record.get("event") == RESTART_EVENT or ',
        "",
        ("tests/store/test_ledger.py::test_a_replaced_job_starts_over_and_carries_nothing",),
    ),
    Plant(
        "an unwritable ledger's message does not say what to do",
        "batchgen/store/ledger.py",
        (
            '; free some disk space or fix "\n                "the folder\'s permissions, then run the same command '
            'again to resume"'
        ),
        '"',
        ("tests/store/test_ledger.py::test_a_full_disk_fails_the_append_and_every_later_one",),
    ),
    Plant(
        "a line already durable is written again as an empty batch (one fsync more per appender)",
        "batchgen/store/ledger.py",
        "if self._durable >= mine:",
        "if self._durable > mine:",
        ("tests/store/test_ledger.py::test_lines_queued_during_a_write_share_the_next_fsync",),
    ),
    Plant(
        "a ledger line may hold NaN or Infinity (not JSON)",
        "batchgen/store/ledger.py",
        "allow_nan=False",
        "allow_nan=True",
        (
            "tests/store/test_ledger.py::"
            "test_an_event_line_is_compact_json_without_none_fields_and_keeps_text_as_written",
        ),
    ),
    Plant(
        "lines queued during a write are taken as durable once it ends (append returns before its line is written)",
        "batchgen/store/ledger.py",
        "            self._durable = upto\n",
        "            self._durable = self._queued\n",
        ("tests/e2e/test_promises.py::test_the_submitting_line_is_on_disk_before_the_server_creates_the_job",),
    ),
    Plant(
        "an earlier read of the ledger is taken again after the file changed",
        "batchgen/store/ledger.py",
        "if read is not None and read.stamp == ledger_stamp(path):",
        "if read is not None:",
        (
            "tests/store/test_ledger.py::"
            "test_a_read_is_taken_again_only_while_the_ledger_is_unchanged_even_within_one_tick_of_its_clock",
        ),
    ),
    Plant(
        "a submit after an ended job carries the ended request (the new line's state is tested, not the old)",
        "batchgen/store/ledger.py",
        'previous["state"] in _ENDED',
        'record["state"] in _ENDED',
        ("tests/store/test_ledger.py::test_a_submit_after_an_ended_job_is_a_new_request_and_carries_nothing",),
    ),
    Plant(
        "a torn line longer than the searched tail truncates the whole ledger",
        "batchgen/store/ledger.py",
        "(0 if tail == size else size)",
        "0",
        ("tests/store/test_ledger.py::test_only_the_last_mebibyte_is_searched_for_the_torn_line",),
    ),
    Plant(
        "an unreadable ledger's message does not name the file",
        "batchgen/store/ledger.py",
        'raise LedgerError(f"{path}: cannot be read ({exc.strerror or exc})") from None',
        'raise LedgerError(f"cannot be read ({exc.strerror or exc})") from None',
        ("tests/store/test_ledger.py::test_an_unreadable_ledger_says_which_file_and_why",),
    ),
    Plant(
        "a flush of the group commit never writes the queued lines",
        "batchgen/store/ledger.py",
        "        if self._broken is None:\n            await self._through(self._queued, write)",
        "        if self._broken is not None:\n            await self._through(self._queued, write)",
        (
            "tests/store/test_segments_kept.py::"
            "test_closing_with_the_lease_held_writes_the_riding_lines_and_folds_the_run_into_a_snapshot",
        ),
    ),
    Plant(
        "a video found in place and kept is also told as fetched again",
        "batchgen/engine/downloader.py",
        "            report.refetched -= 1  # (counted so as the run began) taken up, not fetched\n",
        "",
        ("tests/e2e/test_crash.py::test_a_video_in_place_without_its_completed_line_is_kept_once_its_link_is_gone",),
    ),
    Plant(
        "the sidecar's seconds_to_finish is the run time of the finish, not submit to finish",
        "batchgen/engine/downloader.py",
        '"seconds_to_finish": round(job.finished_at - submitted, 3) if job.finished_at else None,',
        '"seconds_to_finish": round(job.finished_at, 3) if job.finished_at else None,',
        ("tests/engine/test_downloader_units.py::test_a_completed_video_has_its_sidecar_and_completed_line_in_full",),
    ),
    Plant(
        "the sidecar's submitted_at is the completion time",
        "batchgen/engine/downloader.py",
        '"submitted_at": job.submitted_wall,',
        '"submitted_at": iso_utc(self.clock.epoch()),',
        ("tests/engine/test_downloader_units.py::test_a_completed_video_has_its_sidecar_and_completed_line_in_full",),
    ),
    Plant(
        "a completed job's time is not counted in the run's job times",
        "batchgen/engine/downloader.py",
        "            self.control.report.job_seconds.append(job.finished_at - submitted)\n",
        "            pass\n",
        ("tests/engine/test_downloader_units.py::test_a_completed_video_has_its_sidecar_and_completed_line_in_full",),
    ),
    Plant(
        "the completed line names the video by its absolute path, not its place in the folder",
        "batchgen/engine/downloader.py",
        "file=str(dest.relative_to(out.root)),",
        "file=str(dest),",
        ("tests/engine/test_downloader_units.py::test_a_completed_video_has_its_sidecar_and_completed_line_in_full",),
    ),
    Plant(
        "the completed line leaves out the video's mtime (every later run hashes it)",
        "batchgen/engine/downloader.py",
        "            mtime_ns=saved.mtime_ns,\n",
        "",
        ("tests/engine/test_downloader_units.py::test_a_completed_video_has_its_sidecar_and_completed_line_in_full",),
    ),
    Plant(
        "the sidecar leaves out where the job came from in the manifest",
        "batchgen/engine/downloader.py",
        '            "source": job.spec.source,\n',
        "",
        ("tests/engine/test_downloader_units.py::test_a_completed_video_has_its_sidecar_and_completed_line_in_full",),
    ),
    Plant(
        "what the media checks found is never written on the completed line",
        "batchgen/engine/downloader.py",
        "            warnings=warnings or None,\n",
        "            warnings=None,\n",
        (
            "tests/engine/test_downloader_checks.py::"
            "test_what_the_checks_found_reaches_the_ledger_and_the_sidecar_as_found",
        ),
    ),
    Plant(
        "a download that failed for now ends the paid job failed, not downloading for a later run",
        "batchgen/engine/downloader.py",
        "job, Event.DOWNLOAD_FAILED, JobState.DOWNLOADING,",
        "job, Event.DOWNLOAD_FAILED, JobState.FAILED,",
        ("tests/engine/test_downloader.py::test_a_video_cut_short_is_retried_then_left_downloading_for_a_later_run",),
    ),
    Plant(
        "a download failing for any reason is taken for a gone link (the paid video sent back as lost)",
        "batchgen/engine/downloader.py",
        "                if exc.gone:  # the API's",
        "                if True:  # the API's",
        ("tests/engine/test_downloader.py::test_a_video_cut_short_is_retried_then_left_downloading_for_a_later_run",),
    ),
    Plant(
        "a fresh link found after a failure is looked for again after every later failure",
        "batchgen/engine/downloader.py",
        (
            "                        job.output_url, job.file_size = found.url, found.size\n                        r"
            "efreshed = True\n                        attempts.restart()"
        ),
        (
            "                        job.output_url, job.file_size = found.url, found.size\n                        a"
            "ttempts.restart()"
        ),
        ("tests/engine/test_downloader.py::test_a_video_cut_short_is_retried_then_left_downloading_for_a_later_run",),
    ),
    Plant(
        "a lost video's message does not say how to make it again",
        "batchgen/engine/downloader.py",
        'cannot be recovered: {why}; {REMAKE}"',
        'cannot be recovered: {why}"',
        ("tests/engine/test_downloader.py::test_a_video_gone_everywhere_is_sent_to_the_submitter_as_lost",),
    ),
    Plant(
        "a video lost by its link is sent back with an HTTP 404 it never had",
        "batchgen/engine/downloader.py",
        "Lost(job, detail, event=Event.LOST, http=None)",
        "Lost(job, detail, event=Event.LOST)",
        ("tests/engine/test_downloader.py::test_a_video_gone_everywhere_is_sent_to_the_submitter_as_lost",),
    ),
    Plant(
        "a download error that is not to be retried is retried",
        "batchgen/engine/downloader.py",
        "isinstance(exc, DownloadError) and exc.retryable and not job.url_from_history",
        "isinstance(exc, DownloadError) and not job.url_from_history",
        ("tests/engine/test_downloader.py::test_an_expired_link_is_replaced_by_a_fresh_one_from_the_result",),
    ),
    Plant(
        "a failed download's line forgets the link it tried",
        "batchgen/engine/downloader.py",
        'error={"detail": detail}, output_url=job.output_url',
        'error={"detail": detail}',
        ("tests/engine/test_downloader_units.py::test_a_failed_download_keeps_the_link_it_tried_for_the_next_run",),
    ),
    Plant(
        "a resumed job whose link cannot be looked up is declared lost",
        "batchgen/engine/downloader.py",
        (
            '                if found is None:\n                    await self._failed(job, "its output URL could no'
            't be looked up; run again later")\n                    return\n'
        ),
        "",
        (
            "tests/engine/test_downloader_units.py::"
            "test_a_resumed_job_whose_link_cannot_be_looked_up_is_left_for_a_later_run_not_lost",
        ),
    ),
    Plant(
        "a gone link whose refresh could not be asked is declared lost",
        "batchgen/engine/downloader.py",
        "                    if found is None:  # unknown whether the API has another link: not lost\n",
        "                    if False:  # unknown whether the API has another link: not lost\n",
        (
            "tests/engine/test_downloader_units.py::"
            "test_a_gone_link_whose_refresh_cannot_be_asked_is_never_declared_lost",
        ),
    ),
    Plant(
        "a result's link is never compared with the history's (history links never trusted or ended)",
        "batchgen/engine/downloader.py",
        "                        self.reconciler.links.compare(job.spec.model, tried, result.output_url)\n",
        "",
        (
            "tests/engine/test_downloader_units.py::"
            "test_a_history_link_naming_the_results_file_is_trusted_for_later_jobs_of_its_model",
        ),
    ),
    Plant(
        "a history that showed a job finished before its result did keeps giving links",
        "batchgen/engine/downloader.py",
        (
            '                    self.reconciler.links.distrust("the request history showed a job finished before it'
            's result did")\n'
        ),
        "",
        (
            "tests/engine/test_downloader_units.py::"
            "test_a_history_that_was_early_ends_history_links_for_the_run_and_says_so",
        ),
    ),
    Plant(
        "a history link's error that is not to be retried is retried",
        "batchgen/engine/downloader.py",
        "if attempts.retry(exc, exc.retryable):",
        "if attempts.retry(exc, True):",
        (
            "tests/engine/test_downloader_units.py::"
            "test_a_history_link_that_fails_with_no_result_to_ask_uses_the_history_row_again",
        ),
    ),
    Plant(
        "a result that says FAILED is taken for an early history and asked again",
        "batchgen/engine/downloader.py",
        "                    if result.state not in UNFINISHED_STATES:\n                        return False\n",
        "",
        (
            "tests/engine/test_downloader_units.py::"
            "test_a_history_link_that_keeps_failing_after_a_failed_result_is_replaced_once_its_tries_run_out",
        ),
    ),
    Plant(
        "a history link that failed is still taken for one after the result's link replaced it",
        "batchgen/engine/downloader.py",
        "                    job.url_from_history = False\n",
        "                    pass\n",
        (
            "tests/engine/test_downloader_units.py::"
            "test_a_history_link_that_keeps_failing_after_a_failed_result_is_replaced_once_its_tries_run_out",
        ),
    ),
    Plant(
        "the size the result's own link comes with is not held against its download",
        "batchgen/engine/downloader.py",
        "job.output_url, job.file_size = result.output_url, result.file_size",
        "job.output_url = result.output_url",
        (
            "tests/engine/test_downloader_units.py::"
            "test_the_size_the_results_own_link_comes_with_is_held_against_its_download",
        ),
    ),
    Plant(
        "a download ignores the configured time out",
        "batchgen/engine/downloader.py",
        "url, max_bytes=settings.max_download_bytes, timeout_s=settings.download_timeout_s",
        "url, max_bytes=settings.max_download_bytes",
        (
            "tests/engine/test_downloader_checks.py::"
            "test_every_download_is_bounded_by_the_configured_size_cap_and_time_out",
        ),
    ),
    Plant(
        "a body shorter than its declared length is not checked against it",
        "batchgen/engine/downloader.py",
        "                    content_length=dl.content_length,\n",
        "                    content_length=None,\n",
        ("tests/engine/test_downloader_checks.py::test_a_body_shorter_than_its_declared_length_is_never_kept",),
    ),
    Plant(
        "a call is tried once more than max_attempts",
        "batchgen/retry.py",
        "if delay is None or self.number >= self.max_attempts:",
        "if delay is None or self.number > self.max_attempts:",
        ("tests/test_retry.py::test_when_attempts_run_out_the_last_error_propagates_unchanged",),
    ),
    Plant(
        "a 429 spends one of the call's attempts",
        "batchgen/retry.py",
        "        self.number -= 1\n        self.last, self._wait, self._more = exc, 0.0, True",
        "        self.last, self._wait, self._more = exc, 0.0, True",
        ("tests/test_retry.py::test_restart_and_again_now_go_on_at_once_with_a_fresh_count",),
    ),
    Plant(
        "the backoff's ceiling is its floor (backoff_max_s the least wait)",
        "batchgen/retry.py",
        "ceiling = min(self.settings.backoff_max_s,",
        "ceiling = max(self.settings.backoff_max_s,",
        ("tests/test_retry.py::test_retried_errors_are_swallowed_with_the_backoff_between_and_success_ends_the_loop",),
    ),
    Plant(
        "a retry whose wait ends past the deadline is still made",
        "batchgen/retry.py",
        "if self.clock.now() - self.started + delay > self.deadline_s:",
        "if self.clock.now() - self.started > self.deadline_s:",
        ("tests/test_retry.py::test_a_hook_saying_no_or_a_number_is_obeyed_and_the_deadline_bounds_the_waits",),
    ),
    Plant(
        "a 429 met exactly at the retry deadline is taken as past it",
        "batchgen/retry.py",
        "return self.clock.now() - self.started <= self.deadline_s",
        "return self.clock.now() - self.started < self.deadline_s",
        ("tests/test_retry.py::test_the_deadline_is_kept_only_while_the_time_since_the_first_attempt_is_within_it",),
    ),
    Plant(
        "an API out of reach waits a full backoff past the reachability bound",
        "batchgen/retry.py",
        "min(delay or 0.0, cap)",
        "delay or 0.0",
        ("tests/api/test_gateway_reach.py::test_an_api_out_of_reach_is_asked_again_at_growing_gaps_until_the_bound",),
    ),
    Plant(
        "attempts at an API out of reach spend the call's attempts",
        "batchgen/retry.py",
        "        self.number -= 1\n        self.last, self._wait, self._more = exc, min(delay or 0.0, cap), True",
        "        self.last, self._wait, self._more = exc, min(delay or 0.0, cap), True",
        ("tests/api/test_gateway_reach.py::test_an_api_out_of_reach_is_asked_again_at_growing_gaps_until_the_bound",),
    ),
    Plant(
        "rates shown to a person are per run second, not per real second",
        "batchgen/clock.py",
        "return self.now() / self.scale",
        "return self.now()",
        (
            "tests/test_clock.py::"
            "test_a_wall_moment_lies_as_far_back_on_the_run_clock_as_the_time_scale_makes_it_and_never_ahead",
        ),
    ),
    Plant(
        "run seconds are multiplied by the time scale, not divided, when slept",
        "batchgen/clock.py",
        "return max(0.0, seconds) / self.scale",
        "return max(0.0, seconds) * self.scale",
        (
            "tests/test_clock.py::"
            "test_a_wall_moment_lies_as_far_back_on_the_run_clock_as_the_time_scale_makes_it_and_never_ahead",
        ),
    ),
    Plant(
        "an HTTP date (Retry-After, Date) is not read",
        "batchgen/clock.py",
        "        return email.utils.parsedate_to_datetime(text).timestamp()\n",
        "        raise ValueError\n",
        ("tests/test_clock.py::test_dates_read_back_as_the_moments_they_were_written",),
    ),
    Plant(
        "the ledger's dates lose their milliseconds",
        "batchgen/clock.py",
        'isoformat(timespec="milliseconds")',
        'isoformat(timespec="seconds")',
        ("tests/test_clock.py::test_dates_read_back_as_the_moments_they_were_written",),
    ),
    Plant(
        "a number given where a date text is expected is read as a date",
        "batchgen/clock.py",
        "    if not isinstance(text, str):\n        return None\n    text = text.strip()",
        "    text = str(text).strip()",
        ("tests/test_clock.py::test_dates_read_back_as_the_moments_they_were_written",),
    ),
    Plant(
        "a page as long as the longest seen is taken for the history's end",
        "batchgen/api/paging.py",
        "last = count == 0 or count < min(self.longest, self.asked)",
        "last = count == 0 or count <= min(self.longest, self.asked)",
        ("tests/api/test_paging.py::test_a_short_page_is_the_end_only_once_a_longer_page_was_seen",),
    ),
    Plant(
        "a page's size is learned from its rows, not its requests (a request listed twice)",
        "batchgen/api/paging.py",
        "        self.longest = max(self.longest, requests)\n",
        "        self.longest = max(self.longest, count)\n",
        (
            "tests/api/test_paging.py::"
            "test_a_page_of_a_server_that_caps_its_pages_listing_a_request_twice_does_not_set_the_size",
        ),
    ),
    Plant(
        "the page size counted ahead is always what is asked for, not what the server gives",
        "batchgen/api/paging.py",
        "return min(self.longest or HISTORY_PAGE, self.asked)",
        "return self.asked",
        ("tests/api/test_paging.py::test_a_short_page_is_the_end_only_once_a_longer_page_was_seen",),
    ),
    Plant(
        "rows left out as malformed do not count toward a page (a full page looks short)",
        "batchgen/api/paging.py",
        "        count = min(self.asked, listed(rows))\n",
        "        count = min(self.asked, len(rows))\n",
        ("tests/api/test_paging.py::test_rows_left_out_as_malformed_still_count_toward_the_page",),
    ),
    Plant(
        "an empty first page is not the history's end",
        "batchgen/api/paging.py",
        "last = count == 0 or count < min(self.longest, self.asked)",
        "last = count < min(self.longest, self.asked)",
        (
            "tests/engine/test_sweeper_units.py::"
            "test_a_due_sweep_is_put_off_while_too_few_finds_are_expected_and_looked_at_again_sooner",
        ),
    ),
    Plant(
        "a job in flight at the top of a listing sets the row rate to zero",
        "batchgen/api/paging.py",
        "self._deepest is not None and self._deepest[0] > 0 and now > self._deepest[1]",
        "self._deepest is not None and now > self._deepest[1]",
        (
            "tests/api/test_paging.py::"
            "test_the_rows_listed_above_the_deepest_job_in_flight_give_the_rate_they_are_made_at",
        ),
    ),
    Plant(
        "the rows above the deepest job in flight count that job too",
        "batchgen/api/paging.py",
        (
            "            if self._in_flight(rid) and (sent := self._sent.get(rid)) is not None:\n                self"
            "._deepest = (self._rows, sent)\n            self._rows += 1\n"
        ),
        (
            "            self._rows += 1\n            if self._in_flight(rid) and (sent := self._sent.get(rid)) is no"
            "t None:\n                self._deepest = (self._rows, sent)\n"
        ),
        (
            "tests/api/test_paging.py::"
            "test_the_rows_listed_above_the_deepest_job_in_flight_give_the_rate_they_are_made_at",
        ),
    ),
    Plant(
        "the row rate is read off the deepest request of ours, finished or not",
        "batchgen/api/paging.py",
        "            if self._in_flight(rid) and (sent := self._sent.get(rid)) is not None:\n",
        "            if (sent := self._sent.get(rid)) is not None:\n",
        (
            "tests/api/test_paging.py::"
            "test_the_rows_listed_above_the_deepest_job_in_flight_give_the_rate_they_are_made_at",
        ),
    ),
    Plant(
        "rows seen rising are counted as the oldest-first evidence, not the distinct requests",
        "batchgen/api/paging.py",
        "return len(self.rose) >= OLDEST_FIRST_EVIDENCE and self.falls",
        "return self.rising >= OLDEST_FIRST_EVIDENCE and self.falls",
        ("tests/api/test_paging.py::test_the_same_rows_read_again_by_every_sweep_are_not_taken_for_more_evidence",),
    ),
    Plant(
        "a request listed once per output counts twice as a row below an older one",
        "batchgen/api/paging.py",
        "order.rising += rid != self._previous",
        "order.rising += 1",
        (
            "tests/api/test_paging.py::"
            "test_rows_listed_oldest_first_are_taken_for_it_only_after_enough_of_them_and_not_once_more_than_a_few_fa"
            "ll",
        ),
    ),
    Plant(
        "a listing is taken for one in no order when rows only fall",
        "batchgen/api/paging.py",
        "            and rising > OLDEST_FIRST_EXCEPTIONS * falls\n",
        "",
        (
            "tests/api/test_paging.py::"
            "test_a_listing_is_taken_for_one_in_no_order_only_when_rows_both_rise_and_fall_often",
        ),
    ),
    Plant(
        "the earliest and latest stamps above a row are kept the wrong way round",
        "batchgen/api/paging.py",
        "self._oldest, self._newest = min(self._oldest, created), max(self._newest, created)",
        "self._oldest, self._newest = max(self._oldest, created), min(self._newest, created)",
        ("tests/api/test_paging.py::test_rows_made_later_than_one_listed_above_show_the_listing_is_not_newest_first",),
    ),
    Plant(
        "a row of someone else's above ours takes our next request for made after it",
        "batchgen/api/paging.py",
        "self._made_above = min(self._made_above, math.inf if made is None else made)",
        "self._made_above = min(self._made_above, -math.inf if made is None else made)",
        ("tests/api/test_paging.py::test_without_timestamps_this_runs_own_requests_show_the_order",),
    ),
    Plant(
        "a history's found output takes its cost for the job's latency (the fields' order changed)",
        "batchgen/engine/verdicts.py",
        "    url: str\n    cost: float | None\n    latency_s: float | None = None",
        "    url: str\n    latency_s: float | None\n    cost: float | None = None",
        ("tests/engine/test_audit_handover.py::test_only_a_gone_record_with_no_output_anywhere_is_sent_back_as_lost",),
    ),
    Plant(
        "simulator: a FAILED job is charged once it ends",
        "batchgen/simulator/state.py",
        '            if job.outcome == "COMPLETED" and job.finish <= now:',
        "            if job.finish <= now:",
        ("tests/simulator/test_simulator.py::test_sdk_raises_inference_failed_with_the_error_text",),
    ),
    Plant(
        "simulator: a stalled job frees its worker at once",
        "batchgen/simulator/state.py",
        "            heapq.heappush(self._workers, start + self.config.expiry_s)",
        "            heapq.heappush(self._workers, start)",
        ("tests/simulator/test_audit_state.py::test_a_stalled_job_holds_its_worker_for_the_life_of_its_record",),
    ),
    Plant(
        "simulator: jobs start at once whatever the workers (no queue)",
        "batchgen/simulator/state.py",
        "        start = max(now, free_at)",
        "        start = now",
        ("tests/simulator/test_audit_state.py::test_jobs_beyond_the_workers_wait_in_the_queue_until_a_worker_is_free",),
    ),
    Plant(
        "simulator: a completed job's credit hold is never released (charged and held)",
        "batchgen/simulator/state.py",
        "if self.config.credit_holds:\n                self.holds -= job.cost",
        'if self.config.credit_holds and job.outcome != "COMPLETED":\n                self.holds -= job.cost',
        (
            "tests/e2e/test_promises_money.py::test_a_balance_refused_as_402_or_a_400_that_says_so_stops_submitting_l"
            "ike_a_406[402]",
        ),
    ),
    Plant(
        "simulator: the account is saved in place, not through a temporary file",
        "batchgen/simulator/state.py",
        '        temp = f"{path}.{os.getpid()}.tmp"',
        "        temp = path",
        (
            "tests/simulator/test_audit_state.py::test_a_save_that_fails_leaves_the_earlier_account_whole_and_no_part"
            "ial_file",
        ),
    ),
    Plant(
        "simulator: a saved account wakes up on the machine's clock, its jobs older by the pause",
        "batchgen/simulator/state.py",
        "        self.clock.resume_at(now)\n",
        "",
        (
            "tests/simulator/test_audit_state.py::test_a_saved_account_is_taken_up_on_its_own_clock_with_its_balance_"
            "holds_and_charges",
        ),
    ),
    Plant(
        "simulator: a saved account's balance and holds are taken up swapped",
        "batchgen/simulator/state.py",
        "        self.balance, self.holds = balance, holds",
        "        self.balance, self.holds = holds, balance",
        ("tests/e2e/test_crash.py::test_an_interrupted_simulated_run_resumes_to_exit_0",),
    ),
    Plant(
        "simulator: a saved account's videos are not served after it is taken up",
        "batchgen/simulator/state.py",
        "        self.by_file = {job.file_id: job for job in self.jobs.values()}",
        "        self.by_file = {}",
        ("tests/e2e/test_crash.py::test_an_interrupted_simulated_run_resumes_to_exit_0",),
    ),
    Plant(
        "simulator: a body submitted twice is not counted as a duplicate",
        "batchgen/simulator/state.py",
        "        return sum(n - 1 for n in seen.values() if n > 1)",
        "        return sum(n - 1 for n in seen.values() if n > 2)",
        ("tests/simulator/test_audit_state.py::test_a_body_submitted_again_is_counted_as_a_duplicate_once_per_repeat",),
    ),
    Plant(
        "simulator: a record's life is counted from its start, not its submission",
        "batchgen/simulator/state.py",
        "self.clock.now() >= job.submitted + self.config.expiry_s",
        "self.clock.now() >= job.start + self.config.expiry_s",
        ("tests/simulator/test_sim_worlds.py::test_short_record_life_answers_404_early",),
    ),
    Plant(
        "simulator: a 429's reset time is a whole window from now, not when the oldest request leaves it",
        "batchgen/simulator/state.py",
        "            return self._limited(key, window[0] + span)",
        "            return self._limited(key, now + span)",
        ("tests/e2e/test_world.py::test_hintless_429s_at_4x_the_limit_find_the_window",),
    ),
    Plant(
        "simulator: a FAILED job's history row shows a credits deduction",
        "batchgen/simulator/history.py",
        '        "credits_deduction": worlds.charge_shown(state, job.cost) if phase == "COMPLETED" else 0.0,',
        '        "credits_deduction": worlds.charge_shown(state, job.cost),',
        (
            "tests/simulator/test_audit_history.py::test_a_failed_jobs_row_shows_no_credits_deducted_and_a_completed_"
            "ones_its_price",
        ),
    ),
    Plant(
        "simulator: a history row's updated_at is the job's finish, even in the future (a stalled job: 500)",
        "batchgen/simulator/history.py",
        '        "updated_at": _iso(min(now, job.finish)),',
        '        "updated_at": _iso(job.finish),',
        ("tests/e2e/test_crash.py::test_a_stalled_job_expires_with_a_clear_message",),
    ),
    Plant(
        "simulator: one request of the history is shown to another account's key",
        "batchgen/simulator/history.py",
        "    if job is None or job.submitted > seen_at or job.account != account:",
        "    if job is None or job.submitted > seen_at:",
        ("tests/e2e/test_api_worlds.py::test_a_revoked_key_stops_the_run_and_the_same_accounts_new_key_finishes_it",),
    ),
    Plant(
        "simulator: a history page holds one row more than per_page",
        "batchgen/simulator/history.py",
        "        if start <= total < start + per_page:",
        "        if start <= total <= start + per_page:",
        (
            "tests/simulator/test_sim_worlds.py::test_a_capped_history_serves_fewer_rows_than_asked_for_and_says_noth"
            "ing_of_its_pages",
        ),
    ),
    Plant(
        "simulator: a lagging history filters by status as of now, not as of what it shows",
        "batchgen/simulator/history.py",
        "        if wanted and _phase_label(job, seen_at) != wanted:",
        "        if wanted and _phase_label(job, now) != wanted:",
        (
            "tests/simulator/test_audit_history.py::test_a_lagging_history_filtered_by_status_gives_each_row_as_it_sh"
            "ows_it",
        ),
    ),
    Plant(
        "simulator: another account's key may poll a request",
        "batchgen/simulator/polls.py",
        '    if job is None or job.account != worlds.account_of(state, request.headers.get("x-api-key")):',
        "    if job is None:",
        ("tests/e2e/test_api_worlds.py::test_a_revoked_key_stops_the_run_and_the_same_accounts_new_key_finishes_it",),
    ),
    Plant(
        "simulator: the credits endpoint gives the free credits as the balance and the balance as free",
        "batchgen/simulator/polls.py",
        '{"credits": round(state.balance, 6), "free-credits": state.config.free_credits}',
        '{"credits": state.config.free_credits, "free-credits": round(state.balance, 6)}',
        ("tests/simulator/test_simulator.py::test_sdk_reads_history_and_credits",),
    ),
    Plant(
        "simulator: a submit that exactly uses up the balance is refused",
        "batchgen/simulator/submit.py",
        "    if state.available() < cost:",
        "    if state.available() <= cost:",
        (
            "tests/simulator/test_audit_submit.py::test_a_submit_that_uses_up_the_balance_exactly_is_accepted_and_the"
            "_next_is_refused_406",
        ),
    ),
    Plant(
        "simulator: a 429's Retry-After may be 0",
        "batchgen/simulator/replies.py",
        '            headers["Retry-After"] = str(max(1, math.ceil(reset_at - state.clock.now())))',
        '            headers["Retry-After"] = str(int(reset_at - state.clock.now()))',
        (
            "tests/simulator/test_audit_replies.py::test_a_429_asks_for_at_least_one_second_and_no_less_than_the_rese"
            "t_is_away",
        ),
    ),
    Plant(
        "simulator: a Bearer key is taken where the world does not accept one",
        "batchgen/simulator/replies.py",
        '    if key is None and auth.lower().startswith("bearer ") and state.config.accept_bearer:',
        '    if key is None and auth.lower().startswith("bearer "):',
        ("tests/simulator/test_audit_replies.py::test_a_bearer_key_is_refused_unless_the_world_takes_bearer_keys",),
    ),
    Plant(
        "simulator: a poll of a FAILED job is answered 200",
        "batchgen/simulator/polls.py",
        "state=state),\n    }\n    return web.json_response(body, status=422)",
        "state=state),\n    }\n    return web.json_response(body, status=200)",
        ("tests/e2e/test_run.py::test_failed_jobs_exit_1_with_the_server_error_everywhere",),
    ),
    Plant(
        "simulator: the insufficient-credits answer gives the balance without the holds of jobs in flight",
        "batchgen/simulator/submit.py",
        'f"Insufficient credits. Your balance is {state.available():.4f} USD, "',
        'f"Insufficient credits. Your balance is {state.balance:.4f} USD, "',
        ("tests/e2e/test_told_true.py::test_the_out_of_credits_summary_quotes_the_latest_balance",),
    ),
    Plant(
        "simulator: a history window of exactly 31 days is refused",
        "batchgen/simulator/history.py",
        "    if (to_date - from_date).days > 31:",
        "    if (to_date - from_date).days >= 31:",
        ("tests/simulator/test_audit_history.py::test_a_date_window_of_31_days_is_served_and_one_of_32_refused",),
    ),
    Plant(
        "simulator: the history leaves out the requests of its to_date's own day",
        "batchgen/simulator/history.py",
        "        if not from_date <= day <= to_date:",
        "        if not from_date <= day < to_date:",
        (
            "tests/simulator/test_sim_worlds.py::test_a_finished_history_rows_latency_is_what_the_world_says_it_measu"
            "res",
        ),
    ),
    Plant(
        "simulator: the history's model_name filter matches the whole name only, not a part of it",
        "batchgen/simulator/history.py",
        "        if model and model not in worlds.history_model_name(state, job.slug):",
        "        if model and model != worlds.history_model_name(state, job.slug):",
        (
            "tests/e2e/test_history_ids.py::test_lost_submits_are_found_in_a_history_that_names_models_otherwise_than"
            "_their_slugs[prefixed]",
        ),
    ),
    Plant(
        "simulator: a history listing finished requests only shows one unfinished request when asked for it",
        "batchgen/simulator/history.py",
        '    if state.config.history_shows == "finished" and _phase_label(job, seen_at) == "PENDING":',
        '    if state.config.history_shows == "finished" and job.status_at(seen_at) == "PENDING":',
        (
            "tests/simulator/test_audit_history.py::test_a_history_of_finished_requests_only_does_not_show_one_unfini"
            "shed_request_asked_for_by_id",
        ),
    ),
    Plant(
        "simulator: a submit the balance does not cover is refused 406 whatever --credits-status says",
        "batchgen/simulator/submit.py",
        "            state.config.credits_status,",
        "            406,",
        (
            "tests/e2e/test_promises_money.py::test_a_balance_refused_as_402_or_a_400_that_says_so_stops_submitting_l"
            "ike_a_406[402]",
        ),
    ),
    Plant(
        "simulator: a retired model is answered 404 as if it never existed",
        "batchgen/simulator/submit.py",
        '        return _error(410, f"Model {slug} has been retired and is no longer available")',
        '        return _error(404, f"Model {slug} has been retired and is no longer available")',
        ("tests/api/test_client.py::test_410_retired_model_is_rejected",),
    ),
    Plant(
        "simulator: output links ignore the output host and point at the API's own origin",
        "batchgen/simulator/replies.py",
        '    base = bases[0] if bases else f"{request.scheme}://{request.host}"',
        '    base = f"{request.scheme}://{request.host}"',
        (
            "tests/e2e/test_hostile.py::test_an_answer_not_about_the_job_never_fails_it_the_history_brings_its_video["
            "redirect_api]",
        ),
    ),
    Plant(
        "simulator: a key is never revoked (the submit does not tell the worlds it made a job)",
        "batchgen/simulator/submit.py",
        '    worlds.after_submit(state, job, request.headers.get("x-api-key"))',
        "    pass",
        ("tests/e2e/test_api_worlds.py::test_a_revoked_key_stops_the_run_and_the_same_accounts_new_key_finishes_it",),
    ),
    Plant(
        "simulator: a rate window too short for one request at the rpm admits none",
        "batchgen/simulator/state.py",
        "        return max(1, round(rpm * self.config.rate_window_s / 60.0))",
        "        return round(rpm * self.config.rate_window_s / 60.0)",
        ("tests/simulator/test_audit_state.py::test_a_window_too_short_for_one_request_at_the_rpm_still_admits_one",),
    ),
    Plant(
        "simulator: a result's remaining_credits counts the free credits and takes off the holds of jobs in flight",
        "batchgen/simulator/polls.py",
        '        metrics["remaining_credits"] = round(state.balance, 6)',
        '        metrics["remaining_credits"] = round(state.available(), 6)',
        ("tests/simulator/test_audit_polls.py::test_a_results_remaining_credits_is_the_paid_balance_after_its_charge",),
    ),
    Plant(
        "simulator: a result's metrics give the time queued as inference and the inference as queued",
        "batchgen/simulator/polls.py",
        '        "inference_time": round(inference, 3),\n        "queue_time": round(queue_time, 3),',
        '        "inference_time": round(queue_time, 3),\n        "queue_time": round(inference, 3),',
        ("tests/simulator/test_audit_polls.py::test_a_results_metrics_give_the_time_queued_and_the_inference_apart",),
    ),
    Plant(
        "simulator: a status poll of a job in flight is answered 200 whatever --accepted-status says",
        "batchgen/simulator/polls.py",
        "status=request.app[STATE].config.accepted_status)\n    return web.json_response(body)",
        "status=200)\n    return web.json_response(body)",
        (
            "tests/simulator/test_audit_polls.py::test_polls_of_a_job_in_flight_carry_the_worlds_accepted_status_and_"
            "a_finished_one_200",
        ),
    ),
    Plant(
        "a learned job's safety-net first poll, planned again later when due, passes its guard and its record's end",
        "batchgen/engine/schedule.py",
        "        if not self.latency.learned(key) or now >= self.guard_poll_at(job):",
        "        if not self.latency.learned(key):",
        (
            "tests/engine/test_schedule_edges.py::"
            "test_a_learned_job_never_polled_is_polled_at_its_guard_though_its_safety_net_would_come_later",
        ),
    ),
    Plant(
        "a copy in a folder below a shard's segments, or one numbered with more digits, is read as a segment",
        "batchgen/store/segments.py",
        "    return (seq, snapshot) if key == segment_key(shard_name, seq, snapshot=snapshot) else None",
        "    return (seq, snapshot)",
        (
            "tests/store/test_audit_segments.py::"
            "test_a_foreign_file_named_like_a_segment_is_not_read_in_its_place_nor_deleted_by_a_compaction",
        ),
    ),
    Plant(
        "the jobs made and not fetched are said to come to their cost at the catalogue's prices, priced by the config",
        "batchgen/engine/run.py",
        "        if any(job.estimate != estimate_cost(job.spec.model, job.spec.params, {}) for job in made + unpriced)",
        "        if False",
        (
            "tests/e2e/test_told_status.py::"
            "test_jobs_made_and_left_unfetched_are_priced_as_the_config_prices_them_and_status_says_at_whose_prices",
        ),
    ),
    Plant(
        "the life cap's rounds are reckoned from the slowest job that waited for none: one outlier sets the cap",
        "batchgen/engine/life_cap.py",
        "        long = took[round(UPPER * (len(took) - 1))]",
        "        long = took[-1]",
        (
            "tests/engine/test_life_cap.py::"
            "test_one_slow_job_among_those_that_waited_for_none_does_not_bring_the_cap_down_to_the_workers",
        ),
    ),
    Plant(
        "records found to die sooner move the guard, but not the polls already planned at the old one",
        "batchgen/engine/poller.py",
        "        self.replan()  # (a poll planned at the guard as it was would come after the record died)",
        "",
        (
            "tests/engine/test_schedule_edges.py::"
            "test_once_records_are_found_to_die_sooner_a_poll_planned_at_the_old_guard_is_planned_at_the_new_one",
        ),
    ),
    Plant(
        "a job past its guard gets no last looks once the history's rows are found not to stand in for records",
        "batchgen/engine/history_links.py",
        "        if stood and not self.stand_in:\n            self.fell()",
        "        if stood and not self.stand_in:\n            pass",
        (
            "tests/engine/test_schedule_edges.py::"
            "test_once_the_historys_rows_no_longer_stand_in_for_records_a_job_past_its_guard_gets_its_last_looks",
        ),
    ),
    Plant(
        "the run does not plan its jobs again once the history's rows no longer stand in for records",
        "batchgen/engine/run.py",
        "        links.fell = self.poller.replan  # (the jobs past their guard get their last looks)\n",
        "",
        (
            "tests/e2e/test_record_life.py::"
            "test_where_the_history_links_the_videos_no_poll_is_spent_on_a_records_last_margin",
        ),
    ),
    Plant(
        "simulator: a submit's balance check prices it without its body (an audio job checked at the silent price)",
        "batchgen/simulator/submit.py",
        "    cost = state.price(slug, mode, duration, body)",
        "    cost = state.price(slug, mode, duration)",
        (
            "tests/simulator/test_audit_submit.py::"
            "test_a_submit_whose_body_costs_more_than_the_balance_is_refused_at_the_price_it_would_be_charged",
        ),
    ),
    Plant(
        "simulator: a saved account keeps no inlined images (a taken-up image job's video and row lose its picture)",
        "batchgen/simulator/state.py",
        '"images": {digest: base64.b64encode(image).decode("ascii") for digest, image in self.images.items()},',
        '"images": {},',
        (
            "tests/simulator/test_audit_state.py::"
            "test_a_saved_image_jobs_video_and_history_body_are_the_same_after_it_is_taken_up",
        ),
    ),
    Plant(
        "a request-history page too large for api.max_response_bytes is not asked again with fewer rows",
        "batchgen/api/client.py",
        '                if per_page <= 1 or "per_page" not in asks:\n                    raise',
        "                if True:\n                    raise",
        ("tests/e2e/test_images.py::test_a_history_page_too_large_for_its_images_is_asked_again_with_fewer_rows",),
    ),
    Plant(
        "a page asked for with fewer rows than the longest seen is taken for the history's end",
        "batchgen/api/paging.py",
        "        last = count == 0 or count < min(self.longest, self.asked)",
        "        last = count == 0 or count < self.longest",
        ("tests/api/test_paging.py::test_pages_asked_with_fewer_rows_are_full_at_that_many_and_short_below_it",),
    ),
    Plant(
        "pages ahead are counted at the rows the longest page held, not the fewer asked for",
        "batchgen/api/paging.py",
        "        return min(self.longest or HISTORY_PAGE, self.asked)",
        "        return self.longest or HISTORY_PAGE",
        ("tests/api/test_paging.py::test_pages_asked_with_fewer_rows_are_full_at_that_many_and_short_below_it",),
    ),
    Plant(
        "the rows a page was asked for are not kept with it",
        "batchgen/api/client.py",
        '            asked=per_page if "per_page" in asks else None,',
        "            asked=None,",
        ("tests/e2e/test_images.py::test_a_history_page_too_large_for_its_images_is_asked_again_with_fewer_rows",),
    ),
    Plant(
        "each history read starts again at 100 rows a page, not at the fewer a too-large page taught",
        "batchgen/api/client.py",
        "        per_page = min(per_page, self.history_per_page)",
        "        per_page = per_page",
        ("tests/e2e/test_images.py::test_a_history_page_too_large_for_its_images_is_asked_again_with_fewer_rows",),
    ),
    Plant(
        "rows a history page is asked for are halved with nothing told of it",
        "batchgen/api/client.py",
        "        if per_page < min(too_large, self._told_per_page):",
        "        if False:",
        ("tests/e2e/test_images.py::test_a_history_page_too_large_for_its_images_is_asked_again_with_fewer_rows",),
    ),
    Plant(
        "a job watched in the history is taken for stalled while a job sent before it is unfinished",
        "batchgen/engine/poller.py",
        "            if other is job or other.submitted_at >= job.submitted_at:",
        "            if True:",
        (
            "tests/engine/test_poller_units.py::test_a_job_shown_pending_after_its_record_died_waits_for_the_jobs_sen"
            "t_before_it_to_be_through",
            "tests/e2e/test_crash.py::test_a_job_that_waits_behind_longer_ones_for_a_worker_is_not_taken_for_stalled_"
            "when_its_record_dies",
        ),
    ),
    Plant(
        "a watched job counts the jobs sent after it as ahead of it in the account's queue",
        "batchgen/engine/poller.py",
        "            if other is job or other.submitted_at >= job.submitted_at:",
        "            if other is job or other.submitted_at <= job.submitted_at:",
        (
            "tests/engine/test_poller_units.py::test_a_job_shown_pending_after_its_record_died_waits_for_the_jobs_sen"
            "t_before_it_to_be_through",
            "tests/e2e/test_crash.py::test_a_job_that_waits_behind_longer_ones_for_a_worker_is_not_taken_for_stalled_"
            "when_its_record_dies",
        ),
    ),
    Plant(
        "a job found finished in the history is not counted as freeing a worker for the jobs watched behind it",
        "batchgen/engine/poller.py",
        "            self.finishes.add(job.submitted_at, now)  # (its history row showed it finished: not in done_age)",
        "            pass",
        (
            "tests/engine/test_poller_units.py::test_a_job_shown_pending_after_its_record_died_waits_for_the_jobs_sen"
            "t_before_it_to_be_through",
        ),
    ),
    Plant(
        "a job a poll or a sweep saw finish is not counted as freeing a worker for the jobs watched behind it",
        "batchgen/engine/schedule.py",
        "if job.done_age is not None:  # finished: the worker it held went to the next job in the account's queue",
        "if False:",
        (
            "tests/engine/test_review_stalls.py::test_a_job_given_up_behind_one_just_given_up_is_told_of_the_last_job"
            "_before_it_that_finished",
        ),
    ),
    Plant(
        "a watched job given up leaves the watched jobs behind it to their next look",
        "batchgen/engine/poller.py",
        "            if first is not None and not first.poll_running:",
        "            if False:",
        (
            "tests/engine/test_poller_units.py::test_jobs_shown_pending_after_their_records_died_are_given_up_togethe"
            "r_once_none_ahead_moves",
        ),
    ),
    Plant(
        "a job given up wakes the watched job sent before it, not the first after",
        "batchgen/engine/poller.py",
        "(o for o in self.by_request.values() if o.record_gone and o.submitted_at > job.submitted_at),",
        "(o for o in self.by_request.values() if o.record_gone and o.submitted_at < job.submitted_at),",
        (
            "tests/engine/test_poller_units.py::test_jobs_shown_pending_after_their_records_died_are_given_up_togethe"
            "r_once_none_ahead_moves",
        ),
    ),
    Plant(
        "a watched job's stall time counts from the last finish of any job of ours, one sent after it too",
        "batchgen/engine/stalls.py",
        "        return self._at[place - 1] if place else -math.inf",
        "        return self._at[-1] if self._at else -math.inf",
        (
            "tests/engine/test_stalls.py::test_the_last_finish_before_a_job_is_of_the_jobs_sent_before_it_whenever_ea"
            "ch_was_sent",
            "tests/engine/test_review_stalls.py::test_a_job_sent_after_it_finishing_does_not_restart_its_stall_clock_"
            "nor_is_told_as_one_before_it",
        ),
    ),
    Plant(
        "the finishes kept drop an earlier job's finish for a later one's",
        "batchgen/engine/stalls.py",
        "        while self._sent and self._sent[-1] >= sent:",
        "        while self._sent:",
        (
            "tests/engine/test_stalls.py::test_the_last_finish_before_a_job_is_of_the_jobs_sent_before_it_whenever_ea"
            "ch_was_sent",
            "tests/engine/test_poller_units.py::test_a_job_shown_pending_after_its_record_died_waits_for_the_jobs_sen"
            "t_before_it_to_be_through",
            "tests/engine/test_review_stalls.py::test_a_job_sent_after_it_finishing_does_not_restart_its_stall_clock_"
            "nor_is_told_as_one_before_it",
        ),
    ),
    Plant(
        "a job taken for stalled is not told how long after the last job before it finished",
        "batchgen/engine/recovery.py",
        'ahead = "" if through is None else f" and {_span(through)} after the last job sent before it finished"',
        'ahead = ""',
        (
            "tests/engine/test_poller_units.py::test_a_job_shown_pending_after_its_record_died_waits_for_the_jobs_sen"
            "t_before_it_to_be_through",
        ),
    ),
    Plant(
        "a poll plan made again takes a job watched in the history past its stall time",
        "batchgen/engine/schedule.py",
        "            by = min(by, self.stalls_at(job))",
        "            by = by",
        (
            "tests/engine/test_poller_units.py::test_a_job_watched_in_the_history_is_looked_at_by_its_stall_time_when"
            "_the_polls_are_planned_again",
            "tests/engine/test_review_stalls.py::test_a_watched_job_is_looked_at_within_a_poll_gap_once_the_sweeps_st"
            "op",
        ),
    ),
    Plant(
        "a job ahead seen finished, its result not yet had, holds back no job watched behind it",
        "batchgen/engine/poller.py",
        "            began = max(began, other.submitted_at + other.done_age)  # seen finished, its result not yet had",
        "            return made, made",
        (
            "tests/engine/test_review_stalls.py::test_a_job_ahead_seen_finished_whose_result_is_not_yet_fetched_still"
            "_holds_back_the_jobs_behind_it",
        ),
    ),
    Plant(
        "'batchgen simulate' answers an accepted submit 202 by default, not the documented 200",
        "batchgen/cli/arguments.py",
        "        default=200,\n",
        "        default=202,\n",
        (
            "tests/cli/test_audit_arguments.py::test_the_simulator_without_flags_serves_the_published_world_in_every_"
            "respect",
        ),
    ),
    Plant(
        "'batchgen simulate' sends Retry-After on a 429 by default: the published reset header alone is never played",
        "batchgen/cli/arguments.py",
        'choices=("reset", "retry-after", "both", "none"),\n        default="reset",',
        'choices=("reset", "retry-after", "both", "none"),\n        default="both",',
        (
            "tests/cli/test_audit_arguments.py::test_the_simulator_without_flags_serves_the_published_world_in_every_"
            "respect",
        ),
    ),
    Plant(
        "'batchgen simulate --cancel TEXT' given once cancels every job whose prompt holds any one of TEXT's letters",
        "batchgen/cli/arguments.py",
        '        "--cancel", action="append", default=[],',
        '        "--cancel", action="store", default=[],',
        ("tests/cli/test_audit_arguments.py::test_the_simulator_cancels_the_jobs_of_every_text_given_and_only_those",),
    ),
    Plant(
        "a bare --ray (a local cluster) is taken as no --ray: the run goes on unsharded in this process",
        "batchgen/cli/arguments.py",
        '        nargs="?",\n        const="",',
        '        nargs="?",\n        const=None,',
        (
            "tests/cli/test_audit_arguments.py::test_a_bare_ray_flag_asks_for_a_ray_run_on_a_local_cluster_and_is_ref"
            "used_with_dry_run",
        ),
    ),
    Plant(
        "--rpm takes whole numbers only: the resume line of a run paced at 12.5 a minute is refused (exit 2)",
        "batchgen/cli/arguments.py",
        '    run.add_argument("--rpm", type=float,',
        '    run.add_argument("--rpm", type=int,',
        (
            "tests/cli/test_audit_arguments.py::test_the_resume_line_is_a_command_the_cli_takes_under_the_same_cap_an"
            "d_pace",
        ),
    ),
    Plant(
        "--max-spend 0 is refused as not more than 0: a folder cannot be held at no spend",
        "batchgen/cli/arguments.py",
        '        type=float,\n        metavar="USD",',
        '        type=_positive,\n        metavar="USD",',
        ("tests/cli/test_options.py::test_a_cap_of_zero_given_now_holds_and_is_kept_for_the_bare_command",),
    ),
    Plant(
        "--concurrency takes a fraction (2.5 jobs in flight), kept with the folder as a float",
        "batchgen/cli/arguments.py",
        '    run.add_argument("--concurrency", type=int,',
        '    run.add_argument("--concurrency", type=float,',
        ("tests/cli/test_options.py::test_a_capped_run_resumed_with_a_bare_command_stays_under_its_cap",),
    ),
    Plant(
        "--model-latency given twice keeps only the last model's latency",
        "batchgen/cli/arguments.py",
        '        "--model-latency",\n        action="append",',
        '        "--model-latency",\n        action="store",',
        ("tests/simulator/test_sim_worlds.py::test_simulate_flags_reach_the_config",),
    ),
    Plant(
        "'batchgen simulate' limits every key to 60 requests a minute by default, not the documented unlimited",
        "batchgen/cli/arguments.py",
        '    sim.add_argument("--rpm", type=int, help="requests per minute per key (default: unlimited)")',
        '    sim.add_argument("--rpm", type=int, default=60, help="requests per minute per key (default: unlimited)")',
        ("tests/cli/test_audit_arguments.py::test_the_simulator_without_flags_plays_the_documented_account",),
    ),
    Plant(
        "a bad value kept for one shard is blamed on the folder's options.json, not the shard's own file",
        "batchgen/cli/options.py",
        "    merged.kept_in = None if is_object_url(str(out)) else kept_file(out, shard)",
        "    merged.kept_in = None if is_object_url(str(out)) else options_file(out)",
        (
            "tests/cli/test_audit_options.py::test_a_bad_value_kept_for_one_shard_is_blamed_on_that_shards_own_option"
            "s_file",
        ),
    ),
    Plant(
        "the folder keeps the manifest's path as given: status from another folder cannot find a relative one",
        "batchgen/cli/options.py",
        '    data: dict[str, Any] = {"path": str(Path(manifest).resolve()), "jobs": jobs}',
        '    data: dict[str, Any] = {"path": str(manifest), "jobs": jobs}',
        (
            "tests/cli/test_audit_options.py::test_status_run_from_another_folder_reads_the_manifest_and_spec_files_a"
            "_run_named_relatively",
        ),
    ),
    Plant(
        "the folder keeps --models spec files as given: status from another folder no longer reads their rows",
        "batchgen/cli/options.py",
        '        data["models"] = [str(Path(file).resolve()) for file in models]',
        '        data["models"] = [str(file) for file in models]',
        (
            "tests/cli/test_audit_options.py::test_status_run_from_another_folder_reads_the_manifest_and_spec_files_a"
            "_run_named_relatively",
        ),
    ),
    Plant(
        "status reads the kept manifest without the ledger: a finished job's image cleaned up leaves it unfinished",
        "batchgen/cli/options.py",
        "        known = replay.jobs if replay is not None else None",
        "        known = None",
        (
            "tests/cli/test_audit_options.py::test_status_counts_a_finished_image_job_by_the_manifest_once_its_input_"
            "image_is_cleaned_up",
        ),
    ),
    Plant(
        "under --log-format json the outcome object on stdout says level info for a run that failed",
        "batchgen/cli/logs.py",
        '"level": logging.getLevelName(level).lower(), "logger": "batchgen"}',
        '"level": "info", "logger": "batchgen"}',
        (
            "tests/cli/test_audit_logs.py::test_the_outcome_object_on_stdout_of_a_run_that_failed_is_an_error_as_in_i"
            "ts_log_file",
        ),
    ),
    Plant(
        "the summary the CLI printed is logged as not printed: the terminal shows it twice",
        "batchgen/cli/logs.py",
        "outcome=outcome, printed=True)",
        "outcome=outcome, printed=False)",
        (
            "tests/cli/test_promises_units.py::test_the_end_of_a_command_is_logged_at_info_when_it_succeeded_and_at_e"
            "rror_otherwise",
        ),
    ),
    Plant(
        "--debug leaves aiohttp, urllib3 and httpx at warning: the HTTP exchanges are not in the debug log",
        "batchgen/cli/logs.py",
        "    if level > logging.DEBUG:",
        "    if level >= logging.DEBUG:",
        (
            "tests/cli/test_promises_units.py::test_debug_leaves_the_libraries_talking_and_a_console_gets_a_rich_hand"
            "ler",
        ),
    ),
    Plant(
        "on a terminal, the summary and errors the CLI printed are logged to it a second time",
        "batchgen/cli/logs.py",
        "        rich_handler.addFilter(NotPrinted())\n",
        "",
        (
            "tests/cli/test_promises_units.py::test_debug_leaves_the_libraries_talking_and_a_console_gets_a_rich_hand"
            "ler",
        ),
    ),
    Plant(
        "a SIGTERM while the CLI is being imported exits 1, not the README's interrupted 130",
        "batchgen/cli/entry.py",
        "        os._exit(EXIT_INTERRUPTED)",
        "        os._exit(1)",
        ("tests/e2e/test_crash.py::test_sigterm_while_the_cli_is_still_being_imported_is_a_clean_stop_with_exit_130",),
    ),
    Plant(
        "a SIGTERM before a run watches signals exits at once without 'Error: interrupted' (SystemExit, not a stop)",
        "batchgen/cli/entry.py",
        "    raise KeyboardInterrupt\n",
        "    raise SystemExit(EXIT_INTERRUPTED)\n",
        ("tests/e2e/test_crash.py::test_sigterm_while_the_cli_is_still_being_imported_is_a_clean_stop_with_exit_130",),
    ),
    Plant(
        "a manifest with a control character (a pasted colour code) ends in a traceback, not a refusal at exit 2",
        "batchgen/yaml_reader.py",
        '    except yaml.YAMLError as exc:\n        raise YamlProblem(None, f"is not valid YAML: {exc}") from None\n',
        "",
        (
            "tests/test_audit_yaml_reader.py::test_a_manifest_with_a_terminal_colour_code_pasted_in_a_prompt_is_refus"
            "ed_as_not_valid_yaml",
        ),
    ),
    Plant(
        "a literal tab inside a value earlier in the file turns a later YAML error into 'indented with a tab'",
        "batchgen/yaml_reader.py",
        'any(ln[: len(ln) - len(ln.lstrip())].count("\\t") for ln',
        'any(ln.count("\\t") for ln',
        (
            "tests/test_audit_yaml_reader.py::test_a_tab_inside_a_value_is_not_blamed_for_a_later_line_that_is_not_va"
            "lid_yaml",
        ),
    ),
    Plant(
        "a tab that indents the very line YAML stops at is not told: 'not valid YAML' instead of the tab",
        "batchgen/yaml_reader.py",
        "for ln in lines[: line + 1]",
        "for ln in lines[: line - 1]",
        ("tests/e2e/test_bad_input.py::test_bad_manifest[tabs.yaml]",),
    ),
    Plant(
        "a YAML error names the line of its context (where the list opened), not the line at fault",
        "batchgen/yaml_reader.py",
        "        mark = exc.problem_mark or exc.context_mark",
        "        mark = exc.context_mark or exc.problem_mark",
        ("tests/test_manifest_edges.py::test_yaml_problems_name_the_line_and_key_where_they_are",),
    ),
    Plant(
        "a YAML file that is a single scalar is read as an empty one, not refused as a top level that is no mapping",
        "batchgen/yaml_reader.py",
        "                root = value  # a document that is a single scalar",
        "                pass",
        ("tests/test_manifest_forms.py::test_yaml_problems_in_full",),
    ),
    Plant(
        "an unsupported tag on a YAML list or mapping (!!python/object/apply) is built as a plain one",
        "batchgen/yaml_reader.py",
        '    if tag not in (None, "!", f"tag:yaml.org,2002:{kind}", f"!!{kind}"):\n        raise',
        '    if tag not in (None, "!", f"tag:yaml.org,2002:{kind}", f"!!{kind}"):\n        return\n        raise',
        ("tests/e2e/test_bad_input.py::test_bad_manifest[tag.yaml]",),
    ),
    Plant(
        "a shard whose kept config is gone is told of an options file that does not exist",
        "batchgen/cli/options.py",
        'f"{merged.kept_in} keeps --config {args.config} from an earlier run, and that file is gone; "',
        'f"{options_file(out, shard)} keeps --config {args.config} from an earlier run, and that file is gone; "',
        ("tests/cli/test_audit_options.py::test_a_shard_whose_kept_config_is_gone_is_told_the_file_that_keeps_it",),
    ),
    Plant(
        "a character YAML does not allow is refused with no line to find it on",
        "batchgen/yaml_reader.py",
        '        line = text.count("\\n", 0, exc.position) + 1 if isinstance(exc.position, int) else None',
        "        line = None",
        (
            "tests/test_audit_yaml_reader.py::test_a_manifest_with_a_terminal_colour_code_pasted_in_a_prompt_is_refus"
            "ed_as_not_valid_yaml",
        ),
    ),
    Plant(
        "the page shows markup in a prompt or a failure's reason as markup (a <script> in a prompt runs)",
        "batchgen/report/html.py",
        '    return escape(_SCHEME.sub(r"\\1[:]//", text))',
        '    return _SCHEME.sub(r"\\1[:]//", text)',
        (
            "tests/report/test_audit_html.py::"
            "test_markup_in_prompts_and_reasons_is_shown_as_text_and_their_addresses_are_defanged",
        ),
    ),
    Plant(
        "a card's prompt that quotes an address shows it live (the page names a network address)",
        "batchgen/report/html.py",
        'f\'<div class="prompt" title="{title}">{defang(_short(row.prompt))}</div></div>\'',
        'f\'<div class="prompt" title="{title}">{escape(_short(row.prompt))}</div></div>\'',
        ("tests/report/test_audit_html.py::test_a_cards_prompt_quoting_an_address_shows_it_defanged",),
    ),
    Plant(
        "a failure's reason that quotes an address is shown live in its group's heading",
        "batchgen/report/html.py",
        '        parts.append(f"<h3>{len(rows)} × {defang(reason)}</h3>")',
        '        parts.append(f"<h3>{len(rows)} × {escape(reason)}</h3>")',
        (
            "tests/report/test_audit_html.py::"
            "test_markup_in_prompts_and_reasons_is_shown_as_text_and_their_addresses_are_defanged",
        ),
    ),
    Plant(
        "a failure group's folded examples skip the ninth job (listed nowhere, counted nowhere)",
        "batchgen/report/html.py",
        "        folded = rows[SHOWN_PER_GROUP:EXAMPLES_PER_GROUP]",
        "        folded = rows[SHOWN_PER_GROUP + 1 : EXAMPLES_PER_GROUP]",
        (
            "tests/report/test_audit_html.py::"
            "test_each_failure_reason_lists_its_first_examples_once_each_commonest_first_and_counts_the_rest",
        ),
    ),
    Plant(
        "a failure group's 'and N more' counts the jobs folded away as well as those not listed",
        "batchgen/report/html.py",
        'f"<p class=muted>and {len(rows) - EXAMPLES_PER_GROUP} more',
        'f"<p class=muted>and {len(rows) - SHOWN_PER_GROUP} more',
        (
            "tests/report/test_audit_html.py::"
            "test_each_failure_reason_lists_its_first_examples_once_each_commonest_first_and_counts_the_rest",
        ),
    ),
    Plant(
        "failure reasons are listed rarest first (the commonest reason last, under the others)",
        "batchgen/report/html.py",
        "    return sorted(by.items(), key=lambda item: (-len(item[1]), item[0]))",
        "    return sorted(by.items(), key=lambda item: (len(item[1]), item[0]))",
        (
            "tests/report/test_audit_html.py::"
            "test_each_failure_reason_lists_its_first_examples_once_each_commonest_first_and_counts_the_rest",
        ),
    ),
    Plant(
        "the contact sheet's later pages link page 1 inside report-pages/ (a link to nothing)",
        "batchgen/report/html.py",
        '        href = f"{up}report.html" if n == 1 else f"{up}{PAGES_DIR}/page-{n}.html"',
        '        href = "report.html" if n == 1 else f"{up}{PAGES_DIR}/page-{n}.html"',
        ("tests/report/test_audit_html.py::test_every_link_on_every_page_opens_a_file_that_is_there",),
    ),
    Plant(
        "a video or poster frame whose name holds '#' or '%' (output.filename) is linked unquoted (opens nothing)",
        "batchgen/report/html.py",
        '    return up + "/".join(quote(part) for part in path.split("/"))',
        "    return up + path",
        ("tests/report/test_audit_html.py::test_every_link_on_every_page_opens_a_file_that_is_there",),
    ),
    Plant(
        "the page's resume command shows the --base-url address live",
        "batchgen/report/html.py",
        '        text += f" To resume: <code>{defang(verdict.resume_command)}</code>"',
        '        text += f" To resume: <code>{escape(verdict.resume_command)}</code>"',
        ("tests/report/test_report.py::test_report_shows_every_video_failure_and_chart_and_no_network_url",),
    ),
    Plant(
        "the page's warnings table drops what each warning says (the detail column is empty)",
        "batchgen/report/html.py",
        '        + _group_tables("Videos kept with warnings", warnings, detail=True)',
        '        + _group_tables("Videos kept with warnings", warnings, detail=False)',
        ("tests/report/test_audit_html.py::test_the_warnings_table_gives_each_videos_detail",),
    ),
    Plant(
        "a report-pages/ that is a link is written through (stale pages deleted in another folder)",
        "batchgen/report/publish.py",
        "    for folder in (root / THUMBS_DIR, root / PAGES_DIR):\n        if folder.is_symlink():",
        "    for folder in (root / THUMBS_DIR,):\n        if folder.is_symlink():",
        (
            "tests/report/test_audit_publish.py::"
            "test_a_report_pages_folder_that_is_a_link_is_refused_and_nothing_behind_it_is_touched",
        ),
    ),
    Plant(
        "the page gives the first run's API requests and 429s as the last run's",
        "batchgen/report/publish.py",
        "    last_run = [p for p in pace if pace and p.run == pace[-1].run]",
        "    last_run = [p for p in pace if pace and p.run == pace[0].run]",
        (
            "tests/report/test_audit_publish.py::"
            "test_the_page_gives_the_requests_and_429s_of_the_last_run_in_the_pace_file",
        ),
    ),
    Plant(
        "the page gives the 429s as the API requests and the requests as 429s",
        "batchgen/report/publish.py",
        "        requests=last_run[-1].requests if last_run else None,\n        throttled=last_run[-1].throttled "
        "if last_run else None,",
        "        requests=last_run[-1].throttled if last_run else None,\n        throttled=last_run[-1].requests "
        "if last_run else None,",
        (
            "tests/report/test_audit_publish.py::"
            "test_the_page_gives_the_requests_and_429s_of_the_last_run_in_the_pace_file",
        ),
    ),
    Plant(
        "an input image moved away loses the thumbnail the report showed beside its video",
        "batchgen/report/publish.py",
        "        current = is_current(dest, Path(image)) if image is not None else dest.exists()",
        "        current = is_current(dest, Path(image)) if image is not None else False",
        ("tests/report/test_audit_publish.py::test_an_input_image_moved_away_keeps_the_thumbnail_the_report_showed",),
    ),
    Plant(
        "the final report leaves the stopped writes of a cancelled refresh in thumbs/ and report-pages/",
        "batchgen/report/publish.py",
        '            found += folder.glob(".*.tmp")',
        "            pass",
        ("tests/report/test_audit_publish.py::test_the_final_report_removes_its_own_stopped_writes_and_nothing_else",),
    ),
    Plant(
        "the final report deletes every hidden .tmp file of the folder, not only its own stopped writes",
        "batchgen/report/publish.py",
        '    found = [tmp for tmp in root.glob(".*.tmp") if tmp.name.startswith(_REPORT_TEMPORARIES)]',
        '    found = list(root.glob(".*.tmp"))',
        ("tests/report/test_audit_publish.py::test_the_final_report_removes_its_own_stopped_writes_and_nothing_else",),
    ),
    Plant(
        "the final report never removes the temporary files of a refresh cancelled at the run's end",
        "batchgen/report/publish.py",
        "        await anyio.to_thread.run_sync(_remove_stopped_writes, root)",
        "        pass",
        ("tests/report/test_audit_publish.py::test_the_final_report_removes_its_own_stopped_writes_and_nothing_else",),
    ),
    Plant(
        "a refresh of the report that fails for a reason other than the disk stops the run",
        "batchgen/report/publish.py",
        "        except Exception as exc:  # a report is a by-product: it must never stop the run",
        "        except OSError as exc:  # a report is a by-product: it must never stop the run",
        ("tests/report/test_audit_publish.py::test_a_refresh_that_fails_is_told_and_the_refreshes_go_on",),
    ),
    Plant(
        "poster frames that cannot be made during the run are warned about every second, not once",
        "batchgen/report/publish.py",
        "                warned = True",
        "                pass",
        (
            "tests/report/test_audit_publish.py::"
            "test_poster_frames_that_cannot_be_made_during_the_run_are_told_once_and_tried_again",
        ),
    ),
    Plant(
        "a report with fewer pages than the last keeps the last one's final page",
        "batchgen/report/publish.py",
        "        if not suffix.isdigit() or int(suffix) > len(pages):",
        "        if not suffix.isdigit() or int(suffix) > len(pages) + 1:",
        ("tests/report/test_report.py::test_contact_sheet_is_paged",),
    ),
    Plant(
        "the spend chart climbs in the ledger's order, not in time (its line goes back and forth)",
        "batchgen/report/charts.py",
        "    paid = sorted(\n        (at, spent)",
        "    paid = list(\n        (at, spent)",
        (
            "tests/report/test_audit_charts.py::"
            "test_the_spend_chart_climbs_in_the_order_videos_were_paid_whatever_the_order_of_the_rows",
        ),
    ),
    Plant(
        "a gantt of many jobs draws the first 300 queued, not a sample of the whole run",
        "batchgen/report/charts.py",
        "        shown = [timed[int(i * step)] for i in range(MAX_GANTT_ROWS)]",
        "        shown = timed[:MAX_GANTT_ROWS]",
        (
            "tests/report/test_audit_charts.py::"
            "test_a_sampled_gantt_draws_jobs_from_the_whole_run_not_only_its_first_ones",
        ),
    ),
    Plant(
        "a job's download bar runs to the end of the chart, not to when its video was in place",
        "batchgen/report/charts.py",
        '            phases.append(("downloading", row.detected_at, row.downloaded_at or row.updated_at or end))',
        '            phases.append(("downloading", row.detected_at, end))',
        ("tests/report/test_audit_charts.py::test_a_download_bar_ends_when_the_video_was_in_place",),
    ),
    Plant(
        "the charts keep their <metadata> (the addresses of its RDF vocabularies on the page)",
        "batchgen/report/charts.py",
        '    re.compile(r"<metadata>.*?</metadata>\\s*", re.DOTALL),\n',
        "",
        ("tests/report/test_report.py::test_report_shows_every_video_failure_and_chart_and_no_network_url",),
    ),
    Plant(
        "the requests chart draws one line across the idle gap between runs",
        "batchgen/report/charts.py",
        "        runs.setdefault(next(p.run for p in pace if p.t == t), []).append(i)",
        '        runs.setdefault("", []).append(i)',
        (
            "tests/report/test_audit_charts.py::"
            "test_the_requests_chart_draws_each_run_apart_against_the_limit_it_ran_under",
        ),
    ),
    Plant(
        "the requests chart draws the default limit, not the requests_per_minute the run ran under",
        "batchgen/report/charts.py",
        "        limits.append(b.rpm)",
        "        limits.append(50.0)",
        (
            "tests/report/test_audit_charts.py::"
            "test_the_requests_chart_draws_each_run_apart_against_the_limit_it_ran_under",
        ),
    ),
    Plant(
        "pace lines under --simulate are appended every 30 ms of real time (no 0.2 s floor)",
        "batchgen/report/pace.py",
        "    every = max(MIN_REAL_S, EVERY_RUN_S / run.clock.scale)",
        "    every = EVERY_RUN_S / run.clock.scale",
        (
            "tests/report/test_audit_pace.py::"
            "test_pace_lines_come_every_fifteen_seconds_of_run_time_and_never_closer_than_a_fifth_of_a_second",
        ),
    ),
    Plant(
        "each pace line overwrites the file (the chart has one point; earlier runs' pace lost)",
        "batchgen/report/pace.py",
        '    with open(path, "ab") as fh:',
        '    with open(path, "wb") as fh:',
        ("tests/report/test_audit_pace.py::test_a_run_that_ends_leaves_a_last_pace_line_with_its_final_counters",),
    ),
    Plant(
        "the poster frame is a video's first frame (a fade-in's black), not the one half a second in",
        "batchgen/report/thumbs.py",
        "        if (frame.time is not None and frame.time >= POSTER_AT_S) or count >= MAX_DECODED_FRAMES:",
        "        if True:",
        ("tests/report/test_audit_thumbs.py::test_the_poster_frame_is_the_one_half_a_second_in_not_the_first",),
    ),
    Plant(
        "a thumbnail is rewritten in place (a page being read shows it torn)",
        "batchgen/report/thumbs.py",
        "    write_atomically(dest, data, durable=False)  # a thumbnail can be made again",
        "    dest.write_bytes(data)",
        ("tests/report/test_audit_thumbs.py::test_a_thumbnail_made_again_is_a_new_file_renamed_over_the_last_one",),
    ),
    Plant(
        "an input image changed for a job made anew keeps its old thumbnail while the run lasts",
        "batchgen/report/ahead.py",
        "            and not is_current(source, Path(image))",
        "            and not source.exists()",
        (
            "tests/report/test_audit_ahead.py::"
            "test_an_input_image_changed_for_a_job_made_anew_gets_its_thumbnail_made_again_as_the_video_lands",
        ),
    ),
    Plant(
        "a card's prompt tooltip names the prompt's network address live",
        "batchgen/report/html.py",
        "    title = defang(row.prompt)",
        "    title = escape(row.prompt, quote=True)",
        (
            "tests/report/test_audit_html.py::test_nothing_on_the_page_names_a_network_address_a_cards_prompt_tooltip"
            "_included",
        ),
    ),
    Plant(
        (
            "the server queue wants one first job more than FIRST_LEAST: with few slots no queue is ever said, and "
            "sweeps never space out for it"
        ),
        "batchgen/engine/server_queue.py",
        "if len(work) < FIRST_LEAST or",
        "if len(work) <= FIRST_LEAST or",
        (
            "tests/engine/test_audit_server_queue.py::test_exactly_the_fewest_first_jobs_allowed_are_enough_to_say_ho"
            "w_many_wait",
        ),
    ),
    Plant(
        (
            "the server queue keeps every recent time, not the latest ones: a queue that has cleared is claimed for "
            "the rest of the run"
        ),
        "batchgen/engine/server_queue.py",
        "deque(maxlen=RECENT_WINDOW)",
        "deque()",
        (
            "tests/engine/test_audit_server_queue.py::test_a_queue_that_has_cleared_is_no_longer_claimed_once_the_rec"
            "ent_jobs_are_all_quick_again",
        ),
    ),
    Plant(
        (
            "a submit only a gateway's page answered (an AmbiguousSubmit from a GatewayRefusal) counts as the API "
            "answering: the run never reaches api.unreachable_after_s"
        ),
        "batchgen/api/gateway.py",
        "exc.status in (None, 503) or isinstance(exc.__cause__, GatewayRefusal)",
        "exc.status in (None, 503)",
        (
            "tests/api/test_audit_gateway.py::test_a_submit_a_gateways_page_refused_is_no_answer_from_the_api_and_lea"
            "ves_the_bound_running",
        ),
    ),
    Plant(
        (
            "an API out of reach (exit 6) is told without what to do: nothing is lost, check the network or the base "
            "URL, run the same command again"
        ),
        "batchgen/api/gateway.py",
        (
            'f"{self.unreachable_after_s:g}); the last attempt: {exc}. Nothing is lost: check the network "\n'
            '                "or the base URL, then run the same command again to resume",'
        ),
        'f"{self.unreachable_after_s:g}); the last attempt: {exc}",',
        ("tests/api/test_audit_gateway.py::test_an_api_out_of_reach_is_told_that_nothing_is_lost_and_what_to_do",),
    ),
    Plant(
        (
            "a call cancelled while its request is in flight is abandoned as if nothing was sent (its job made pending "
            "again while the POST may have made it)"
        ),
        "batchgen/api/gateway.py",
        "            if between:\n                await _abandon",
        "            if True:\n                await _abandon",
        (
            "tests/api/test_audit_gateway.py::test_a_submit_cancelled_while_its_post_is_in_flight_is_not_abandoned_as"
            "_unsent",
        ),
    ),
    Plant(
        (
            "a balance read refused 401/403 by a page that is not the API's JSON stops the run as a refused key (exit "
            "4) instead of warning and going on"
        ),
        "batchgen/engine/balance.py",
        "        if exc.answer is None:  # the API's own",
        "        if True:  # the API's own",
        (
            "tests/engine/test_audit_balance.py::test_a_balance_read_refused_by_a_page_that_is_not_the_apis_is_told_a"
            "nd_the_run_goes_on",
        ),
    ),
    Plant(
        (
            "a JPEG kept whole in a history row is taken for one cut short: another job's row with another picture is "
            "attached to a lost submit"
        ),
        "batchgen/engine/lookup.py",
        'data.endswith((b"IEND\\xaeB`\\x82", b"\\xff\\xd9"))',
        'data.endswith(b"IEND\\xaeB`\\x82")',
        ("tests/engine/test_audit_lookup.py::test_a_row_keeping_another_jpeg_whole_is_not_the_lost_submits_row",),
    ),
    Plant(
        (
            "the sweeps' pause after failed history reads doubles without its cap (READ_PAUSE_MAX_S): an outage of a "
            "few reads leaves the jobs polled for hours"
        ),
        "batchgen/engine/sweeper.py",
        "self._pause = min(READ_PAUSE_MAX_S, 2 * self._pause) if self._pause else READ_PAUSE_S",
        "self._pause = 2 * self._pause if self._pause else READ_PAUSE_S",
        (
            "tests/engine/test_audit_sweeper.py::test_a_history_failing_for_now_again_and_again_is_read_again_at_doub"
            "ling_pauses_up_to_their_cap",
        ),
    ),
    Plant(
        (
            "the sweeps' pause after failed history reads grows by a minute each time, not twice as long: a long "
            "outage is read every few minutes"
        ),
        "batchgen/engine/sweeper.py",
        "self._pause = min(READ_PAUSE_MAX_S, 2 * self._pause) if self._pause else READ_PAUSE_S",
        "self._pause = min(READ_PAUSE_MAX_S, self._pause + READ_PAUSE_S)",
        (
            "tests/engine/test_audit_sweeper.py::test_a_history_failing_for_now_again_and_again_is_read_again_at_doub"
            "ling_pauses_up_to_their_cap",
        ),
    ),
    Plant(
        (
            "the sweeper's peak of jobs in flight is the count when the last job was sent: a batch's last jobs are not "
            "swept as a drain's"
        ),
        "batchgen/engine/sweeper.py",
        "self.peak = max(self.peak, len(self.jobs))",
        "self.peak = max(1, len(self.jobs))",
        (
            "tests/engine/test_audit_sweeper.py::test_the_most_jobs_in_flight_at_once_is_kept_when_a_job_is_sent_as_t"
            "he_batch_drains",
        ),
    ),
    Plant(
        (
            "finishing a job that gave its slot back, or is already in that state, writes nothing (its last word and "
            "estimate are lost)"
        ),
        "batchgen/engine/book.py",
        "if not job.holds_slot and job.state is state:",
        "if not job.holds_slot or job.state is state:",
        ("tests/engine/test_book.py::test_what_a_job_holds_follows_what_it_may_have_cost",),
    ),
    Plant(
        "a job given back unsent keeps its estimate against the spend cap",
        "batchgen/engine/book.py",
        "        self._hold(job, 0.0)\n        self._free(job)\n\n    def adopt",
        "        self._free(job)\n\n    def adopt",
        ("tests/engine/test_book.py::test_an_unsent_job_gives_its_slot_back_and_a_waiter_wakes",),
    ),
    Plant(
        (
            "a job made again does not name the request it ended: a re-run's look-up may take that paid request for "
            "the new attempt's"
        ),
        "batchgen/engine/book.py",
        (
            "        if job.request_id is not None and job.request_id not in job.ended_requests:\n"
            "            job.ended_requests.append(job.request_id)\n"
        ),
        "",
        ("tests/e2e/test_crash.py::test_a_failed_jobs_lost_retry_is_never_taken_for_its_earlier_failed_request",),
    ),
    Plant(
        (
            "the hook that says nothing was sent is cancelled with its call: a stopped submit stays 'submitting' in "
            "the ledger"
        ),
        "batchgen/api/gateway.py",
        "        with anyio.move_on_after(ABANDON_SHIELD_S, shield=True):",
        "        with anyio.move_on_after(ABANDON_SHIELD_S):",
        (
            "tests/engine/test_submitter_units.py::test_a_run_cancelled_while_the_submitting_line_is_written_says_aft"
            "er_it_that_nothing_was_sent",
        ),
    ),
    Plant(
        "every deferred job is told as held back for its image, the jobs a stop deferred included",
        "batchgen/engine/outcome.py",
        'return record.get("state") == "deferred" and record.get("event") in HELD_BACK',
        'return record.get("state") == "deferred"',
        (
            "tests/report/test_summary_lines.py::test_status_says_what_to_do_about_deferred_jobs_and_who_holds_the_fo"
            "lder_in_full",
        ),
    ),
    Plant(
        (
            "a balance read the API refused the key for is only a warning: the run goes on to meet the refusal at "
            "every submit"
        ),
        "batchgen/engine/balance.py",
        "        if exc.answer is None:  # the API's own",
        "        if False:  # the API's own",
        ("tests/engine/test_submitter_units.py::test_preflight_goes_on_without_a_balance_but_not_without_a_valid_key",),
    ),
    Plant(
        (
            "of two image rows nothing tells apart, the one made before the POST went (another folder's) is not set "
            "aside: the lost submit is left unsettled"
        ),
        "batchgen/engine/lookup.py",
        "                chosen = self._since_sent(chosen) or chosen\n",
        "                pass\n",
        (
            "tests/e2e/test_images.py::test_a_lost_image_submit_is_told_from_the_same_image_another_folder_sent_a_min"
            "ute_before",
        ),
    ),
    Plant(
        (
            "a sweep that stopped early counts the jobs it never saw as looked for: a poll's find of one is held "
            "against the history"
        ),
        "batchgen/engine/sweeper.py",
        "for rid in looked - remaining if stopped_early else looked:",
        "for rid in looked:",
        (
            "tests/engine/test_sweeper.py::test_a_poll_that_finds_a_job_done_counts_against_the_history_only_if_a_swe"
            "ep_looked_far_enough",
        ),
    ),
    Plant(
        "a spec's values on a parameter that is no enum are read as nothing (any value sent, and paid)",
        "batchgen/models/loader.py",
        "    elif values is not None:\n        bad.add",
        "    elif False:\n        bad.add",
        (
            (
                "tests/models/test_audit_loader.py::test_values_on_a_parameter_that_is_no_enum_are_refused_not_read_as_"
                "nothing"
            ),
        ),
    ),
    Plant(
        "a spec's rule with no message, or one that is no text, is taken (a broken rule is told as 'None')",
        "batchgen/models/loader.py",
        '        if not isinstance(item.get("message"), str):',
        '        if "message" not in item:',
        ("tests/models/test_audit_loader.py::test_a_rule_whose_message_is_not_text_is_refused",),
    ),
    Plant(
        "a spec's misspelt list item type is taken: the list's items go unchecked",
        "batchgen/models/loader.py",
        '    elif items is not None and items not in ("string", "integer", "number", "boolean", "object", "image"):',
        "    elif False:",
        ("tests/models/test_audit_loader.py::test_a_misspelt_item_type_of_a_list_is_refused_not_left_unchecked",),
    ),
    Plant(
        (
            "an image replaced by another of the same size is taken by its old digest (checked facts kept by path and "
            "size)"
        ),
        "batchgen/models/images.py",
        "    key = (str(path.resolve()), info.st_size, info.st_mtime_ns)",
        "    key = (str(path.resolve()), info.st_size, 0)",
        (
            (
                "tests/models/test_audit_images.py::test_an_image_replaced_by_another_of_the_same_size_is_checked_anew_"
                "not_taken_by_its_old_digest"
            ),
        ),
    ),
    Plant(
        "a JPEG with bytes after its end marker is refused as cut short",
        "batchgen/models/images.py",
        '        return b"\\xff\\xd9" in data[-4096:]',
        '        return data.endswith(b"\\xff\\xd9")',
        (
            (
                "tests/models/test_audit_images.py::test_a_jpeg_with_bytes_after_its_end_marker_is_a_whole_jpeg_and_is_"
                "taken"
            ),
        ),
    ),
    Plant(
        "a JPEG sent inline as a data: URI is marked image/jpg",
        "batchgen/models/images.py",
        '_MIME = {"jpeg": "image/jpeg", "png": "image/png", "webp": "image/webp"}',
        '_MIME = {"jpeg": "image/jpg", "png": "image/png", "webp": "image/webp"}',
        ("tests/models/test_audit_images.py::test_a_jpeg_sent_as_a_data_uri_is_marked_image_jpeg",),
    ),
    Plant(
        "a list of whole numbers takes a fraction",
        "batchgen/models/check.py",
        '        elif param.items == "integer" and as_int(item, from_text=from_text) is None:',
        '        elif param.items == "integer" and as_float(item, from_text=from_text) is None:',
        ("tests/models/test_audit_check.py::test_a_list_of_whole_numbers_refuses_a_fraction_from_any_format",),
    ),
    Plant(
        "a list of numbers refuses a fraction",
        "batchgen/models/check.py",
        '        elif param.items == "number" and as_float(item, from_text=from_text) is None:',
        '        elif param.items == "number" and as_int(item, from_text=from_text) is None:',
        ("tests/models/test_audit_check.py::test_a_list_of_numbers_takes_fractions_from_any_format",),
    ),
    Plant(
        "a send_default parameter with no default is sent as null",
        "batchgen/models/check.py",
        "        if p.send_default and p.default is not None and p.name not in params and p.name not in withheld",
        "        if p.send_default and p.name not in params and p.name not in withheld",
        (
            (
                "tests/models/test_audit_check.py::test_a_parameter_sent_by_default_that_has_no_default_is_not_sent_as_"
                "null"
            ),
        ),
    ),
    Plant(
        "a JSONL line of only spaces or tabs is refused as bad JSON",
        "batchgen/manifest.py",
        "        if not line.strip():\n            continue\n        try:",
        "        if not line:\n            continue\n        try:",
        (
            (
                "tests/test_audit_manifest.py::test_a_jsonl_line_of_only_spaces_or_tabs_is_blank_and_the_jobs_after_it_"
                "keep_their_lines"
            ),
        ),
    ),
    Plant(
        "a manifest's problems list one more than the 200 it promises",
        "batchgen/manifest.py",
        "elif len(self.problems) < MAX_PROBLEMS:",
        "elif len(self.problems) <= MAX_PROBLEMS:",
        (
            (
                "tests/test_manifest_forms.py::test_a_manifest_with_hundreds_of_problems_lists_the_first_two_hundred_"
                "and_counts_the_rest"
            ),
        ),
    ),
    Plant(
        "matrix ids that clash get a suffix by their position, not their values (reordering moves ids)",
        "batchgen/jobs.py",
        "json.dumps(list(combo), default=str)",
        "json.dumps([combos.index(combo)], default=str)",
        (
            (
                "tests/test_manifest_forms.py::test_matrix_ids_that_would_clash_get_a_suffix_of_their_own_values_"
                "whatever_the_order"
            ),
        ),
    ),
    Plant(
        "a NUL byte is named one line too early",
        "batchgen/manifest.py",
        '        line = data[: data.index(b"\\x00")].count(b"\\n") + 1',
        '        line = data[: data.index(b"\\x00")].count(b"\\n")',
        (
            (
                "tests/test_manifest_edges.py::test_a_file_that_cannot_be_read_says_why_and_a_nul_byte_is_found_at_its_"
                "first_line"
            ),
        ),
    ),
    Plant(
        "a byte that is not UTF-8 is named one line too early",
        "batchgen/manifest.py",
        '        line = data[: exc.start].count(b"\\n") + 1',
        '        line = data[: exc.start].count(b"\\n")',
        ("tests/test_manifest.py::test_binary_and_wrong_encoding",),
    ),
    Plant(
        "a reused id names the reusing job's line as the first use",
        "batchgen/manifest.py",
        "is already used by the job at line {seen_ids[one_id]}; ids must be unique",
        "is already used by the job at line {raw.line}; ids must be unique",
        ("tests/test_manifest_forms.py::test_bad_ids_repeats_and_reused_ids_are_named",),
    ),
    Plant(
        "text that only opens with a curly quote is warned about as wrapped in them",
        "batchgen/manifest.py",
        (
            "        if isinstance(value, str) and len(value) > 1 and value[0] in CURLY_QUOTES and value[-1] in CURLY_"
            "QUOTES:"
        ),
        "        if isinstance(value, str) and len(value) > 1 and value[0] in CURLY_QUOTES:",
        ("tests/test_manifest_forms.py::test_text_in_curly_quotes_is_sent_as_written_with_a_warning",),
    ),
    Plant(
        "a CSV cell of only spaces is sent as spaces, not the default",
        "batchgen/manifest.py",
        '            fields = {name: cell for name, cell in zip(names, row, strict=True) if cell.strip() != ""}',
        '            fields = {name: cell for name, cell in zip(names, row, strict=True) if cell != ""}',
        ("tests/test_manifest_edges.py::test_a_csv_cell_of_only_spaces_is_empty_and_means_the_default",),
    ),
    Plant(
        "done rows past the first few whose images are gone are told from the first shown row's line",
        "batchgen/manifest.py",
        '        lines = f"lines {rest[0][0]} to {rest[-1][0]}"',
        '        lines = f"lines {done_gone[0][0]} to {rest[-1][0]}"',
        (
            (
                "tests/test_manifest_edges.py::test_many_done_rows_of_a_deleted_image_are_counted_by_what_the_folder_"
                "holds_of_them"
            ),
        ),
    ),
    Plant(
        "done rows, some failed, whose images are gone are told as all completed",
        "batchgen/manifest.py",
        "            if all(completed for *_, completed in rest)",
        "            if any(completed for *_, completed in rest)",
        (
            (
                "tests/test_manifest_edges.py::test_many_done_rows_of_a_deleted_image_are_counted_by_what_the_folder_"
                "holds_of_them"
            ),
        ),
    ),
    Plant(
        "a matrix name of any length is taken",
        "batchgen/manifest.py",
        "        if not isinstance(name, str) or not ID_PATTERN.fullmatch(name) or len(name) > 40:",
        "        if not isinstance(name, str) or not ID_PATTERN.fullmatch(name):",
        ("tests/test_manifest_forms.py::test_a_matrix_that_cannot_make_jobs_says_why",),
    ),
    Plant(
        "a manifest's defaults override what a job gives",
        "batchgen/manifest.py",
        "        merged = {**defaults, **fields}",
        "        merged = {**fields, **defaults}",
        ("tests/test_manifest.py::test_yaml_defaults_overrides_and_normalisation",),
    ),
    Plant(
        "an unknown model is named at every job of it",
        "batchgen/manifest.py",
        "            if model not in unknown_models:  # once per name, at its first job",
        "            if True:  # once per name, at its first job",
        (
            (
                "tests/test_manifest_forms.py::test_an_unknown_model_is_named_once_and_a_passthrough_model_is_warned_"
                "about_once"
            ),
        ),
    ),
    Plant(
        "a value inside a list is named at the list's line, not its item's",
        "batchgen/manifest.py",
        "            found, node = node.item_lines[int(index)], node[int(index)]",
        "            found, node = node.line, node[int(index)]",
        ("tests/test_manifest_edges.py::test_a_shot_that_is_not_a_mapping_is_named_at_its_own_line",),
    ),
    Plant(
        "repeat: true is taken as one job",
        "batchgen/manifest.py",
        "    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_REPEAT:",
        "    if not isinstance(value, int) or not 1 <= value <= MAX_REPEAT:",
        ("tests/test_manifest_forms.py::test_bad_ids_repeats_and_reused_ids_are_named",),
    ),
    Plant(
        "a manifest named .YAML is refused as an unknown type",
        "batchgen/manifest.py",
        "    suffix = path.suffix.lower()",
        "    suffix = path.suffix",
        ("tests/test_manifest_forms.py::test_the_file_itself_nul_bytes_encoding_size_and_kind",),
    ),
    Plant(
        "a tab-separated file is not told to be saved comma-separated",
        "batchgen/manifest.py",
        'if len(names) == 1 and (sep := next((c for c in ";\\t|" if c in names[0]), None)):',
        'if len(names) == 1 and (sep := next((c for c in ";|" if c in names[0]), None)):',
        ("tests/test_manifest_forms.py::test_csv_problems_in_full",),
    ),
    Plant(
        "an .ndjson manifest is refused",
        "batchgen/manifest.py",
        '    if suffix not in (".yaml", ".yml", ".csv", ".jsonl", ".ndjson"):',
        '    if suffix not in (".yaml", ".yml", ".csv", ".jsonl"):',
        ("tests/test_manifest_forms.py::test_the_file_itself_nul_bytes_encoding_size_and_kind",),
    ),
    Plant(
        "a bad repeat is named at the job's line, not the repeat's",
        "batchgen/manifest.py",
        (
            '            bad.add(where.get("repeat", raw.line), "repeat", f"must be a whole number from 1 to {MAX_'
            'REPEAT}")'
        ),
        '            bad.add(raw.line, "repeat", f"must be a whole number from 1 to {MAX_REPEAT}")',
        ("tests/test_manifest_edges.py::test_each_job_problem_is_named_at_the_line_of_its_own_key",),
    ),
    Plant(
        "the same job written with its keys in another order gets the same derived id (refused as reused)",
        "batchgen/manifest.py",
        "    return json.dumps([model, seen], sort_keys=True, default=str)",
        "    return json.dumps([model, seen], default=str)",
        ("tests/test_manifest_edges.py::test_the_same_job_written_with_its_keys_in_another_order_is_the_same_job",),
    ),
    Plant(
        "a matrix value with no letter or digit gives an id with an empty part",
        "batchgen/jobs.py",
        '    parts = [(part if dash_at_cut else part.strip("-")) or "x" for part in cut]',
        '    parts = [(part if dash_at_cut else part.strip("-")) for part in cut]',
        (
            (
                "tests/test_manifest_forms.py::test_matrix_ids_that_would_clash_get_a_suffix_of_their_own_values_"
                "whatever_the_order"
            ),
        ),
    ),
    Plant(
        "a matrix's name is sent as a parameter",
        "batchgen/manifest.py",
        '        fixed = {k: v for k, v in block.items() if k != "name" and not isinstance(v, list)}',
        "        fixed = {k: v for k, v in block.items() if not isinstance(v, list)}",
        ("tests/test_manifest_forms.py::test_a_matrix_makes_one_job_per_combination_with_readable_ids",),
    ),
    Plant(
        "the problems an images block's jobs share are not counted as the same",
        "batchgen/manifest.py",
        "            self.repeats += 1",
        "            pass",
        (
            (
                "tests/test_manifest_edges.py::test_the_same_problem_of_every_job_of_an_images_block_is_listed_once_"
                "and_told_as_the_same"
            ),
        ),
    ),
    Plant(
        "a CSV comment '# model:' with no name sets no model but stops the search",
        "batchgen/manifest.py",
        '        if name.strip() == "model" and value.strip():',
        '        if name.strip() == "model":',
        (
            (
                "tests/test_manifest_forms.py::test_a_csv_takes_its_model_from_a_comment_and_repeats_rows_with_their_"
                "annotations"
            ),
        ),
    ),
    Plant(
        "a row of only commas in a CSV is read as a job",
        "batchgen/manifest.py",
        "            if not any(cell.strip() for cell in row):",
        "            if not row:",
        ("tests/test_manifest_edges.py::test_a_csv_reads_every_row_past_blank_and_short_ones",),
    ),
    Plant(
        "an images block's own model is ignored for the manifest's",
        "batchgen/manifest.py",
        '    if isinstance(node, dict) and isinstance(node.get("model"), str):\n        model = node["model"]',
        '    if False:\n        model = node["model"]',
        (
            (
                "tests/test_manifest_edges.py::test_an_images_block_of_a_misspelt_or_text_only_model_says_so_not_which_"
                "parameter"
            ),
        ),
    ),
    Plant(
        "a failed row's gone image names --resubmit-lost as its flag (and expired --retry-failed)",
        "batchgen/manifest.py",
        '_SENT_AGAIN_WITH = {"failed": "--retry-failed", "expired": "--resubmit-lost"}',
        '_SENT_AGAIN_WITH = {"failed": "--resubmit-lost", "expired": "--retry-failed"}',
        (
            (
                "tests/test_manifest_edges.py::test_a_done_rows_deleted_image_is_needed_only_by_a_run_that_sends_its_"
                "job_again"
            ),
        ),
    ),
    Plant(
        "done rows past the first few whose images are gone are counted with the first few",
        "batchgen/manifest.py",
        '            f"{path}: {len(rest)} more completed rows ({lines})',
        '            f"{path}: {len(done_gone)} more completed rows ({lines})',
        (
            (
                "tests/test_manifest_edges.py::test_many_done_rows_of_a_deleted_image_are_counted_by_what_the_folder_"
                "holds_of_them"
            ),
        ),
    ),
    Plant(
        "an image's smallest side exactly at its limit is refused",
        "batchgen/models/images.py",
        "    if param.min_side_px is not None and side < param.min_side_px:",
        "    if param.min_side_px is not None and side <= param.min_side_px:",
        (
            (
                "tests/models/test_images_edges.py::test_the_smallest_side_and_the_aspect_are_allowed_up_to_their_"
                "limits_inclusive"
            ),
        ),
    ),
    Plant(
        "an image's aspect exactly at its highest is refused",
        "batchgen/models/images.py",
        "    if (low is not None and aspect < low) or (high is not None and aspect > high):",
        "    if (low is not None and aspect < low) or (high is not None and aspect >= high):",
        (
            (
                "tests/models/test_images_edges.py::test_the_smallest_side_and_the_aspect_are_allowed_up_to_their_"
                "limits_inclusive"
            ),
        ),
    ),
    Plant(
        "an image file exactly at its byte limit is refused",
        "batchgen/models/images.py",
        "    if param.max_bytes is not None and info.st_size > param.max_bytes:",
        "    if param.max_bytes is not None and info.st_size >= param.max_bytes:",
        (
            (
                "tests/models/test_images_edges.py::test_the_longest_side_and_the_file_size_are_allowed_up_to_their_"
                "limits_inclusive"
            ),
        ),
    ),
    Plant(
        "a bad image in a list of a list's objects is named at the list, not its own place",
        "batchgen/models/images.py",
        "                item[key] = [one(inner, image, (*steps, number)) for number, image in enumerate(value)]",
        "                item[key] = [one(inner, image, steps) for number, image in enumerate(value)]",
        ("tests/e2e/test_nested_images.py::test_every_bad_nested_image_is_listed_with_its_place_and_nothing_is_sent",),
    ),
    Plant(
        "input_images records an image's absolute path, not the path as written",
        "batchgen/models/images.py",
        '        place(steps): {"file": ref.get("file") or ref.get("path"), "sha256": ref["sha256"]}',
        '        place(steps): {"file": ref.get("path"), "sha256": ref["sha256"]}',
        (
            (
                "tests/e2e/test_nested_images.py::test_a_nested_local_image_is_sent_inline_and_its_job_ends_in_a_"
                "verified_video"
            ),
        ),
    ),
    Plant(
        "one_of with none given names no field the rule lists first",
        "batchgen/models/check.py",
        "                field = chosen[1] if len(chosen) > 1 else rule.one_of[0]",
        "                field = rule.one_of[0]",
        ("tests/models/test_check_edges.py::test_one_of_refuses_none_as_well_as_both",),
    ),
    Plant(
        "a number given for text is not told to be written in quotes",
        "batchgen/models/check.py",
        '            quoted = f\' (write it in quotes: "{show(value)}")\' if as_number(value) is not None else ""',
        '            quoted = ""',
        ("tests/models/test_check_edges.py::test_no_rule_is_judged_on_a_job_whose_values_are_already_refused",),
    ),
    Plant(
        "'no' from a CSV cell is read as true",
        "batchgen/models/check.py",
        '"false": False, "no": False, "0": False}.get(',
        '"false": False, "no": True, "0": False}.get(',
        (
            (
                "tests/models/test_check_edges.py::test_csv_text_converts_to_booleans_both_ways_and_never_to_an_"
                "endless_number"
            ),
        ),
    ),
    Plant(
        "a required parameter given a bad value is also told missing",
        "batchgen/models/check.py",
        "        if param.required and param.name not in raw:",
        "        if param.required and param.name not in params:",
        (
            (
                "tests/models/test_check_edges.py::test_text_holding_a_nul_or_a_blank_item_in_a_list_is_refused_with_"
                "what_is_wrong"
            ),
        ),
    ),
    Plant(
        "a wire-string value is sent as Python writes it (5.0, True)",
        "batchgen/models/check.py",
        '    if wire == "string":\n        return show(value)',
        '    if wire == "string":\n        return str(value)',
        (
            (
                "tests/models/test_check_edges.py::test_numbers_that_differ_only_past_the_point_are_not_the_same_and_"
                "are_sent_whole"
            ),
        ),
    ),
    Plant(
        "a refused enum value with a unit is told without it",
        "batchgen/models/check.py",
        '            return None, f"{value!r} is not allowed; use {join_or(param.values)} ({param.unit})"',
        '            return None, f"{value!r} is not allowed; use {join_or(param.values)}"',
        (
            (
                "tests/models/test_check_edges.py::test_a_refused_enum_value_says_why_and_a_misspelt_name_says_what_"
                "was_meant"
            ),
        ),
    ),
    Plant(
        "a spec's price range upside down is taken",
        "batchgen/models/loader.py",
        "            or float(span[0]) > float(span[1])\n",
        "",
        ("tests/models/test_loader_edges.py::test_each_problem_of_a_spec_is_named_at_its_line_and_field",),
    ),
    Plant(
        "a spec's price row naming a parameter it does not have is taken",
        "batchgen/models/loader.py",
        '                if name not in declared:\n                    bad.add(line, f"price.{key}"',
        '                if False:\n                    bad.add(line, f"price.{key}"',
        ("tests/models/test_loader_edges.py::test_each_problem_of_a_spec_is_named_at_its_line_and_field",),
    ),
    Plant(
        "a spec's latency of 0 is taken",
        "batchgen/models/loader.py",
        '    if "latency_s" in root and not _positive(latency):',
        '    if "latency_s" in root and latency is None:',
        ("tests/models/test_loader_edges.py::test_a_spec_of_one_problem_says_one_problem",),
    ),
    Plant(
        "a spec whose slug is not its file's name is taken",
        "batchgen/models/loader.py",
        "    elif isinstance(slug, str) and slug != path.stem:",
        "    elif False:",
        ("tests/models/test_loader_edges.py::test_each_problem_of_a_spec_is_named_at_its_line_and_field",),
    ),
    Plant(
        "a spec's limit of 0 (max_length, max_items) is taken",
        "batchgen/models/loader.py",
        "        if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value <= 0):",
        "        if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 0):",
        ("tests/models/test_loader_edges.py::test_a_wrong_key_of_a_lists_objects_is_refused_where_it_is_written",),
    ),
    Plant(
        "a key of a list's objects of an image type is taken as a field",
        "batchgen/models/loader.py",
        '    if role == "field" and kind not in _ITEM_FIELD_TYPES:',
        "    if False:",
        ("tests/models/test_loader_edges.py::test_a_wrong_key_of_a_lists_objects_is_refused_where_it_is_written",),
    ),
    Plant(
        "a JSONL manifest breaks its lines at U+2028 inside a prompt, as str.splitlines does",
        "batchgen/manifest.py",
        "    for number, line in enumerate(_JSONL_LINES.split(text), start=1):",
        "    for number, line in enumerate(text.splitlines(), start=1):",
        (
            "tests/test_audit_manifest.py::test_a_jsonl_prompt_holding_a_unicode_line_separator_is_one_job_as_json_wr"
            "ites_it",
        ),
    ),
    Plant(
        "a failure's reason keeps the spans from the job's own moments, so the jobs a world lost alike do not group",
        "batchgen/report/summary.py",
        '    text = _SPAN_AFTER.sub("some time ", _AGE.sub("some time ago", text))',
        '    text = _AGE.sub("some time ago", text)',
        (
            "tests/report/test_summary_lines.py::test_a_failures_reason_drops_what_makes_each_job_unique_so_reasons_g"
            "roup",
        ),
    ),
    Plant(
        "an earlier run's finishes, as its ledger says, do not date a re-attached watched job's stall time",
        "batchgen/engine/schedule.py",
        "            self.finishes.add(self.clock.from_wall(sent), min(self.clock.from_wall(left), now))",
        "            pass",
        (
            "tests/engine/test_review_stalls.py::test_a_re_attached_watched_job_counts_its_stall_time_from_the_earlie"
            "r_runs_last_finish_before_it",
        ),
    ),
    Plant(
        "a job made anew keeps what polls learned of its last request: watched in the history from its first poll",
        "batchgen/engine/submitter.py",
        "        job.new_request(request_id)",
        "        job.request_id = request_id",
        (
            "tests/engine/test_review_stalls.py::test_a_watched_job_given_up_and_made_anew_is_polled_as_a_new_request"
            "_not_watched_from_its_first_poll",
        ),
    ),
    Plant(
        "a job's own parameters lose to its model's defaults when it is priced (a 10 s job priced as the default 5 s)",
        "batchgen/models/price.py",
        "    effective = {**spec.defaults(), **params}",
        "    effective = {**params, **spec.defaults()}",
        (
            "tests/models/test_price_edges.py::test_a_combination_no_per_second_rate_names_costs_the_highest_rate_at_"
            "the_longest_duration",
        ),
    ),
    Plant(
        "a per-second model's upper bound is its rate at the shortest duration, not the longest (spend cap passed)",
        "batchgen/models/price.py",
        "    longest = duration_bounds(spec.params)[1]",
        "    longest = duration_bounds(spec.params)[0]",
        (
            "tests/models/test_price_edges.py::test_a_combination_no_per_second_rate_names_costs_the_highest_rate_at_"
            "the_longest_duration",
        ),
    ),
    Plant(
        "a model's lowest price is its highest (the price range the catalogue shows starts at the top)",
        "batchgen/models/price.py",
        "    return round(min(known, default=highest(spec)), 6)",
        "    return round(max(known, default=highest(spec)), 6)",
        (
            "tests/models/test_price_edges.py::test_a_combination_no_per_second_rate_names_costs_the_highest_rate_at_"
            "the_longest_duration",
        ),
    ),
    Plant(
        "a per-second model's lowest price is its rate at the longest duration",
        "batchgen/models/price.py",
        "    shortest = duration_bounds(spec.params)[0]",
        "    shortest = duration_bounds(spec.params)[1]",
        (
            "tests/cli/test_audit_catalogue_view.py::test_a_price_per_second_is_shown_per_second_not_as_the_price_of_"
            "a_video",
        ),
    ),
    Plant(
        "a job the config's prices price exactly is still estimated as 'upper bound'",
        "batchgen/params.py",
        "    if _override(model, params, prices) is not None:\n        return False\n",
        "",
        ("tests/test_params.py::test_a_combination_the_page_does_not_price_counts_at_the_highest_price_and_says_so",),
    ),
    Plant(
        "a config price is looked up under std whatever the job's mode (a pro job priced as std)",
        "batchgen/params.py",
        '    mode = str(full.get("mode") or "std")',
        '    mode = "std"',
        ("tests/test_params.py::test_config_prices_override_a_spec_model_for_the_combinations_they_name_only",),
    ),
    Plant(
        "a spec model's config price for 5 s is scaled to price its 10 s jobs, over the spec's own price",
        "batchgen/params.py",
        "    if unspecified and 5 in by_duration:",
        "    if 5 in by_duration:",
        ("tests/test_params.py::test_config_prices_override_a_spec_model_for_the_combinations_they_name_only",),
    ),
    Plant(
        "a CSV duration of '10' is looked up in the config's prices as 5 s (half the estimate)",
        "batchgen/params.py",
        '    duration = as_int(full.get("duration", 5), from_text=True) or 5',
        '    duration = as_int(full.get("duration", 5), from_text=False) or 5',
        ("tests/test_params.py::test_a_model_without_a_spec_costs_its_config_prices",),
    ),
    Plant(
        "every model's typical latency is taken as 300 s, not its spec's",
        "batchgen/params.py",
        "    return spec.latency_s if spec else DEFAULT_LATENCY_S",
        "    return DEFAULT_LATENCY_S",
        ("tests/test_params.py::test_defaults_validation_and_latency_come_from_the_spec_or_are_left_alone",),
    ),
    Plant(
        "an images folder leaves out A.PNG and B.JPEG (an extension in capitals)",
        "batchgen/models/image_folder.py",
        "return sorted(p for p in where.iterdir() if p.is_file() and p.suffix.lower() in _IMAGE_SUFFIXES)",
        "return sorted(p for p in where.iterdir() if p.is_file() and p.suffix in _IMAGE_SUFFIXES)",
        ("tests/test_manifest_edges.py::test_an_images_folder_takes_image_files_whatever_the_case_of_their_extension",),
    ),
    Plant(
        "an images glob of everything makes a job of each caption file (.txt)",
        "batchgen/models/image_folder.py",
        '    return [p for p in matches if p.is_file() and p.suffix.lower() != ".txt"]',
        "    return [p for p in matches if p.is_file()]",
        (
            "tests/test_manifest_edges.py::test_a_glob_of_everything_leaves_out_the_caption_files_and_a_caption_wins_"
            "over_the_template",
        ),
    ),
    Plant(
        "an images block's prompt template gives {stem} as the file's whole name",
        "batchgen/models/image_folder.py",
        "template.format(stem=path.stem, name=path.name, folder=path.parent.name)",
        "template.format(stem=path.name, name=path.name, folder=path.parent.name)",
        ("tests/test_manifest_edges.py::test_an_images_block_makes_a_job_per_image_beside_jobs_and_a_matrix",),
    ),
    Plant(
        "an images block that matches no file is told at the block's line, not at its 'from'",
        "batchgen/models/image_folder.py",
        '        return [], [(key_lines.get("from", line), "images.from", f"\'{pattern}\' matches no image files")]',
        '        return [], [(line, "images.from", f"\'{pattern}\' matches no image files")]',
        ("tests/test_manifest_edges.py::test_an_images_blocks_problems_are_named_at_their_lines",),
    ),
    Plant(
        "an images block from '~/frames' looks for a folder named '~' (no job made)",
        "batchgen/models/image_folder.py",
        "    where = Path(pattern).expanduser()",
        "    where = Path(pattern)",
        (
            "tests/models/test_audit_image_folder.py::test_an_images_block_from_a_folder_or_glob_under_the_home_folde"
            "r_makes_a_job_per_image",
        ),
    ),
    Plant(
        "a probed video's width and height are swapped (every 16:9 video warned aspect_mismatch)",
        "batchgen/store/media.py",
        "                width=ctx.width or None,\n                height=ctx.height or None,",
        "                width=ctx.height or None,\n                height=ctx.width or None,",
        ("tests/report/test_report.py::test_probe_reads_the_container",),
    ),
    Plant(
        "an aspect_mismatch names the video's size as height x width",
        "batchgen/store/media.py",
        'f"asked for {want_aspect}, the video is {media.width}x{media.height}"',
        'f"asked for {want_aspect}, the video is {media.height}x{media.width}"',
        ("tests/report/test_report.py::test_an_aspect_exactly_at_the_tolerance_is_no_mismatch",),
    ),
    Plant(
        "a duration_mismatch swaps the length asked for and the video's",
        "batchgen/store/media.py",
        '"detail": f"asked for {want_s:g} s, the video lasts {media.duration_s:.2f} s",',
        '"detail": f"asked for {media.duration_s:g} s, the video lasts {want_s:.2f} s",',
        ("tests/report/test_report.py::test_a_duration_exactly_at_the_tolerance_is_no_mismatch",),
    ),
    Plant(
        "the frames of a video whose header does not count them are counted with the demuxer's empty flush packet",
        "batchgen/store/media.py",
        "                frames = sum(1 for packet in container.demux(stream) if packet.size)",
        "                frames = sum(1 for packet in container.demux(stream))",
        ("tests/report/test_report.py::test_probe_counts_the_frames_of_a_video_whose_header_does_not_say",),
    ),
    Plant(
        "a spool's age is its oldest entry's: a dead pid's folder written a moment ago (another machine's) is removed",
        "batchgen/store/spools.py",
        "    return max(times)",
        "    return min(times)",
        ("tests/store/test_spools.py::test_a_killed_runs_spool_is_removed_by_the_next_run_and_nothing_else_is",),
    ),
    Plant(
        "an output.spool_dir whose parent folders do not exist yet stops the run (its spool cannot be opened)",
        "batchgen/store/spools.py",
        "        given.mkdir(parents=True, exist_ok=True)",
        "        given.mkdir(exist_ok=True)",
        (
            "tests/store/test_audit_spools.py::test_a_spool_dir_whose_parent_folders_do_not_exist_yet_is_made_and_the"
            "_spool_opened_in_it",
        ),
    ),
    Plant(
        "an API unreachable mid-run exits 1, not 6",
        "batchgen/report/exits.py",
        "if isinstance(report.fatal, AuthError | ApiUnreachable) else EXIT_FAILED",
        "if isinstance(report.fatal, AuthError) else EXIT_FAILED",
        ("tests/report/test_exits.py::test_a_run_wide_error_gives_its_own_code_whatever_the_jobs_left",),
    ),
    Plant(
        "an output that cannot be written before the run exits 2, not 7",
        "batchgen/report/exits.py",
        "    if isinstance(exc, OutputUnwritable):\n        return EXIT_UNWRITABLE\n",
        "",
        ("tests/report/test_exits.py::test_an_error_before_a_run_gives_its_own_code",),
    ),
    Plant(
        "a bad --rpm is blamed on --concurrency",
        "batchgen/config.py",
        '    ("limits", "requests_per_minute"): "--rpm",',
        '    ("limits", "requests_per_minute"): "--concurrency",',
        ("tests/e2e/test_bad_input.py::test_a_bad_value_is_blamed_on_where_it_came_from",),
    ),
    Plant(
        "a bad BATCHGEN_* value is blamed on the config file, not on its environment variable",
        "batchgen/config.py",
        '            origin[section, key] = f"environment variable {var}"',
        "            origin[section, key] = where",
        ("tests/e2e/test_bad_input.py::test_a_bad_value_is_blamed_on_where_it_came_from",),
    ),
    Plant(
        "BATCHGEN_OUT is read as a number: a folder named '2026-nightly' or '/data/nightly' stops every run",
        "batchgen/config.py",
        '    if key in ("base_url", "dir"):',
        '    if key == "base_url":',
        ("tests/test_audit_config.py::test_batchgen_out_names_the_output_folder_as_text_over_the_config_file",),
    ),
    Plant(
        "report.thumb_width of 32 or 1920 refused, though its error says 'between 32 and 1920'",
        "batchgen/config.py",
        "        if not 32 <= self.thumb_width <= 1920:",
        "        if not 32 < self.thumb_width < 1920:",
        ("tests/test_audit_config.py::test_the_bounds_the_config_errors_name_are_themselves_accepted",),
    ),
    Plant(
        "output.lease_ttl_s of 5 refused, though its error says 'at least 5 seconds'",
        "batchgen/config.py",
        "        if self.lease_ttl_s < 5:",
        "        if self.lease_ttl_s <= 5:",
        ("tests/test_audit_config.py::test_the_bounds_the_config_errors_name_are_themselves_accepted",),
    ),
    Plant(
        "a submit of unknown outcome is logged at debug: a cron log never says it is looked up before it is sent again",
        "batchgen/cli/progress.py",
        '    elif event == "submit_unknown":',
        '    elif event == "submit_unknown_":',
        (
            "tests/cli/test_audit_progress.py::test_each_job_event_is_logged_at_its_level_in_words_that_say_what_happ"
            "ened",
        ),
    ),
    Plant(
        "without a terminal, the progress lines are logged at debug: a cron log has none",
        "batchgen/cli/progress.py",
        "        log.info(progress_line(run.snapshot()))",
        "        log.debug(progress_line(run.snapshot()))",
        ("tests/e2e/test_operator.py::test_progress_lines_and_json_logs_without_a_terminal",),
    ),
    Plant(
        "the resume line gives a --models path with a space unquoted (pasted, it names two files)",
        "batchgen/cli/nextstep.py",
        '    words = "".join(f" --models {shlex.quote(path)}" for path in getattr(args, "models", None) or ())',
        '    words = "".join(f" --models {path}" for path in getattr(args, "models", None) or ())',
        ("tests/cli/test_audit_nextstep.py::test_a_models_file_whose_path_has_a_space_is_one_word_of_the_resume_line",),
    ),
    Plant(
        "another manifest's refused jobs in the folder hide --retry-failed from this manifest's resume line",
        "batchgen/cli/nextstep.py",
        "sum(1 for i, rec in jobs.items() if i in ours and refused_as_sent(rec))",
        "sum(1 for i, rec in jobs.items() if refused_as_sent(rec))",
        (
            "tests/cli/test_audit_nextstep.py::test_another_manifests_refused_jobs_in_the_folder_do_not_hide_the_flag"
            "_for_this_ones_failure",
        ),
    ),
    Plant(
        "simulate --media-fault KIND=TEXT is taken as TEXT=KIND (refused as an unknown fault kind)",
        "batchgen/cli/serve.py",
        "    media_faults = {text: kind for kind, text in media}",
        "    media_faults = {kind: text for kind, text in media}",
        (
            "tests/cli/test_audit_serve.py::test_each_media_fault_flag_names_the_prompt_text_it_spoils_and_one_kind_m"
            "ay_spoil_several",
        ),
    ),
    Plant(
        "simulate's banner says 'rpm 50' for a simulator with no rate limit",
        "batchgen/cli/serve.py",
        "f\"rpm {config.rpm or 'unlimited'}; credits",
        'f"rpm {config.rpm or 50}; credits',
        (
            "tests/cli/test_audit_serve.py::test_the_banner_tells_the_rate_limit_the_simulator_enforces_and_unlimited"
            "_without_one",
        ),
    ),
    Plant(
        "simulate's 'try:' line leaves out --time-scale (the client runs at another pace than the simulator)",
        "batchgen/cli/serve.py",
        "--base-url {sim.url}{scale} --out sim-out",
        "--base-url {sim.url} --out sim-out",
        ("tests/cli/test_audit_serve.py::test_the_banners_try_line_runs_the_client_at_the_simulators_time_scale",),
    ),
    Plant(
        "batchgen --help exits 2, as bad usage",
        "batchgen/cli/main.py",
        "        return EXIT_USAGE if exc.code not in (0, None) else EXIT_OK",
        "        return EXIT_USAGE",
        ("tests/test_package.py::test_python_dash_m_batchgen_is_the_cli",),
    ),
    Plant(
        "a run without a key names SEGMIND_API_KEY, not the api.key_env the config reads it from",
        "batchgen/cli/main.py",
        '            f"no API key: set the environment variable {settings.api.key_env} "',
        '            "no API key: set the environment variable SEGMIND_API_KEY "',
        ("tests/cli/test_audit_main.py::test_a_run_without_a_key_names_the_variable_the_config_reads_it_from",),
    ),
    Plant(
        "the note on jobs in flight outside the manifest counts the five it names again in 'and N more'",
        "batchgen/cli/main.py",
        '(f" and {len(strays) - 5} more" if len(strays) > 5 else "")',
        '(f" and {len(strays)} more" if len(strays) > 5 else "")',
        (
            "tests/cli/test_audit_main.py::test_the_dry_run_names_five_jobs_in_flight_outside_the_manifest_and_counts"
            "_the_rest",
        ),
    ),
    Plant(
        "batchgen report --config is ignored: the page is laid out with the default report settings",
        "batchgen/cli/main.py",
        "publish(root, load_settings(args.config).report,",
        "publish(root, Settings().report,",
        ("tests/cli/test_audit_main.py::test_the_report_command_lays_out_its_pages_as_the_config_it_is_given_says",),
    ),
    Plant(
        "the ids of a varied block are not cut to a usable length",
        "batchgen/jobs.py",
        '    return "-".join([prefix, *parts])[:120].rstrip("-._")',
        '    return "-".join([prefix, *parts])',
        ("tests/test_manifest_forms.py", "tests/test_manifest_edges.py", "tests/models/test_audit_image_folder.py"),
    ),
    Plant(
        "a folder of the user's named like a spool (batchgen-2024-archive) is removed as a killed run's",
        "batchgen/store/spools.py",
        "entry.is_symlink() or not (entry / MARK).is_file() or _running",
        "entry.is_symlink() or not entry.is_dir() or _running",
        ("tests/store/test_spools.py::test_a_users_folder_named_like_a_spool_is_never_removed",),
    ),
    Plant(
        "a spool folder made again under a running store has no mark, so a later run never removes it",
        "batchgen/store/objects.py",
        "                mark(self.spool)\n",
        "",
        ("tests/store/test_store.py::test_a_spool_folder_removed_under_a_running_store_is_made_again_with_its_mark",),
    ),
    Plant(
        "submits are never held back in an outage: each one sent into it is a submit of unknown outcome",
        "batchgen/api/gateway.py",
        "        return self.probe is None or (self.silence < SILENT_AFTER and self.submits_refused_at is None)",
        "        return True",
        (
            "tests/api/test_gateway_silence.py",
            "tests/e2e/test_api_worlds.py::test_no_submit_is_sent_into_an_outage_after_the_first_fell_in_it",
        ),
    ),
    Plant(
        "a submit of unknown outcome in an outage counts as one unanswered call: the next submit goes into it too",
        "batchgen/api/gateway.py",
        "            self.silence += 2 if isinstance(exc, AmbiguousSubmit) else 1",
        "            self.silence += 1",
        (
            "tests/api/test_gateway_silence.py",
            "tests/e2e/test_api_worlds.py::test_no_submit_is_sent_into_an_outage_after_the_first_fell_in_it",
        ),
    ),
    Plant(
        "a silent API is asked again at the first gap every time, never at gaps doubling",
        "batchgen/api/gateway.py",
        "        if not self.heard:\n            self.asked += 1",
        "        pass",
        ("tests/api/test_gateway_silence.py",),
    ),
    Plant(
        "an answer ends the reachability clock but not the silence: submits stay held back after the API is back",
        "batchgen/api/gateway.py",
        "        self.last_reached = self.clock.now()\n        self.silence = 0\n",
        "        self.last_reached = self.clock.now()\n",
        (
            "tests/api/test_gateway_silence.py",
            "tests/e2e/test_api_worlds.py::test_no_submit_is_sent_into_an_outage_after_the_first_fell_in_it",
        ),
    ),
    Plant(
        "an unanswered call judged twice (by the bound, then the hook) counts twice: one 503 holds submits back",
        "batchgen/api/gateway.py",
        "                                continue\n                            judged.append(exc)\n",
        "                                continue\n",
        ("tests/api/test_gateway_silence.py",),
    ),
    Plant(
        "what a call's before() raised (nothing sent) is taken for an answer from the API",
        "batchgen/api/gateway.py",
        "                            judged.append(exc)\n                            raise\n",
        "                            raise\n",
        ("tests/api/test_gateway_silence.py",),
    ),
    Plant(
        "a submit granted while the API is silent is sent into the outage",
        "batchgen/engine/submitter.py",
        "            if not self.gateway.may_send():  # the API has been silent since (an outage): not into it "
        "(last: a\n"
        "                raise _Unheard  # submit let go as the ask is let go only by a submit that is then sent)\n",
        "",
        ("tests/e2e/test_api_worlds.py::test_no_submit_is_sent_into_an_outage_after_the_first_fell_in_it",),
    ),
    Plant(
        "a run has no call to ask a silent API with, so its submits are never held back in an outage",
        "batchgen/engine/run.py",
        "        self.gateway.probe = api.credits",
        "        self.gateway.probe = None",
        ("tests/e2e/test_api_worlds.py::test_no_submit_is_sent_into_an_outage_after_the_first_fell_in_it",),
    ),
    Plant(
        "a submit answered HTTP 500 is taken as a server error, not of unknown outcome: sent again, paid twice",
        "batchgen/api/client.py",
        "        if status >= 500:\n            raise AmbiguousSubmit(",
        "        if status > 500:\n            raise AmbiguousSubmit(",
        ("tests/api/test_client.py::test_5xx_on_poll_is_a_server_error_and_on_submit_ambiguous",),
    ),
    Plant(
        "a request with no answer in time is told as never reaching the server: a submit so is sent again, paid twice",
        "batchgen/api/client.py",
        'raise NetworkError(f"no answer from {_host(url)}: {_describe(exc)}", reached_server=True)',
        'raise NetworkError(f"no answer from {_host(url)}: {_describe(exc)}", reached_server=False)',
        ("tests/api/test_client.py::test_timeouts",),
    ),
    Plant(
        "the client's description shows the first characters of the key",
        "batchgen/api/client.py",
        'return f"ApiClient(base_url={self.base_url!r}, key=<from ${self.key_env}>)"',
        'return f"ApiClient(base_url={self.base_url!r}, key={self._key[:4]}...)"',
        ("tests/api/test_client_answers.py::test_the_history_host_and_the_clients_own_description",),
    ),
    Plant(
        "a download answered 429 is told as not worth trying again (the video paid for is given up)",
        "batchgen/api/client.py",
        "retryable=response.status >= 500 or response.status == 429,",
        "retryable=response.status >= 500,",
        ("tests/api/test_client_answers.py::test_a_download_refused_says_whether_trying_again_can_help",),
    ),
    Plant(
        "a download answered 410 is not told as gone",
        "batchgen/api/client.py",
        "gone=response.status in (404, 410),",
        "gone=response.status == 404,",
        ("tests/api/test_client_answers.py::test_a_download_refused_says_whether_trying_again_can_help",),
    ),
    Plant(
        "a video of exactly output.max_download_bytes is refused as over the limit",
        "batchgen/api/client.py",
        "if length is not None and length > max_bytes:",
        "if length is not None and length >= max_bytes:",
        ("tests/api/test_client_answers.py::test_a_download_is_bounded_sent_without_the_key_and_read_in_chunks",),
    ),
    Plant(
        "an answer of exactly api.max_response_bytes is taken as too large",
        "batchgen/api/client.py",
        "        if total > limit:\n            return None",
        "        if total >= limit:\n            return None",
        ("tests/api/test_client_answers.py::test_an_answer_is_read_up_to_its_limit_and_no_further",),
    ),
    Plant(
        "the free credits are read from a field the API does not send",
        "batchgen/api/client.py",
        'number(body.get("free-credits"))',
        'number(body.get("free_credits"))',
        ("tests/api/test_client_answers.py::test_the_credit_balance_reads_both_kinds_of_credit",),
    ),
    Plant(
        "a result's charge is read from a field the API does not send (every video counted as free)",
        "batchgen/api/client.py",
        'cost=number(metrics.get("cost")),',
        'cost=number(metrics.get("credits")),',
        ("tests/api/test_client_answers.py::test_status_and_result_read_the_state_the_error_and_the_figures",),
    ),
    Plant(
        "a refused key is told as SEGMIND_API_KEY's whatever variable api.key_env names",
        "batchgen/api/answers.py",
        (
            'f"the API refused the key while {what} (HTTP {status}: {detail}); check the key in "\n'
            '            f"the environment variable {key_env}",'
        ),
        (
            'f"the API refused the key while {what} (HTTP {status}: {detail}); check the key in "\n'
            '            "the environment variable SEGMIND_API_KEY",'
        ),
        ("tests/api/test_client_wire.py::test_a_refused_key_names_the_variable_it_came_from",),
    ),
    Plant(
        "a job the API ends as CANCELLED is taken for one still in flight (polled until its record expires)",
        "batchgen/api/answers.py",
        "    if spelled in FAILED_STATES or spelled in CANCELLED_STATES:",
        "    if spelled in FAILED_STATES:",
        ("tests/api/test_worlds_answers.py::test_states_are_read_case_insensitively_and_safely",),
    ),
    Plant(
        "a Retry-After given as a date is read backwards: no wait at all",
        "batchgen/api/answers.py",
        "                return _clip(when - (wall_now() if server_now is None else server_now))",
        "                return _clip((wall_now() if server_now is None else server_now) - when)",
        ("tests/api/test_client.py::test_retry_hint_formats",),
    ),
    Plant(
        "a history id of 32 bare hex digits in capitals is dashed in capitals: matched to no submit of this run",
        "batchgen/api/answers.py",
        "    bare = request_id.lower()\n",
        "    bare = request_id\n",
        (
            "tests/api/test_worlds_answers.py::test_a_history_row_id_of_32_bare_hex_digits_is_read_as_a_submit_spells"
            "_it",
        ),
    ),
    Plant(
        "a result's links named like pictures are tried before those named like videos",
        "batchgen/api/answers.py",
        "    return sorted(found[:8], key=_link_rank)",
        "    return sorted(found[:8], key=_link_rank, reverse=True)",
        ("tests/api/test_worlds_answers.py::test_every_candidate_link_in_order_and_the_declared_size",),
    ),
    Plant(
        "a result's link nested two levels deep in output is not found",
        "batchgen/api/answers.py",
        "    if depth > 3 or len(found) >= 8:",
        "    if depth > 1 or len(found) >= 8:",
        ("tests/api/test_worlds_answers.py::test_output_may_be_a_string_a_list_or_an_object_holding_the_url",),
    ),
    Plant(
        "a figure of true is read as the number 1",
        "batchgen/api/answers.py",
        "    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):",
        "    if not isinstance(value, int | float) or not math.isfinite(value):",
        (
            (
                "tests/api/test_promises_units.py::"
                "test_a_results_submit_to_finish_time_is_its_total_or_its_queue_and_work_together"
            ),
        ),
    ),
    Plant(
        "a history row still queued is read as QUEUED, not PENDING",
        "batchgen/api/answers.py",
        '    return read.state if read is not None and read.state in HISTORY_DONE else "PENDING"',
        '    return read.state if read is not None else "PENDING"',
        ("tests/api/test_worlds_answers.py::test_history_rows_states_are_read_the_same_way",),
    ),
    Plant(
        "the history is asked for its oldest requests first",
        "batchgen/api/client.py",
        '                query["sort_order"] = "desc"',
        '                query["sort_order"] = "asc"',
        (
            (
                "tests/api/test_client_answers.py::"
                "test_the_request_history_asks_for_what_it_is_given_and_keeps_the_rows_it_can_read"
            ),
        ),
    ),
    Plant(
        "refusals by a gateway in front of the API are not counted",
        "batchgen/api/client.py",
        "        self.refused += 1\n        return error",
        "        return error",
        (
            (
                "tests/api/test_client_answers.py::"
                "test_a_page_refusing_a_poll_once_the_api_accepted_the_key_is_a_gateway_refusal_not_a_refused_key"
            ),
        ),
    ),
    Plant(
        "the download session sends the key to the output host",
        "batchgen/api/client.py",
        "        self._download_session = aiohttp.ClientSession(\n            headers=headers,",
        (
            "        self._download_session = aiohttp.ClientSession(\n"
            '            headers={**headers, "x-api-key": self._key},'
        ),
        ("tests/api/test_client.py::test_key_goes_only_to_the_api_never_to_the_output_host",),
    ),
    Plant(
        "a submit answered with an empty request_id is taken as made",
        "batchgen/api/client.py",
        "        if not isinstance(rid, str) or not rid or len(rid) > 200:\n            raise AmbiguousSubmit(",
        "        if not isinstance(rid, str) or len(rid) > 200:\n            raise AmbiguousSubmit(",
        ("tests/api/test_client_answers.py::test_a_submit_accepted_without_a_usable_request_id_is_ambiguous",),
    ),
    Plant(
        "a balance read does not show the API has spoken: a later submit answered by a page stops the run (wrong URL)",
        "batchgen/api/client.py",
        "        self.spoken = True\n        return Credits(",
        "        return Credits(",
        ("tests/api/test_client_answers.py::test_a_submit_answered_by_something_other_than_the_api_is_ambiguous",),
    ),
    Plant(
        "the window lets one call more than the limit go out",
        "batchgen/api/ratelimit.py",
        "        if self.in_flight + len(stamps) >= math.floor(self.limit):",
        "        if self.in_flight + len(stamps) > math.floor(self.limit):",
        ("tests/api/test_ratelimit.py::test_a_full_window_waits_for_its_oldest_call_or_for_a_release",),
    ),
    Plant(
        "calls leave the window half a window after their answer",
        "batchgen/api/ratelimit.py",
        "        while stamps and stamps[0] <= now - self.window:",
        "        while stamps and stamps[0] <= now - self.window / 2:",
        ("tests/api/test_ratelimit.py::test_a_full_window_waits_for_its_oldest_call_or_for_a_release",),
    ),
    Plant(
        "the token bucket starts full: a run's first calls go out as a burst",
        "batchgen/api/ratelimit.py",
        "        self._tokens = self.burst if burst is not None else min(1.0, self.burst)",
        "        self._tokens = self.burst",
        ("tests/api/test_ratelimit.py::test_tokens_refill_at_the_limit_per_window_whatever_the_rate",),
    ),
    Plant(
        "the burst is a sixth of a window's quota, not a sixtieth",
        "batchgen/api/ratelimit.py",
        "        return max(1.0, self.limit / 60)",
        "        return max(1.0, self.limit / 6)",
        ("tests/api/test_ratelimit.py::test_the_limit_is_counted_over_the_window_and_the_burst_is_a_sixtieth_of_it",),
    ),
    Plant(
        "a hinted 429 may lower the limit to a quarter in one step",
        "batchgen/api/ratelimit.py",
        "            self.limit = max(self.min_limit, min(old * 0.8, max(observed, old * 0.5)))",
        "            self.limit = max(self.min_limit, min(old * 0.8, max(observed, old * 0.25)))",
        ("tests/api/test_ratelimit.py::test_a_429_with_a_hint_lowers_the_limit_to_what_was_in_the_window",),
    ),
    Plant(
        "429 answers are not counted in the readout",
        "batchgen/api/ratelimit.py",
        "        self.throttled += 1\n",
        "",
        ("tests/api/test_gateway.py::test_429s_wait_at_the_gate_and_spend_no_attempt",),
    ),
    Plant(
        "a call asking at its ahead_at never moves ahead of the submits waiting",
        "batchgen/api/ratelimit.py",
        "    if now >= ahead_at and waiter.priority > Priority.SUBMIT:",
        "    if now > ahead_at and waiter.priority > Priority.SUBMIT:",
        (
            (
                "tests/api/test_audit_ratelimit.py::"
                "test_a_call_that_asks_at_its_ahead_at_goes_before_a_submit_that_waited_longer"
            ),
        ),
    ),
    Plant(
        "above the ceiling the limit rises at most every tenth window becomes at least every tenth",
        "batchgen/api/ratelimit.py",
        "        return max(ABOVE_CEILING_WINDOWS, math.ceil(ABOVE_CEILING_S / self.window))",
        "        return min(ABOVE_CEILING_WINDOWS, math.ceil(ABOVE_CEILING_S / self.window))",
        ("tests/api/test_ratelimit.py::test_the_climb_back_slows_to_every_tenth_window_at_the_ceiling",),
    ),
    Plant(
        "every 429 of one overload lowers the limit again",
        "batchgen/api/ratelimit.py",
        "        elif sent_at is None or sent_at >= self._last_decrease:",
        "        elif True:",
        ("tests/api/test_promises_units.py::test_one_overload_lowers_the_rate_once_however_many_429s_it_produced",),
    ),
    Plant(
        "a hinted 429 after one or two calls is read as a shorter window and the rate is kept",
        "batchgen/api/ratelimit.py",
        "        if len(run) < MIN_RUN or self.in_flight",
        "        if len(run) < 1 or self.in_flight",
        (
            (
                "tests/api/test_audit_ratelimit.py::"
                "test_a_hinted_429_after_fewer_calls_than_a_run_lowers_the_limit_and_keeps_the_window"
            ),
        ),
    ),
    Plant(
        "a shorter window keeps the count configured for the longer one: paced faster than configured",
        "batchgen/api/ratelimit.py",
        "        self.configured = rate * window\n",
        "",
        ("tests/api/test_ratewindow.py::test_a_shorter_window_never_paces_faster_than_configured",),
    ),
    Plant(
        "a later answer showing the server's clock less far ahead lowers how far ahead it is taken to run",
        "batchgen/api/client.py",
        "            if not self._dated or ahead > self._dated[-1][1]:",
        "            if not self._dated or ahead != self._dated[-1][1]:",
        (
            (
                "tests/api/test_audit_client.py::"
                "test_an_answer_dated_earlier_than_one_before_it_showed_never_lowers_how_far_ahead_the_server_runs"
            ),
        ),
    ),
    Plant(
        "a request history that answers 404 is not remembered as absent",
        "batchgen/api/client.py",
        "            if http == 404:\n                self.history_answered = False\n",
        "",
        (
            (
                "tests/e2e/test_record_life.py::"
                "test_a_submit_of_unknown_outcome_holds_its_slot_where_no_history_can_settle_it"
            ),
        ),
    ),
    Plant(
        "a first submit answered 500 by a page, not the API's, does not say a gateway may have failed for now",
        "batchgen/api/client.py",
        "        later = GATEWAY_FOR_NOW * (status >= 500)",
        "        later = GATEWAY_FOR_NOW * (status > 500)",
        (
            (
                "tests/e2e/test_not_the_api.py::"
                "test_a_base_url_of_an_object_store_stops_the_run_at_its_first_submit_and_pays_nothing_twice"
            ),
        ),
    ),
    Plant(
        "an error answer not JSON is not marked so: a page refusing a read is taken as the API refusing the key",
        "batchgen/api/client.py",
        "        error.answer = not_json(body)\n",
        "",
        (
            (
                "tests/e2e/test_not_the_api.py::"
                "test_runs_again_at_the_same_wrong_url_send_no_submit_and_leave_no_job_more_of_unknown_outcome"
            ),
        ),
    ),
    Plant(
        "a later hintless cooldown may raise the limit found before",
        "batchgen/api/window.py",
        "        self.limit = limit if self.limit is None else min(self.limit, limit)",
        "        self.limit = limit",
        ("tests/api/test_ratewindow.py::test_no_hint_429s_with_calls_delayed_unevenly_keep_the_limit_found",),
    ),
    Plant(
        "while the window's bounds are far apart the pace is their arithmetic mean, not the geometric",
        "batchgen/api/window.py",
        "            return math.sqrt(self.window * self.lower)",
        "            return (self.window + self.lower) / 2",
        ("tests/api/test_ratewindow.py::test_finder_bounds_from_refused_and_admitted_calls",),
    ),
    Plant(
        "admitted calls are forgotten after one window: a hintless 429's run misses calls the server still counts",
        "batchgen/api/window.py",
        "        horizon = now - KEEP_WINDOWS * self.reference",
        "        horizon = now - self.reference",
        (
            (
                "tests/api/test_audit_window.py::"
                "test_calls_sent_more_than_a_window_before_a_later_answer_still_count_in_the_run_a_429_shows"
            ),
        ),
    ),
    Plant(
        "before a window is known, the configured window gets no probe of its own",
        "batchgen/api/window.py",
        "            if now < prior < at:\n                return prior",
        "            if False:\n                return prior",
        ("tests/api/test_ratewindow.py::test_a_server_whose_window_is_the_configured_one_reopens_at_the_first_probe",),
    ),
    Plant(
        "a late hintless 429 for a call sent just before the probe that ended a cooldown starts a new one",
        "batchgen/api/window.py",
        "        if not self.cooling and sent_at < self._ended_at:",
        "        if not self.cooling and sent_at < self._ended_at - 1.0:",
        ("tests/api/test_ratelimit.py::test_a_late_hintless_429_for_a_call_sent_before_the_probe_changes_nothing",),
    ),
    Plant(
        "a hinted 429's jitter is up to half a window",
        "batchgen/api/ratelimit.py",
        "jitter = 0.0 if shorter is not None else self._rng.uniform(0, 0.05 * self.window)",
        "jitter = 0.0 if shorter is not None else self._rng.uniform(0, 0.5 * self.window)",
        ("tests/api/test_ratelimit.py::test_the_gate_reports_how_long_it_stays_closed",),
    ),
    Plant(
        "the climb back passes the ceiling at the quick pace when it reaches it exactly",
        "batchgen/api/ratelimit.py",
        "            if self.limit + self._step < self.ceiling or self._clean_windows",
        "            if self.limit + self._step <= self.ceiling or self._clean_windows",
        ("tests/api/test_ratelimit.py::test_the_climb_back_slows_to_every_tenth_window_at_the_ceiling",),
    ),
    Plant(
        "a hinted 429 sets no ceiling: the limit climbs straight back to the figure refused",
        "batchgen/api/ratelimit.py",
        "            self.ceiling = max(self.limit + self._step, min(old, observed) if observed else old)",
        "            self.ceiling = math.inf",
        ("tests/api/test_ratelimit.py::test_the_climb_back_slows_to_every_tenth_window_at_the_ceiling",),
    ),
    Plant(
        "the submits counted as waiting include the results and polls",
        "batchgen/api/ratelimit.py",
        "        return sum(w.priority == priority for w in self._waiters)",
        "        return sum(w.priority <= priority for w in self._waiters)",
        (
            (
                "tests/api/test_audit_ratelimit.py::"
                "test_the_submits_counted_as_waiting_are_the_submits_only_not_the_results_and_polls_before_them"
            ),
        ),
    ),
    Plant(
        "a waiter on a full window wakes just before its oldest call leaves it",
        "batchgen/api/ratelimit.py",
        "            waits.append(stamps[0] + self.window - now + 1e-6)",
        "            waits.append(stamps[0] + self.window - now - 1e-6)",
        ("tests/api/test_ratelimit.py::test_a_waiter_woken_when_the_oldest_answer_leaves_the_window_finds_room",),
    ),
    Plant(
        "a call waiting for its urgent_at is never woken for it",
        "batchgen/api/ratelimit.py",
        "    moments = [urgent_at] if now < urgent_at else []",
        "    moments = []",
        (
            (
                "tests/api/test_ratelimit.py::"
                "test_a_call_that_becomes_urgent_at_the_head_of_the_queue_stays_ahead_of_a_submit_that_asks_later"
            ),
        ),
    ),
    Plant(
        "an admitted call that narrows the window found leaves the budget at its first pace",
        "batchgen/api/ratelimit.py",
        "            if pace is not None and not self.finder.cooling and pace < self.window:",
        "            if pace is not None and not self.finder.cooling and pace > self.window:",
        (
            (
                "tests/api/test_audit_ratelimit.py::"
                "test_an_admitted_call_that_narrows_the_window_found_paces_the_budget_faster_at_once"
            ),
        ),
    ),
    Plant(
        "a 406 naming the Content-Type with a dash is told as out of credits (exit 3, top up)",
        "batchgen/api/answers.py",
        '        if "content type" in detail.lower() or "content-type" in detail.lower():',
        '        if "content type" in detail.lower():',
        (
            (
                "tests/api/test_audit_answers.py::"
                "test_a_406_that_names_the_content_type_with_a_dash_is_a_content_type_refusal_not_out_of_credits"
            ),
        ),
    ),
    Plant(
        "a refusal saying insufficient_credits is not read as out of credits",
        "batchgen/api/answers.py",
        'r"insufficient[ _](account[ _])?(credit|balance)|out of credits|not enough (credit|balance)"',
        'r"insufficient (account )?(credit|balance)|out of credits|not enough (credit|balance)"',
        (
            (
                "tests/api/test_client.py::"
                "test_out_of_credits_is_read_from_402_and_from_a_refusal_that_says_so_and_nothing_else"
            ),
        ),
    ),
    Plant(
        "a Retry-After is not read: only the reset time is",
        "batchgen/api/answers.py",
        '    retry_after = headers.get("retry-after", "").strip()',
        '    retry_after = ""',
        ("tests/api/test_client_wire.py::test_a_429_on_any_call_carries_the_servers_hint",),
    ),
    Plant(
        "a result's negative total_time is taken as its submit-to-finish time",
        "batchgen/api/answers.py",
        "    return total if total is not None and total >= 0 and math.isfinite(total) else None",
        "    return total if total is not None and math.isfinite(total) else None",
        (
            (
                "tests/api/test_promises_units.py::"
                "test_a_results_submit_to_finish_time_is_its_total_or_its_queue_and_work_together"
            ),
        ),
    ),
    Plant(
        "a history row's negative latency_ms is taken as its latency",
        "batchgen/api/answers.py",
        "    return ms / 1000.0 if ms is not None and ms >= 0 and math.isfinite(ms) else None",
        "    return ms / 1000.0 if ms is not None and math.isfinite(ms) else None",
        ("tests/api/test_audit_answers.py::test_a_history_rows_negative_latency_is_no_latency",),
    ),
    Plant(
        "a job cancelled without an error text is not told as cancelled",
        "batchgen/api/answers.py",
        "    if text is None and read.cancelled:",
        "    if text is None and read.cancelled and False:",
        ("tests/api/test_worlds_answers.py::test_a_cancelled_job_without_an_error_text_says_it_was_cancelled",),
    ),
    Plant(
        "an error's reason is cut to 50 characters",
        "batchgen/api/answers.py",
        '    return str(err)[:500] if err else "no detail given"',
        '    return str(err)[:50] if err else "no detail given"',
        ("tests/api/test_client_answers.py::test_an_error_answer_that_is_not_json_is_read_as_its_text",),
    ),
    Plant(
        "an object store's error code after its XML declaration is not named",
        "batchgen/api/foreign.py",
        "        code = _S3_CODE.search(raw[:4096])",
        "        code = _S3_CODE.search(raw[:64])",
        (
            (
                "tests/api/test_audit_foreign.py::"
                "test_an_object_stores_error_code_is_named_wherever_its_xml_declaration_puts_it"
            ),
        ),
    ),
    Plant(
        "a job state PENDING is read as an undocumented in-flight state, not QUEUED",
        "batchgen/api/answers.py",
        'QUEUED_STATES = frozenset({"QUEUED", "IN_QUEUE", "INQUEUE", "PENDING", "WAITING", "SUBMITTED"})',
        'QUEUED_STATES = frozenset({"QUEUED", "IN_QUEUE", "INQUEUE", "WAITING", "SUBMITTED"})',
        ("tests/api/test_audit_answers.py::test_every_queued_spelling_the_readme_lists_is_a_documented_queued_state",),
    ),
    Plant(
        "a history row's generation_url that is not text is taken as its link",
        "batchgen/api/answers.py",
        'generation_url=row.get("generation_url") if isinstance(row.get("generation_url"), str) else None,',
        'generation_url=row.get("generation_url") or None,',
        ("tests/api/test_audit_answers.py::test_a_history_rows_link_that_is_not_text_is_no_link",),
    ),
    Plant(
        "a gateway refusing calls is warned of at every refusal, not once a run",
        "batchgen/api/client.py",
        "        if not self.refused:\n            log.warning(",
        "        if True:\n            log.warning(",
        (
            (
                "tests/api/test_audit_client.py::"
                "test_a_gateway_refusing_calls_once_the_key_was_accepted_is_told_once_a_run_however_often_it_refuses"
            ),
        ),
    ),
    Plant(
        "an answer leaving the window wakes no waiter",
        "batchgen/api/ratelimit.py",
        "        self._stamps.append(self.clock.now())\n        self._wake_head()",
        "        self._stamps.append(self.clock.now())",
        (
            (
                "tests/api/test_ratelimit.py::"
                "test_a_waiter_on_a_full_window_sleeps_until_an_answer_then_until_it_leaves_the_window"
            ),
        ),
    ),
    Plant(
        "a Retry-After date on an answer without a Date header is ignored (no hint: a cooldown of probes)",
        "batchgen/api/answers.py",
        "            if when is not None:\n                return _clip(when - (wall_now()",
        "            if when is not None and server_now is not None:\n                return _clip(when - (wall_now()",
        (
            "tests/api/test_audit_answers.py::"
            "test_a_retry_after_date_on_an_answer_without_a_date_header_is_read_against_this_machines_clock",
        ),
    ),
    Plant(
        "a job deferred by the spend cap is told its own estimate as the cap",
        "batchgen/engine/submitter.py",
        'reason=f"the estimated spend would pass the cap of ${cap:.2f}"',
        'reason=f"the estimated spend would pass the cap of ${cost:.2f}"',
        ("tests/engine/test_submitter.py::test_the_feeder_defers_what_would_pass_the_spend_cap",),
    ),
    Plant(
        "every lost submit left is counted as one a plain re-run cannot settle",
        "batchgen/engine/submitter.py",
        "self.report.rerun_cannot_settle += not verdict.rerun",
        "self.report.rerun_cannot_settle += 1",
        (
            "tests/engine/test_submitter_units.py::"
            "test_an_unknown_submit_left_while_the_spend_cap_defers_the_next_job_is_not_said_to_have_none_left",
        ),
    ),
    Plant(
        "submits made now are counted as re-attached from an earlier run, and re-attached ones as submitted",
        "batchgen/engine/submitter.py",
        "        if resumed:\n            self.report.reattached += 1",
        "        if not resumed:\n            self.report.reattached += 1",
        ("tests/engine/test_submitter.py::test_an_accepted_submit_is_recorded_durably_then_sent_to_the_poller",),
    ),
    Plant(
        "a lost video's expired line drops the HTTP status (a resume never learns how long records live)",
        "batchgen/engine/submitter.py",
        'error: dict[str, Any] = {"detail": detail} if http is None else {"http": http, "detail": detail}',
        'error: dict[str, Any] = {"detail": detail}',
        ("tests/engine/test_submitter_units.py::test_a_lost_video_is_left_expired_without_resubmit_lost",),
    ),
    Plant(
        "a lost video made again with --resubmit-lost forgets what its first request cost",
        "batchgen/engine/submitter.py",
        "        self.book.remake(job)  # what it cost stays counted against the spend cap\n",
        "",
        (
            "tests/engine/test_submitter_units.py::"
            "test_a_lost_video_is_made_again_with_resubmit_lost_and_its_first_cost_is_kept",
        ),
    ),
    Plant(
        "a run that ends while a submit waits after a 429 leaves it 'submitting' (looked up, never sent again)",
        "batchgen/engine/submitter.py",
        "if last is None or isinstance(last, RateLimited) or retry_unsent(last):",
        "if last is None or retry_unsent(last):",
        ("tests/engine/test_submitter.py::test_a_submit_cancelled_mid_wait_says_nothing_was_sent",),
    ),
    Plant(
        "the submitting line of a job made again drops what its earlier requests paid",
        "batchgen/engine/submitter.py",
        "paid_before=round(job.paid_before, 6) or None,",
        "paid_before=None,",
        (
            "tests/engine/test_submitter_units.py::"
            "test_the_submitting_line_records_what_is_sent_and_what_earlier_attempts_paid",
        ),
    ),
    Plant(
        "the submitting line of a job made again drops its ended requests (a look-up may take one for it)",
        "batchgen/engine/submitter.py",
        "ended_requests=job.ended_requests or None,",
        "ended_requests=None,",
        (
            "tests/engine/test_submitter_units.py::"
            "test_the_submitting_line_records_what_is_sent_and_what_earlier_attempts_paid",
        ),
    ),
    Plant(
        "a submit of unknown outcome is not counted as an attempt (never given up for the run)",
        "batchgen/engine/submitter.py",
        "            job.submit_attempts += 1\n",
        "",
        (
            "tests/engine/test_submitter_outcomes.py::"
            "test_unknown_submits_are_counted_and_the_job_is_given_up_for_this_run_after_the_last_attempt",
        ),
    ),
    Plant(
        "the submitted line dates the POST by its answer (a later run takes a request sent before a lost submit for "
        "one sent after it)",
        "batchgen/engine/submitter.py",
        'posted = {"posted_at": iso_utc(sent_from)} if sent_from is not None else {}',
        'posted = {"posted_at": iso_utc(sent)} if sent_from is not None else {}',
        (
            "tests/engine/test_audit_submitter.py::"
            "test_the_submitted_line_dates_the_post_that_made_the_request_not_its_answer",
        ),
    ),
    Plant(
        "a job reaching a submitter after a credit stop is dropped, not written deferred",
        "batchgen/engine/submitter.py",
        "            if self._left_as_they_were():\n                book.drop(job)\n            else:",
        "            if True:\n                book.drop(job)\n            else:",
        ("tests/engine/test_submitter.py::test_a_job_reaching_a_submitter_after_a_stop_is_not_sent[credits]",),
    ),
    Plant(
        "a submit the API refused (422) is left pending, sent again and refused again every run",
        "batchgen/engine/submitter.py",
        "            await _durably(book.finish(job, Event.FAILED, JobState.FAILED, error=exc.to_record()))\n       "
        "     return False",
        "            await _durably(book.finish(job, Event.SUBMIT_POSTPONED, JobState.PENDING, "
        "error=exc.to_record()))\n            return False",
        ("tests/engine/test_submitter.py::test_a_refused_submit_fails_that_job_and_frees_its_slot",),
    ),
    Plant(
        "a first submit answered by something not the API is told the opposite of what became of its job",
        "batchgen/engine/submitter.py",
        "        if exc.made:\n            became",
        "        if not exc.made:\n            became",
        (
            "tests/engine/test_submitter_units.py::"
            "test_a_first_submit_answered_by_another_server_stops_the_run_and_leaves_its_job_as_the_answer_allows[403"
            "-False]",
        ),
    ),
    Plant(
        "an unknown submit is looked up one time fewer than LOOKUP_DELAYS says before it is left",
        "batchgen/engine/recovery.py",
        "return LOOKUP_DELAYS[made - 1] if made <= len(LOOKUP_DELAYS) else False",
        "return LOOKUP_DELAYS[made - 1] if made < len(LOOKUP_DELAYS) else False",
        ("tests/engine/test_recovery.py::test_unknown_submits_look_again_at_growing_intervals_then_leave[True]",),
    ),
    Plant(
        "an unknown submit is sent once more than retry.max_attempts",
        "batchgen/engine/recovery.py",
        "if job.submit_attempts >= self.max_attempts:",
        "if job.submit_attempts > self.max_attempts:",
        (
            "tests/engine/test_submitter_outcomes.py::"
            "test_unknown_submits_are_counted_and_the_job_is_given_up_for_this_run_after_the_last_attempt",
        ),
    ),
    Plant(
        "a video found in the history after its record expired is recorded without its cost",
        "batchgen/engine/recovery.py",
        "return Found(row.generation_url, row.cost, row.latency_s)",
        "return Found(row.generation_url, None, row.latency_s)",
        ("tests/engine/test_recovery.py::test_an_expired_record_is_looked_up_by_id[history0-expected0]",),
    ),
    Plant(
        "a lost submit whose history page is larger than api.max_response_bytes is told only 'run again later'",
        "batchgen/engine/recovery.py",
        "        if isinstance(exc, AnswerTooLarge)\n",
        "        if False\n",
        (
            "tests/e2e/test_images.py::"
            "test_a_history_too_large_to_read_for_its_whole_images_names_the_bound_to_raise_and_raising_it_settles",
        ),
    ),
    Plant(
        "a failed download whose result is gone (404) never looks for a fresh link in the history",
        "batchgen/engine/recovery.py",
        "        except NotFound:\n            gone = True\n        except ApiError:\n            return None",
        "        except NotFound:\n            return False\n        except ApiError:\n            return None",
        (
            "tests/engine/test_recovery.py::"
            "test_look_ups_by_request_id_share_the_spell_of_a_history_in_trouble[refresh_output]",
        ),
    ),
    Plant(
        "a history row COMPLETED without a link is taken for a found video (a download of no link)",
        "batchgen/engine/recovery.py",
        '        if row.status == "COMPLETED" and row.generation_url:\n            return Found(row.generation_url, '
        "row.cost)",
        '        if row.status == "COMPLETED":\n            return Found(row.generation_url, row.cost)',
        (
            "tests/engine/test_audit_recovery.py::"
            "test_a_finished_history_row_without_a_link_is_no_link_to_download_and_the_job_waits",
        ),
    ),
    Plant(
        "how long the history takes to list a request is measured again at every sighting (lags grow without bound)",
        "batchgen/engine/recovery.py",
        "if sent is not None and request_id not in self._lags:",
        "if sent is not None:",
        ("tests/engine/test_recovery.py::test_absence_is_trusted_once_the_measured_lag_has_passed_twice_over",),
    ),
    Plant(
        "absence from the history is trusted after one measured lag, not three",
        "batchgen/engine/recovery.py",
        "        if len(lags) < MIN_LAG_SAMPLES:\n            return None",
        "        if len(lags) < 1:\n            return None",
        (
            "tests/engine/test_submitter_units.py::"
            "test_a_job_left_submitting_counts_only_requests_sent_once_its_post_was_given_up_as_proof[3.0]",
        ),
    ),
    Plant(
        "a resume does not count a video left downloading as fetched again",
        "batchgen/engine/resume.py",
        "        elif state is JobState.DOWNLOADING:\n            report.refetched += 1\n",
        "        elif state is JobState.DOWNLOADING:\n",
        ("tests/e2e/test_crash.py::test_a_video_in_place_without_its_completed_line_is_kept_once_its_link_is_gone",),
    ),
    Plant(
        "a resume dates a lost submit's unknown outcome by an earlier POST's answer",
        "batchgen/engine/resume.py",
        "unknown if unknown is not None and posting is not None and unknown > posting else None",
        "unknown",
        (
            "tests/engine/test_resume_dates.py::"
            "test_a_job_left_unsettled_knows_when_its_posts_outcome_came_back_unknown_and_only_that_posts",
        ),
    ),
    Plant(
        "a resumed lost submit is looked for from its POST's stamp, not a moment before it",
        "batchgen/engine/resume.py",
        "job.submitted_epoch = sent - CLOCK_SLACK_S",
        "job.submitted_epoch = sent",
        (
            "tests/engine/test_resume_dates.py::"
            "test_a_job_left_unsettled_is_dated_by_its_post_not_by_the_look_up_that_gave_up",
        ),
    ),
    Plant(
        "a failed or expired job made again with no cost recorded keeps its ended request as its own",
        "batchgen/engine/resume.py",
        "if job.request_id is not None or job.cost is not None:",
        "if job.request_id is not None and job.cost is not None:",
        ("tests/e2e/test_crash.py::test_a_failed_jobs_lost_retry_is_never_taken_for_its_earlier_failed_request",),
    ),
    Plant(
        "a resume does not count what a job's earlier requests paid against the spend cap",
        "batchgen/engine/resume.py",
        "        book.count_spent(job.paid_before + job.unreported_before)\n",
        "        book.count_spent(job.unreported_before)\n",
        (
            "tests/engine/test_resume_spend.py::"
            "test_a_job_already_made_again_in_flight_counts_its_earlier_charge_beside_its_own_hold",
        ),
    ),
    Plant(
        "a resume counts a refused request as one that made a video (its finish timed as a queue's)",
        "batchgen/engine/resume.py",
        "found.append((sent, left, state in MADE, str(request_id)))",
        "found.append((sent, left, state in SEEN_FINISHED, str(request_id)))",
        (
            "tests/engine/test_audit_resume.py::"
            "test_the_ledgers_lineup_says_a_video_was_made_only_for_a_request_that_made_one",
        ),
    ),
    Plant(
        "a resume takes any expired job for a record found gone (an adopted or lost-link job dates records' life)",
        "batchgen/engine/resume.py",
        'if rec.get("state") != JobState.EXPIRED or not isinstance(error, dict) or error.get("http") != 404:',
        'if rec.get("state") != JobState.EXPIRED or not isinstance(error, dict):',
        (
            "tests/engine/test_audit_resume.py::"
            "test_only_a_record_found_gone_with_its_output_nowhere_tells_how_long_records_live",
        ),
    ),
    Plant(
        "a resume misses a submit left after an answer that was not the API's (the base URL is not checked first)",
        "batchgen/engine/resume.py",
        'error.get("kind") == "NotTheApi"',
        'error.get("kind") == "NotTheAPI"',
        (
            "tests/e2e/test_not_the_api.py::"
            "test_runs_again_at_the_same_wrong_url_send_no_submit_and_leave_no_job_more_of_unknown_outcome",
        ),
    ),
    Plant(
        "a resumed lost submit is dated by its last line, whatever that line is",
        "batchgen/engine/resume.py",
        'line = rec.get("ts") if rec.get("event") == Event.SUBMITTING else None',
        'line = rec.get("ts")',
        (
            "tests/engine/test_resume_dates.py::"
            "test_an_older_ledger_without_posting_at_dates_the_post_by_its_line_only_while_it_is_the_last",
        ),
    ),
    Plant(
        "a key change is checked only against requests of jobs in flight (none with an id: another account)",
        "batchgen/engine/account.py",
        "    evidence += [\n",
        "    evidence += [] and [\n",
        (
            "tests/engine/test_audit_account.py::"
            "test_a_finished_request_of_the_old_key_shows_the_same_account_where_no_job_in_flight_has_one",
        ),
    ),
    Plant(
        "a history row of another request is taken for the new key knowing the folder's",
        "batchgen/engine/account.py",
        "            if row.request_id == rid:\n                return True, rid",
        "            if row is not None:\n                return True, rid",
        (
            "tests/engine/test_audit_account.py::"
            "test_a_history_row_of_another_request_is_no_word_that_the_new_key_knows_the_folders",
        ),
    ),
    Plant(
        "the stop for another account names the last request that could not be checked, not the one unknown to it",
        "batchgen/engine/account.py",
        'why = why or f"whether this key',
        'why = f"whether this key',
        (
            "tests/engine/test_audit_account.py::"
            "test_an_unknown_request_is_what_the_stop_names_though_a_later_one_could_not_be_checked",
        ),
    ),
    Plant(
        "the stop for another account counts every job of the folder as in flight",
        "batchgen/engine/account.py",
        'f"{where}: {len(others)} job(s) in flight',
        'f"{where}: {len(replay.jobs)} job(s) in flight',
        (
            "tests/engine/test_audit_account.py::"
            "test_the_stop_for_another_account_counts_and_names_the_jobs_in_flight_alone",
        ),
    ),
    Plant(
        "a job handed to the downloaders is dated finished when handed over, not when it finished",
        "batchgen/engine/handover.py",
        "job.finished_at = job.finished_at or self.clock.now()",
        "job.finished_at = self.clock.now()",
        (
            "tests/engine/test_audit_handover.py::"
            "test_a_finished_job_sent_to_the_downloaders_records_its_link_size_and_cost_and_keeps_when_it_finished",
        ),
    ),
    Plant(
        "a job the server says waited no time in its queue is given no processing time",
        "batchgen/engine/handover.py",
        "and queue_s >= 0:",
        "and queue_s > 0:",
        ("tests/engine/test_poller_paths.py::test_a_queue_time_of_zero_dates_processing_from_the_submit",),
    ),
    Plant(
        "the result line drops the video's size (the download is not checked against it)",
        "batchgen/engine/handover.py",
        "            file_size=size,\n",
        "            file_size=None,\n",
        (
            "tests/engine/test_poller_units.py::"
            "test_a_finished_job_is_recorded_with_its_result_and_handed_to_the_downloaders",
        ),
    ),
    Plant(
        "a row takes the id of a job another row of the manifest claims",
        "batchgen/engine/derived_ids.py",
        "key = None if job_id in claimed else _made_key(job_id, rec)",
        "key = _made_key(job_id, rec)",
        (
            "tests/engine/test_derived_ids.py::"
            "test_a_row_keeps_its_id_where_no_job_the_manifest_leaves_free_asked_for_the_same",
        ),
    ),
    Plant(
        "a row whose derived id the folder knows is renamed to an older job of the same request",
        "batchgen/engine/derived_ids.py",
        "lost = [job for job in jobs if job.id not in replay.jobs and _tail(job.id, job.model) is not None]",
        "lost = [job for job in jobs if _tail(job.id, job.model) is not None]",
        (
            "tests/engine/test_audit_derived_ids.py::"
            "test_a_row_whose_derived_id_the_folder_knows_keeps_it_though_an_older_job_asked_for_the_same",
        ),
    ),
    Plant(
        "a row of a derived id with an occurrence or repeat suffix never takes the id it was made under",
        "batchgen/engine/derived_ids.py",
        "str(_tail(job.id, job.model))))",
        '""))',
        (
            "tests/engine/test_derived_ids.py::"
            "test_a_row_takes_the_id_its_request_was_made_as_with_its_own_occurrence_and_repeat",
        ),
    ),
    Plant(
        "a stray taken up from the ledger is not marked fetch-only: --resubmit-lost makes its lost video again",
        "batchgen/engine/strays.py",
        'source="ledger", fetch_only=True)',
        'source="ledger", fetch_only=False)',
        ("tests/engine/test_strays.py::test_only_jobs_in_flight_no_row_names_are_taken_up_and_only_to_be_fetched",),
    ),
    Plant(
        "a row listed under a name our requests of its model were never listed under is taken for a candidate",
        "batchgen/engine/history_names.py",
        "            return name in names\n",
        "            return True\n",
        (
            (
                "tests/engine/test_history_names.py::"
                "test_before_a_row_of_the_model_is_listed_a_look_up_asks_for_every_model_and_takes_any_name_but_a_slug"
            ),
        ),
    ),
    Plant(
        "a row listed as segmind/OTHER-SLUG is taken for a candidate of a model whose name is not known",
        "batchgen/engine/history_names.py",
        'slug = name.rsplit("/", 1)[-1]',
        "slug = name",
        (
            (
                "tests/engine/test_history_names.py::"
                "test_before_a_row_of_the_model_is_listed_a_look_up_asks_for_every_model_and_takes_any_name_but_a_slug"
            ),
        ),
    ),
    Plant(
        "the name a model's requests were listed under is learned from rows of requests not ours",
        "batchgen/engine/history_names.py",
        "        model = self._models.get(request_id)\n        if model is not None:",
        "        model = self._models.get(request_id, next(iter(self._slugs), None))\n        if model is not None:",
        ("tests/engine/test_history_names.py::test_a_name_that_holds_the_slug_is_asked_for_by_the_slug",),
    ),
    Plant(
        "two output links on one host are taken for the same file whatever their paths",
        "batchgen/engine/history_links.py",
        "(x.scheme.lower(), x.netloc.lower(), x.path) == (y.scheme.lower(), y.netloc.lower(), y.path)",
        "(x.scheme.lower(), x.netloc.lower()) == (y.scheme.lower(), y.netloc.lower())",
        (
            (
                "tests/engine/test_downloader_units.py::"
                "test_a_history_rows_link_that_fails_is_replaced_by_the_results_own_link"
            ),
        ),
    ),
    Plant(
        "history links found to be other files are still trusted for a model whose shape matched before",
        "batchgen/engine/history_links.py",
        "return not self._off and self._shapes.get(model)",
        "return self._shapes.get(model)",
        ("tests/e2e/test_world.py::test_history_links_are_trusted_per_model_and_only_in_the_shape_that_matched",),
    ),
    Plant(
        "a history link's suffix is left out of its shape (a .jpg preview beside the video trusted)",
        "batchgen/engine/history_links.py",
        "folder, path.suffix.lower()",
        'folder, ""',
        (
            (
                "tests/engine/test_poller_units.py::"
                "test_a_history_link_is_trusted_only_in_the_shape_of_the_one_that_matched_its_result"
            ),
        ),
    ),
    Plant(
        "a signed link whose query differs from the result's is taken for another file (history links distrusted)",
        "batchgen/engine/history_links.py",
        "x.path) == (y.scheme.lower(), y.netloc.lower(), y.path)",
        "x.path, x.query) == (y.scheme.lower(), y.netloc.lower(), y.path, y.query)",
        (
            (
                "tests/engine/test_poller_units.py::"
                "test_a_history_link_is_trusted_only_in_the_shape_of_the_one_that_matched_its_result"
            ),
        ),
    ),
    Plant(
        "a finished row shown with no link after one with a link leaves the history standing in for dead records",
        "batchgen/engine/history_links.py",
        "            stood = self.stand_in\n            self._unlinked = True\n",
        "            stood = self.stand_in\n            self._unlinked = self._linked is False\n",
        (
            (
                "tests/engine/test_schedule_edges.py::"
                "test_once_the_historys_rows_no_longer_stand_in_for_records_a_job_past_its_guard_gets_its_last_looks"
            ),
        ),
    ),
    Plant(
        "the API's refusal of the key on the base URL's check is told as a URL that is not the API's",
        "batchgen/engine/url_check.py",
        "    except AuthError:\n        raise  # the API's own refusal of the key (its JSON): every call would be"
        " refused\n",
        "",
        (
            (
                "tests/engine/test_audit_url_check.py::"
                "test_the_apis_own_refusal_of_the_key_on_the_check_stops_the_run_as_a_refused_key_not_as_a_wrong_url"
            ),
        ),
    ),
    Plant(
        "the base URL's check names the base URL where it asked the history route",
        "batchgen/engine/url_check.py",
        'answered = f"GET {api.history_url} was',
        'answered = f"GET {api.base_url} was',
        (
            (
                "tests/engine/test_audit_url_check.py::"
                "test_jobs_left_at_a_url_still_not_the_api_are_named_and_the_rest_counted"
            ),
        ),
    ),
    Plant(
        "the base URL's check says the job stays of unknown outcome as if something may have been made",
        "batchgen/engine/url_check.py",
        "        made=False,\n",
        "        made=None,\n",
        (
            (
                "tests/engine/test_audit_url_check.py::"
                "test_jobs_left_at_a_url_still_not_the_api_are_named_and_the_rest_counted"
            ),
        ),
    ),
    Plant(
        "a job kind not yet learned is taken for stalled past its published time once, not twice",
        "batchgen/engine/stalls.py",
        "published = 0.0 if learned else 2 * latency.prior(key)",
        "published = 0.0 if learned else latency.prior(key)",
        (
            (
                "tests/engine/test_stalls.py::"
                "test_a_job_is_taken_for_stalled_past_three_times_the_slowest_finish_or_listing_seen"
            ),
        ),
    ),
    Plant(
        "a watched job counts a finish of a job sent at the same moment as its own as one ahead of it",
        "batchgen/engine/stalls.py",
        "place = bisect.bisect_left(self._sent, sent)",
        "place = bisect.bisect_right(self._sent, sent)",
        (
            (
                "tests/engine/test_stalls.py::"
                "test_the_last_finish_before_a_job_is_of_the_jobs_sent_before_it_whenever_each_was_sent"
            ),
        ),
    ),
    Plant(
        "a finish added after a later one keeps its own earlier time: the staircase falls, a watched job taken for"
        " stalled too soon",
        "batchgen/engine/stalls.py",
        "at = max(at, self._at[-1]) if self._at else at",
        "at = at",
        (
            (
                "tests/engine/test_audit_stalls.py::"
                "test_a_finish_told_after_a_later_one_is_dated_no_earlier_than_that_later_one"
            ),
        ),
    ),
    Plant(
        "a job whose polls are refused is looked up in the history one answer later than retry.max_attempts",
        "batchgen/engine/poller.py",
        "elif job.poll_errors >= self.max_attempts:",
        "elif job.poll_errors > self.max_attempts:",
        (
            (
                "tests/engine/test_poller_units.py::"
                "test_an_api_that_keeps_answering_badly_leaves_the_job_for_a_later_run_never_failed"
            ),
        ),
    ),
    Plant(
        "a finished job whose result gives no output URL is failed, not looked for elsewhere (a paid video lost)",
        "batchgen/engine/poller.py",
        "await self.handover.look_elsewhere(\n"
        '                job, "the API reported COMPLETED but gave no output URL", cost=result.cost\n            )',
        'await self.handover.fail(job, {"http": result.http, "detail": '
        '"the API reported COMPLETED but gave no output URL"})',
        (
            (
                "tests/engine/test_poller_units.py::"
                "test_a_completed_job_without_a_link_is_looked_up_in_the_history_never_failed"
            ),
        ),
    ),
    Plant(
        "the balance a result reports is not noted (the run does not see credits run low)",
        "batchgen/engine/poller.py",
        "            self.control.note_balance(result.remaining_credits)\n",
        "            pass\n",
        (
            (
                "tests/engine/test_poller_units.py::"
                "test_a_finished_job_is_recorded_with_its_result_and_handed_to_the_downloaders"
            ),
        ),
    ),
    Plant(
        "a first poll held for the first sweep waits until the expiry guard, not half of it",
        "batchgen/engine/poller.py",
        "if now - job.submitted_at >= self.plan.guard / 2:",
        "if now - job.submitted_at >= self.plan.guard:",
        (
            (
                "tests/engine/test_poller_paths.py::"
                "test_a_first_poll_waits_for_the_first_sweep_at_most_half_its_records_life"
            ),
        ),
    ),
    Plant(
        "a job held behind a link comparison of its model is never polled again once the comparison answered",
        "batchgen/engine/poller.py",
        "                if held.state is JobState.SUBMITTED and held.result_due:\n                   "
        " self.schedule(held, now)\n",
        "                pass\n",
        (
            (
                "tests/engine/test_poller_sweeps.py::"
                "test_jobs_a_sweep_shows_finished_together_wait_for_one_comparison_then_settle_from_their_rows"
            ),
        ),
    ),
    Plant(
        "the warning that records live shorter than configured names the guard as the age they were found gone at",
        "batchgen/engine/poller.py",
        "                request_id,\n                age,\n                self.plan.guard,\n",
        "                request_id,\n                self.plan.guard,\n                age,\n",
        (
            (
                "tests/engine/test_poller_units.py::"
                "test_a_record_gone_sooner_than_configured_tightens_the_guard_and_says_so_once"
            ),
        ),
    ),
    Plant(
        "troubles on a finished job's result calls are forgotten at each answer: its result is never looked for"
        " elsewhere",
        "batchgen/engine/poller.py",
        "        if job.done_age is None:  # once it is known done, only its result counts: troubles there add up\n "
        "           job.poll_errors = 0\n",
        "        job.poll_errors = 0\n",
        (
            (
                "tests/engine/test_audit_poller.py::"
                "test_troubles_on_a_finished_jobs_result_add_up_though_its_status_polls_answer_and_its_row_gives_the_video"
            ),
        ),
    ),
    Plant(
        "a status poll that finds the job FAILED is handed over without the API's error message",
        "batchgen/engine/poller.py",
        'await self.handover.fail(job, {"http": status.http, "detail": status.error or "FAILED without a message"})',
        'await self.handover.fail(job, {"http": status.http, "detail": "FAILED without a message"})',
        ("tests/engine/test_poller_units.py::test_a_failed_job_is_failed_with_the_apis_reason_and_frees_its_slot",),
    ),
    Plant(
        "a watched job behind one still polled is dated from its own submit, not held while that one runs",
        "batchgen/engine/poller.py",
        "            if other.done_age is None:\n                return made, self.clock.now()\n",
        "            if other.done_age is None:\n                continue\n",
        (
            (
                "tests/engine/test_poller_units.py::"
                "test_a_job_shown_pending_after_its_record_died_waits_for_the_jobs_sent_before_it_to_be_through"
            ),
        ),
    ),
    Plant(
        "a history no sweep can use leaves the first polls held for the first sweep waiting for it",
        "batchgen/engine/poller.py",
        "            if not self.sweeper.sweeping:  # the history cannot be used",
        "            if self.sweeper.sweeping:  # the history cannot be used",
        (
            (
                "tests/engine/test_poller_sweeps.py::"
                "test_first_polls_held_for_the_first_sweep_go_at_once_when_sweeps_are_switched_off"
            ),
        ),
    ),
    Plant(
        "a 404 moments after a submit (a record not yet written) is taken for records that die sooner than configured",
        "batchgen/engine/poller.py",
        "if age < 2 * self.min_interval_s or not self.plan.records_expire_by(age):",
        "if not self.plan.records_expire_by(age):",
        ("tests/engine/test_poller_units.py::test_a_record_gone_right_after_its_submit_says_nothing_of_expiry",),
    ),
    Plant(
        "a job shown finished by a sweep, its API answering badly, is fetched from its row at no cost reported",
        "batchgen/engine/poller.py",
        "                url, cost = job.swept\n                self.untrack(job)\n                await"
        " self.handover.to_downloads(job, url, None, cost, from_history=True)",
        "                url, cost = job.swept\n                self.untrack(job)\n                await"
        " self.handover.to_downloads(job, url, None, None, from_history=True)",
        (
            (
                "tests/engine/test_poller_sweeps.py::"
                "test_jobs_a_sweep_shows_finished_together_wait_for_one_comparison_then_settle_from_their_rows"
            ),
        ),
    ),
    Plant(
        "a finished job's life-cap entry is kept: it is counted in flight for the rest of the run",
        "batchgen/engine/schedule.py",
        "            self.life.forget(job.request_id)\n",
        "",
        (
            (
                "tests/engine/test_audit_schedule.py::"
                "test_a_job_failed_at_its_poll_is_no_longer_counted_in_flight_by_the_life_cap"
            ),
        ),
    ),
    Plant(
        "one more scout than SCOUTS carries the safety-net polls of a kind not learned",
        "batchgen/engine/schedule.py",
        "if turn is None and len(scouts) < SCOUTS:",
        "if turn is None and len(scouts) <= SCOUTS:",
        ("tests/engine/test_schedule_edges.py::test_a_scout_keeps_its_safety_net_polls_after_its_first_one",),
    ),
    Plant(
        "the poll turn gap is the budget's rate inverted (limit over window)",
        "batchgen/engine/schedule.py",
        "return budget.window / (share * budget.limit)",
        "return budget.limit / (share * budget.window)",
        (
            (
                "tests/engine/test_schedule_edges.py::"
                "test_a_poll_due_just_before_its_expiry_guard_waits_for_a_turn_no_later_than_the_guard"
            ),
        ),
    ),
    Plant(
        "the jobs that share the poll budget are counted as those not yet old enough to be done",
        "batchgen/engine/schedule.py",
        "count += now - job.submitted_at >= earliest[key]",
        "count += now - job.submitted_at < earliest[key]",
        (
            (
                "tests/engine/test_schedule_edges.py::"
                "test_only_jobs_old_enough_to_be_done_tell_whether_the_budget_affords_their_polls"
            ),
        ),
    ),
    Plant(
        "a sweep's FAILED row with a link is settled from that link as if COMPLETED",
        "batchgen/engine/schedule.py",
        'if row is not None and row.status == "COMPLETED" and row.generation_url:',
        "if row is not None and row.generation_url:",
        ("tests/engine/test_schedule_edges.py::test_a_failed_row_never_hands_the_poller_a_link_to_download",),
    ),
    Plant(
        "the last job in flight is still left to the sweeps once polls bring results",
        "batchgen/engine/schedule.py",
        "                self._replan(None)  # the last job: polled, not swept\n",
        "                pass\n",
        ("tests/engine/test_sweeper.py::test_the_last_job_in_flight_is_polled_not_swept_once_polls_bring_results",),
    ),
    Plant(
        "the jobs whose records died ahead are not taken from the room: the cap overfills the account's queue",
        "batchgen/engine/life_cap.py",
        "cap = max(0, min(allowed, cap) - queued)",
        "cap = max(0, min(allowed, cap))",
        (
            (
                "tests/engine/test_life_cap.py::"
                "test_a_job_whose_record_died_holds_its_place_ahead_until_it_would_have_finished"
            ),
        ),
    ),
    Plant(
        "the target is not held below nine tenths of the guard: slow jobs alone let the cap aim past the record's life",
        "batchgen/engine/life_cap.py",
        "return min(MOST_SHARE * guard, max(SAFE_SHARE * guard, self._alone() or 0.0))",
        "return max(SAFE_SHARE * guard, self._alone() or 0.0)",
        (
            (
                "tests/engine/test_life_cap.py::"
                "test_the_target_is_half_the_guard_or_room_for_long_jobs_below_nine_tenths_of_it"
            ),
        ),
    ),
    Plant(
        "the jobs ahead of a request leave itself out",
        "batchgen/engine/life_cap.py",
        "return sum(1 for sent, left, _ in sends if sent <= at and",
        "return sum(1 for sent, left, _ in sends if sent < at and",
        (
            (
                "tests/engine/test_life_cap.py::"
                "test_an_earlier_runs_jobs_count_with_their_places_from_the_ledger_and_its_dead_records_as_ahead"
            ),
        ),
    ),
    Plant(
        "a dead record's job is not taken for a wait seen: the cap does not bind after a record dies",
        "batchgen/engine/life_cap.py",
        "self._ghosts.append((*sent, self.clock.now(), True))",
        "self._ghosts.append((*sent, self.clock.now(), False))",
        (
            (
                "tests/engine/test_life_cap.py::"
                "test_a_job_whose_record_died_holds_its_place_ahead_until_it_would_have_finished"
            ),
        ),
    ),
    Plant(
        "a job sent while dead records' jobs wait ahead is counted with only this run's jobs in flight ahead",
        "batchgen/engine/life_cap.py",
        "self._sent.setdefault(request_id, (sent_at, ours + self._queued(sent_at)))",
        "self._sent.setdefault(request_id, (sent_at, ours))",
        (
            (
                "tests/engine/test_life_cap.py::"
                "test_a_job_whose_record_died_holds_its_place_ahead_until_it_would_have_finished"
            ),
        ),
    ),
    Plant(
        "the cap's warning swaps the cap and limits.concurrency",
        "batchgen/engine/life_cap.py",
        "self._why(works), cap, concurrency, target, self.plan.expiry,",
        "self._why(works), concurrency, cap, target, self.plan.expiry,",
        (
            (
                "tests/engine/test_life_cap.py::"
                "test_a_job_whose_record_died_holds_its_place_ahead_until_it_would_have_finished"
            ),
        ),
    ),
    Plant(
        "a lost submit's job counts ahead of it only the jobs sent strictly before it",
        "batchgen/engine/life_cap.py",
        "ahead = 1 + sum(1 for at, _ in self._sent.values() if at <= sent_at)",
        "ahead = 1 + sum(1 for at, _ in self._sent.values() if at < sent_at)",
        (
            (
                "tests/engine/test_audit_life_cap.py::"
                "test_a_lost_submit_sent_in_the_same_moment_as_jobs_of_ours_waits_behind_them_all"
            ),
        ),
    ),
    Plant(
        "the jobs that waited for none include those that took longer than one and a half times the fastest",
        "batchgen/engine/life_cap.py",
        "return max((ahead for _, took, ahead in self._recent if took <= alone), default=0)",
        "return max((ahead for _, took, ahead in self._recent), default=0)",
        (
            (
                "tests/engine/test_life_cap.py::"
                "test_where_jobs_alone_take_most_of_a_records_life_none_is_sent_to_wait_behind_a_whole_job"
            ),
        ),
    ),
    Plant(
        "a wait is looked for in the job sent last, not the one in flight the longest",
        "batchgen/engine/life_cap.py",
        "oldest = next(iter(self._sent.values()), (now, 0))[0]",
        "oldest = next(reversed(self._sent.values()), (now, 0))[0]",
        (
            (
                "tests/engine/test_audit_life_cap.py::"
                "test_before_any_finish_the_job_in_flight_longest_shows_the_wait_though_jobs_sent_since_are_young"
            ),
        ),
    ),
    Plant(
        "a job found done in the history at its first look teaches the latency model a time it may never have taken",
        "batchgen/engine/poller.py",
        "elif isinstance(found, Found) and (found.latency_s is not None or job.done_age is not None or"
        " job.record_gone):",
        "elif isinstance(found, Found):",
        (
            (
                "tests/engine/test_audit_poller.py::"
                "test_a_job_found_done_in_the_history_once_its_record_died_teaches_no_finish_time_it_may_never_have_taken"
            ),
        ),
    ),
    Plant(
        "a poll waiting for its turn is put a whole gap after now, not at the next turn",
        "batchgen/engine/schedule.py",
        "at = self._next_turn if now < self._next_turn else now + self.turn_gap()",
        "at = now + self.turn_gap()",
        (
            (
                "tests/engine/test_audit_schedule.py::"
                "test_a_poll_due_between_two_turns_goes_at_the_next_turn_not_a_whole_gap_after_it_came_due"
            ),
        ),
    ),
    Plant(
        "a history that has not answered yet is taken to stand in for records: the cap is off from the start",
        "batchgen/engine/life_cap.py",
        "        if works:\n            return concurrency\n",
        "        if works is not False:\n            return concurrency\n",
        (
            (
                "tests/engine/test_life_cap.py::"
                "test_before_the_history_answers_a_held_run_is_told_only_that_it_has_not_answered_yet"
            ),
        ),
    ),
    Plant(
        "the ApiUnreachable that ends a silence is taken for an answer: the API reads as heard, a submit goes into it",
        "batchgen/api/gateway.py",
        "                if exc in judged or isinstance(exc, ApiUnreachable)\n",
        "                if exc in judged\n",
        ("tests/api/test_review_silence.py::test_the_ask_that_ends_the_run_as_unreachable_leaves_the_api_silent",),
    ),
    Plant(
        "with nothing else in flight a silent API ends the run at the ask after the bound, minutes late",
        "batchgen/api/gateway.py",
        "        return min(self.silent_at + wait, since + self.unreachable_after_s)",
        "        return self.silent_at + wait",
        (
            "tests/api/test_review_silence.py::test_with_nothing_else_in_flight_a_silent_api_ends_the_run_at_the_reac"
            "hability_bound",
        ),
    ),
    Plant(
        "a probe route refused in front of the API leaves the silence to end only at the bound (exit 6, nothing sent)",
        "batchgen/api/gateway.py",
        "        except GatewayRefusal:  # that route is refused in front of the API, whether it is up or not: "
        "one submit asks\n            self.one_through = True",
        "        except GatewayRefusal:  # that route is refused in front of the API, whether it is up or not: "
        "one submit asks\n            pass",
        (
            "tests/api/test_review_silence.py::test_a_silence_ends_when_the_api_answers_again_though_its_credits_rout"
            "e_is_refused",
        ),
    ),
    Plant(
        "a signal while a submit waits out a silence leaves its 'submitting' line (the next run must look it up)",
        "batchgen/engine/submitter.py",
        "            if not self.control.stopping:\n                return True  # its turn now\n",
        "            return True\n",
        (
            "tests/api/test_review_silence.py::test_a_signal_while_a_submit_waits_out_the_silence_leaves_it_pending_n"
            "ot_submitting",
        ),
    ),
    Plant(
        "a run cancelled while a submit waits out a silence leaves its 'submitting' line",
        "batchgen/engine/submitter.py",
        "                await _durably(self._postponed(job, when))\n                raise\n",
        "                raise\n",
        (
            "tests/api/test_review_silence.py::test_a_run_cancelled_while_a_submit_waits_out_the_silence_leaves_it_pe"
            "nding",
        ),
    ),
    Plant(
        "an images block's ids drop the dash a value's slug ends in at its cut: a folder made before sees new ids "
        "and makes (and pays for) those jobs again",
        "batchgen/models/image_folder.py",
        "varied_ids(stem, combos, dash_at_cut=True)",
        "varied_ids(stem, combos)",
        ("tests/models/test_audit_image_folder.py::test_an_images_blocks_ids_are_the_ones_it_always_made",),
    ),
    Plant(
        "a damaged ledger line exits 1, the code that sends a script to results.csv for failed jobs, not 2",
        "batchgen/report/exits.py",
        "InputError | StorageError | LedgerDamaged",
        "InputError | StorageError",
        (
            "tests/cli/test_readme_contract.py::test_a_damaged_ledger_stops_the_run_with_a_code_that_does_not_say_job"
            "s_failed",
        ),
    ),
    Plant(
        "a command line refused under --log-format json ends with no outcome object on stdout or in the log file",
        "batchgen/cli/main.py",
        "    log_outcome(named_command(argv), EXIT_USAGE)\n",
        "",
        ("tests/cli/test_readme_contract.py::test_a_refused_flag_with_json_logs_still_ends_with_the_outcome_object",),
    ),
    Plant(
        "a command line refused under --log-format json is said in argparse's plain text",
        "batchgen/cli/main.py",
        'if given(argv, "--log-format") != "json":',
        "if True:",
        ("tests/cli/test_readme_contract.py::test_a_refused_flag_with_json_logs_still_ends_with_the_outcome_object",),
    ),
    Plant(
        "a stop while the CLI is imported, under --log-format json, leaves the log file without its outcome",
        "batchgen/cli/entry.py",
        'if log_file := given(argv, "--log-file"):',
        "if log_file := None:",
        (
            "tests/e2e/test_crash.py::"
            "test_sigterm_while_the_cli_is_still_being_imported_is_said_in_json_where_the_command_asks",
        ),
    ),
    Plant(
        "a flag's value is read as the flag itself where it is given as two words",
        "batchgen/cli/entry.py",
        "            value = argv[at + 1]",
        "            value = argv[at]",
        ("tests/cli/test_readme_contract.py::test_a_refused_flag_with_json_logs_still_ends_with_the_outcome_object",),
    ),
    Plant(
        "jobs a 406 'Invalid content type' stop kept from being sent are written 'deferred', which status tells "
        "as credits run out",
        "batchgen/engine/submitter.py",
        "return self.report.stop_reason == StopReason.INTERRUPTED or self.report.fatal is not None",
        "return self.report.stop_reason == StopReason.INTERRUPTED",
        (
            "tests/cli/test_readme_contract.py::test_status_does_not_blame_credits_for_rows_a_content_type_stop_left_"
            "unsent",
        ),
    ),
    Plant(
        "a config value out of range, or a key misspelt, is named with its file but not its line",
        "batchgen/config.py",
        'return f"{where}:{lines[keys]}" if keys in lines else where',
        "return where",
        ("tests/cli/test_readme_contract.py::test_a_config_value_out_of_range_is_named_with_its_line",),
    ),
    Plant(
        "a misspelt config key is refused without naming the known key it is nearest",
        "batchgen/config.py",
        """return f" (did you mean '{close[0]}'?)" if close else \"\"""",
        'return ""',
        (
            "tests/cli/test_readme_contract.py::test_a_misspelt_config_key_is_named_with_its_line_and_the_key_it_is_n"
            "ear",
        ),
    ),
    Plant(
        "a dry run over rows changed since their ids were sent exits 0 where the run would stop (exit 2)",
        "batchgen/cli/main.py",
        "        if changes and not args.replace_changed:  # the run would stop here (exit 2): so does its dry run\n",
        "        if False:\n",
        ("tests/engine/test_identity.py::test_dry_run_and_validate_count_changed_jobs",),
    ),
    Plant(
        "a poll's answer is taken to show the submits' route open again after a gateway refused a submit",
        "batchgen/api/gateway.py",
        "        if submit:\n            self.submits_refused_at = None\n",
        "        self.submits_refused_at = None\n",
        (
            "tests/api/test_gateway_silence.py::"
            "test_a_refused_submit_holds_submits_back_though_polls_answer_and_only_a_submit_answered_ends_it",
        ),
    ),
    Plant(
        "a submit let go as the ask is spent by a submit the life cap then holds back, so none goes to see",
        "batchgen/engine/submitter.py",
        "            if self._held_back(job) or self._kind_held(job):  # the room it was handed over in has shrunk "
        "since,\n"
        "                raise _Held  # or its kind is now held: not yet\n"
        "            if not self.gateway.may_send():",
        "            if not self.gateway.may_send() or self._held_back(job) or self._kind_held(job):",
        ("tests/api/test_review_silence.py::test_the_submit_let_go_as_the_ask_is_spent_only_by_a_submit_then_sent",),
    ),
    Plant(
        "submits refused in front of the API stop the run once that long has passed since the first refusal, "
        "though none was tried meanwhile",
        "batchgen/api/gateway.py",
        "refused = self.submits_refused_last - self.submits_refused_at",
        "refused = self.clock.now() - self.submits_refused_at",
        (
            "tests/api/test_gateway_silence.py::"
            "test_submits_refused_throughout_the_bound_stop_the_run_but_time_with_none_tried_does_not",
        ),
    ),
    Plant(
        "the dry run swaps which flag sends the failed jobs and which the lost ones again",
        "batchgen/report/summary.py",
        "skipped = done | (set() if retry_failed else failed) | (set() if resubmit_lost else lost)",
        "skipped = done | (set() if resubmit_lost else failed) | (set() if retry_failed else lost)",
        (
            "tests/report/test_audit_summary.py::test_the_dry_run_counts_the_failed_jobs_as_to_do_with_retry_failed"
            "_alone_and_the_lost_ones_with_resubmit_lost",
        ),
    ),
    Plant(
        "status counts the changed rows it does not name as all of them",
        "batchgen/report/summary.py",
        'f" and {len(changed) - 3} more"',
        'f" and {len(changed)} more"',
        ("tests/report/test_audit_summary.py::test_status_names_three_changed_rows_and_counts_the_rest_exactly",),
    ),
    Plant(
        "status counts the media warnings of jobs whose video is not in place",
        "batchgen/report/summary.py",
        '        if rec.get("state") == "completed":\n            kinds',
        "        if True:\n            kinds",
        (
            "tests/report/test_audit_summary.py::test_status_counts_the_warnings_of_videos_in_place_only_not_those_"
            "a_job_being_fetched_again_carried",
        ),
    ),
    Plant(
        "status counts every job of the folder as made and not fetched",
        "batchgen/report/summary.py",
        '"unfetched": len(made),',
        '"unfetched": len(jobs),',
        (
            "tests/report/test_audit_summary.py::test_status_counts_as_made_and_not_fetched_only_the_jobs_with_a_re"
            "quest_and_no_charge_yet",
        ),
    ),
    Plant(
        "the time per job's p50 is read one place too high",
        "batchgen/report/summary.py",
        "max(0, math.ceil(q * len(ordered)) - 1))",
        "max(0, int(q * len(ordered))))",
        ("tests/report/test_summary_lines.py::test_time_per_job_is_read_as_its_median_and_95th_percentile",),
    ),
    Plant(
        "status tells submits of unknown outcome as left while a run holds the folder",
        "batchgen/report/summary.py",
        'if (unknown := states.get("submitting", 0)) and not live:',
        'if unknown := states.get("submitting", 0):',
        (
            "tests/report/test_summary_lines.py::test_status_lists_jobs_left_for_a_later_run_apart_from_failures_as"
            "_the_summary_does",
        ),
    ),
    Plant(
        "the progress gives an ETA of 0s for a run with nothing left unfinished",
        "batchgen/engine/outcome.py",
        "return self.remaining / rate * 3600 if rate > 0 and self.remaining else None",
        "return self.remaining / rate * 3600 if rate > 0 else None",
        (
            "tests/engine/test_audit_outcome.py::test_a_run_with_no_job_left_unfinished_shows_no_time_left_to_wait_"
            "and_one_with_some_shows_their_time",
        ),
    ),
    Plant(
        "a 422 to a submit counted as refused as sent",
        "batchgen/engine/outcome.py",
        "        and status != 422\n",
        "",
        (
            "tests/report/test_summary_lines.py::test_a_job_the_api_made_and_failed_with_a_4xx_is_not_told_as_refus"
            "ed_as_sent_nor_free_to_send_again",
        ),
    ),
    Plant(
        "the progress of a resumed run counts the jobs done before it as done now",
        "batchgen/engine/run.py",
        "done_now=max(0, final - self._final_at_start),",
        "done_now=final,",
        (
            "tests/engine/test_audit_run.py::test_the_progress_of_a_resumed_run_counts_only_the_jobs_it_ended_and_i"
            "ts_own_requests_and_429s",
        ),
    ),
    Plant(
        "the progress swaps the run's requests and its 429s",
        "batchgen/engine/run.py",
        "requests=self.gateway.requests,\n            throttled=self.budget.throttled,",
        "requests=self.budget.throttled,\n            throttled=self.gateway.requests,",
        (
            "tests/engine/test_audit_run.py::test_the_progress_of_a_resumed_run_counts_only_the_jobs_it_ended_and_i"
            "ts_own_requests_and_429s",
        ),
    ),
    Plant(
        "the axis stretches ledger moments just after a run's last pace line on its clock",
        "batchgen/report/axis.py",
        "if any(a - JOIN_S <= t <= b + JOIN_S for a, b, _ in runs):",
        "if any(a <= t <= b for a, b, _ in runs):",
        (
            "tests/report/test_audit_axis.py::test_a_ledger_moment_just_after_the_runs_last_pace_line_is_drawn_at_i"
            "ts_end_not_on_its_clock",
        ),
    ),
    Plant(
        "the axis calls a folder with one simulated run real time when another run had no pace file",
        "batchgen/report/axis.py",
        "return any(seg.scale != 1.0 for seg in self.segments)",
        "return all(seg.scale != 1.0 for seg in self.segments)",
        (
            "tests/report/test_audit_axis.py::test_a_folder_with_one_simulated_run_and_one_without_a_pace_file_is_l"
            "abelled_simulated",
        ),
    ),
    Plant(
        "pace points read in file order, not oldest first",
        "batchgen/report/pace.py",
        "    points.sort(key=lambda p: p.t)\n",
        "",
        (
            "tests/report/test_audit_pace.py::test_torn_and_unreadable_pace_lines_are_skipped_and_the_rest_read_old"
            "est_first",
        ),
    ),
    Plant(
        "posters ahead read a ledger line still being written",
        "batchgen/report/ahead.py",
        'end = data.rfind(b"\\n") + 1  # a line still being written waits for the next call',
        "end = len(data)",
        ("tests/report/test_ahead.py::test_posters_are_made_as_videos_land_once_each_and_a_line_being_written_waits",),
    ),
    Plant(
        "posters ahead keep the offset of the last read only",
        "batchgen/report/ahead.py",
        "    follow.offset += end\n",
        "    follow.offset = end\n",
        ("tests/report/test_ahead.py::test_a_video_made_anew_under_the_same_name_gets_its_own_poster_as_it_lands",),
    ),
    Plant(
        "a lost submit's look-up takes the last row made after the send, not the first",
        "batchgen/engine/lookup.py",
        "return min(self._since_sent(matches) or matches, key=lambda r: r.created_at or 0.0)",
        "return max(self._since_sent(matches) or matches, key=lambda r: r.created_at or 0.0)",
        ("tests/engine/test_recovery.py::test_only_requests_of_the_same_model_and_no_older_than_the_attempt_match",),
    ),
    Plant(
        "the history is taken as caught up by a request sent before the attempt's outcome came back",
        "batchgen/engine/lookup.py",
        "if sent is not None and sent > self.until:",
        "if sent is not None and sent > self.since:",
        (
            "tests/engine/test_recovery.py::test_an_earlier_runs_request_shows_the_history_caught_up_only_by_when_i"
            "ts_post_went_out",
        ),
    ),
    Plant(
        "a history row's data URI image is never decoded",
        "batchgen/engine/lookup.py",
        'text = value.split(",", 1)[1] if value.startswith("data:") else value',
        "text = value",
        ("tests/engine/test_recovery_images.py::test_a_row_that_keeps_the_image_whole_is_told_apart_by_its_digest",),
    ),
    Plant(
        "identical image rows counted apart by how their image's path is spelled",
        "batchgen/manifest.py",
        "            key = _occurrence_key(model, seen)\n",
        "            key = _occurrence_key(model, params)\n",
        (
            "tests/test_audit_manifest.py::test_two_rows_asking_for_the_same_image_by_two_spellings_of_its_path_are"
            "_two_jobs_told_apart_by_occurrence",
        ),
    ),
    Plant(
        "a manifest at the size limit refused",
        "batchgen/manifest.py",
        "if size > MAX_MANIFEST_BYTES:",
        "if size >= MAX_MANIFEST_BYTES:",
        ("tests/test_manifest_forms.py::test_the_file_itself_nul_bytes_encoding_size_and_kind",),
    ),
    Plant(
        "an image at the longest side allowed refused",
        "batchgen/models/images.py",
        "max(width, height) > param.max_side_px",
        "max(width, height) >= param.max_side_px",
        (
            "tests/models/test_images_edges.py::test_the_longest_side_and_the_file_size_are_allowed_up_to_their_lim"
            "its_inclusive",
        ),
    ),
    Plant(
        "a data URI that holds no image is refused as an image cut short",
        "batchgen/models/images.py",
        '    kind, size = sniff(data)\n    if kind is None:\n        return None, "the data URI is not a JPEG or P'
        'NG image (by its content)"\n',
        "    kind, size = sniff(data)\n",
        (
            "tests/models/test_audit_images.py::test_a_data_uri_that_holds_no_image_is_refused_as_not_an_image_not_"
            "as_one_cut_short",
        ),
    ),
    Plant(
        "an image's path recorded resolved, not as the manifest wrote it",
        "batchgen/models/images.py",
        'ref = {"path": key[0], "file": shown,',
        'ref = {"path": key[0], "file": str(path),',
        ("tests/test_audit_manifest.py::test_a_completed_row_whose_image_is_gone_goes_on_as_the_job_the_folder_made",),
    ),
    Plant(
        "a body sized for each image's base64 without its padding",
        "batchgen/models/images.py",
        "body = bytearray(sum(len(head) + 4 * -(-_size(ref) // 3) for head, ref in segments) + len(rest))",
        "body = bytearray(sum(len(head) + 4 * (_size(ref) // 3) for head, ref in segments) + len(rest))",
        ("tests/models/test_wire.py::test_the_json_built_as_bytes_is_the_body_encoded_plainly",),
    ),
    Plant(
        "the jobs made and left unfetched priced at what was charged (nothing yet), not their estimate",
        "batchgen/engine/run.py",
        "sum(job.estimate or 0.0 for job in made)",
        "sum(job.cost or 0.0 for job in made)",
        (
            "tests/e2e/test_told_status.py::test_jobs_made_and_left_unfetched_are_told_apart_from_the_spend_with_wh"
            "at_they_will_cost",
        ),
    ),
    Plant(
        "a run's estimates read at the catalogue's prices, not the config's",
        "batchgen/engine/run.py",
        "estimate_cost(s.model, s.params, settings.prices)) for s in jobs)",
        "estimate_cost(s.model, s.params, {})) for s in jobs)",
        (
            "tests/e2e/test_told_status.py::test_jobs_made_and_left_unfetched_are_priced_as_the_config_prices_them_"
            "and_status_says_at_whose_prices",
        ),
    ),
    Plant(
        "a job downloading not counted in flight",
        "batchgen/jobs.py",
        "IN_FLIGHT = frozenset({JobState.SUBMITTING, JobState.SUBMITTED, JobState.DOWNLOADING})",
        "IN_FLIGHT = frozenset({JobState.SUBMITTING, JobState.SUBMITTED})",
        (
            "tests/report/test_summary_lines.py::test_the_progress_line_counts_what_is_in_flight_the_pace_and_why_i"
            "t_waits",
        ),
    ),
    Plant(
        "a job being submitted holds no estimate against the spend cap",
        "batchgen/jobs.py",
        "    {JobState.SUBMITTING, JobState.SUBMITTED, JobState.DOWNLOADING, JobState.COMPLETED, JobState.EXPIRED}\n",
        "    {JobState.SUBMITTED, JobState.DOWNLOADING, JobState.COMPLETED, JobState.EXPIRED}\n",
        ("tests/engine/test_book.py::test_a_recorded_state_holds_the_estimate_only_while_the_job_may_be_charged",),
    ),
    Plant(
        "simulator: a stalled job's credit hold is never released when its record dies (the account shrinks for good)",
        "batchgen/simulator/state.py",
        "settle_at = finish if finish != math.inf else now + self.config.expiry_s",
        "settle_at = finish",
        (
            "tests/simulator/test_audit_state.py::test_a_stalled_jobs_hold_is_released_when_its_record_dies_and_it_is"
            "_never_charged",
        ),
    ),
    Plant(
        "simulator: a saved account's jobs in flight are never charged after it is taken up",
        "batchgen/simulator/state.py",
        "        self._settle = settle\n",
        "        self._settle = []\n",
        (
            "tests/simulator/test_audit_state.py::test_a_job_in_flight_when_the_account_was_saved_is_charged_once_it_"
            "finishes_after_it_is_taken_up",
        ),
    ),
    Plant(
        "simulator: one body sent to two models is counted as a duplicate submission",
        "batchgen/simulator/state.py",
        "seen[repr((slug, sorted(body.items())))] += 1",
        "seen[repr(sorted(body.items()))] += 1",
        ("tests/simulator/test_audit_state.py::test_one_body_sent_to_two_models_is_not_counted_as_a_duplicate",),
    ),
    Plant(
        "simulator: free credits are left out of what a submit may spend (refused 406 with credits to pay)",
        "batchgen/simulator/state.py",
        "return self.balance + self.config.free_credits - self.holds",
        "return self.balance - self.holds",
        (
            "tests/simulator/test_audit_state.py::test_free_credits_pay_for_a_submit_the_paid_balance_alone_does_not_"
            "cover",
        ),
    ),
    Plant(
        "simulator: status polls count against the rate window whatever --polls-free says",
        "batchgen/simulator/state.py",
        "if limit is None or not counted:",
        "if limit is None:",
        (
            "tests/simulator/test_audit_state.py::test_status_polls_leave_the_rate_window_to_submits_when_polls_do_no"
            "t_count",
        ),
    ),
    Plant(
        "simulator: a 10 s job with the wrong-duration fault is served a 10 s video (the fault not played)",
        "batchgen/simulator/state.py",
        "job.media_duration = 5 if job.duration >= 10 else 10",
        "job.media_duration = 5 if job.duration > 10 else 10",
        ("tests/report/test_report.py::test_simulator_serves_the_wrong_video_only_where_told",),
    ),
    Plant(
        "simulator: a saved account taken up forgets its submissions (duplicates across runs never counted)",
        "batchgen/simulator/state.py",
        "        self.submissions = submissions\n",
        "        self.submissions = []\n",
        ("tests/simulator/test_simulator.py::test_a_saved_account_is_taken_up_where_it_stopped",),
    ),
    Plant(
        "simulator: a result poll of an unfinished job answers 404 where the world says 400 (told as expired)",
        "batchgen/simulator/polls.py",
        'return _error(400, "Request is not completed yet")',
        'return _error(404, "Request is not completed yet")',
        ("tests/simulator/test_audit_polls.py::test_a_result_poll_of_an_unfinished_job_answers_as_the_world_says",),
    ),
    Plant(
        "simulator: an unfinished result of the empty-output world carries no output at all",
        "batchgen/simulator/polls.py",
        '            pending["output"] = ""\n',
        "            pass\n",
        ("tests/simulator/test_audit_polls.py::test_a_result_poll_of_an_unfinished_job_answers_as_the_world_says",),
    ),
    Plant(
        "simulator: a video is served from its link before its job has finished",
        "batchgen/simulator/outputs.py",
        'if job is None or (not job.charged and job.status_at(now) != "COMPLETED"):',
        "if job is None:",
        ("tests/simulator/test_audit_outputs.py::test_no_video_or_preview_is_served_before_its_job_has_finished",),
    ),
    Plant(
        "simulator: a hostile download meant to be labelled text/html is served as video/mp4 (the world not played)",
        "batchgen/simulator/outputs.py",
        'content_type="text/html" if job.hostile == "wrong_content_type" else "video/mp4"',
        'content_type="video/mp4"',
        (
            "tests/simulator/test_audit_outputs.py::test_a_download_served_with_the_wrong_content_type_is_the_video_l"
            "abelled_as_a_web_page",
        ),
    ),
    Plant(
        "simulator: a gateway's refusal for refuse_s seconds is timed from the epoch, not from when it began",
        "batchgen/simulator/worlds.py",
        "now < began + config.refuse_s",
        "now < config.refuse_s",
        (
            "tests/e2e/test_gateway_refusals.py::test_polls_and_history_refused_for_a_while_by_a_gateway_page_are_rid"
            "den_out",
        ),
    ),
    Plant(
        "simulator: an outage at outage_at_s is timed from the epoch, so it begins at once",
        "batchgen/simulator/worlds.py",
        "now >= state.started_at + config.outage_at_s",
        "now >= config.outage_at_s",
        (
            "tests/simulator/test_audit_worlds.py::test_an_outage_at_a_time_begins_that_long_after_the_start_and_last"
            "s_its_seconds",
        ),
    ),
    Plant(
        "simulator: the object and url-object output shapes are swapped",
        "batchgen/simulator/worlds.py",
        '        body["output"] = {"video": url}\n    else:\n        body["output"] = {"url": url}',
        '        body["output"] = {"url": url}\n    else:\n        body["output"] = {"video": url}',
        ("tests/simulator/test_audit_worlds.py::test_a_finished_results_output_takes_the_shape_the_world_gives_it",),
    ),
    Plant(
        "simulator: a job is STARTING for all its work, never PROCESSING, where extra states are played",
        "batchgen/simulator/worlds.py",
        "now < job.start + (job.finish - job.start) / 5",
        "now < job.finish",
        (
            "tests/simulator/test_audit_worlds.py::test_a_job_is_starting_for_the_first_fifth_of_its_work_and_process"
            "ing_after_it",
        ),
    ),
    Plant(
        "simulator: a titled model name keeps the slug's dashes",
        "batchgen/simulator/worlds.py",
        'return slug.replace("-", " ").title()',
        "return slug.title()",
        ("tests/simulator/test_audit_worlds.py::test_a_history_row_names_its_model_as_the_world_does",),
    ),
    Plant(
        "simulator: a history body kept as text is Python's repr, not JSON",
        "batchgen/simulator/worlds.py",
        "        return json.dumps(body)\n",
        "        return str(body)\n",
        (
            "tests/e2e/test_history_ids.py::test_lost_submits_are_found_in_a_history_that_keeps_bodies_otherwise_than"
            "_sent",
        ),
    ),
    Plant(
        "simulator: a list of exactly its spec's most items is refused",
        "batchgen/simulator/schema.py",
        'if spec.get("max_items") and len(value) > int(spec["max_items"]):',
        'if spec.get("max_items") and len(value) >= int(spec["max_items"]):',
        (
            "tests/simulator/test_audit_schema.py::test_a_list_of_as_many_shots_as_its_spec_allows_is_taken_and_one_m"
            "ore_refused",
        ),
    ),
    Plant(
        "simulator: an integer field takes a number with a fraction",
        "batchgen/simulator/schema.py",
        'if kind == "integer" and not isinstance(value, int):',
        'if kind == "integer" and not isinstance(value, int | float):',
        ("tests/simulator/test_audit_schema.py::test_an_integer_field_refuses_a_number_with_a_fraction",),
    ),
    Plant(
        "simulator: a made video (no template of its length) is one frame short",
        "batchgen/simulator/media.py",
        "        for i in range(total):\n",
        "        for i in range(1, total):\n",
        (
            "tests/simulator/test_audit_media.py::test_a_video_of_a_length_no_template_has_is_made_with_every_frame_o"
            "f_its_seconds",
        ),
    ),
    Plant(
        "simulator: a 429's reset time is told to the second, up to a second before the window frees",
        "batchgen/simulator/replies.py",
        'isoformat(timespec="milliseconds")',
        'isoformat(timespec="seconds")',
        (
            "tests/simulator/test_audit_replies.py::test_a_429s_reset_time_is_told_to_the_millisecond_and_never_befor"
            "e_the_window_frees",
        ),
    ),
    Plant(
        "simulator: a counted redirect of a poll counts against the window whatever --polls-free says",
        "batchgen/simulator/app.py",
        'counted=kind == "submit" or state.config.polls_count',
        "counted=True",
        ("tests/simulator/test_audit_app.py::test_a_redirected_poll_counts_against_the_window_only_where_polls_count",),
    ),
    Plant(
        "simulator: a server told to quote the key in a header never sends it",
        "batchgen/simulator/app.py",
        '        response.headers["X-Echo"] = f"key={key}"\n',
        "        pass\n",
        (
            "tests/simulator/test_audit_app.py::test_a_server_told_to_quote_the_key_in_a_header_quotes_it_on_every_an"
            "swer",
        ),
    ),
    Plant(
        "simulator: a server told to quote the key in its output links quotes it in none",
        "batchgen/simulator/app.py",
        'if "output" in places and response.status == 200:',
        'if "output" in places and response.status == 201:',
        ("tests/api/test_promises_units.py::test_a_key_the_server_quotes_back_never_comes_out_of_the_client",),
    ),
    Plant(
        "simulator: the request log records every answer as a 200",
        "batchgen/simulator/app.py",
        "state.log.append((state.clock.now(), route, response.status))",
        "state.log.append((state.clock.now(), route, 200))",
        ("tests/simulator/test_audit_app.py::test_the_request_log_keeps_each_answers_own_status",),
    ),
    Plant(
        "simulator: an output file lives one day by default, not the seven the API says",
        "batchgen/simulator/config.py",
        "output_ttl_s: float = 7 * 86400.0",
        "output_ttl_s: float = 86400.0",
        (
            "tests/simulator/test_audit_config.py::test_a_finished_video_is_served_for_seven_days_by_default_and_not_"
            "after",
        ),
    ),
    Plant(
        "simulator: a simulator with no workers is taken (every submit then a 500)",
        "batchgen/simulator/config.py",
        "if self.workers < 1:",
        "if self.workers < 0:",
        ("tests/simulator/test_audit_config.py::test_a_simulator_with_no_workers_is_refused_when_configured",),
    ),
    Plant(
        "simulator: redirects to the other origin point back at the API itself",
        "batchgen/simulator/server.py",
        "self.state.redirect_base = _site_url(self._foreign, 0)",
        "self.state.redirect_base = self.url",
        ("tests/simulator/test_audit_worlds.py::test_the_other_origin_counts_a_key_sent_in_either_header",),
    ),
    Plant(
        "simulator: the output host's address is the API's (links never leave the API host)",
        "batchgen/simulator/server.py",
        "self.output_url = _site_url(self._runner, 1)",
        "self.output_url = _site_url(self._runner, 0)",
        ("tests/api/test_client.py::test_key_goes_only_to_the_api_never_to_the_output_host",),
    ),
    Plant(
        "simulator: a world refusing unknown parameters refuses every body (the known ones taken for the unknown)",
        "batchgen/simulator/schema.py",
        "extra = sorted(set(body) - set(model.params))",
        "extra = sorted(set(model.params) - set(body))",
        (
            "tests/simulator/test_audit_schema.py::test_a_world_that_refuses_unknown_parameters_takes_known_ones_and_"
            "names_the_unknown",
        ),
    ),
    Plant(
        "simulator: a 10 s video is made as fast as a 5 s one",
        "batchgen/simulator/state.py",
        "base = mean * (1.5 if duration >= 10 else 1.0)",
        "base = mean * (1.5 if duration > 10 else 1.0)",
        ("tests/simulator/test_audit_state.py::test_a_ten_second_video_takes_half_as_long_again_as_a_five_second_one",),
    ),
    Plant(
        "the unreachable stop is told as a fatal error: the run exits 1, not 6",
        "batchgen/engine/control.py",
        "                else StopReason.UNREACHABLE\n                if isinstance(exc, ApiUnreachable)\n            "
        "    else StopReason.FATAL",
        "                else StopReason.FATAL",
        ("tests/engine/test_control.py::test_a_run_wide_error_ends_the_run_now_and_names_itself",),
    ),
    Plant(
        "a run-wide error stops the run without saying what it was (no stop detail)",
        "batchgen/engine/control.py",
        "            self.report.stop_detail = str(exc)\n",
        "",
        ("tests/engine/test_control.py::test_a_run_wide_error_ends_the_run_now_and_names_itself",),
    ),
    Plant(
        "a credit stop tells 'HTTP 406', not the API's own words",
        "batchgen/engine/control.py",
        "self.report.stop_detail = exc.detail or str(exc)",
        "self.report.stop_detail = str(exc)",
        ("tests/engine/test_control.py::test_a_credit_stop_keeps_the_apis_words_and_the_balance_it_named",),
    ),
    Plant(
        "the balance a 406 names is read without its cents (0.12 told as 0)",
        "batchgen/engine/control.py",
        "(-?[0-9]+(?:\\.[0-9]+)?)",
        "(-?[0-9]+)",
        ("tests/engine/test_control.py::test_a_credit_stop_keeps_the_apis_words_and_the_balance_it_named",),
    ),
    Plant(
        "an unreachable API escapes the job boundary instead of stopping the run",
        "batchgen/engine/control.py",
        "RUN_WIDE = (AuthError, InvalidContentType, LedgerError, StorageError, ApiUnreachable)",
        "RUN_WIDE = (AuthError, InvalidContentType, LedgerError, StorageError)",
        ("tests/engine/test_control.py::test_the_job_boundary_turns_run_wide_errors_into_a_stop",),
    ),
    Plant(
        "a manifest problem names the line after the one at fault",
        "batchgen/errors.py",
        'where += f":{self.line}"',
        'where += f":{self.line + 1}"',
        ("tests/test_manifest.py::test_bad_manifests_name_file_line_and_field",),
    ),
    Plant(
        "a manifest's long problem list says it stops at the first N for N every problem, not those listed",
        "batchgen/errors.py",
        "the list stops at the first {len(problems)}",
        "the list stops at the first {count}",
        (
            "tests/test_manifest_forms.py::test_a_manifest_with_hundreds_of_problems_lists_the_first_two_hundred_and_"
            "counts_the_rest",
        ),
    ),
    Plant(
        "a 429's Retry-After hint is dropped",
        "batchgen/errors.py",
        "        self.retry_after = retry_after",
        "        self.retry_after = None",
        ("tests/test_audit_errors.py::test_a_rate_limit_is_a_transient_429_that_keeps_the_servers_hint",),
    ),
    Plant(
        "a first submit refused (4xx) by what is not the API is taken to have made a job",
        "batchgen/errors.py",
        "        self.made = made",
        "        self.made = True",
        (
            "tests/engine/test_submitter_units.py::test_a_first_submit_answered_by_another_server_stops_the_run_and_l"
            "eaves_its_job_as_the_answer_allows",
        ),
    ),
    Plant(
        "an answer too large for the bound is retried as a failure for now",
        "batchgen/errors.py",
        "class AnswerTooLarge(BadResponse):",
        "class AnswerTooLarge(TransientError):",
        ("tests/api/test_client.py::test_oversized_and_non_json_bodies_are_bad_responses",),
    ),
    Plant(
        "a lease is lost at its first failed renewal, though it has not lapsed",
        "batchgen/store/lease.py",
        '                if not self.holds():\n                    self.lost = f"it could not be renewed ({exc})"',
        '                self.lost = f"it could not be renewed ({exc})"',
        ("tests/store/test_lease.py::test_renewals_that_fail_are_retried_and_the_lease_is_lost_only_once_it_lapses",),
    ),
    Plant(
        "a lease generation that already exists is taken as written: a takeover is never noticed",
        "batchgen/store/lease.py",
        "        if not await self.bucket.put_create(self.key(generation), json.dumps(record).encode()):\n            "
        "return False",
        "        await self.bucket.put_create(self.key(generation), json.dumps(record).encode())",
        ("tests/store/test_lease.py::test_a_holder_that_was_taken_over_knows_it_and_writes_nothing_more",),
    ),
    Plant(
        "the lease read as the newest is the oldest generation kept: a held shard is taken",
        "batchgen/store/lease.py",
        "reversed(await self.bucket.list(self.prefix))",
        "await self.bucket.list(self.prefix)",
        ("tests/store/test_lease.py::test_a_held_lease_refuses_another_run_and_says_who_holds_it_for_how_long",),
    ),
    Plant(
        "a shard's worker started again waits out its own lease",
        "batchgen/store/lease.py",
        'if self.now() < expires and record.get("holder") != self.holder:',
        "if self.now() < expires:",
        ("tests/store/test_lease.py::test_the_same_holder_started_again_takes_its_own_lease_at_once",),
    ),
    Plant(
        "a run that lost its lease is not told what to do",
        "batchgen/store/lease.py",
        '"without writing more. Run the same command again once the other run has finished"',
        '"without writing more"',
        ("tests/store/test_lease.py::test_a_holder_that_was_taken_over_knows_it_and_writes_nothing_more",),
    ),
    Plant(
        "status of an unsharded folder looks for its lock under shards/: a live run is not named",
        "batchgen/store/output.py",
        'pid = lock_holder((root / "shards" / name if name else root) / ".lock")',
        'pid = lock_holder(root / "shards" / name / ".lock")',
        ("tests/store/test_storage.py::test_status_names_a_run_that_holds_the_lock_before_it_has_written_its_pid",),
    ),
    Plant(
        "a sharded folder takes an unsharded run: its jobs change shards and may be paid twice",
        "batchgen/store/output.py",
        '        if (root / "shards").is_dir():\n            names +=',
        "        if False:\n            names +=",
        (
            "tests/e2e/test_told_status.py::test_the_dry_run_of_another_shard_count_than_the_folders_is_refused_as_th"
            "e_run_is",
        ),
    ),
    Plant(
        "the ledger's key fingerprint is the key's last eight letters: the key is written in every line",
        "batchgen/store/output.py",
        "return hashlib.sha256(key.encode()).hexdigest()[:8]",
        "return key[-8:]",
        (
            "tests/store/test_audit_output.py::test_the_ledger_tells_keys_apart_by_a_fingerprint_that_holds_no_piece_"
            "of_the_key",
        ),
    ),
    Plant(
        "a --simulate run given --replace-changed is refused as if it had not been (exit 2)",
        "batchgen/cli/simulated.py",
        "if changes and not args.replace_changed:",
        "if changes:",
        (
            "tests/cli/test_audit_simulated.py::test_a_simulated_run_given_replace_changed_makes_a_changed_row_anew_a"
            "nd_keeps_the_earlier_video",
        ),
    ),
    Plant(
        "a --simulate run told to replace a row in flight starts its simulator before it is refused",
        "batchgen/cli/simulated.py",
        "        refuse_replacing_in_flight(changes, str(settings.output.dir))",
        "        pass",
        (
            "tests/cli/test_audit_simulated.py::test_a_simulated_run_told_to_replace_a_row_still_in_flight_refuses_be"
            "fore_any_simulator_starts",
        ),
    ),
    Plant(
        "a --simulate run into a locked folder starts and announces a simulator before it is refused",
        "batchgen/cli/simulated.py",
        "    if lock_holder(folder.lock_path) is not None:",
        "    if False:",
        (
            "tests/cli/test_audit_simulated.py::test_a_simulated_run_into_a_folder_another_run_holds_stops_before_any"
            "_simulator_starts",
        ),
    ),
    Plant(
        "the resume line gives a pace or cap of 1 as a bare flag (--concurrency with no value)",
        "batchgen/cli/options.py",
        "words += [flag] if value is True else [flag, _text(value)]",
        "words += [flag] if value == True else [flag, _text(value)]",
        ("tests/cli/test_nextstep.py::test_the_raised_cap_covers_the_spend_and_every_deferred_job_to_the_cent_above",),
    ),
    Plant(
        "validate --out of blanks is taken as a folder, not refused as the run's --out is",
        "batchgen/cli/arguments.py",
        '"--out", type=_nonempty, help="also say what this output folder',
        '"--out", help="also say what this output folder',
        ("tests/cli/test_audit_arguments.py::test_validate_refuses_an_out_folder_of_blanks_as_the_run_does",),
    ),
    Plant(
        "the resume line gives a cap of $2.50 as --max-spend 2 (every float written as a whole number)",
        "batchgen/cli/options.py",
        "if isinstance(value, float) and value.is_integer():",
        "if isinstance(value, float):",
        ("tests/cli/test_options.py::test_a_capped_run_resumed_with_a_bare_command_stays_under_its_cap",),
    ),
    Plant(
        "a kept --time-scale goes on against the real API named now with --base-url",
        "batchgen/cli/options.py",
        'name in ("simulate", "time_scale")',
        'name == "simulate"',
        ("tests/cli/test_options.py::test_merge_prefers_what_is_given_and_a_real_api_ends_a_kept_simulation",),
    ),
    Plant(
        "--simulate given now keeps a kept --base-url",
        "batchgen/cli/options.py",
        '        if given.get("simulate") and name == "base_url":\n            continue\n',
        "",
        ("tests/cli/test_options_kept.py::test_what_is_given_wins_and_the_kept_values_fill_the_gaps",),
    ),
    Plant(
        "the kept --config path is kept as given (relative): a re-run from another folder loses it",
        "batchgen/cli/options.py",
        '        values["config"] = str(Path(config).resolve())',
        '        values["config"] = config',
        ("tests/cli/test_options.py::test_merge_prefers_what_is_given_and_a_real_api_ends_a_kept_simulation",),
    ),
    Plant(
        "the resume line is not shell-quoted: a folder with a space breaks it",
        "batchgen/cli/options.py",
        '" ".join(shlex.quote(w) for w in words)',
        '" ".join(words)',
        (
            "tests/cli/test_audit_arguments.py::test_the_resume_line_is_a_command_the_cli_takes_under_the_same_cap_an"
            "d_pace",
        ),
    ),
    Plant(
        "the folder keeps no passthrough names: status no longer reads the manifest's passthrough rows",
        "batchgen/cli/options.py",
        '        data["passthrough"] = list(passthrough)',
        "        pass",
        (
            "tests/cli/test_options_kept.py::test_status_reads_the_kept_manifest_with_the_spec_files_and_passthrough_"
            "names_of_its_run",
        ),
    ),
    Plant(
        "a run's annotation columns replace the earlier runs' kept ones",
        "batchgen/cli/options.py",
        "kept = {**(kept if isinstance(kept, dict) else {}), **annotations}",
        "kept = annotations",
        ("tests/cli/test_options_kept.py::test_annotation_columns_are_kept_merged_and_in_their_own_letters",),
    ),
    Plant(
        "BATCHGEN_CONCURRENCY takes a fraction",
        "batchgen/cli/options.py",
        '"concurrency": ("BATCHGEN_CONCURRENCY", int),',
        '"concurrency": ("BATCHGEN_CONCURRENCY", float),',
        ("tests/cli/test_options_kept.py::test_the_environment_sets_the_cap_the_concurrency_and_the_pace_by_name",),
    ),
    Plant(
        "a .batchgen that is a symbolic link is written through",
        "batchgen/cli/options.py",
        "    if folder.is_symlink():",
        "    if False:",
        ("tests/cli/test_options.py::test_a_state_folder_that_is_a_link_is_refused",),
    ),
    Plant(
        "jobs in flight without their simulated account count only those 'submitted'",
        "batchgen/cli/options.py",
        '("submitting", "submitted", "downloading")',
        '("submitted",)',
        ("tests/cli/test_options_kept.py::test_jobs_in_flight_without_their_simulated_account_are_counted",),
    ),
    Plant(
        "--shards 0 is taken",
        "batchgen/cli/arguments.py",
        'run.add_argument("--shards", type=_positive_int,',
        'run.add_argument("--shards", type=int,',
        ("tests/e2e/test_bad_input.py::test_a_bad_flag_value_is_refused",),
    ),
    Plant(
        "--time-scale nan passes the flag check",
        "batchgen/cli/arguments.py",
        'if value != value or value in (float("inf"), float("-inf")):',
        'if value in (float("inf"), float("-inf")):',
        (
            "tests/cli/test_audit_arguments.py::test_a_rate_or_duration_that_is_not_a_finite_number_is_refused_before"
            "_anything_is_sent",
        ),
    ),
    Plant(
        "'batchgen simulate' listens on port 8000 by default, not the documented 8700",
        "batchgen/cli/arguments.py",
        'sim.add_argument("--port", type=int, default=8700)',
        'sim.add_argument("--port", type=int, default=8000)',
        ("tests/cli/test_audit_arguments.py::test_the_simulator_without_flags_plays_the_documented_account",),
    ),
    Plant(
        "'batchgen simulate' runs 500 times faster by default, not in real time",
        "batchgen/cli/arguments.py",
        'sim.add_argument("--time-scale", type=_positive, default=1.0,',
        'sim.add_argument("--time-scale", type=_positive, default=500.0,',
        ("tests/cli/test_audit_arguments.py::test_the_simulator_without_flags_plays_the_documented_account",),
    ),
    Plant(
        "'batchgen simulate' works 4 jobs at once by default, not 16",
        "batchgen/cli/arguments.py",
        'sim.add_argument("--workers", type=int, default=16,',
        'sim.add_argument("--workers", type=int, default=4,',
        (
            "tests/cli/test_audit_arguments.py::test_the_simulator_without_flags_serves_the_published_world_in_every_"
            "respect",
        ),
    ),
    Plant(
        "--history-refuse given twice keeps only the last",
        "batchgen/cli/arguments.py",
        '        action="append",\n        choices=("per_page", "sort_order"),',
        '        action="store",\n        choices=("per_page", "sort_order"),',
        ("tests/simulator/test_sim_worlds.py::test_simulate_flags_reach_the_config",),
    ),
    Plant(
        "--log-file of blanks is taken",
        "batchgen/cli/arguments.py",
        'run.add_argument("--log-file", type=_nonempty,',
        'run.add_argument("--log-file",',
        ("tests/e2e/test_bad_input.py::test_a_bad_flag_value_is_refused",),
    ),
    Plant(
        "a sweep stops reading pages with its one job looked for unseen (a tenth of one rounded up)",
        "batchgen/engine/sweeper.py",
        "math.floor(SHALLOW_MISS * len(remaining))",
        "math.ceil(SHALLOW_MISS * len(remaining))",
        ("tests/engine/test_sweeper.py::test_a_sweep_reads_past_pages_shorter_than_asked_for",),
    ),
    Plant(
        "sweeps back after a pause are taken as healthy before they show a job",
        "batchgen/engine/sweeper.py",
        "            self.sweeping, self.healthy = True, False",
        "            self.sweeping, self.healthy = True, True",
        (
            "tests/engine/test_sweeper_finds.py::test_a_history_read_that_fails_for_now_pauses_the_sweeps_longer_each"
            "_time_until_one_shows_our_jobs",
        ),
    ),
    Plant(
        "the sweeps' pause is not reset once the history answers again: the next outage starts long",
        "batchgen/engine/sweeper.py",
        "                self._pause = 0.0\n",
        "                pass\n",
        (
            "tests/engine/test_sweeper_finds.py::test_a_history_read_that_fails_for_now_pauses_the_sweeps_longer_each"
            "_time_until_one_shows_our_jobs",
        ),
    ),
    Plant(
        "history sweeps go on after a signal",
        "batchgen/engine/sweeper.py",
        "if not self.jobs or not self.sweeping or self.control.interrupted or self.idle:",
        "if not self.jobs or not self.sweeping or self.idle:",
        ("tests/engine/test_sweeper_units.py::test_the_loop_does_not_sweep_when_a_sweep_could_not_help",),
    ),
    Plant(
        "the sweeps' pause after a failed history read is taken as a moment of the run clock, not a span from now",
        "batchgen/engine/sweeper.py",
        "self._resume_at = self.clock.now() + self._pause",
        "self._resume_at = self._pause",
        (
            "tests/engine/test_audit_sweeper.py::test_a_history_failing_for_now_again_and_again_is_read_again_at_doub"
            "ling_pauses_up_to_their_cap",
        ),
    ),
    Plant(
        "a job a sweep showed finished and a poll found after is held against the history",
        "batchgen/engine/sweeper.py",
        "if self.sweeping and request_id not in self.shown_done:",
        "if self.sweeping:",
        ("tests/engine/test_sweeper_finds.py::test_a_job_a_sweep_showed_finished_is_never_held_against_the_history",),
    ),
    Plant(
        "a history read whole in no order of time is judged on the eight pages a find of an ordered one",
        "batchgen/engine/sweeper.py",
        "limit = PAGES_PER_FIND_NO_ORDER if self.reconciler.order.in_no_order else PAGES_PER_FIND_LIMIT",
        "limit = PAGES_PER_FIND_LIMIT",
        (
            "tests/engine/test_sweeper_units.py::test_sweeps_give_way_to_polls_once_they_read_more_than_eight_pages_f"
            "or_each_job_they_show",
        ),
    ),
    Plant(
        "the pages sweeps read before the history first showed a finished job count against its cost: sweeps switched "
        "off for a slow first finish",
        "batchgen/engine/sweeper.py",
        "        if self.hits:\n            self.pages_read += pages",
        "        if True:\n            self.pages_read += pages",
        (
            "tests/engine/test_audit_sweeper.py::test_the_pages_sweeps_read_before_the_history_first_shows_a_finished"
            "_job_are_not_held_against_it",
        ),
    ),
    Plant(
        "a job a poll found finished and a sweep showed after is still held against the history",
        "batchgen/engine/sweeper.py",
        "        self.found_by_poll.discard(row.request_id)\n        self.shown_done.add",
        "        self.shown_done.add",
        ("tests/engine/test_sweeper_finds.py::test_a_job_a_sweep_showed_finished_is_never_held_against_the_history",),
    ),
    Plant(
        "a credit stop does not stop submitting: every job left is sent into 406s",
        "batchgen/engine/control.py",
        "        self.request_stop(StopReason.CREDITS)\n",
        "",
        ("tests/engine/test_control.py::test_a_credit_stop_keeps_the_apis_words_and_the_balance_it_named",),
    ),
    Plant(
        "an images block's one repeated problem is neither listed nor counted",
        "batchgen/errors.py",
        "        if repeats:\n            listed +=",
        "        if repeats > 1:\n            listed +=",
        (
            "tests/test_manifest_edges.py::test_the_same_problem_of_every_job_of_an_images_block_is_listed_once_and_t"
            "old_as_the_same",
        ),
    ),
    Plant(
        "the ledger records every API error as kind 'ApiError'",
        "batchgen/errors.py",
        '{"kind": type(self).__name__}',
        '{"kind": "ApiError"}',
        (
            "tests/test_audit_errors.py::test_the_ledgers_record_of_an_error_keeps_its_http_status_and_says_what_happ"
            "ened",
        ),
    ),
    Plant(
        "a base URL that is not the API's stops the run with exit 1, not 6 (NotTheApi no longer an ApiUnreachable)",
        "batchgen/errors.py",
        "class NotTheApi(ApiUnreachable):",
        "class NotTheApi(BatchgenError):",
        (
            "tests/e2e/test_not_the_api.py::test_a_base_url_of_an_object_store_stops_the_run_at_its_first_submit_and_"
            "pays_nothing_twice",
        ),
    ),
    Plant(
        "a bad config file exits 1, not 2 (ConfigError no longer an InputError)",
        "batchgen/errors.py",
        "class ConfigError(InputError):",
        "class ConfigError(BatchgenError):",
        ("tests/e2e/test_bad_input.py::test_bad_config",),
    ),
    Plant(
        "a model spec file with a problem exits 1, not 2 (ModelSpecError no longer an InputError)",
        "batchgen/errors.py",
        "class ModelSpecError(InputError):",
        "class ModelSpecError(BatchgenError):",
        ("tests/test_audit_errors.py::test_a_model_spec_file_with_a_problem_is_bad_input_exit_2_and_says_where",),
    ),
    Plant(
        "a lease generation that vanishes while read makes the shard look never taken",
        "batchgen/store/lease.py",
        "            if data is None:\n                continue",
        "            if data is None:\n                return None",
        ("tests/store/test_lease.py::test_a_generation_that_vanishes_while_read_is_passed_over_for_the_one_before",),
    ),
    Plant(
        "a run of another shard count than the folder's is refused without saying what to do (same N, or another "
        "--out)",
        "batchgen/store/output.py",
        '"the same shard count (--shard I/N with the same N; none for 1), or another --out"',
        '"another --out"',
        (
            "tests/store/test_audit_output.py::test_a_run_of_another_shard_count_than_the_folders_is_refused_and_told"
            "_what_to_do_instead",
        ),
    ),
    Plant(
        "a local folder is opened without being prepared: a new folder cannot be locked",
        "batchgen/store/output.py",
        "        local.prepare()\n",
        "",
        ("tests/store/test_store.py::test_shard_counts_cannot_change_under_one_out",),
    ),
    Plant(
        "an expired lease not lost still lets its holder write",
        "batchgen/store/lease.py",
        "        if not self.holds():\n            why = self.lost",
        "        if self.lost is not None:\n            why = self.lost",
        ("tests/store/test_lease.py::test_taking_a_lease_writes_who_holds_it_until_when",),
    ),
    Plant(
        "a kept options file that cannot be read is taken as none: the run goes on without the folder's cap",
        "batchgen/cli/options.py",
        "    except (OSError, ValueError) as exc:\n        raise InputError(",
        "    except (OSError, ValueError) as exc:\n        return {}\n        raise InputError(",
        ("tests/cli/test_options.py::test_a_damaged_options_file_is_an_error_not_a_missing_cap",),
    ),
    Plant(
        "every shard of a --simulate run keeps its account in the one file: shards overwrite each other's",
        "batchgen/cli/options.py",
        'return folder / (f"simulator.{shard}.json" if shard else SIMULATOR_FILE)',
        "return folder / SIMULATOR_FILE",
        ("tests/cli/test_options_kept.py::test_each_shard_keeps_its_own_simulated_account",),
    ),
    Plant(
        "status given a manifest that does not read goes by the ledger alone and exits 0",
        "batchgen/cli/options.py",
        "        if given is not None:\n            raise\n",
        "",
        ("tests/cli/test_audit_options.py::test_status_given_a_manifest_that_is_not_there_says_so_and_exits_2",),
    ),
    Plant(
        "validate --models given twice keeps only the last spec file (and reads its path letter by letter)",
        "batchgen/cli/arguments.py",
        'validate.add_argument("--models", action="append"',
        'validate.add_argument("--models", action="store"',
        ("tests/cli/test_audit_arguments.py::test_models_given_twice_adds_both_spec_files",),
    ),
    Plant(
        "'batchgen simulate --api-key' given twice accepts only the last key",
        "batchgen/cli/arguments.py",
        'sim.add_argument("--api-key", action="append",',
        'sim.add_argument("--api-key", action="store",',
        ("tests/cli/test_audit_serve.py::test_the_simulators_key_and_429_flags_reach_its_config",),
    ),
    Plant(
        "'batchgen simulate --second-key' given twice keeps only the last",
        "batchgen/cli/arguments.py",
        'sim.add_argument("--second-key", action="append",',
        'sim.add_argument("--second-key", action="store",',
        ("tests/cli/test_audit_serve.py::test_the_simulators_key_and_429_flags_reach_its_config",),
    ),
    Plant(
        "'batchgen simulate' counts its rate limit over a 1 s window by default, not the documented 60",
        "batchgen/cli/arguments.py",
        '"--rate-window", type=float, default=60.0,',
        '"--rate-window", type=float, default=1.0,',
        ("tests/cli/test_audit_arguments.py::test_the_simulator_without_flags_plays_the_documented_account",),
    ),
    Plant(
        "'batchgen simulate' serves jobs ten times faster than published by default",
        "batchgen/cli/arguments.py",
        '"--latency-scale", type=float, default=1.0,',
        '"--latency-scale", type=float, default=0.1,',
        (
            "tests/cli/test_audit_arguments.py::test_the_simulator_without_flags_serves_the_published_world_in_every_"
            "respect",
        ),
    ),
    Plant(
        "a history that never shows finished jobs is switched off at the fourth miss, not the third",
        "batchgen/engine/sweeper.py",
        "        if self.missed < MISSES_BEFORE_GIVING_UP:\n            return",
        "        if self.missed <= MISSES_BEFORE_GIVING_UP:\n            return",
        (
            "tests/engine/test_sweeper_units.py::test_a_history_that_never_shows_finished_jobs_is_switched_off_at_the"
            "_third_miss",
        ),
    ),
    Plant(
        "a job whose send time is not known is not looked for past a page that showed a later one",
        "batchgen/engine/sweeper.py",
        "job is not None and (job.sent_at is None or job.sent_at <= made_by)",
        "job is not None and job.sent_at is not None and job.sent_at <= made_by",
        ("tests/engine/test_sweeper.py::test_a_straggler_far_down_the_history_is_read_for_only_by_every_fourth_sweep",),
    ),
    Plant(
        "a sweep put off for too few expected finds is looked at again later, not sooner",
        "batchgen/engine/sweeper.py",
        "                wait /= 2  # look again sooner",
        "                wait *= 2  # look again sooner",
        (
            "tests/engine/test_sweeper_units.py::test_a_due_sweep_is_put_off_while_too_few_finds_are_expected_and_loo"
            "ked_at_again_sooner",
        ),
    ),
    Plant(
        "a quiet spell is slept through whole: a job that could be done meanwhile (one resumed) waits for its end",
        "batchgen/engine/sweeper.py",
        "await self.clock.sleep(min(quiet, self.max_interval_s))",
        "await self.clock.sleep(quiet)",
        (
            "tests/engine/test_audit_sweeper.py::test_a_quiet_spell_is_looked_at_again_at_least_every_longest_interva"
            "l_so_a_job_that_could_be_done_is_swept",
        ),
    ),
    Plant(
        "a sweep's page budget has no page to spare past the rows of the jobs it looks for",
        "batchgen/engine/sweeper.py",
        "        budget = math.ceil(2.5 * looked / size) + 1\n",
        "        budget = math.ceil(2.5 * looked / size)\n",
        (
            "tests/engine/test_sweeper.py::test_a_sweep_stops_once_the_jobs_it_has_not_seen_were_sent_after_one_it_sa"
            "w_was_made",
        ),
    ),
    Plant(
        "sweeps switched off for good leave every job planned for sparse safety-net polls",
        "batchgen/engine/sweeper.py",
        '            log.info("history sweeps are off for this run: %s; polling each job instead", why)\n            '
        "self._news.send_nowait(Replan())",
        '            log.info("history sweeps are off for this run: %s; polling each job instead", why)',
        (
            "tests/engine/test_sweeper_finds.py::test_a_history_that_answers_it_is_not_there_stops_the_sweeps_for_the"
            "_run_and_says_why",
        ),
    ),
    Plant(
        "sweeps paused after a failed read leave every job planned for sparse safety-net polls",
        "batchgen/engine/sweeper.py",
        'reading it again in %.0f s", why, self._pause)\n        self._news.send_nowait(Replan())',
        'reading it again in %.0f s", why, self._pause)',
        (
            "tests/engine/test_sweeper_finds.py::test_a_history_read_that_fails_for_now_pauses_the_sweeps_longer_each"
            "_time_until_one_shows_our_jobs",
        ),
    ),
    Plant(
        "sweeps that first show our jobs leave them polled as often as without sweeps",
        "batchgen/engine/sweeper.py",
        "            await self._news.send(Replan())  # per-job polls become the sparse safety net\n",
        "",
        (
            "tests/engine/test_sweeper_units.py::test_a_working_history_is_switched_off_only_when_it_misses_more_than"
            "_a_fifth_of_what_it_shows",
        ),
    ),
    Plant(
        "after a credit stop that named no balance, no later reading is told (the balance stays unknown)",
        "batchgen/engine/control.py",
        "or current is None or balance < current:",
        "or (current is not None and balance < current):",
        (
            "tests/engine/test_control.py::test_after_a_credit_stop_the_balance_told_is_the_latest_never_one_read_bef"
            "ore_it",
        ),
    ),
    Plant(
        "status of an object store finds none of its shards' ledgers (ledger/<shard>/<segment> taken as too shallow)",
        "batchgen/store/output.py",
        'if info.key.count("/") >= 2})',
        'if info.key.count("/") > 2})',
        (
            "tests/store/test_audit_output.py::test_status_of_an_object_store_reads_the_ledger_of_every_shard_a_run_w"
            "rote_there",
        ),
    ),
    Plant(
        "a rejected request (400, 410) is a failure for now: a history that rejects its reads pauses the sweeps and "
        "is read again and again",
        "batchgen/errors.py",
        "class RequestRejected(PermanentError):",
        "class RequestRejected(TransientError):",
        (
            "tests/test_audit_errors.py::test_a_history_that_rejects_the_request_is_switched_off_for_the_run_not_paus"
            "ed_as_if_down",
        ),
    ),
    Plant(
        "a kept options file that is not a JSON object is taken as none: the folder's cap is lost",
        "batchgen/cli/options.py",
        '    if not isinstance(data, dict):\n        raise InputError(f"{path} is not a JSON object',
        '    if not isinstance(data, dict):\n        return {}\n        raise InputError(f"{path} is not a JSON object',
        (
            "tests/cli/test_options_kept.py::test_a_kept_options_file_that_cannot_be_read_is_an_error_that_says_what_"
            "it_holds",
        ),
    ),
    Plant(
        "a shard's options are saved into the folder's file: one shard's cap and pace become another's",
        "batchgen/cli/options.py",
        "    path = options_file(out, shard)\n    data =",
        "    path = options_file(out)\n    data =",
        (
            "tests/cli/test_audit_options.py::test_each_shard_resumes_under_its_own_kept_cap_and_pace_never_another_s"
            "hards",
        ),
    ),
    Plant(
        "status names a lock held before its pid was written as 'process 0'",
        "batchgen/store/output.py",
        'held[name] = f"process {pid}" if pid else "another process"',
        'held[name] = f"process {pid}"',
        ("tests/store/test_storage.py::test_status_names_a_run_that_holds_the_lock_before_it_has_written_its_pid",),
    ),
    Plant(
        "a run-wide error lets the jobs in flight go on (a stop, not the end of the run)",
        "batchgen/engine/control.py",
        "            self.report.stop_detail = str(exc)\n        self.abort()",
        "            self.report.stop_detail = str(exc)\n        self.request_stop()",
        ("tests/engine/test_control.py::test_a_run_wide_error_ends_the_run_now_and_names_itself",),
    ),
    Plant(
        "a bad value kept with the folder is blamed on the file alone, not on the flag kept there nor how to replace "
        "it",
        "batchgen/cli/options.py",
        'f"{self.kept_in} ({flag} kept there by an earlier run; give {flag} to replace it)"',
        'f"{self.kept_in}"',
        (
            "tests/cli/test_audit_options.py::test_a_bad_value_kept_with_the_folder_is_blamed_on_the_options_file_not"
            "_on_a_flag_never_given",
        ),
    ),
    Plant(
        "a job's first poll still waits five sweeps once sweeps have shown our jobs",
        "batchgen/engine/sweeper.py",
        "return 5 * self.interval() if self.sweeping and not self.healthy else 0.0",
        "return 5 * self.interval() if self.sweeping else 0.0",
        ("tests/engine/test_sweeper.py::test_the_last_job_in_flight_is_polled_not_swept_once_polls_bring_results",),
    ),
    Plant(
        "status does not tell a killed holder's lease as lapsing",
        "batchgen/store/output.py",
        "            elif lapsing is not None:\n",
        "            elif False:\n",
        (
            "tests/e2e/test_scale.py::test_a_killed_shards_lease_is_told_as_lapsing_not_as_a_run_at_work_and_the_next"
            "_run_takes_it_then",
        ),
    ),
    Plant(
        "a 406 naming a negative balance is told as positive",
        "batchgen/engine/control.py",
        'r"balance(?: is)?[^0-9-]*(-?',
        'r"balance(?: is)?[^0-9]*(-?',
        ("tests/engine/test_control.py::test_the_balance_an_insufficient_credits_message_names",),
    ),
    Plant(
        "a BATCHGEN_* variable set empty is refused as not a number",
        "batchgen/cli/options.py",
        "        if not text:\n            continue\n",
        "",
        ("tests/cli/test_options_kept.py::test_without_out_the_configs_folder_is_the_one_used",),
    ),
    Plant(
        "before a kind is learned, the slowest finish a sweep showed stands for its typical time, not the fastest",
        "batchgen/engine/sweeper.py",
        "min(seconds, self._shown_fastest.get(key, math.inf))",
        "max(seconds, self._shown_fastest.get(key, 0.0))",
        (
            "tests/engine/test_audit_sweeper.py::test_before_a_kind_is_learned_the_fastest_finish_a_sweep_showed_stan"
            "ds_for_its_typical_time",
        ),
    ),
    Plant(
        "'batchgen simulate --expiry' takes whole seconds only: a record life of 90.5 s is refused",
        "batchgen/cli/arguments.py",
        '    sim.add_argument("--expiry", type=float, default=3600.0,',
        '    sim.add_argument("--expiry", type=int, default=3600.0,',
        ("tests/cli/test_audit_arguments.py::test_the_simulators_times_take_fractions_of_a_second",),
    ),
    Plant(
        "'batchgen simulate' rows give the inference time alone as latency_ms by default, not submit to finish",
        "batchgen/cli/arguments.py",
        '        choices=("total", "inference", "none"),\n        default="total",',
        '        choices=("total", "inference", "none"),\n        default="inference",',
        (
            "tests/cli/test_audit_arguments.py::test_the_simulator_without_flags_serves_the_published_world_in_every_"
            "respect",
        ),
    ),
    Plant(
        "'batchgen simulate' lists its history oldest first by default, whatever is asked",
        "batchgen/cli/arguments.py",
        '        choices=("asked", "oldest", "unsorted"),\n        default="asked",',
        '        choices=("asked", "oldest", "unsorted"),\n        default="oldest",',
        (
            "tests/cli/test_audit_arguments.py::test_the_simulator_without_flags_serves_the_published_world_in_every_"
            "respect",
        ),
    ),
    Plant(
        "'batchgen simulate' takes inlined images as bare base64 only by default, not data: URIs too",
        "batchgen/cli/arguments.py",
        '        choices=("any", "base64", "data_uri", "url"),\n        default="any",',
        '        choices=("any", "base64", "data_uri", "url"),\n        default="base64",',
        (
            "tests/cli/test_audit_arguments.py::test_the_simulator_without_flags_serves_the_published_world_in_every_"
            "respect",
        ),
    ),
    Plant(
        "in a refusal of submits an outage on every route is asked with a submit let go into it, not the probe",
        "batchgen/api/gateway.py",
        "        return self.submits_refused_at is not None and self.silence < SILENT_AFTER",
        "        return self.submits_refused_at is not None",
        (
            "tests/api/test_review_refusals.py::"
            "test_in_a_refusal_an_outage_on_every_route_is_asked_with_the_probe_not_with_a_submit",
        ),
    ),
    Plant(
        "an input image changed before the POST went is taken for the API's answer to a submit: the hold on refused "
        "submits ends and the waiting submits go into the refusal",
        "batchgen/api/gateway.py",
        "        if isinstance(exc, InputError):  # raised here before anything was sent (an input image changed)\n"
        "            return\n",
        "",
        (
            "tests/api/test_review_refusals.py::"
            "test_an_image_changed_before_the_post_went_does_not_end_the_hold_on_refused_submits",
        ),
    ),
    Plant(
        "a poll's blip long after one refused submit counts toward the bound on refused submits (exit 6)",
        "batchgen/api/gateway.py",
        "refused = self.submits_refused_last - self.submits_refused_at",
        "refused = self.silent_at - self.submits_refused_at",
        (
            "tests/api/test_review_refusals.py::"
            "test_a_polls_blip_long_after_one_refused_submit_does_not_count_as_submits_refused_for_the_bound",
        ),
    ),
    Plant(
        "a submit let go as an ask not needed outlives the hold, and goes into the next refusal at once",
        "batchgen/api/gateway.py",
        "        if self.heard:  # a submit let go as an ask not needed now does not outlive the hold\n"
        "            self.one_through = False\n",
        "",
        (
            "tests/api/test_review_refusals.py::"
            "test_a_submit_let_go_as_an_ask_that_was_not_needed_does_not_outlive_the_hold",
        ),
    ),
    Plant(
        "a submit answered by a login portal's redirect is taken to show the submits' route open",
        "batchgen/api/gateway.py",
        "isinstance(exc.__cause__, RouteTrouble)",
        "isinstance(exc.__cause__, GatewayRefusal)",
        (
            "tests/api/test_review_refusals.py::"
            "test_a_submit_answered_by_a_login_portal_does_not_end_the_hold_on_refused_submits",
        ),
    ),
    Plant(
        "where only submits are refused, a submit goes to see at the backoff's first gaps: one more of unknown "
        "outcome every few seconds",
        "batchgen/api/gateway.py",
        "        if self.only_submits_refused:  # each ask is a submit that may go into the refusal: the longest gap\n"
        "            wait = settings.backoff_max_s\n",
        "",
        (
            "tests/api/test_gateway_silence.py::"
            "test_where_only_submits_are_refused_a_submit_goes_to_see_at_the_backoffs_longest_gap_each_time",
        ),
    ),
    Plant(
        "a kind is held after its deaths whatever videos its jobs made",
        "batchgen/engine/outliving.py",
        "    return died >= HOLD_AFTER and died >= made",
        "    return died >= HOLD_AFTER",
        ("tests/engine/test_outliving.py",),
    ),
    Plant(
        "a kind is held after one death with no wait",
        "batchgen/engine/outliving.py",
        "HOLD_AFTER = 2  # jobs",
        "HOLD_AFTER = 1  # jobs",
        ("tests/engine/test_outliving.py", "tests/e2e/test_outliving.py"),
    ),
    Plant(
        "every record that died unfinished counts against its kind, the jobs that waited in the queue included",
        "batchgen/engine/life_cap.py",
        "        if kind is None or attached or sent[1] > max(1, self._unwaited()):",
        "        if kind is None or attached:",
        ("tests/engine/test_outliving.py", "tests/e2e/test_outliving.py"),
    ),
    Plant(
        "a record that died while the history could not be read counts against its kind",
        "batchgen/engine/poller.py",
        "kind = latency_key(job.spec) if isinstance(found, Gone) and not shown else None",
        "kind = latency_key(job.spec) if not shown else None",
        ("tests/e2e/test_outliving.py",),
    ),
    Plant(
        "a video made does not count for its kind",
        "batchgen/engine/poller.py",
        "        self.life.kinds.made(key)\n",
        "",
        ("tests/e2e/test_outliving.py",),
    ),
    Plant(
        "a history that stands in for records does not end a hold",
        "batchgen/engine/outliving.py",
        "        if tally is None or tally.reason is None or self._stands_in():",
        "        if tally is None or tally.reason is None:",
        ("tests/engine/test_outliving.py",),
    ),
    Plant(
        "a trial that makes a video keeps the tallies the kind was held with",
        "batchgen/engine/outliving.py",
        "        if tally.trial:\n            tally.died = tally.made = 0\n",
        "",
        ("tests/engine/test_outliving.py", "tests/e2e/test_outliving.py"),
    ),
    Plant(
        "a kind an earlier run held is not on trial: its jobs go out together",
        "batchgen/engine/outliving.py",
        "        tally.trial = True\n",
        "        tally.trial = False\n",
        ("tests/engine/test_outliving.py", "tests/e2e/test_outliving.py"),
    ),
    Plant(
        "the next run does not take up a hold from the ledger",
        "batchgen/engine/resume.py",
        "    plan.outlived = outlived(known, (job.spec for job in book.jobs))\n",
        "",
        ("tests/e2e/test_outliving.py",),
    ),
    Plant(
        "a held kind's jobs are told as deferred by a stop",
        "batchgen/engine/outcome.py",
        "HELD_BACK = frozenset({Event.IMAGE_CHANGED, Event.OUTLIVES_RECORD})",
        "HELD_BACK = frozenset({Event.IMAGE_CHANGED})",
        ("tests/e2e/test_outliving.py",),
    ),
    Plant(
        "a held kind's jobs are sent all the same",
        "batchgen/engine/submitter.py",
        "        if (why := self._kind_held(job)) is not None:\n",
        "        if (why := self._kind_held(job)) is not None and False:\n",
        ("tests/e2e/test_outliving.py",),
    ),
    Plant(
        "a held job's line carries no tallies for the next run",
        "batchgen/engine/submitter.py",
        "            await self._keep_back(job, Event.OUTLIVES_RECORD, why, **self._kind_counts(job))\n"
        "            return False",
        "            await self._keep_back(job, Event.OUTLIVES_RECORD, why)\n            return False",
        ("tests/e2e/test_outliving.py",),
    ),
    Plant(
        "the jobs of a kind on trial do not wait for the one sent to try it",
        "batchgen/engine/submitter.py",
        "        if self.trials.waits(job):  # (sent, not fed",
        "        if False:  # (sent, not fed",
        ("tests/engine/test_audit_outliving.py",),
    ),
    Plant(
        "each job of a held kind gives the counts of its own moment, not the words the kind was held with",
        "batchgen/engine/outliving.py",
        "            return  # (held already: its jobs keep the words they were held with)\n",
        "            tally.reason = None\n",
        ("tests/engine/test_outliving.py",),
    ),
    Plant(
        "a re-attached job whose record died counts against its kind",
        "batchgen/engine/life_cap.py",
        "        if kind is None or attached or sent[1] > max(1, self._unwaited()):",
        "        if kind is None or sent[1] > max(1, self._unwaited()):",
        ("tests/engine/test_review_outliving.py",),
    ),
    Plant(
        "a job taken for stalled in a history that showed it running counts against its kind",
        "batchgen/engine/poller.py",
        "kind = latency_key(job.spec) if isinstance(found, Gone) and not shown else None",
        "kind = latency_key(job.spec) if isinstance(found, Gone) else None",
        ("tests/engine/test_review_outliving.py",),
    ),
    Plant(
        "a death's expired line carries no tallies: a hold with no job left to defer is forgotten",
        "batchgen/engine/handover.py",
        "await self._lost.send(Lost(job, found.detail, outlived=outlived))",
        "await self._lost.send(Lost(job, found.detail))",
        ("tests/engine/test_review_outliving.py",),
    ),
    Plant(
        "the next run takes a kind up from its first line with tallies, not its latest",
        "batchgen/engine/resume.py",
        "        if counts is not None and at is not None and at > latest.get(kind, (-inf,))[0]:",
        "        if counts is not None and at is not None and kind not in latest:",
        ("tests/engine/test_outliving.py",),
    ),
    Plant(
        "a video made since the hold's line does not end the trial for the next run",
        "batchgen/engine/resume.py",
        "        if holds(died, videos) and made.get(kind, -inf) <= at",
        "        if holds(died, videos)",
        ("tests/engine/test_outliving.py", "tests/e2e/test_outliving.py"),
    ),
    Plant(
        "a line whose tallies cannot be read is taken for none, not passed over",
        "batchgen/engine/resume.py",
        "    if not all(isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in counts):\n"
        "        return None\n",
        "    if not all(isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in counts):\n"
        "        return (0, 0)\n",
        ("tests/engine/test_outliving.py", "tests/engine/test_review_outliving.py"),
    ),
    Plant(
        "a job lost with none of ours ahead of it is told that fewer in flight would have saved it",
        "batchgen/engine/poller.py",
        "                found = Gone(found.detail.replace(FEWER_IN_FLIGHT, WAITED_FOR_NONE))\n",
        "                pass\n",
        ("tests/e2e/test_outliving.py",),
    ),
    Plant(
        "validate and a dry run do not say that a held kind's jobs go one at a time, first",
        "batchgen/report/summary.py",
        "        if held := sum(1 for job in todo if latency_key(job) == kind):",
        "        if held := 0:",
        ("tests/e2e/test_outliving.py",),
    ),
    Plant(
        "a kind whose jobs made as many videos as died unfinished is no longer held",
        "batchgen/engine/outliving.py",
        "    return died >= HOLD_AFTER and died >= made",
        "    return died >= HOLD_AFTER and died > made",
        (
            (
                "tests/engine/test_audit_outliving.py::test_a_kind_stays_held_while_its_videos_are_no_more_than_i"
                "ts_deaths_and_is_sent_again_once_they_are_more"
            ),
            (
                "tests/engine/test_audit_outliving.py::test_the_next_run_takes_up_a_hold_whose_line_counts_as_man"
                "y_videos_as_deaths"
            ),
        ),
    ),
    Plant(
        "the tallies an earlier run held a kind with are taken up with died and made swapped",
        "batchgen/engine/outliving.py",
        "        tally.died, tally.made = max(tally.died, died), max(tally.made, made)",
        "        tally.died, tally.made = max(tally.died, made), max(tally.made, died)",
        (
            (
                "tests/engine/test_outliving.py::test_a_kind_an_earlier_run_held_is_on_trial_until_one_of_its_job"
                "s_ends_so_or_makes_a_video"
            ),
        ),
    ),
    Plant(
        "a trial's death holds the kind but leaves it on trial: a video made by a job re-attached lifts the hold",
        "batchgen/engine/outliving.py",
        "        tally.died += 1\n        tally.trial = False\n",
        "        tally.died += 1\n",
        (
            (
                "tests/engine/test_outliving.py::test_a_kind_an_earlier_run_held_is_on_trial_until_one_of_its_job"
                "s_ends_so_or_makes_a_video"
            ),
        ),
    ),
    Plant(
        "a resumed run whose history has not answered yet takes no kind up on trial: its jobs go out together",
        "batchgen/engine/outliving.py",
        "        return tally is not None and tally.trial and not self._stands_in()",
        "        return tally is not None and tally.trial and self._stands_in() is False",
        (
            (
                "tests/e2e/test_outliving.py::test_a_held_kind_is_tried_one_job_at_a_time_where_the_earlier_runs_"
                "jobs_are_long_through"
            ),
        ),
    ),
    Plant(
        "a lone job's death with no finish yet known is taken for one that waited: nothing is ever held",
        "batchgen/engine/life_cap.py",
        "        if kind is None or attached or sent[1] > max(1, self._unwaited()):",
        "        if kind is None or attached or sent[1] > self._unwaited():",
        ("tests/engine/test_outliving.py::test_the_life_cap_tells_a_death_only_of_a_job_that_waited_for_none",),
    ),
    Plant(
        "a video counts for its kind only where the run saw its job unfinished first",
        "batchgen/engine/poller.py",
        "        self.life.kinds.made(key)\n",
        "        if bracketed:\n            self.life.kinds.made(key)\n",
        (
            (
                "tests/engine/test_audit_outliving.py::test_a_video_found_at_a_jobs_first_poll_counts_for_its_kin"
                "d_and_ends_its_trial"
            ),
        ),
    ),
    Plant(
        "a trial job that ended with neither a video nor a death keeps the rest of its kind waiting for ever",
        "batchgen/engine/trials.py",
        "        if first is not None and first is not job and (first.holds_slot or self._unsettled(first)):",
        "        if first is not None and first is not job:",
        (
            (
                "tests/engine/test_audit_outliving.py::test_a_trial_job_that_fails_on_the_server_lets_the_next_jo"
                "b_of_its_kind_go_as_the_trial"
            ),
        ),
    ),
    Plant(
        "a trial job that had to wait for room, its turn come, waits for itself for ever",
        "batchgen/engine/trials.py",
        "        if first is not None and first is not job and (first.holds_slot or self._unsettled(first)):",
        "        if first is not None and (first.holds_slot or self._unsettled(first)):",
        (
            (
                "tests/engine/test_audit_outliving.py::test_a_trial_job_that_waited_for_room_is_sent_and_never_wa"
                "its_for_itself"
            ),
        ),
    ),
    Plant(
        "a held kind's jobs are not counted as held back: the summary tells them deferred by a stop",
        "batchgen/engine/submitter.py",
        "        self.report.held_back.append((job.spec.id, why))\n",
        "",
        (
            (
                "tests/e2e/test_outliving.py::test_a_kind_whose_jobs_outlive_their_records_alone_is_held_after_tw"
                "o_and_the_rest_are_not_sent"
            ),
        ),
    ),
    Plant(
        "a trial run killed while its video downloads leaves the kind held for the next run",
        "batchgen/engine/resume.py",
        '        if rec.get("state") in MADE and posted is not None:',
        '        if rec.get("state") == JobState.COMPLETED and posted is not None:',
        (
            (
                "tests/engine/test_audit_outliving.py::test_a_trial_video_the_earlier_run_left_downloading_ends_t"
                "he_hold_for_the_next_run"
            ),
        ),
    ),
    Plant(
        "a video made since the hold is forgotten where a job of the kind sent earlier comes later in the manifest",
        "batchgen/engine/resume.py",
        "            made[kind] = max(made.get(kind, -inf), posted)",
        "            made[kind] = posted",
        (
            (
                "tests/engine/test_audit_outliving.py::test_the_latest_video_of_a_kind_ends_its_hold_whatever_the"
                "_order_of_the_manifest"
            ),
        ),
    ),
    Plant(
        "a hold line whose tallies say no video was made is passed over",
        "batchgen/engine/resume.py",
        "    if not all(isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in counts):",
        "    if not all(isinstance(n, int) and not isinstance(n, bool) and n > 0 for n in counts):",
        (
            (
                "tests/engine/test_outliving.py::test_a_kind_reads_as_its_model_mode_and_duration_and_ledger_tall"
                "ies_that_are_not_counts_are_none"
            ),
        ),
    ),
    Plant(
        "the next run dates a hold's line by the job's submit, not by when the line was written",
        "batchgen/engine/resume.py",
        '        at = parse_time(rec.get("ts"))\n',
        '        at = parse_time(rec.get("submitted_at"))\n',
        (
            (
                "tests/engine/test_outliving.py::test_the_next_run_takes_a_kind_up_from_the_latest_line_with_tall"
                "ies_unless_a_job_sent_since_made_a_video"
            ),
        ),
    ),
    Plant(
        "a job whose image changed is told as deferred by a stop",
        "batchgen/engine/outcome.py",
        "HELD_BACK = frozenset({Event.IMAGE_CHANGED, Event.OUTLIVES_RECORD})",
        "HELD_BACK = frozenset({Event.OUTLIVES_RECORD})",
        (
            (
                "tests/report/test_summary_lines.py::test_status_lists_a_job_held_back_by_its_image_apart_from_th"
                "e_jobs_a_stop_deferred"
            ),
        ),
    ),
    Plant(
        "the operator is told a held kind without its mode",
        "batchgen/engine/outliving.py",
        "    return f\"{model}, {mode + ', ' if mode else ''}{duration} s\"",
        '    return f"{model}, {duration} s"',
        (
            (
                "tests/engine/test_outliving.py::test_a_kind_is_held_once_two_of_its_jobs_died_with_no_wait_and_n"
                "o_more_made_a_video"
            ),
        ),
    ),
    Plant(
        "a history not yet known to stand in for records is taken for one that does: a held kind's jobs are sent",
        "batchgen/engine/outliving.py",
        "        if tally is None or tally.reason is None or self._stands_in():",
        "        if tally is None or tally.reason is None or self._stands_in() is not False:",
        (
            (
                "tests/engine/test_audit_outliving.py::test_a_history_not_yet_known_to_stand_in_is_taken_for_none"
                "_a_kind_is_held_and_taken_up_on_trial"
            ),
        ),
    ),
    Plant(
        "a trial that made a video leaves its kind on trial: its jobs go one at a time for the rest of the run",
        "batchgen/engine/outliving.py",
        "        tally.made += 1\n        tally.trial = False\n",
        "        tally.made += 1\n",
        (
            (
                "tests/engine/test_outliving.py::test_a_kind_an_earlier_run_held_is_on_trial_until_one_of_its_job"
                "s_ends_so_or_makes_a_video"
            ),
        ),
    ),
    Plant(
        "a held kind's reason counts the deaths as the videos made",
        "batchgen/engine/outliving.py",
        '    return f"{died}, {tally.made} made a video"',
        '    return f"{died}, {tally.died} made a video"',
        (
            (
                "tests/engine/test_outliving.py::test_a_kind_is_held_once_two_of_its_jobs_died_with_no_wait_and_n"
                "o_more_made_a_video"
            ),
        ),
    ),
    Plant(
        "a job handed over before its kind was held is sent once the budget grants its POST",
        "batchgen/engine/submitter.py",
        "            if self._held_back(job) or self._kind_held(job):  # the room it was handed over in has shrunk "
        "since,\n",
        "            if self._held_back(job):  # the room it was handed over in has shrunk since,\n",
        (
            (
                "tests/engine/test_audit_outliving.py::test_a_job_whose_kind_is_held_while_its_post_waits_for_the"
                "_budget_is_not_sent_but_held_back"
            ),
        ),
    ),
    Plant(
        "a kind's trial job is sent beside a job of its kind an earlier run left in flight",
        "batchgen/engine/trials.py",
        "                and latency_key(other.spec) == kind\n",
        "                and False\n",
        (
            "tests/engine/test_audit_outliving.py::"
            "test_no_job_of_a_kind_on_trial_is_sent_while_one_an_earlier_run_left_in_flight_is_still_in_flight",
        ),
    ),
    Plant(
        "a row listed under the model's own slug is refused before its name is known (a lost submit taken for never "
        "made, paid again)",
        "batchgen/engine/history_names.py",
        "return slug == model or (slug",
        "return (slug",
        (
            "tests/engine/test_history_names.py::test_before_a_row_of_the_model_is_listed_a_look_up_asks_for_every_mo"
            "del_and_takes_any_name_but_a_slug",
        ),
    ),
    Plant(
        "a row under the slug of another model of ours without a spec is taken for a candidate before the name is "
        "known",
        "batchgen/engine/history_names.py",
        "slug not in catalogue.current() and slug not in self._slugs)",
        "slug not in catalogue.current())",
        (
            "tests/engine/test_history_names.py::test_before_a_row_of_the_model_is_listed_a_look_up_asks_for_every_mo"
            "del_and_takes_any_name_but_a_slug",
        ),
    ),
    Plant(
        "a row under a name that the model's known name merely contains (Kling 2.6 for Kling 2.6 Pro) is taken for a "
        "candidate",
        "batchgen/engine/history_names.py",
        "            return name in names\n",
        "            return any(name in n for n in names)\n",
        (
            "tests/engine/test_audit_history_names.py::test_a_row_under_a_name_the_models_name_merely_contains_is_not"
            "_taken_for_one_of_its_requests",
        ),
    ),
    Plant(
        "history links found to be other files do not tell the run the rows no longer stand in for dead records",
        "batchgen/engine/history_links.py",
        'log.info("%s: fetching every result from the API for the rest of the run", why)\n'
        "            self._fell_if(stood)",
        'log.info("%s: fetching every result from the API for the rest of the run", why)',
        (
            "tests/engine/test_audit_history_links.py::test_links_found_to_be_other_files_tell_the_run_the_rows_no_lo"
            "nger_stand_in_for_dead_records",
        ),
    ),
    Plant(
        "a history link whose host differs from the result's only in case is taken for another file (history links "
        "dropped)",
        "batchgen/engine/history_links.py",
        "(x.scheme.lower(), x.netloc.lower(), x.path) == (y.scheme.lower(), y.netloc.lower(), y.path)",
        "(x.scheme.lower(), x.netloc, x.path) == (y.scheme.lower(), y.netloc, y.path)",
        (
            "tests/engine/test_audit_history_links.py::test_a_host_named_in_another_case_is_the_same_file_and_its_lin"
            "ks_are_trusted",
        ),
    ),
    Plant(
        "a link to a file at the top of its host takes the file's own name for its folder (no other video there "
        "trusted)",
        "batchgen/engine/history_links.py",
        'if len(path.parts) > 2 else ""',
        'if len(path.parts) >= 2 else ""',
        (
            "tests/engine/test_audit_history_links.py::test_a_link_to_a_file_at_the_top_of_its_host_trusts_the_other_"
            "videos_there_but_not_another_kind",
        ),
    ),
    Plant(
        "a linked finished row after one shown with no link lets the history stand in for dead records again",
        "batchgen/engine/history_links.py",
        "            self._linked = True\n",
        "            self._linked, self._unlinked = True, False\n",
        (
            "tests/engine/test_audit_history_links.py::test_a_finished_row_shown_without_a_link_keeps_the_rows_from_s"
            "tanding_in_whatever_rows_come_after",
        ),
    ),
    Plant(
        "a stray job whose ledger record has no params is taken up (crashes the run it is fetched in)",
        "batchgen/engine/strays.py",
        '        and isinstance(rec.get("params"), dict)\n',
        "",
        ("tests/engine/test_strays.py::test_a_job_without_what_fetching_it_needs_is_not_taken_up",),
    ),
    Plant(
        "a stray job whose ledger record names no model is taken up",
        "batchgen/engine/strays.py",
        '        and isinstance(rec.get("model"), str)\n',
        "",
        ("tests/engine/test_strays.py::test_a_job_without_what_fetching_it_needs_is_not_taken_up",),
    ),
    Plant(
        "a per-second rate is charged as the whole job's price (a 10 s job estimated at one second)",
        "batchgen/models/price.py",
        "return round(row.usd * float(seconds), 6), True",
        "return round(row.usd, 6), True",
        (
            "tests/models/test_price_edges.py::test_a_combination_no_per_second_rate_names_costs_the_highest_rate_at_"
            "the_longest_duration",
        ),
    ),
    Plant(
        "a per-second price reads the job's duration without its model's default (a job leaving it unset is priced "
        "at the upper bound)",
        "batchgen/models/price.py",
        'seconds = as_number(effective.get("duration"))',
        'seconds = as_number(params.get("duration"))',
        (
            "tests/models/test_price_edges.py::test_a_per_second_rate_is_priced_to_the_fraction_of_a_cent_never_round"
            "ed_to_cents",
        ),
    ),
    Plant(
        "a job the price table prices exactly is estimated as 'upper bound'",
        "batchgen/models/price.py",
        "            return row.usd, True",
        "            return row.usd, False",
        ("tests/models/test_price_edges.py::test_a_row_naming_a_parameter_the_job_leaves_unset_is_not_its_price",),
    ),
    Plant(
        "a model's upper-bound price is the lowest of its known prices (the spend cap passed)",
        "batchgen/models/price.py",
        "return round(max(known), 6)",
        "return round(min(known), 6)",
        (
            "tests/models/test_price_edges.py::test_a_combination_no_per_second_rate_names_costs_the_highest_rate_at_"
            "the_longest_duration",
        ),
    ),
    Plant(
        "a model's lowest price takes the top of its published range",
        "batchgen/models/price.py",
        "known.append(spec.price.range[0])",
        "known.append(spec.price.range[1])",
        ("tests/models/test_price_edges.py::test_the_lowest_price_is_the_lower_of_the_table_and_the_published_range",),
    ),
    Plant(
        "a duration range's longest is its minimum (a per-second upper bound priced at the shortest job)",
        "batchgen/models/price.py",
        "longest = max(values) if values else duration.max",
        "longest = max(values) if values else duration.min",
        (
            "tests/models/test_price_edges.py::test_per_second_rates_over_a_duration_range_are_bounded_at_its_longest"
            "_and_floored_at_its_shortest",
        ),
    ),
    Plant(
        "a config price for 5 s of a model without a spec is scaled by whole multiples of 5 s (a 7 s job priced as 5 "
        "s)",
        "batchgen/params.py",
        "by_duration[5] * duration / 5",
        "by_duration[5] * (duration // 5)",
        ("tests/test_params.py::test_a_model_without_a_spec_costs_its_config_prices",),
    ),
    Plant(
        "an exact estimate is called an upper bound, and an upper bound exact",
        "batchgen/params.py",
        "return spec is not None and not price_of(spec, params)[1]",
        "return spec is not None and price_of(spec, params)[1]",
        ("tests/test_params.py::test_a_spec_model_costs_what_its_table_says_for_the_job_and_its_defaults",),
    ),
    Plant(
        "a spec model's documented defaults are taken as none",
        "batchgen/params.py",
        "return spec.defaults() if spec else {}",
        "return {}",
        ("tests/test_params.py::test_defaults_validation_and_latency_come_from_the_spec_or_are_left_alone",),
    ),
    Plant(
        "a model without a spec or a config price is estimated at $0 (the spend cap never counts it)",
        "batchgen/params.py",
        "    if spec is None:\n        return None\n    return price_of",
        "    if spec is None:\n        return 0.0\n    return price_of",
        ("tests/test_params.py::test_a_model_without_a_spec_or_a_usable_price_has_no_estimate",),
    ),
    Plant(
        "an MP4 without an mdat box passes the structure check",
        "batchgen/store/mp4.py",
        'for needed in (b"moov", b"mdat"):',
        'for needed in (b"moov",):',
        ("tests/store/test_storage.py::test_the_mp4_structure_check",),
    ),
    Plant(
        "a download of the wrong size is failed for good, not fetched again",
        "batchgen/store/mp4.py",
        'says {declared}; it will be fetched again"\n            )',
        'says {declared}; it will be fetched again", retryable=False\n            )',
        ("tests/store/test_storage.py::test_a_download_that_breaks_a_promise_is_refused_and_leaves_nothing",),
    ),
    Plant(
        "a video whose Content-Length or file_size says 0 bytes passes whatever it brings",
        "batchgen/store/mp4.py",
        "if declared is not None and declared != size:",
        "if declared and declared != size:",
        (
            "tests/store/test_audit_mp4.py::test_a_video_declared_at_zero_bytes_that_brings_some_is_refused_and_fetch"
            "ed_again",
        ),
    ),
    Plant(
        "a video over the size limit is refused without naming output.max_download_bytes",
        "batchgen/store/mp4.py",
        "(output.max_download_bytes)",
        "",
        ("tests/store/test_storage.py::test_a_refused_download_says_which_job_what_was_wrong_and_what_happens_next",),
    ),
    Plant(
        "output.fsync is ignored: a download is renamed into place unsynced",
        "batchgen/store/mp4.py",
        "        if fsync:\n            await anyio",
        "        if False:\n            await anyio",
        (
            "tests/store/test_storage.py::test_a_download_is_spooled_under_a_hidden_part_name_and_fsynced_before_it_i"
            "s_renamed",
        ),
    ),
    Plant(
        "a spool folder is made without its mark: a killed run's is never removed",
        "batchgen/store/spools.py",
        "return mark(Path(tempfile.mkdtemp(",
        "return (Path(tempfile.mkdtemp(",
        ("tests/store/test_spools.py::test_a_users_folder_named_like_a_spool_is_never_removed",),
    ),
    Plant(
        "opening a spool removes nothing killed runs left",
        "batchgen/store/spools.py",
        "    remove_left(parent, prefix)\n",
        "",
        ("tests/store/test_spools.py::test_a_killed_runs_spool_is_removed_by_the_next_run_and_nothing_else_is",),
    ),
    Plant(
        "the spool in output.spool_dir and the one in the temporary folder take each other's prefix (left folders "
        "never found)",
        "batchgen/store/spools.py",
        '(given, "batchgen-") if given is not None else (Path(tempfile.gettempdir()), "batchgen-spool-")',
        '(given, "batchgen-spool-") if given is not None else (Path(tempfile.gettempdir()), "batchgen-")',
        ("tests/store/test_spools.py::test_a_killed_runs_spool_is_removed_by_the_next_run_and_nothing_else_is",),
    ),
    Plant(
        "a dead run's spool untouched for exactly STALE_S is left (a second short of the promise)",
        "batchgen/store/spools.py",
        "now - touched < STALE_S",
        "now - touched <= STALE_S",
        ("tests/store/test_audit_spools.py::test_a_dead_runs_spool_untouched_for_exactly_the_stale_time_is_removed",),
    ),
    Plant(
        "a marked folder whose name only starts like a spool's (batchgen-123-abc.bak) is removed",
        "batchgen/store/spools.py",
        "match = named.fullmatch(entry.name)",
        "match = named.match(entry.name)",
        (
            "tests/store/test_audit_spools.py::test_a_folder_named_like_a_spool_with_more_after_its_name_is_never_rem"
            "oved",
        ),
    ),
    Plant(
        "the raised cap of the resume line leaves out what the folder already spent (it stops again)",
        "batchgen/engine/identity.py",
        "        spent_on(rec) + unreported_on(rec, ours[job_id] if job_id",
        "        unreported_on(rec, ours[job_id] if job_id",
        ("tests/cli/test_nextstep.py::test_the_raised_cap_covers_the_spend_and_every_deferred_job_to_the_cent_above",),
    ),
    Plant(
        "the raised cap may equal the cap that stopped the run (nothing left to defer but a lost submit: it stops "
        "again)",
        "batchgen/cli/nextstep.py",
        "round(cap + 0.01, 2)",
        "round(cap, 2)",
        (
            "tests/cli/test_nextstep.py::test_the_raised_cap_also_covers_a_submit_of_unknown_outcome_and_is_never_the"
            "_cap_that_stopped",
        ),
    ),
    Plant(
        "after a cap stop, the command the summary adds --resubmit-lost to has a cap that leaves the lost jobs out",
        "batchgen/cli/nextstep.py",
        'also=("failed", "expired")',
        'also=("failed",)',
        (
            "tests/cli/test_nextstep.py::"
            "test_after_a_cap_stop_the_line_for_failed_or_lost_jobs_has_a_cap_that_covers_them_too[lost]",
        ),
    ),
    Plant(
        "after failures, the command the summary adds --retry-failed to already holds the flags (given twice)",
        "batchgen/cli/nextstep.py",
        "return command + flags, command\n",
        "return command + flags, command + flags\n",
        (
            "tests/cli/test_audit_nextstep.py::test_after_failures_only_the_resume_line_carries_the_flags_the_summary"
            "_lines_add_them_themselves",
        ),
    ),
    Plant(
        "a model listed under both its slug and a title is looked up by the slug alone (its titled rows unfound)",
        "batchgen/engine/history_names.py",
        "        return model if all(model in name for name in names) else next(iter(shared), None)\n",
        "        return model if any(model in name for name in names) else min(names)\n",
        (
            "tests/engine/test_history_names.py::"
            "test_a_model_listed_under_two_names_no_one_string_finds_is_looked_up_among_every_models_rows",
        ),
    ),
    Plant(
        "the next run dates a video by when its submit was answered, not when its POST went out",
        "batchgen/engine/resume.py",
        'posted = parse_time(rec.get("posted_at") or rec.get("submitted_at"))',
        'posted = parse_time(rec.get("submitted_at"))',
        (
            "tests/engine/test_review2_outliving.py::"
            "test_a_video_whose_post_went_out_before_the_hold_does_not_end_it_for_the_next_run",
        ),
    ),
    Plant(
        "the next run reads a hold off the manifest's own jobs only, not another manifest's in the same folder",
        "batchgen/engine/resume.py",
        "        if (spec := specs.get(job_id) or _spec_of(job_id, rec)) is None:",
        "        if (spec := specs.get(job_id)) is None:",
        (
            "tests/engine/test_review2_outliving.py::"
            "test_a_kind_held_by_another_manifests_run_in_the_same_folder_is_taken_up_on_trial",
        ),
    ),
    Plant(
        "a stop's line for a job of a kind on trial carries no counts: the hold the line replaced is forgotten",
        "batchgen/engine/submitter.py",
        '        return {"outlived": kinds.tallies(kind)} if kinds.held(kind) or kinds.on_trial(kind) else {}',
        "        return {}",
        (
            "tests/engine/test_review2_outliving.py::"
            "test_a_credit_stop_while_resubmit_lost_remakes_a_held_kind_keeps_it_on_trial",
        ),
    ),
    Plant(
        "a held job kept back by the feeder carries no counts for the next run",
        "batchgen/engine/submitter.py",
        "                    await self._keep_back(job, Event.OUTLIVES_RECORD, why, **self._kind_counts(job))\n"
        "                    continue  # (it takes no slot first)",
        "                    await self._keep_back(job, Event.OUTLIVES_RECORD, why)\n"
        "                    continue  # (it takes no slot first)",
        ("tests/e2e/test_outliving.py",),
    ),
    Plant(
        "the feeder hands a held kind's job over to wait for a slot before it is kept back",
        "batchgen/engine/submitter.py",
        "                if not self.control.stopping and (why := self._kind_held(job)) is not None:",
        "                if False and (why := self._kind_held(job)) is not None:",
        ("tests/engine/test_trials.py",),
    ),
    Plant(
        "a job an earlier run deferred, kept back again, gets no line of this run's reason",
        "batchgen/engine/submitter.py",
        "        write = self.book.finish if job.holds_slot else self.book.record",
        "        write = self.book.finish",
        ("tests/engine/test_trials.py",),
    ),
    Plant(
        "the feeder hands over the jobs of a kind on trial while its trial is in flight: they hold slots",
        "batchgen/engine/trials.py",
        "            if not stopping and self._waits(job):",
        "            if False:",
        ("tests/engine/test_review2_outliving.py", "tests/engine/test_trials.py"),
    ),
    Plant(
        "the feeder's line gives a job set aside back before its kind's trial has ended",
        "batchgen/engine/trials.py",
        "            if stopping or not self._waits(waiting[0]):",
        "            if True:",
        ("tests/engine/test_trials.py",),
    ),
    Plant(
        "the feeder stops feeding while jobs wait for their kind's trial: they are never sent nor deferred",
        "batchgen/engine/submitter.py",
        "        while (job := lineup.next(stopping=self.control.stopping)) is None and lineup.waiting:",
        "        while (job := lineup.next(stopping=self.control.stopping)) is None and False:",
        ("tests/e2e/test_outliving.py",),
    ),
    Plant(
        "a job handed over while a job of its kind went to try it is not put back in the line",
        "batchgen/engine/trials.py",
        "        if not self._waits(job):\n            return False",
        "        if True:\n            return False",
        ("tests/engine/test_trials.py",),
    ),
    Plant(
        "the feeder hands over a job of a kind on trial without its claim: the next of its kind is handed over too",
        "batchgen/engine/submitter.py",
        "                lineup.current = None\n                self.trials.claim(job)",
        "                lineup.current = None",
        ("tests/engine/test_review2_outliving.py",),
    ),
    Plant(
        "a trial job whose submit's outcome is unknown is not waited for: the next of its kind goes beside it",
        "batchgen/engine/trials.py",
        "(first.holds_slot or self._unsettled(first))",
        "first.holds_slot",
        ("tests/engine/test_review2_outliving.py", "tests/e2e/test_outliving.py"),
    ),
    Plant(
        "a trial of unknown outcome holds its kind back however long ago it was sent",
        "batchgen/engine/trials.py",
        "        return job.state is JobState.SUBMITTING and posted is not None and not self._through(posted)",
        "        return job.state is JobState.SUBMITTING and posted is not None",
        ("tests/engine/test_trials.py",),
    ),
    Plant(
        "a trial's POST is not dated: left unknown, it holds nothing back",
        "batchgen/engine/submitter.py",
        "        self.trials.posted(job)\n",
        "",
        ("tests/engine/test_review2_outliving.py",),
    ),
    Plant(
        "a trial an earlier run left of unknown outcome is not taken for its kind's trial by the next run",
        "batchgen/engine/run.py",
        "        self.submitter.trials.resumed(plan.reconcile)",
        "        pass",
        ("tests/e2e/test_outliving.py",),
    ),
    Plant(
        "the earliest POST of the jobs an earlier run left unknown is taken for its kind's trial",
        "batchgen/engine/trials.py",
        "            if first is None or sent > self._posted.get(first.spec.id, sent):",
        "            if first is None or sent < self._posted.get(first.spec.id, sent):",
        ("tests/engine/test_trials.py",),
    ),
    Plant(
        "a job of a kind on trial an earlier run left being looked up is not waited for unless it is the trial",
        "batchgen/engine/trials.py",
        "                and (other.request_id is not None or self._may_be_made(other))\n",
        "                and other.request_id is not None\n",
        ("tests/engine/test_trials.py",),
    ),
    Plant(
        "a trial of unknown outcome waits a record's life for a job of its kind that waits for it, handed over",
        "batchgen/engine/submitter.py",
        "            if other is job or not other.holds_slot or self._waits_on_unknown(other):",
        "            if other is job or not other.holds_slot:",
        ("tests/engine/test_review2_outliving.py",),
    ),
    Plant(
        "the jobs of a kind whose trial's outcome is unknown are given no reason: they wait",
        "batchgen/engine/trials.py",
        "        if first is None or first.holds_slot:\n            return None",
        "        if True:\n            return None",
        ("tests/engine/test_review2_outliving.py",),
    ),
    Plant(
        "a lost job whose cost no answer reported gives its estimate back to the spend cap",
        "batchgen/jobs.py",
        "    {JobState.SUBMITTING, JobState.SUBMITTED, JobState.DOWNLOADING, JobState.COMPLETED, JobState.EXPIRED}\n",
        "    {JobState.SUBMITTING, JobState.SUBMITTED, JobState.DOWNLOADING, JobState.COMPLETED}\n",
        ("tests/e2e/test_outliving.py", "tests/engine/test_book.py"),
    ),
    Plant(
        "a lost request whose cost no answer reported is dropped from the spend cap when its job is made anew",
        "batchgen/engine/book.py",
        "        counted = cost if job.cost is not None else job.held",
        "        counted = cost",
        ("tests/engine/test_book.py",),
    ),
    Plant(
        "the summary and status leave lost jobs out of those made and not fetched",
        "batchgen/jobs.py",
        "UNFETCHED = frozenset({JobState.SUBMITTED, JobState.DOWNLOADING, JobState.EXPIRED})",
        "UNFETCHED = frozenset({JobState.SUBMITTED, JobState.DOWNLOADING})",
        ("tests/e2e/test_outliving.py",),
    ),
    Plant(
        "a job shown never made, waiting to be sent again, still holds its kind's trial back: two wait for each other",
        "batchgen/engine/trials.py",
        "        return job.state is JobState.SUBMITTING and not self._never_made(job)",
        "        return job.state is JobState.SUBMITTING",
        ("tests/engine/test_review_trials.py",),
    ),
    Plant(
        "a lost submit's look-up takes jobs waiting on a trial of unknown outcome for requests still to be sent",
        "batchgen/engine/submitter.py",
        "        return first is not None and first.state is JobState.SUBMITTING\n",
        "        return False\n",
        ("tests/engine/test_review_trials.py", "tests/engine/test_trials.py"),
    ),
    Plant(
        "a trial's look-up takes another kind's jobs set aside for their own trial of unknown outcome as still to go",
        "batchgen/engine/submitter.py",
        "        return not self.fed_all and not all(map(self._waits_on_unknown, self._lineup.left()))",
        "        return not self.fed_all and any(self.trials.blocker(o) is not job for o in self._lineup.left())",
        ("tests/engine/test_review_trials.py",),
    ),
    Plant(
        "a lost submit is told no re-run settles it though jobs held back by a reason of their own are left to send",
        "batchgen/engine/submitter.py",
        "        if not this_run and (\n",
        "        if not this_run and self.report.stop_reason is not None and (\n",
        ("tests/engine/test_review_trials.py",),
    ),
    Plant(
        "validate promises a trial goes first while an earlier run's trial of unknown outcome holds the rest back",
        "batchgen/report/summary.py",
        "    if through is not None and through[0] + lives > time.time():",
        "    if False:",
        ("tests/engine/test_review_trials.py",),
    ),
    Plant(
        "the outcome object on stdout is dated apart from the log's own outcome record",
        "batchgen/cli/logs.py",
        '        entry = {"ts": iso_utc(logged.created), ',
        '        entry = {"ts": iso_utc(logged.created + 0.002), ',
        ("tests/cli/test_readme_contract.py",),
    ),
    Plant(
        "the log says a held kind's jobs are sent again, though those already held back stay deferred",
        "batchgen/engine/outliving.py",
        '"jobs of %s not yet reached are sent again (%s); those already held back are left for the next run",',
        '"jobs of %s are sent again (%s)",',
        ("tests/engine/test_outliving.py",),
    ),
    Plant(
        "a held kind's job is held back at once though a job of its kind in flight may yet end the hold",
        "batchgen/engine/trials.py",
        "        return self._trials.waits(job) or self._trials.hold_may_end(job)",
        "        return self._trials.waits(job)",
        ("tests/engine/test_trials.py",),
    ),
    Plant(
        "the resume line's raised cap leaves out the estimates of lost jobs the next run counts",
        "batchgen/engine/identity.py",
        "        return before + (estimate or 0.0)",
        "        return before",
        (
            "tests/engine/test_review_spend_trials.py::"
            "test_the_raised_cap_of_the_resume_line_covers_a_lost_jobs_estimate_that_the_next_run_counts",
        ),
    ),
    Plant(
        "a lost request made anew is not kept for a later run's spend cap",
        "batchgen/engine/book.py",
        "            job.unreported_before += counted",
        "            pass",
        (
            "tests/engine/test_review_spend_trials.py::"
            "test_a_lost_request_made_anew_keeps_counting_against_the_cap_in_a_later_run",
        ),
    ),
    Plant(
        "a job's lines leave out the estimates of earlier requests lost with no charge reported",
        "batchgen/engine/book.py",
        '            fields.setdefault("unreported_before", round(job.unreported_before, 6))',
        "            pass",
        (
            "tests/engine/test_review_spend_trials.py::"
            "test_a_lost_request_made_anew_keeps_counting_against_the_cap_in_a_later_run",
        ),
    ),
    Plant(
        "only the submitting line records the estimates of earlier requests lost with no charge reported (a job made "
        "anew, then deferred, forgets them)",
        "batchgen/engine/book.py",
        "        if job.unreported_before:\n",
        '        if job.unreported_before and event == "submitting":\n',
        (
            "tests/engine/test_review_spend_lost.py::"
            "test_a_lost_request_keeps_counting_after_its_job_made_anew_is_deferred_by_the_cap",
        ),
    ),
    Plant(
        "the next run does not count a job's earlier requests lost with no charge reported against the cap",
        "batchgen/engine/resume.py",
        "        book.count_spent(job.paid_before + job.unreported_before)",
        "        book.count_spent(job.paid_before)",
        (
            "tests/engine/test_review_spend_trials.py::"
            "test_a_lost_request_made_anew_keeps_counting_against_the_cap_in_a_later_run",
        ),
    ),
    Plant(
        "the ledger does not carry the estimates of earlier lost requests past the submitting line",
        "batchgen/store/ledger.py",
        '    "unreported_before",  #',
        "    #",
        (
            "tests/engine/test_review_spend_trials.py::"
            "test_a_lost_request_made_anew_keeps_counting_against_the_cap_in_a_later_run",
        ),
    ),
    Plant(
        "run --dry-run dates a trial of unknown outcome's end on the wall's clock, not the run's",
        "batchgen/report/summary.py",
        "    lives = UNSEEN_LIVES * settings.polling.expiry_s / time_scale  # wall seconds",
        "    lives = UNSEEN_LIVES * settings.polling.expiry_s  # wall seconds",
        ("tests/engine/test_review_spend_trials.py",),
    ),
    Plant(
        "the feeder's line gives back the last job of a kind set aside first, not the manifest's order",
        "batchgen/engine/trials.py",
        "                self.current = waiting.popleft()\n",
        "                self.current = waiting.pop()\n",
        (
            "tests/engine/test_trials.py::test_the_line_sets_aside_a_kind_on_trial_while_its_trial_is_in_flight_and"
            "_keeps_the_manifests_order",
        ),
    ),
    Plant(
        "a job put back in the line goes after the jobs of its kind set aside while it waited for room",
        "batchgen/engine/trials.py",
        "self._aside.setdefault(latency_key(job.spec), deque()).appendleft(job)",
        "self._aside.setdefault(latency_key(job.spec), deque()).append(job)",
        (
            "tests/engine/test_audit_trials.py::test_a_job_put_back_in_the_line_goes_before_the_jobs_of_its_kind_se"
            "t_aside_after_it",
        ),
    ),
    Plant(
        "the log names the job that waits, not the job of unknown outcome the rest of its kind wait for",
        "batchgen/engine/trials.py",
        "                first.spec.id,\n                describe(kind),",
        "                job.spec.id,\n                describe(kind),",
        (
            "tests/engine/test_audit_trials.py::test_the_log_names_the_job_of_unknown_outcome_the_rest_wait_for_and"
            "_says_so_once",
        ),
    ),
    Plant(
        "the warning that a kind's jobs wait on a trial of unknown outcome is written once for each job",
        "batchgen/engine/trials.py",
        "            self._told.add(kind)\n",
        "",
        (
            "tests/engine/test_audit_trials.py::test_the_log_names_the_job_of_unknown_outcome_the_rest_wait_for_and"
            "_says_so_once",
        ),
    ),
    Plant(
        "a trial sent again is timed from its first POST: the next of its kind goes before a job it made is through",
        "batchgen/engine/trials.py",
        "            self._posted[job.spec.id] = self._clock.now()",
        "            self._posted.setdefault(job.spec.id, self._clock.now())",
        (
            "tests/engine/test_audit_trials.py::test_a_trial_sent_again_holds_its_kind_until_a_job_its_latest_post_"
            "made_would_be_through",
        ),
    ),
    Plant(
        "an earlier run's trial is timed from its first 'submitting' line, not its latest POST",
        "batchgen/engine/trials.py",
        "at = job.posted_epoch if job.posted_epoch is not None else job.submitted_epoch",
        "at = job.submitted_epoch if job.submitted_epoch is not None else job.posted_epoch",
        (
            "tests/e2e/test_outliving.py::test_a_trial_job_a_killed_run_left_in_flight_is_waited_for_before_another"
            "_of_its_kind_is_sent",
        ),
    ),
    Plant(
        "the feeder waits for every kind's trial to end before it gives back any job set aside",
        "batchgen/engine/trials.py",
        "return any(not self._waits(waiting[0]) for waiting in self._aside.values())",
        "return all(not self._waits(waiting[0]) for waiting in self._aside.values())",
        (
            "tests/engine/test_audit_trials.py::test_the_line_gives_back_a_kind_whose_trial_ended_while_another_kin"
            "d_still_waits_for_its_own",
        ),
    ),
    Plant(
        "a job the line handed over and then deferred is still counted as left to hand over",
        "batchgen/engine/trials.py",
        "if job is not None and not job.holds_slot and job.state is not JobState.DEFERRED:",
        "if job is not None and not job.holds_slot:",
        (
            "tests/engine/test_audit_trials.py::test_a_job_the_line_handed_over_and_then_deferred_is_not_left_to_ha"
            "nd_over",
        ),
    ),
    Plant(
        "a job made again twice counts only its last lost request's charge in the spend",
        "batchgen/engine/book.py",
        "        job.paid_before += cost\n",
        "        job.paid_before = cost\n",
        (
            "tests/engine/test_audit_book.py::test_a_job_made_again_twice_counts_both_earlier_charges_in_its_spend_"
            "and_against_the_cap",
        ),
    ),
    Plant(
        "a job made again keeps the video link of the request it ended",
        "batchgen/engine/book.py",
        "        job.cost = job.request_id = job.output_url = None\n",
        "        job.cost = job.request_id = None\n",
        ("tests/engine/test_audit_book.py::test_a_job_made_again_keeps_no_link_of_the_request_it_ended",),
    ),
    Plant(
        "a job adopted as not in flight takes a slot all the same",
        "batchgen/engine/book.py",
        "        if in_flight and not job.holds_slot:",
        "        if not job.holds_slot:",
        ("tests/engine/test_book.py::test_adopted_jobs_count_what_they_may_have_cost",),
    ),
    Plant(
        "jobs downloading are left out of those made and not fetched",
        "batchgen/jobs.py",
        "UNFETCHED = frozenset({JobState.SUBMITTED, JobState.DOWNLOADING, JobState.EXPIRED})",
        "UNFETCHED = frozenset({JobState.SUBMITTED, JobState.EXPIRED})",
        (
            "tests/report/test_audit_summary.py::test_status_counts_as_made_and_not_fetched_only_the_jobs_with_a_re"
            "quest_and_no_charge_yet",
        ),
    ),
    Plant(
        "a job downloading with no cost reported gives its estimate back to the spend cap",
        "batchgen/jobs.py",
        "    {JobState.SUBMITTING, JobState.SUBMITTED, JobState.DOWNLOADING, JobState.COMPLETED, JobState.EXPIRED}\n",
        "    {JobState.SUBMITTING, JobState.SUBMITTED, JobState.COMPLETED, JobState.EXPIRED}\n",
        ("tests/engine/test_book.py::test_what_a_job_holds_follows_what_it_may_have_cost",),
    ),
    Plant(
        "a stop does not reach jobs set aside for their kind's trial: deferred only once the trial ends",
        "batchgen/engine/submitter.py",
        "                lambda: self.control.stopping or lineup.ready(), clock=self.clock,",
        "                lambda: lineup.ready(), clock=self.clock,",
        (
            "tests/engine/test_audit_submitter.py::test_a_credit_stop_defers_the_jobs_set_aside_for_their_kinds_tri"
            "al_without_waiting_for_the_trial_to_end",
        ),
    ),
    Plant(
        "validate names the earliest submit of unknown outcome of a kind on trial, not the latest",
        "batchgen/report/summary.py",
        "    through = max(unknown, default=None)",
        "    through = min(unknown, default=None)",
        (
            "tests/report/test_audit_summary.py::test_the_dry_run_names_the_latest_submit_of_unknown_outcome_of_a_k"
            "ind_on_trial_and_when_it_would_be_through",
        ),
    ),
    Plant(
        "validate dates the end of a trial of unknown outcome one expiry after its POST, not two",
        "batchgen/report/summary.py",
        "    lives = UNSEEN_LIVES * settings.polling.expiry_s / time_scale  # wall seconds",
        "    lives = settings.polling.expiry_s / time_scale  # wall seconds",
        (
            "tests/report/test_audit_summary.py::test_the_dry_run_names_the_latest_submit_of_unknown_outcome_of_a_k"
            "ind_on_trial_and_when_it_would_be_through",
        ),
    ),
    Plant(
        "validate counts the completed jobs of a kind on trial among those it holds back",
        "batchgen/report/summary.py",
        "        if held := sum(1 for job in todo if latency_key(job) == kind):",
        "        if held := sum(1 for job in manifest.jobs if latency_key(job) == kind):",
        (
            "tests/e2e/test_outliving.py::test_a_kind_whose_jobs_outlive_their_records_alone_is_held_after_two_and_"
            "the_rest_are_not_sent",
        ),
    ),
    Plant(
        "the lines of a kind on trial carry no tallies: a re-run does not take the kind up again",
        "batchgen/engine/submitter.py",
        '        return {"outlived": kinds.tallies(kind)} if kinds.held(kind) or kinds.on_trial(kind) else {}',
        '        return {"outlived": kinds.tallies(kind)} if kinds.held(kind) else {}',
        (
            "tests/engine/test_review2_outliving.py::test_a_credit_stop_while_resubmit_lost_remakes_a_held_kind_kee"
            "ps_it_on_trial",
        ),
    ),
    Plant(
        "a job of a kind on trial that waited for the trial is dropped, never sent nor deferred",
        "batchgen/engine/submitter.py",
        (
            "            await book.until(lambda: self.control.stopping or not self.trials.waits(job))\n            ret"
            "urn True"
        ),
        (
            "            await book.until(lambda: self.control.stopping or not self.trials.waits(job))\n            ret"
            "urn False"
        ),
        (
            "tests/engine/test_review2_outliving.py::test_a_trial_submit_of_unknown_outcome_keeps_the_rest_of_its_k"
            "ind_waiting",
        ),
    ),
    Plant(
        "the run's summary says nothing of a lost request made anew, which may have been charged beyond the spend",
        "batchgen/engine/run.py",
        "        report.earlier_unreported, report.earlier_unreported_usd = len(lost), sum(lost)",
        "        report.earlier_unreported, report.earlier_unreported_usd = 0, 0.0",
        (
            "tests/engine/test_review_spend_trials.py::"
            "test_a_lost_request_made_anew_is_told_beside_the_spend_by_the_run_and_by_status",
        ),
    ),
    Plant(
        "status says nothing of a lost request made anew, which may have been charged beyond the spend",
        "batchgen/report/summary.py",
        "        spent += f\"; {unreported_earlier(len(lost), sum(lost), spend='it')}\"",
        "        pass",
        (
            "tests/engine/test_review_spend_trials.py::"
            "test_a_lost_request_made_anew_is_told_beside_the_spend_by_the_run_and_by_status",
        ),
    ),
    Plant(
        "a changed row replaced after a lost request forgets the estimate the spend cap counted for it",
        "batchgen/engine/identity.py",
        "            unreported_before=round(unreported_on(rec, recorded_estimate(rec, prices)), 6) or None,",
        "            unreported_before=None,",
        (
            "tests/engine/test_identity_units.py::"
            "test_the_replaced_line_counts_for_good_what_a_lost_request_may_have_been_charged_at_the_configs_price",
        ),
    ),
    Plant(
        "a changed row replaced after a lost request counts it at the catalogue's price, not the config's",
        "batchgen/engine/identity.py",
        "unreported_before=round(unreported_on(rec, recorded_estimate(rec, prices)), 6) or None,",
        "unreported_before=round(unreported_on(rec, recorded_estimate(rec, {})), 6) or None,",
        (
            "tests/engine/test_identity_units.py::"
            "test_the_replaced_line_counts_for_good_what_a_lost_request_may_have_been_charged_at_the_configs_price",
        ),
    ),
    Plant(
        "the resume line's raised cap leaves out what other manifests' jobs may have been charged",
        "batchgen/engine/identity.py",
        "        for job_id, rec in known.items()\n    )",
        "        for job_id, rec in known.items()\n        if job_id in ours\n    )",
        (
            "tests/cli/test_nextstep.py::"
            "test_the_raised_cap_covers_what_another_manifests_jobs_may_have_been_charged_as_their_lines_say",
        ),
    ),
    Plant(
        "the dry run's cap note counts only what the ledger says was charged, not what its jobs may have been",
        "batchgen/report/summary.py",
        "        spent = counted_at_start(known, manifest.jobs, settings.prices)",
        "        spent = sum(spent_on(rec) for rec in known.values())",
        (
            "tests/engine/test_review_spend_lost.py::"
            "test_the_dry_runs_cap_note_counts_another_manifests_lost_request_as_the_run_does",
            "tests/report/test_summary_lines.py::test_the_plan_counts_what_is_left_to_do_what_it_costs_and_how_long_it_"
            "takes",
        ),
    ),
    Plant(
        "a finished job's charge shown as 0 is taken as charged nothing (the cap lets more jobs through)",
        "batchgen/engine/handover.py",
        "        job.cost = cost if cost else job.cost",
        "        job.cost = cost if cost is not None else job.cost",
        (
            "tests/e2e/test_charges_shown.py::"
            "test_jobs_completed_with_no_charge_shown_count_at_their_estimates_and_are_told_apart",
        ),
    ),
    Plant(
        "the run's summary says nothing of jobs completed with no charge reported",
        "batchgen/engine/run.py",
        "        report.unpriced, report.unpriced_usd = len(unpriced), sum(job.estimate or 0.0 for job in unpriced)",
        "        report.unpriced, report.unpriced_usd = 0, 0.0",
        (
            "tests/e2e/test_charges_shown.py::"
            "test_jobs_completed_with_no_charge_shown_count_at_their_estimates_and_are_told_apart",
        ),
    ),
    Plant(
        "status says nothing of jobs completed with no charge reported",
        "batchgen/report/summary.py",
        "        spent += f\"; {unpriced(len(done), done_usd, spend='it')}\"",
        "        pass",
        (
            "tests/e2e/test_charges_shown.py::"
            "test_jobs_completed_with_no_charge_shown_count_at_their_estimates_and_are_told_apart",
        ),
    ),
    Plant(
        "status --json gives no jobs completed with no charge reported",
        "batchgen/report/summary.py",
        '        "unpriced_completed": len(done),',
        '        "unpriced_completed": 0,',
        (
            "tests/e2e/test_charges_shown.py::"
            "test_jobs_completed_with_no_charge_shown_count_at_their_estimates_and_are_told_apart",
        ),
    ),
    Plant(
        "the simulator's charges-shown world shows the charge all the same",
        "batchgen/simulator/worlds.py",
        '    return cost if how == "charged" else 0.0 if how == "zero" else None',
        "    return cost",
        (
            "tests/e2e/test_charges_shown.py::"
            "test_jobs_completed_with_no_charge_shown_count_at_their_estimates_and_are_told_apart",
        ),
    ),
    Plant(
        "a resume does not count a finished job's missing video among those fetched again",
        "batchgen/engine/resume.py",
        "            report.refetched += 1\n            plan.download.append(job)\n"
        "        elif state is JobState.DOWNLOADING:",
        "            plan.download.append(job)\n        elif state is JobState.DOWNLOADING:",
        ("tests/e2e/test_crash.py::test_a_lost_video_is_fetched_again_without_resubmitting",),
    ),
    Plant(
        "the line fetching a missing video again names the job, not the file that is missing",
        "batchgen/engine/resume.py",
        'error={"detail": f"{video} is missing or damaged; fetching it again"}',
        'error={"detail": f"{job.spec.id} is missing or damaged; fetching it again"}',
        (
            "tests/engine/test_audit_resume.py::"
            "test_a_video_found_missing_is_named_by_its_path_in_the_line_that_fetches_it_again",
        ),
    ),
    Plant(
        "a resume ignores --verify-files: a same-size tampered video is taken for intact",
        "batchgen/engine/resume.py",
        "        deep=verify_files,\n",
        "        deep=False,\n",
        ("tests/e2e/test_crash.py::test_a_same_size_tampered_video_is_caught_by_verify_files",),
    ),
    Plant(
        "a resume drops a job's ended requests: made again, its next line no longer names them",
        "batchgen/engine/resume.py",
        '        job.ended_requests = [str(rid) for rid in rec.get("ended_requests") or ()]\n',
        "        job.ended_requests = []\n",
        (
            "tests/engine/test_audit_resume.py::"
            "test_a_job_made_again_once_more_carries_every_earlier_request_and_unreported_estimate_forward",
        ),
    ),
    Plant(
        "a resume forgets the bodies the ledger's requests were sent with: a lost submit is matched exactly, paid "
        "twice",
        "batchgen/engine/resume.py",
        'body=params if isinstance(params := rec.get("params"), dict) else None,',
        "body=None,",
        (
            "tests/engine/test_audit_resume.py::"
            "test_a_lost_submit_is_matched_by_what_the_history_showed_of_an_earlier_runs_request_bodies",
        ),
    ),
    Plant(
        "a lost submit with no time in the ledger is looked for from the resume, not as far back as a record lives",
        "batchgen/engine/resume.py",
        "or clock.epoch() - reconciler.record_life_s",
        "or clock.epoch()",
        (
            "tests/engine/test_resume_dates.py::"
            "test_an_older_ledger_without_posting_at_dates_the_post_by_its_line_only_while_it_is_the_last",
        ),
    ),
    Plant(
        "the spend cap counts the manifest's own earlier spend twice (once as another manifest's)",
        "batchgen/engine/resume.py",
        "    others = {job_id: rec for job_id, rec in known.items() if job_id not in ours}",
        "    others = known",
        (
            "tests/engine/test_resume_counts.py::"
            "test_a_resume_counts_the_videos_in_place_and_the_jobs_it_re_attaches_and_sends_each_where_it_stands",
        ),
    ),
    Plant(
        "a resume takes up none of a job's unreported estimates: not counted against the cap, nor carried forward",
        "batchgen/engine/resume.py",
        '        job.unreported_before = float(rec.get("unreported_before") or 0.0)\n',
        "",
        (
            "tests/engine/test_review_spend_trials.py::"
            "test_a_lost_request_made_anew_keeps_counting_against_the_cap_in_a_later_run",
            "tests/engine/test_audit_resume.py::"
            "test_a_job_made_again_once_more_carries_every_earlier_request_and_unreported_estimate_forward",
        ),
    ),
    Plant(
        "a resumed job is dated by its last line, not its submit",
        "batchgen/engine/resume.py",
        '        job.submitted_wall = rec.get("submitted_at")\n',
        '        job.submitted_wall = rec.get("ts")\n',
        (
            "tests/engine/test_resume_counts.py::"
            "test_an_earlier_runs_request_posted_after_a_lost_submit_settles_it_in_a_resumed_run",
        ),
    ),
    Plant(
        "a resume forgets what a job's request cost: held at its estimate",
        "batchgen/engine/resume.py",
        "        job.cost = charged(rec)\n",
        "        job.cost = None\n",
        ("tests/engine/test_resume_spend.py::test_a_lost_charged_job_made_again_counts_its_charge_once",),
    ),
    Plant(
        "a resumed download is not held to the size the API said: a short video is taken for the one paid for",
        "batchgen/engine/resume.py",
        '        job.file_size = rec.get("file_size")\n',
        "        job.file_size = None\n",
        ("tests/engine/test_audit_resume.py::test_a_download_an_earlier_run_left_is_held_to_the_size_the_api_said",),
    ),
    Plant(
        "a compaction does not reset its count: every segment after the first compaction writes another snapshot",
        "batchgen/store/segments.py",
        "            return\n        self.since_snapshot = 0\n",
        "            return\n",
        ("tests/store/test_segments_units.py::test_a_long_run_compacts_itself_and_a_failed_compaction_loses_nothing",),
    ),
    Plant(
        "a missing ledger segment is named as the next one, which is there",
        "batchgen/store/segments.py",
        "bucket.where(segment_key(shard_name, expected))",
        "bucket.where(segment_key(shard_name, seq))",
        ("tests/store/test_segments_units.py::test_a_missing_segment_is_named_with_what_to_do",),
    ),
    Plant(
        "closing a segmented ledger after another run took the shard raises, where it loses only a riding line",
        "batchgen/store/segments.py",
        "        try:\n            await self._commit.flush(self._write_batch)\n        except LedgerError:\n"
        "            return\n",
        "        await self._commit.flush(self._write_batch)\n",
        (
            "tests/store/test_audit_segments.py::"
            "test_closing_after_another_run_took_the_next_segment_loses_only_the_riding_line_and_raises_nothing",
        ),
    ),
    Plant(
        "a replay goes on with a segment compacted away while it was read (listed again only if all were)",
        "batchgen/store/segments.py",
        "    if any(body is None for body in bodies):",
        "    if all(body is None for body in bodies):",
        (
            "tests/store/test_segments_units.py::"
            "test_an_empty_prefix_is_an_empty_ledger_whose_first_segment_is_number_one",
        ),
    ),
    Plant(
        "a compaction numbers its snapshot one past the last segment: the next segment's lines are never read",
        "batchgen/store/segments.py",
        "await write_snapshot(bucket, shard_name, found.replay.jobs, found.next_seq - 1)",
        "await write_snapshot(bucket, shard_name, found.replay.jobs, found.next_seq)",
        ("tests/store/test_segments_units.py::test_compaction_writes_one_snapshot_then_deletes_only_what_it_covers",),
    ),
    Plant(
        "a run's own compaction numbers its snapshot one past its last segment",
        "batchgen/store/segments.py",
        "await write_snapshot(self.bucket, self.shard_name, self.jobs, self.next_seq - 1)",
        "await write_snapshot(self.bucket, self.shard_name, self.jobs, self.next_seq)",
        ("tests/store/test_segments_units.py::test_a_long_run_compacts_itself_and_a_failed_compaction_loses_nothing",),
    ),
    Plant(
        "a replay whose segments were compacted away while read is not listed again",
        "batchgen/store/segments.py",
        "    for _ in range(3):\n",
        "    for _ in range(1):\n",
        (
            "tests/store/test_segments_units.py::"
            "test_segments_compacted_away_while_being_read_are_listed_again_but_not_forever",
        ),
    ),
    Plant(
        "the life cap takes the slowest finish of its own for how long a job takes alone",
        "batchgen/engine/life_cap.py",
        "            self._fastest = min(self._fastest, took)",
        "            self._fastest = max(self._fastest, took) if math.isfinite(self._fastest) else took",
        (
            "tests/engine/test_life_cap.py::"
            "test_finishes_that_show_no_wait_leave_the_concurrency_and_a_wait_sets_the_cap_from_the_throughput",
        ),
    ),
    Plant(
        "the rounds a long job leaves room for leave out the finishes with as many ahead as ran at once",
        "batchgen/engine/life_cap.py",
        "took = sorted(took for _, took, ahead in self._recent if ahead <= together)",
        "took = sorted(took for _, took, ahead in self._recent if ahead < together)",
        (
            "tests/engine/test_life_cap.py::"
            "test_where_jobs_alone_take_most_of_a_records_life_none_is_sent_to_wait_behind_a_whole_job",
        ),
    ),
    Plant(
        "the rounds a long job leaves room for count one job a round, not as many as ran at once",
        "batchgen/engine/life_cap.py",
        "return min(most, together * math.floor(MOST_SHARE * self.plan.guard / long))",
        "return min(most, math.floor(MOST_SHARE * self.plan.guard / long))",
        (
            "tests/engine/test_life_cap.py::"
            "test_finishes_that_show_no_wait_leave_the_concurrency_and_a_wait_sets_the_cap_from_the_throughput",
        ),
    ),
    Plant(
        "a re-attached job sent more than one record's life ago is taken for through (it outlives its record)",
        "batchgen/engine/life_cap.py",
        "            if now - at < self._unseen:\n",
        "            if now - at < self.plan.expiry:\n",
        (
            "tests/engine/test_review_outliving.py::"
            "test_a_reattached_job_whose_record_died_unpolled_is_no_sign_its_kind_outlives_records",
            "tests/engine/test_audit_life_cap.py::"
            "test_an_earlier_runs_job_sent_more_than_one_record_life_ago_still_waits_ahead_in_a_resumed_run",
        ),
    ),
    Plant(
        "a request budget that polls exactly the concurrency holds the run back and tells the operator a false bound",
        "batchgen/engine/life_cap.py",
        "        if most >= concurrency:\n",
        "        if most > concurrency:\n",
        (
            "tests/engine/test_audit_life_cap.py::"
            "test_a_request_budget_that_polls_exactly_the_concurrency_holds_nothing_back_and_tells_nothing",
        ),
    ),
    Plant(
        "a cap from the throughput equal to the concurrency is told as fewer jobs kept in flight",
        "batchgen/engine/life_cap.py",
        "        held = cap < allowed\n",
        "        held = cap <= allowed\n",
        (
            "tests/engine/test_audit_life_cap.py::"
            "test_a_cap_from_the_throughput_at_or_above_the_concurrency_holds_nothing_back_and_tells_nothing",
        ),
    ),
    Plant(
        "an earlier run's jobs are taken for through one record's life after their submits, not two",
        "batchgen/engine/life_cap.py",
        "UNSEEN_LIVES = 2 ",
        "UNSEEN_LIVES = 1 ",
        (
            "tests/engine/test_review_outliving.py::"
            "test_a_reattached_job_whose_record_died_unpolled_is_no_sign_its_kind_outlives_records",
            "tests/engine/test_audit_life_cap.py::"
            "test_an_earlier_runs_job_sent_more_than_one_record_life_ago_still_waits_ahead_in_a_resumed_run",
        ),
    ),
    Plant(
        "a lost submit older than two records' lives keeps its slot",
        "batchgen/engine/life_cap.py",
        "        if self.through(sent_at):\n            return\n",
        "",
        (
            "tests/engine/test_life_cap.py::"
            "test_an_earlier_runs_lost_submit_is_placed_by_the_ledger_and_one_older_than_two_lives_is_through",
        ),
    ),
    Plant(
        "an earlier run's video dated to the second of its submit divides by zero: the resumed run crashes",
        "batchgen/engine/life_cap.py",
        "            if left is not None and left > sent and request_id in made",
        "            if left is not None and left >= sent and request_id in made",
        (
            "tests/engine/test_audit_life_cap.py::"
            "test_an_earlier_runs_video_its_ledger_dates_to_the_second_of_its_submit_does_not_stop_the_cap",
        ),
    ),
    Plant(
        "a run held before the history answers is told so again at every look",
        "batchgen/engine/life_cap.py",
        "if held and not self.told and (works is False or not self._told_unanswered):",
        "if held and not self.told:",
        (
            "tests/engine/test_life_cap.py::"
            "test_before_the_history_answers_a_held_run_is_told_only_that_it_has_not_answered_yet",
        ),
    ),
    Plant(
        (
            "submits refused in front of the API are told without what to do: nothing is lost, check what stands "
            "between, run the same command again"
        ),
        "batchgen/api/gateway.py",
        (
            'f"{self.submits_refused_error}. Nothing is lost: check what stands between this machine and "\n'
            '                    "the API, then run the same command again to resume",'
        ),
        'f"{self.submits_refused_error}",',
        (
            "tests/api/test_audit_gateway.py::test_submits_refused_for_the_bound_are_told_that_nothing_is_lost_and_wha"
            "t_to_do",
        ),
    ),
    Plant(
        "submits refused for exactly api.unreachable_after_s do not end the run: one more goes into the refusal",
        "batchgen/api/gateway.py",
        "if refused >= self.unreachable_after_s:",
        "if refused > self.unreachable_after_s:",
        (
            "tests/api/test_audit_gateway.py::test_submits_refused_for_the_bound_are_told_that_nothing_is_lost_and_wha"
            "t_to_do",
        ),
    ),
    Plant(
        "the refusal that ends the run (exit 6) is not named: 'the last time:' is followed by nothing",
        "batchgen/api/gateway.py",
        "self.submits_refused_last, self.submits_refused_error = now, str(exc)",
        "self.submits_refused_last = now",
        (
            "tests/api/test_audit_gateway.py::test_submits_refused_for_the_bound_are_told_that_nothing_is_lost_and_wha"
            "t_to_do",
        ),
    ),
    Plant(
        "a redirected call's round trip is timed from its first grant, the redirect's wait for the budget included",
        "batchgen/api/gateway.py",
        "timed.add(self.last_reached - sent[-1])",
        "timed.add(self.last_reached - sent[0])",
        (
            "tests/api/test_audit_gateway.py::test_a_redirected_calls_round_trip_runs_from_the_grant_of_its_last_reque"
            "st_to_its_answer",
        ),
    ),
    Plant(
        (
            "a submit a login portal answered leaves the ask's time at the last silence: the next submit goes into the "
            "refusal at once"
        ),
        "batchgen/api/gateway.py",
        "            self.silent_at = now  # (the next ask",
        "            pass  # (the next ask",
        (
            "tests/api/test_audit_gateway.py::test_a_submit_a_login_portal_answered_lets_the_next_submit_go_only_a_bac"
            "koffs_longest_gap_later",
        ),
    ),
    Plant(
        "a call cancelled while its request is in flight keeps its place in the budget: cancelled calls starve the run",
        "batchgen/api/gateway.py",
        (
            "                    except BaseException:\n"
            "                        self.budget.release()\n"
            "                        raise\n"
        ),
        "",
        (
            "tests/api/test_audit_gateway.py::test_a_call_cancelled_while_its_request_is_in_flight_gives_its_place_in_"
            "the_budget_back",
        ),
    ),
    Plant(
        "a POST still unanswered when its shield ends at a stop is taken for answered (None), not of unknown outcome",
        "batchgen/api/gateway.py",
        "    if not result:\n        # It may have been received: only the request history can tell.\n",
        "    if not result:\n        return None  # type: ignore[return-value]\n",
        (
            "tests/api/test_audit_gateway.py::test_a_submit_still_unanswered_when_its_shield_ends_is_of_unknown_outcom"
            "e_not_answered",
        ),
    ),
    Plant(
        "a call whose own tries go unanswered is retried without end while the API answers other calls",
        "batchgen/api/gateway.py",
        "if _unanswered(exc) and self.last_reached <= started:",
        "if _unanswered(exc):",
        (
            "tests/api/test_audit_gateway.py::test_a_call_whose_own_tries_go_unanswered_while_the_api_answers_others_g"
            "ives_up_after_its_attempts",
        ),
    ),
    Plant(
        "a stop while the CLI is imported empties the --log-file it appends to: earlier runs' lines are lost",
        "batchgen/cli/entry.py",
        'with open(log_file, "a", encoding="utf-8") as fh:',
        'with open(log_file, "w", encoding="utf-8") as fh:',
        (
            "tests/cli/test_audit_entry.py::test_a_stop_while_importing_appends_to_the_log_file_and_keeps_what_earlier"
            "_runs_wrote",
        ),
    ),
    Plant(
        "a --log-file that cannot be opened turns a clean stop while importing into a traceback (exit 1, not 130)",
        "batchgen/cli/entry.py",
        (
            "        try:\n"
            '            with open(log_file, "a", encoding="utf-8") as fh:\n'
            "                fh.write(error + outcome_line)\n"
            "        except OSError:  # (stderr and stdout have it)\n"
            "            pass\n"
        ),
        '        with open(log_file, "a", encoding="utf-8") as fh:\n            fh.write(error + outcome_line)\n',
        (
            "tests/cli/test_audit_entry.py::test_a_log_file_that_cannot_be_opened_leaves_the_stop_told_on_stderr_and_s"
            "tdout",
        ),
    ),
    Plant(
        "a flag given twice counts with its first value (the parser takes the last): a stop told in the wrong format",
        "batchgen/cli/entry.py",
        "        if word == flag and at + 1 < len(argv):",
        "        if word == flag and at + 1 < len(argv) and value is None:",
        ("tests/cli/test_audit_entry.py::test_a_flag_given_twice_counts_with_its_last_value_as_the_parser_reads_it",),
    ),
    Plant(
        "a flag left without its value at the end of the command line makes a stop while importing an IndexError",
        "batchgen/cli/entry.py",
        "        if word == flag and at + 1 < len(argv):",
        "        if word == flag:",
        (
            "tests/cli/test_audit_entry.py::test_a_flag_left_without_its_value_at_the_end_of_the_line_is_no_value_and_"
            "the_stop_is_still_told",
        ),
    ),
    Plant(
        "the command a stop names is the last word that spells one (--out report: 'report'), not the command given",
        "batchgen/cli/entry.py",
        'return next((word for word in argv if word in COMMANDS), "batchgen")',
        'return next((word for word in reversed(argv) if word in COMMANDS), "batchgen")',
        (
            "tests/cli/test_audit_entry.py::test_the_command_is_the_first_word_that_names_one_though_a_later_value_is_"
            "spelled_as_another",
        ),
    ),
    Plant(
        "a command line naming no command ends with 'batchgen batchgen ended with exit code N'",
        "batchgen/cli/entry.py",
        'words = command if command == "batchgen" else f"batchgen {command}"',
        'words = f"batchgen {command}"',
        ("tests/cli/test_audit_entry.py::test_a_stop_with_no_command_named_says_batchgen_ended_with_its_exit_code",),
    ),
    Plant(
        "a stop told in JSON while importing writes its time's milliseconds unpadded (.62Z for .062Z), unlike the logs",
        "batchgen/cli/entry.py",
        '+ f".{int(now % 1 * 1000):03d}Z"',
        '+ f".{int(now % 1 * 1000)}Z"',
        (
            "tests/cli/test_audit_entry.py::test_the_time_of_a_stop_told_in_json_is_written_as_every_other_log_records"
            "_is",
        ),
    ),
    Plant(
        "a submit whose connection was reset after it was sent is sent again: a second, billable job",
        "batchgen/api/gateway.py",
        "return isinstance(exc, NetworkError) and not exc.reached_server",
        "return isinstance(exc, NetworkError)",
        ("tests/api/test_gateway.py::test_a_submit_is_sent_again_only_when_it_surely_never_arrived",),
    ),
    Plant(
        "a read that met a reset connection is not tried again: a network blip fails the call",
        "batchgen/api/gateway.py",
        "return isinstance(exc, ServerError | NetworkError)",
        "return isinstance(exc, ServerError)",
        ("tests/api/test_gateway.py::test_reads_retry_transient_errors_until_one_succeeds",),
    ),
    Plant(
        "a round trip's first answer counts for a fifth of itself: a history page goes ahead of submits too late",
        "batchgen/api/gateway.py",
        "self.seconds += (self.WEIGHT if self._seen else 1.0) * (seconds - self.seconds)",
        "self.seconds += self.WEIGHT * (seconds - self.seconds)",
        (
            "tests/engine/test_sweeper.py::test_a_sweeps_page_goes_ahead_of_the_submits_that_would_fill_the_slots_with"
            "in_its_round_trip",
            "tests/api/test_audit_gateway.py::test_a_calls_round_trip_is_learned_whole_from_its_first_answer_then_aver"
            "aged",
        ),
    ),
    Plant(
        "an API silent for exactly api.unreachable_after_s is not yet unreachable: the run goes on past its bound",
        "batchgen/api/gateway.py",
        "if silent >= self.unreachable_after_s:",
        "if silent > self.unreachable_after_s:",
        (
            "tests/api/test_gateway_silence.py::test_asking_a_silent_api_past_the_reachability_bound_raises_api_unreac"
            "hable",
        ),
    ),
    Plant(
        "429s past the retry deadline are waited out without end: a job is never left pending with the reason",
        "batchgen/api/gateway.py",
        "                        if not attempts.within_deadline():\n                            raise\n",
        "",
        (
            "tests/engine/test_submitter_outcomes.py::test_a_429_past_the_deadline_leaves_the_job_pending_with_the_rea"
            "son_and_sends_nothing_more",
        ),
    ),
    Plant(
        "a call answered 429 keeps its place in the budget: each 429 leaves one request fewer to send",
        "batchgen/api/gateway.py",
        "self.budget.on_429(exc.retry_after, sent_at=sent[-1])\n                        self.budget.release()\n",
        "self.budget.on_429(exc.retry_after, sent_at=sent[-1])\n",
        (
            "tests/api/test_gateway.py::test_the_before_hook_runs_for_each_attempt_once_granted_and_an_error_in_it_sen"
            "ds_nothing",
        ),
    ),
    Plant(
        (
            "an answer after a redirect is told to the budget as sent at the call's first grant: a cooldown's probe "
            "ends nothing"
        ),
        "batchgen/api/gateway.py",
        "self.budget.succeeded(sent[-1])",
        "self.budget.succeeded(sent[0])",
        ("tests/api/test_gateway.py::test_a_redirect_granted_as_a_cooldowns_probe_is_judged_by_its_own_grant",),
    ),
    Plant(
        "an ask past the reachability bound swallows ApiUnreachable: a silent API never ends the run (exit 6)",
        "batchgen/api/gateway.py",
        "        except ApiUnreachable:\n            raise\n        except GatewayRefusal:",
        "        except GatewayRefusal:",
        (
            "tests/api/test_gateway_silence.py::test_asking_a_silent_api_past_the_reachability_bound_raises_api_unreac"
            "hable",
        ),
    ),
    Plant(
        "a stop cuts a submit's POST off in flight (its shield not shielded): its request id is never recorded",
        "batchgen/api/gateway.py",
        "    with anyio.move_on_after(seconds, shield=True):\n        result.append",
        "    with anyio.move_on_after(seconds):\n        result.append",
        (
            "tests/engine/test_submitter_outcomes.py::test_a_post_answered_while_the_run_is_cancelled_still_records_it"
            "s_request_id",
        ),
    ),
    Plant(
        (
            "each refused submit restarts the bound on refused submits: a gateway refusing them for good never ends "
            "the run"
        ),
        "batchgen/api/gateway.py",
        "            if self.submits_refused_at is None:\n                self.submits_refused_at = now\n",
        "            self.submits_refused_at = now\n",
        (
            "tests/api/test_gateway_silence.py::test_submits_refused_throughout_the_bound_stop_the_run_but_time_with_n"
            "one_tried_does_not",
        ),
    ),
    Plant(
        "an API answering 502 and 504 is taken for unreachable: a flaky but answering API ends the run (exit 6)",
        "batchgen/api/gateway.py",
        "return isinstance(exc, ServerError) and exc.status == 503",
        "return isinstance(exc, ServerError) and exc.status in (502, 503, 504)",
        ("tests/api/test_gateway_reach.py::test_any_answer_from_the_server_resets_the_bound",),
    ),
    Plant(
        "a redirect outside a granted call finds no grant to look up: every check before the run fails (LookupError)",
        "batchgen/api/hops.py",
        'ContextVar("batchgen_granted_call", default=None)',
        'ContextVar("batchgen_granted_call")',
        ("tests/api/test_client_wire.py::test_every_read_follows_a_redirect_within_the_api",),
    ),
    Plant(
        "the outcome object names its exit code 'code', not the README's exit_code",
        "batchgen/cli/entry.py",
        '{"event": "outcome", "command": command, "exit_code": code}',
        '{"event": "outcome", "command": command, "code": code}',
        (
            "tests/cli/test_audit_logs.py::test_the_outcome_object_on_stdout_of_a_run_that_failed_is_an_error_as_in_it"
            "s_log_file",
        ),
    ),
    Plant(
        "the parser takes abbreviated flags, which what is read before it does not (a stop told in text under json)",
        "batchgen/cli/arguments.py",
        '        kwargs.setdefault("allow_abbrev", False)',
        "        pass",
        ("tests/cli/test_audit_entry.py::test_a_flag_is_read_by_its_full_name_alone_by_the_parser_as_before_it",),
    ),
    Plant(
        "report.html leaves out the charges no answer reported beside its spend",
        "batchgen/report/timeline.py",
        "        row.unreported = unreported_charge(record)\n",
        "",
        (
            "tests/e2e/test_charges_shown.py::"
            "test_jobs_completed_with_no_charge_shown_count_at_their_estimates_and_are_told_apart",
        ),
    ),
    Plant(
        "report.html counts only jobs made and not fetched as charges no answer reported, not those completed",
        "batchgen/engine/identity.py",
        "(state in UNFETCHED or state == JobState.COMPLETED)",
        "state in UNFETCHED",
        (
            "tests/e2e/test_charges_shown.py::"
            "test_jobs_completed_with_no_charge_shown_count_at_their_estimates_and_are_told_apart",
        ),
    ),
    Plant(
        "a ledger line's charge of 0 (an older version's) is read as charged nothing",
        "batchgen/engine/identity.py",
        "    return float(cost) if isinstance(cost, int | float) and not isinstance(cost, bool) and cost else None",
        "    return float(cost) if isinstance(cost, int | float) and not isinstance(cost, bool) else None",
        (
            "tests/e2e/test_review_charges_shown.py::"
            "test_a_completed_line_with_cost_zero_from_an_older_version_still_holds_its_estimate",
        ),
    ),
    Plant(
        "a resume takes a job's recorded charge of 0 as charged nothing (the cap lets more through)",
        "batchgen/engine/resume.py",
        "        job.cost = charged(rec)",
        '        job.cost = rec.get("cost")',
        (
            "tests/e2e/test_review_charges_shown.py::"
            "test_a_downloading_line_with_cost_zero_from_an_older_version_still_holds_its_estimate",
        ),
    ),
    Plant(
        "a charge the result reported is dropped for the history row's none when the link comes from the history",
        "batchgen/engine/handover.py",
        "            await self.to_downloads(job, found.url, None, found.cost or cost, from_history=True)",
        "            await self.to_downloads(job, found.url, None, found.cost, from_history=True)",
        (
            "tests/e2e/test_review_charges_shown.py::"
            "test_a_charge_the_result_reported_is_kept_when_the_link_comes_from_the_history",
        ),
    ),
    Plant(
        "the poller does not pass on the charge a result without a link reported",
        "batchgen/engine/poller.py",
        "cost=result.cost\n",
        "cost=None\n",
        (
            "tests/e2e/test_review_charges_shown.py::"
            "test_a_charge_the_result_reported_is_kept_when_the_link_comes_from_the_history",
        ),
    ),
    Plant(
        "the spend cap's stop line tells the spend alone, not what the cap counted with the estimates",
        "batchgen/report/summary.py",
        "                if report.counted > paid + 0.005",
        "                if False",
        (
            "tests/e2e/test_review_charges_shown.py::"
            "test_the_spend_caps_stop_line_tells_what_the_cap_counted_beside_a_spend_of_zero_reported",
        ),
    ),
    Plant(
        "the run reports its spend as what the cap counted",
        "batchgen/engine/run.py",
        "        report.spend, report.counted = self.book.spend, self.book.committed",
        "        report.spend, report.counted = self.book.spend, self.book.spend",
        (
            "tests/e2e/test_review_charges_shown.py::"
            "test_the_spend_caps_stop_line_tells_what_the_cap_counted_beside_a_spend_of_zero_reported",
        ),
    ),
    Plant(
        "a link that gives no video at all is asked for again and again, and a gone record's is never called lost",
        "batchgen/engine/downloader.py",
        "                    if found and exc.image and same_file(found.url, url):",
        "                    if False:",
        (
            "tests/e2e/test_history_previews.py::"
            "test_a_gone_record_whose_history_links_a_preview_is_lost_and_told_how_to_make_it_again",
            "tests/engine/test_downloader.py::"
            "test_a_gone_record_whose_history_links_an_image_is_lost_not_left_to_fail_in_every_run",
        ),
    ),
    Plant(
        "a gone record whose history links no video is left downloading for a re-run that fetches the same image",
        "batchgen/engine/downloader.py",
        "                        if found.record_gone:",
        "                        if False:",
        (
            "tests/e2e/test_history_previews.py::"
            "test_a_gone_record_whose_history_links_a_preview_is_lost_and_told_how_to_make_it_again",
        ),
    ),
    Plant(
        "an image's first bytes read as an MP4 box that runs past the file's end, not as no MP4 at all",
        "batchgen/store/mp4.py",
        '        if not seen and kind != b"ftyp":  # (before its size',
        "        if False:  # (before its size",
        (
            "tests/e2e/test_history_previews.py::"
            "test_a_gone_record_whose_history_links_a_preview_is_lost_and_told_how_to_make_it_again",
        ),
    ),
    Plant(
        "a fresh link from the history is not known to come from a gone record",
        "batchgen/engine/recovery.py",
        "            gone = True\n",
        "            pass\n",
        (
            "tests/engine/test_downloader.py::"
            "test_a_gone_record_whose_history_links_an_image_is_lost_not_left_to_fail_in_every_run",
        ),
    ),
    Plant(
        "the summary tells the jobs made and not fetched at what the jobs completed with no charge come to",
        "batchgen/report/summary.py",
        "unfetched(report.uncounted, report.uncounted_usd,",
        "unfetched(report.uncounted, report.unpriced_usd,",
        (
            "tests/e2e/test_told_status.py::test_jobs_made_and_left_unfetched_are_told_apart_from_the_spend_with_what_t"
            "hey_will_cost",
        ),
    ),
    Plant(
        "the summary says nothing of jobs completed with no charge reported",
        "batchgen/report/summary.py",
        "    if report.unpriced:\n",
        "    if False:\n",
        (
            "tests/e2e/test_charges_shown.py::test_jobs_completed_with_no_charge_shown_count_at_their_estimates_and_are"
            "_told_apart[zero]",
        ),
    ),
    Plant(
        "the summary says nothing of earlier requests lost with no charge reported",
        "batchgen/report/summary.py",
        "    if report.earlier_unreported:\n",
        "    if False:\n",
        (
            "tests/engine/test_review_spend_lost.py::test_the_run_and_status_tell_alike_of_a_lost_request_whose_job_mad"
            "e_anew_was_deferred_unsent",
        ),
    ),
    Plant(
        "the summary counts the jobs submitted as the API requests made",
        "batchgen/report/summary.py",
        "{report.requests} API requests",
        "{report.submitted} API requests",
        (
            "tests/report/test_summary_lines.py::test_the_summary_of_a_run_out_of_credits_says_everything_and_how_to_go"
            "_on",
        ),
    ),
    Plant(
        "a spend-cap stop gives this run's spend as the folder's whole spend",
        "batchgen/report/summary.py",
        "    paid = report.spend if spend is None else spend",
        "    paid = report.spend",
        (
            "tests/report/test_summary_lines.py::test_a_run_stopped_at_the_spend_cap_offers_a_cap_that_covers_the_defer"
            "red_jobs",
        ),
    ),
    Plant(
        "status --json gives the jobs completed with no charge at what the jobs made and not fetched come to",
        "batchgen/report/summary.py",
        '"unpriced_completed_usd": round(done_usd, 6),',
        '"unpriced_completed_usd": round(made_usd, 6),',
        (
            "tests/e2e/test_charges_shown.py::test_jobs_completed_with_no_charge_shown_count_at_their_estimates_and_are"
            "_told_apart[zero]",
        ),
    ),
    Plant(
        "status --json gives the largest earlier request lost as what they all may have been charged",
        "batchgen/report/summary.py",
        '"unreported_earlier_usd": round(sum(lost), 6),',
        '"unreported_earlier_usd": round(max(lost, default=0.0), 6),',
        (
            "tests/report/test_audit_summary.py::test_status_adds_up_the_earlier_requests_lost_of_every_job_made_anew_b"
            "eside_the_spend",
        ),
    ),
    Plant(
        "status tells the earlier requests lost at the largest one's estimate, not their sum",
        "batchgen/report/summary.py",
        "spent += f\"; {unreported_earlier(len(lost), sum(lost), spend='it')}\"",
        "spent += f\"; {unreported_earlier(len(lost), max(lost), spend='it')}\"",
        (
            "tests/report/test_audit_summary.py::test_status_adds_up_the_earlier_requests_lost_of_every_job_made_anew_b"
            "eside_the_spend",
        ),
    ),
    Plant(
        "the dry run's cap note counts jobs already in flight among those it sends and defers",
        "batchgen/report/summary.py",
        "        sent = {job.id for job in todo if state_of[job.id] in IN_FLIGHT}",
        "        sent: set[str] = set()",
        (
            "tests/report/test_summary_lines.py::test_the_plan_never_counts_a_job_already_sent_among_those_the_cap_defe"
            "rs",
        ),
    ),
    Plant(
        "the dry run counts the priced jobs as those of models without a price",
        "batchgen/report/summary.py",
        'spend += f" (+ {len(costs) - len(priced)} jobs',
        'spend += f" (+ {len(priced)} jobs',
        ("tests/report/test_summary.py::test_dry_run_counts_the_jobs_without_a_price_not_the_folder_s_jobs",),
    ),
    Plant(
        "the dry run's time estimate reads the request budget per second, not per minute",
        "batchgen/report/summary.py",
        "by_budget = len(jobs) * REQUESTS_PER_JOB / settings.limits.requests_per_minute * 60",
        "by_budget = len(jobs) * REQUESTS_PER_JOB / settings.limits.requests_per_minute",
        (
            "tests/report/test_summary_lines.py::test_the_time_estimate_is_the_longer_of_the_concurrency_and_the_reques"
            "t_budget",
        ),
    ),
    Plant(
        "the resume line never names --resubmit-lost for the lost jobs",
        "batchgen/report/summary.py",
        '    if lost := states.get("expired", 0):\n        notes.append',
        '    if lost := states.get("lost", 0):\n        notes.append',
        (
            "tests/report/test_summary_lines.py::test_the_summary_of_a_run_out_of_credits_says_everything_and_how_to_go"
            "_on",
        ),
    ),
    Plant(
        "a run whose jobs left are all deferred gives no command to resume",
        "batchgen/report/summary.py",
        'elif resume_command and (unfinished or report.states.get("deferred", 0)):',
        "elif resume_command and unfinished:",
        (
            "tests/report/test_summary_lines.py::test_a_run_stopped_at_the_spend_cap_offers_a_cap_that_covers_the_defer"
            "red_jobs",
        ),
    ),
    Plant(
        "status calls a folder finished while rows of the manifest ask for something other than was sent",
        "batchgen/report/summary.py",
        "and not unseen and not changed and not unread",
        "and not unseen and not unread",
        ("tests/report/test_audit_summary.py::test_status_names_three_changed_rows_and_counts_the_rest_exactly",),
    ),
    Plant(
        "status calls a folder finished while the manifest its last run was given no longer reads",
        "batchgen/report/summary.py",
        "and not unseen and not changed and not unread",
        "and not unseen and not changed",
        (
            "tests/report/test_audit_summary.py::test_status_does_not_call_a_folder_finished_while_the_manifest_its_las"
            "t_run_was_given_no_longer_reads",
        ),
    ),
    Plant(
        "the summary tells the earlier requests lost at what the jobs made and not fetched come to",
        "batchgen/report/summary.py",
        "unreported_earlier(report.earlier_unreported, report.earlier_unreported_usd,",
        "unreported_earlier(report.earlier_unreported, report.uncounted_usd,",
        (
            "tests/engine/test_review_spend_lost.py::test_the_run_and_status_tell_alike_of_a_lost_request_whose_job_mad"
            "e_anew_was_deferred_unsent",
        ),
    ),
    Plant(
        "the summary's submits of unknown outcome never say how many were sent now",
        "batchgen/report/summary.py",
        '        lines.append("  " + unknown_outcome(unsettled, report.unsettled))',
        '        lines.append("  " + unknown_outcome(unsettled, 0))',
        (
            "tests/report/test_summary_lines.py::test_submits_of_unknown_outcome_count_as_sent_and_are_told_apart_from_"
            "failures",
        ),
    ),
    Plant(
        "the time per job's p95 is read as its 90th percentile",
        "batchgen/report/summary.py",
        "p95 {_duration(_percentile(report.job_seconds, 0.95))}",
        "p95 {_duration(_percentile(report.job_seconds, 0.9))}",
        (
            "tests/report/test_summary_lines.py::test_time_per_job_is_read_as_its_median_and_95th_percentile[seconds3-5"
            "0s-1.6 min]",
        ),
    ),
    Plant(
        "the summary tells jobs completed with no charge at the catalogue's prices where the config's counted them",
        "batchgen/report/summary.py",
        'unpriced(report.unpriced, report.unpriced_usd, spend="that spend", priced=report.uncounted_priced)',
        'unpriced(report.unpriced, report.unpriced_usd, spend="that spend")',
        (
            "tests/report/test_audit_summary.py::test_the_summary_says_at_which_prices_it_counts_the_jobs_completed_wit"
            "h_no_charge_reported",
        ),
    ),
    Plant(
        "the summary says nothing of the videos found in place from an earlier run and kept",
        "batchgen/report/summary.py",
        "    if report.kept_in_place:\n",
        "    if False:\n",
        (
            "tests/report/test_audit_summary.py::test_the_summary_counts_the_jobs_fetched_again_and_those_found_in_plac"
            "e_apart_from_those_submitted_now",
        ),
    ),
    Plant(
        "the summary says nothing of the videos fetched again (not paid again)",
        "batchgen/report/summary.py",
        "    if report.refetched:\n",
        "    if False:\n",
        (
            "tests/report/test_audit_summary.py::test_the_summary_counts_the_jobs_fetched_again_and_those_found_in_plac"
            "e_apart_from_those_submitted_now",
        ),
    ),
    Plant(
        "the summary offers --retry-failed for jobs refused as sent",
        "batchgen/report/summary.py",
        "lines += retry_hints(report.states, retry_command, report.refused)",
        "lines += retry_hints(report.states, retry_command)",
        (
            "tests/report/test_summary_lines.py::test_jobs_refused_as_sent_are_not_counted_again_among_the_jobs_failed_"
            "on_the_server",
        ),
    ),
    Plant(
        "the dry run's cap note never adds up the jobs it lets through, deferring none after the first",
        "batchgen/report/summary.py",
        "            else:\n                spent += cost or 0.0",
        "            else:\n                pass",
        (
            "tests/report/test_summary_lines.py::test_the_plan_counts_what_is_left_to_do_what_it_costs_and_how_long_it_"
            "takes",
        ),
    ),
    Plant(
        "the dry run counts a completed row --replace-changed makes anew as already done, and its cost as nothing",
        "batchgen/report/summary.py",
        (
            'state_of = {job.id: None if job.id in replaced else known.get(job.id, {}).get("state") for job in manifest'
            ".jobs}"
        ),
        'state_of = {job.id: known.get(job.id, {}).get("state") for job in manifest.jobs}',
        ("tests/report/test_summary_lines.py::test_the_plan_with_every_flag_that_pays_again",),
    ),
    Plant(
        "the dry run counts completed jobs among those whose estimate is an upper bound",
        "batchgen/report/summary.py",
        "bounded = sum(1 for job in todo if is_upper_bound(",
        "bounded = sum(1 for job in manifest.jobs if is_upper_bound(",
        ("tests/report/test_audit_summary.py::test_the_plan_counts_as_an_upper_bound_only_the_jobs_still_to_do",),
    ),
    Plant(
        "the dry run's time ignores the request budget",
        "batchgen/report/summary.py",
        "    return max(by_concurrency, by_budget)",
        "    return by_concurrency",
        (
            "tests/report/test_summary_lines.py::test_the_time_estimate_is_the_longer_of_the_concurrency_and_the_reques"
            "t_budget",
        ),
    ),
    Plant(
        "status says nothing of a run holding the folder whose pid is unknown",
        "batchgen/report/summary.py",
        "    if held_by is not None:\n",
        "    if held_by:\n",
        (
            "tests/report/test_summary_lines.py::test_status_says_what_to_do_about_deferred_jobs_and_who_holds_the_fold"
            "er_in_full",
        ),
    ),
    Plant(
        "the summary leaves the jobs held back for a reason of their own out of the jobs left for a later run",
        "batchgen/report/summary.py",
        "group_failures(report.left + report.held_back))",
        "group_failures(report.left))",
        (
            "tests/report/test_summary_lines.py::test_a_credit_stop_counts_as_deferred_only_the_jobs_it_held_back_not_o"
            "ne_whose_image_changed",
        ),
    ),
    Plant(
        "status --json says no run holds the folder while a shard's run does",
        "batchgen/report/summary.py",
        '"running": bool(live),',
        '"running": held_by is not None,',
        (
            "tests/report/test_summary_lines.py::test_status_of_a_folder_runs_hold_now_names_them_and_leaves_the_work_t"
            "o_them",
        ),
    ),
    Plant(
        "status of a manifest none of whose jobs was sent drops the spend of the folder's other jobs",
        "batchgen/report/summary.py",
        "        if not jobs:\n            lines.insert(2, spent)",
        "        pass",
        (
            "tests/report/test_audit_summary.py::test_status_of_a_manifest_none_of_whose_jobs_was_sent_still_gives_the_"
            "spend_of_the_folders_other_jobs",
        ),
    ),
    Plant(
        "status --json counts every ledger job as outside the manifest",
        "batchgen/report/summary.py",
        '"outside_manifest": outside,',
        '"outside_manifest": len(replay.jobs),',
        ("tests/e2e/test_told_status.py::test_status_counts_the_manifest_s_jobs_not_the_rows_removed_from_it",),
    ),
    Plant(
        "status --json counts the manifest's jobs without those never submitted",
        "batchgen/report/summary.py",
        '"manifest_jobs": total if never_submitted is not None else None,',
        '"manifest_jobs": len(jobs) if never_submitted is not None else None,',
        ("tests/report/test_summary_lines.py::test_status_against_the_manifest_counts_the_jobs_never_submitted",),
    ),
    Plant(
        "status counts the jobs never submitted as the shards not run yet",
        "batchgen/report/summary.py",
        "named = len({shard_of(i, count) for i in waiting})",
        "named = len(waiting)",
        (
            "tests/report/test_summary_lines.py::test_a_sharded_folders_status_names_the_shard_of_each_job_a_run_is_sti"
            "ll_to_send_or_resume",
        ),
    ),
    Plant(
        "status --json never tells a torn ledger tail",
        "batchgen/report/summary.py",
        '"torn_tail": replay.torn_tail,',
        '"torn_tail": False,',
        ("tests/report/test_promises_units.py::test_status_of_a_finished_an_empty_a_torn_and_a_held_folder",),
    ),
    Plant(
        "a request id in capitals keeps like failure reasons from grouping",
        "batchgen/report/summary.py",
        '[0-9a-f]{12}\\b", re.IGNORECASE)',
        '[0-9a-f]{12}\\b")',
        (
            "tests/report/test_summary_lines.py::test_a_failures_reason_drops_what_makes_each_job_unique_so_reasons_gro"
            "up",
        ),
    ),
    Plant(
        "the reasons past the eighth count their reasons, not their jobs",
        "batchgen/report/summary.py",
        "jobs = sum(count for _, count, _ in rest)",
        "jobs = len(rest)",
        (
            "tests/report/test_summary_lines.py::test_more_than_eight_reasons_show_the_eight_most_frequent_and_count_th"
            "e_jobs_of_the_rest",
        ),
    ),
    Plant(
        "status against the manifest counts the warnings of videos outside it",
        "batchgen/report/summary.py",
        "    media = count_media_warnings(jobs)",
        "    media = count_media_warnings(replay.jobs)",
        (
            "tests/report/test_audit_summary.py::test_status_against_the_manifest_counts_no_warning_of_a_video_outside_"
            "it",
        ),
    ),
    Plant(
        "status against the manifest leaves the folder's jobs outside it made and not fetched out of the spend's note",
        "batchgen/report/summary.py",
        '        for rec in replay.jobs.values()\n        if rec.get("state") in UNFETCHED',
        '        for rec in jobs.values()\n        if rec.get("state") in UNFETCHED',
        (
            "tests/report/test_audit_summary.py::test_status_against_the_manifest_counts_a_job_outside_it_made_and_not_"
            "fetched_beside_the_folders_spend",
        ),
    ),
    Plant(
        "status says when a reason was recorded to the minute, not the second",
        "batchgen/report/summary.py",
        "    return f\"{ts[:19].replace('T', ' ')} UTC\"",
        "    return f\"{ts[:16].replace('T', ' ')} UTC\"",
        (
            "tests/report/test_summary_lines.py::test_status_lists_jobs_left_for_a_later_run_apart_from_failures_as_the"
            "_summary_does",
        ),
    ),
    Plant(
        "status of another manifest tells its jobs to the folder's last run, not the run of that manifest",
        "batchgen/report/summary.py",
        "    return f\"'{command}'\" if command else \"the same 'batchgen run' again\"",
        "    return \"the same 'batchgen run' again\"",
        (
            "tests/e2e/test_told_status.py::test_status_of_another_manifest_names_the_run_of_that_manifest_for_its_jobs"
            "_not_the_same_run_again",
        ),
    ),
    Plant(
        "status says its reasons were recorded by the earliest of their lines, not the latest",
        "batchgen/report/summary.py",
        '    if latest := max(recorded.values(), default=""):',
        '    if latest := min(recorded.values(), default=""):',
        (
            "tests/report/test_summary_lines.py::test_status_lists_jobs_left_for_a_later_run_apart_from_failures_as_the"
            "_summary_does",
        ),
    ),
    Plant(
        "status tells the jobs never submitted to run again while a run holding the folder sends them",
        "batchgen/report/summary.py",
        "if missing := [i for i in manifest or () if i not in replay.jobs and not at_work(i)]:",
        "if missing := [i for i in manifest or () if i not in replay.jobs]:",
        (
            "tests/report/test_summary_lines.py::test_status_of_a_folder_runs_hold_now_names_them_and_leaves_the_work_t"
            "o_them",
        ),
    ),
    Plant(
        "the report's spend leaves out what jobs made anew paid before",
        "batchgen/report/html.py",
        "spend = sum((r.cost or 0.0) + r.paid_before for r in rows)",
        "spend = sum((r.cost or 0.0) for r in rows)",
        ("tests/report/test_report.py::test_the_pages_spend_is_every_charge_the_ledger_holds_as_status_says",),
    ),
    Plant(
        "the report counts every job of the ledger among those with charges no answer reported",
        "batchgen/report/html.py",
        'f"{len(unreported)} jobs, about',
        'f"{len(rows)} jobs, about',
        (
            "tests/e2e/test_charges_shown.py::test_jobs_completed_with_no_charge_shown_count_at_their_estimates_and_are"
            "_told_apart[zero]",
        ),
    ),
    Plant(
        "the report swaps the last run's requests and its 429s",
        "batchgen/report/html.py",
        "{data.requests} ({data.throttled or 0} answered 429)",
        "{data.throttled} ({data.requests or 0} answered 429)",
        (
            "tests/report/test_audit_publish.py::test_the_page_gives_the_requests_and_429s_of_the_last_run_in_the_pace_"
            "file",
        ),
    ),
    Plant(
        "the report counts the manifest's rows never sent one short",
        "batchgen/report/html.py",
        "if unsent := len(data.rows) - len(rows):",
        "if unsent := len(data.rows) - len(rows) - 1:",
        (
            "tests/report/test_report.py::test_a_run_stopped_before_it_sent_every_row_counts_in_the_ledger_only_the_led"
            "gers_jobs",
        ),
    ),
    Plant(
        "the report leaves out the requests of a last run that made none",
        "batchgen/report/html.py",
        "    if data.requests is not None:\n",
        "    if data.requests:\n",
        ("tests/report/test_audit_html.py::test_the_summary_gives_a_last_run_that_made_no_request_as_zero_requests",),
    ),
    Plant(
        "the report gives the reasons of failed jobs alone, not of lost or unfinished ones",
        "batchgen/report/timeline.py",
        'row.error = error_text(record.get("error")) if row.state != "completed" else None',
        'row.error = error_text(record.get("error")) if row.state == "failed" else None',
        (
            "tests/report/test_report.py::test_a_job_a_re_run_cannot_settle_and_one_held_back_for_its_image_are_told_ap"
            "art_from_deferred_ones",
        ),
    ),
    Plant(
        "the report says a plain re-run settles every job",
        "batchgen/report/timeline.py",
        "row.rerun = not rerun_cannot_settle(record)",
        "row.rerun = True",
        (
            "tests/report/test_report.py::test_a_job_a_re_run_cannot_settle_and_one_held_back_for_its_image_are_told_ap"
            "art_from_deferred_ones",
        ),
    ),
    Plant(
        "the index has no download time for any job",
        "batchgen/report/timeline.py",
        '    elif event == "completed":\n        row.downloaded_at = at',
        '    elif event == "completed":\n        pass',
        ("tests/report/test_report.py::test_index_parquet_reads_back_with_one_typed_row_per_job",),
    ),
    Plant(
        "the report does not say when the reasons of jobs left were recorded (rows carry no time)",
        "batchgen/report/timeline.py",
        'row.updated_at = parse_time(record.get("ts"))',
        "row.updated_at = None",
        (
            "tests/report/test_audit_timeline.py::test_a_jobs_row_is_dated_by_its_last_ledger_line_which_the_report_giv"
            "es_as_when_its_reason_was_recorded",
        ),
    ),
    Plant(
        "the index gives a job completed with no charge reported as free",
        "batchgen/report/timeline.py",
        "        row.cost = charged(record)",
        "        row.cost = charged(record) or 0.0",
        (
            "tests/report/test_audit_timeline.py::test_a_job_completed_with_no_charge_reported_reads_back_with_no_cost_"
            "not_as_free",
        ),
    ),
    Plant(
        "the index drops every video's checksum",
        "batchgen/report/timeline.py",
        '            row.sha256 = record.get("sha256")',
        "            row.sha256 = None",
        ("tests/report/test_report.py::test_index_parquet_reads_back_with_one_typed_row_per_job",),
    ),
    Plant(
        "the index drops every job's request id",
        "batchgen/report/timeline.py",
        '        row.request_id = record.get("request_id")',
        "        row.request_id = None",
        ("tests/report/test_report.py::test_timings_are_those_of_the_attempt_that_counts",),
    ),
    Plant(
        "the index drops every video's size",
        "batchgen/report/timeline.py",
        '            row.bytes = record.get("bytes") if isinstance(record.get("bytes"), int) else None',
        "            row.bytes = None",
        ("tests/report/test_report.py::test_index_parquet_reads_back_with_one_typed_row_per_job",),
    ),
    Plant(
        "the index drops every video's media probe",
        "batchgen/report/timeline.py",
        '            row.media = Media.from_record(record.get("media"))',
        "            row.media = None",
        ("tests/report/test_report.py::test_index_parquet_reads_back_with_one_typed_row_per_job",),
    ),
    Plant(
        "status drops the shards a killed run still leases (a run on them exits 5 until the lease lapses)",
        "batchgen/report/summary.py",
        '        lines.append(f"  shard {name} is still leased to {lease}: a run on it starts once it has")',
        "        pass",
        (
            "tests/report/test_audit_summary.py::test_status_names_each_shard_a_killed_run_still_leases_and_when_a_run_"
            "on_it_starts",
        ),
    ),
    Plant(
        "status says nothing of the jobs a run holding the folder works on now",
        "batchgen/report/summary.py",
        "    if busy:\n",
        "    if False:\n",
        (
            "tests/report/test_summary_lines.py::test_status_of_a_folder_runs_hold_now_names_them_and_leaves_the_work_t"
            "o_them",
        ),
    ),
    Plant(
        "an interrupted run's summary does not say its jobs in flight stay resumable",
        "batchgen/report/summary.py",
        '    elif report.stop_reason == "interrupted":\n        lines.append("Interrupted',
        '    elif False:\n        lines.append("Interrupted',
        (
            "tests/report/test_summary_lines.py::test_an_interrupted_run_is_resumable_and_a_finished_one_offers_nothing"
            "_more",
        ),
    ),
    Plant(
        "the summary counts every job submitted now as of unknown outcome",
        "batchgen/report/summary.py",
        'unknown = f" ({report.unsettled} of them with the outcome unknown)" if report.unsettled else ""',
        'unknown = f" ({report.submitted} of them with the outcome unknown)" if report.unsettled else ""',
        (
            "tests/report/test_summary_lines.py::test_submits_of_unknown_outcome_count_as_sent_and_are_told_apart_from_"
            "failures",
        ),
    ),
    Plant(
        "the resume line offers to pay again for failed jobs the API refused as sent (never charged)",
        "batchgen/report/summary.py",
        '    if failed := states.get("failed", 0) - min(refused, states.get("failed", 0)):',
        '    if failed := states.get("failed", 0):',
        (
            "tests/report/test_audit_summary.py::"
            "test_the_resume_line_offers_to_pay_again_only_for_the_failed_jobs_not_refused_as_sent",
        ),
    ),
    Plant(
        "a download's declared image type is not read: a preview is taken for a video cut short, fetched every run",
        "batchgen/engine/downloader.py",
        '                if not (exc.not_mp4 and (dl.content_type or "").startswith("image/")):',
        "                if True:",
        (
            "tests/e2e/test_history_previews.py::"
            "test_a_gone_record_whose_history_links_a_preview_is_lost_and_told_how_to_make_it_again",
        ),
    ),
    Plant(
        "any body that is no MP4 (a CDN's page for a while) is taken for an image: not fetched again, the job lost",
        "batchgen/engine/downloader.py",
        '                if not (exc.not_mp4 and (dl.content_type or "").startswith("image/")):',
        "                if not exc.not_mp4:",
        (
            "tests/e2e/test_review_not_video.py::"
            "test_a_cdn_page_served_once_at_the_video_link_does_not_make_a_gone_records_job_lost",
        ),
    ),
    Plant(
        "a video an earlier run put in place is called lost when its gone record's history links a preview",
        "batchgen/engine/downloader.py",
        "                            if (saved := await self._installed(job, dest)) is not None:\n"
        "                                break\n",
        "",
        (
            "tests/e2e/test_review_not_video.py::"
            "test_a_video_an_earlier_run_put_in_place_is_kept_when_its_link_now_gives_a_preview",
        ),
    ),
    Plant(
        "the job's own link is forgotten for a preview the history gave (the next run calls the job lost)",
        "batchgen/engine/downloader.py",
        "                    job.output_url = own  # the job's own link",
        "                    pass  # the job's own link",
        (
            "tests/e2e/test_review_not_video.py::"
            "test_a_job_whose_video_link_gave_a_page_once_is_not_lost_next_run_for_the_previews_link",
        ),
    ),
    Plant(
        "a preview linked anew (another signature) is taken for another link, the job left downloading for ever",
        "batchgen/engine/downloader.py",
        "                    if found and exc.image and same_file(found.url, url):",
        "                    if found and exc.image and found.url == url:",
        (
            "tests/e2e/test_review_not_video.py::"
            "test_a_gone_records_preview_linked_by_a_link_signed_anew_is_lost_not_left_downloading",
        ),
    ),
    Plant(
        "a body that is no MP4 and of the wrong size is refused for its size, never known for an image",
        "batchgen/store/mp4.py",
        "    if problem == NOT_MP4:  # no MP4 at all, whatever its size",
        "    if False:  # no MP4 at all, whatever its size",
        (
            "tests/e2e/test_review_not_video.py::"
            "test_a_video_an_earlier_run_put_in_place_is_kept_when_its_link_now_gives_a_preview",
        ),
    ),
    Plant(
        "the client does not pass on a download's declared media type",
        "batchgen/api/client.py",
        "content_type=declared)",
        "content_type=None)",
        (
            "tests/e2e/test_history_previews.py::"
            "test_a_gone_record_whose_history_links_a_preview_is_lost_and_told_how_to_make_it_again",
        ),
    ),
    Plant(
        "the spend cap counts what other manifests' jobs may have cost at the catalogue's prices, not the config's",
        "batchgen/engine/resume.py",
        "    book.count_spent(counted_at_start(others, (), prices))",
        "    book.count_spent(counted_at_start(others, (), {}))",
        (
            "tests/engine/test_resume_spend.py::"
            "test_another_manifests_jobs_count_what_they_may_have_been_charged_at_the_configs_prices",
        ),
    ),
    Plant(
        "a history that refuses sort_order alone is asked without per_page too (pages too large cannot shrink)",
        "batchgen/api/client.py",
        "            key=len,\n            reverse=True,\n        )",
        "            key=lambda form: form != names[len(names) - len(form):],\n        )",
        (
            "tests/api/test_client_answers.py::test_a_history_that_refuses_the_order_alone_is_still_asked_for_its_pa"
            "ge_size",
            "tests/e2e/test_images.py::test_a_history_page_too_large_for_its_images_is_asked_again_with_fewer_rows",
        ),
    ),
    Plant(
        "a history page's forms are tried with the order left out before the page size",
        "batchgen/api/client.py",
        "if not dropped >> i & 1)",
        "if not dropped >> (len(names) - 1 - i) & 1)",
        (
            "tests/api/test_client_answers.py::test_a_history_that_refuses_what_is_asked_is_asked_less_for_the_rest_o"
            "f_the_run",
        ),
    ),
    Plant(
        "report.html's summary leaves out what may have been charged with no charge reported",
        "batchgen/report/html.py",
        "    if unreported := [r.unreported for r in rows if r.unreported]:",
        "    if unreported := []:",
        (
            "tests/report/test_audit_html.py"
            "::test_the_summary_tells_apart_what_may_have_been_charged_with_no_charge_reported",
        ),
    ),
    Plant(
        "report.html's spend counts the estimates of charges no answer reported as spent",
        "batchgen/report/html.py",
        "    spend = sum((r.cost or 0.0) + r.paid_before for r in rows)",
        "    spend = sum((r.cost or 0.0) + r.paid_before + r.unreported for r in rows)",
        (
            "tests/report/test_audit_html.py"
            "::test_the_summary_tells_apart_what_may_have_been_charged_with_no_charge_reported",
        ),
    ),
    Plant(
        "the progress's charges not yet reported leave out the estimates the jobs in flight hold",
        "batchgen/engine/book.py",
        "            (job.held if job.cost is None and job.state in MAY_BE_CHARGED else 0.0) + job.unreported_before",
        "            job.unreported_before",
        (
            "tests/engine/test_audit_run.py"
            "::test_the_progress_counts_beside_the_spend_what_jobs_may_have_been_charged_with_none_reported",
        ),
    ),
    Plant(
        "the progress line and panel give the spend alone while jobs may have been charged with none reported",
        "batchgen/report/summary.py",
        "    if snap.unreported < 0.005:",
        "    if True:",
        (
            "tests/report/test_summary_lines.py"
            "::test_the_progress_says_beside_the_spend_what_the_jobs_may_have_been_charged_with_none_reported",
        ),
    ),
    Plant(
        "the live panel gives the spend alone while jobs may have been charged with none reported",
        "batchgen/report/summary.py",
        '    table.add_row("spend", f"${snap.spend:.2f}{_unreported(snap)}")',
        '    table.add_row("spend", f"${snap.spend:.2f}")',
        (
            "tests/report/test_summary_lines.py"
            "::test_the_progress_says_beside_the_spend_what_the_jobs_may_have_been_charged_with_none_reported",
        ),
    ),
    Plant(
        "an expired job whose row was removed is taken up as a stray (polled, told as in flight)",
        "batchgen/engine/strays.py",
        "FETCHABLE = frozenset({JobState.SUBMITTED, JobState.DOWNLOADING})",
        "FETCHABLE = frozenset({JobState.SUBMITTED, JobState.DOWNLOADING, JobState.EXPIRED})",
        (
            "tests/engine/test_strays.py::"
            "test_a_job_finished_failed_expired_or_never_sent_is_not_taken_up_whatever_its_record_holds",
        ),
    ),
    Plant(
        "a submit of unknown outcome whose row was removed is taken up as a stray to fetch",
        "batchgen/engine/strays.py",
        "FETCHABLE = frozenset({JobState.SUBMITTED, JobState.DOWNLOADING})",
        "FETCHABLE = frozenset({JobState.SUBMITTED, JobState.DOWNLOADING, JobState.SUBMITTING})",
        (
            "tests/engine/test_strays.py::"
            "test_a_job_finished_failed_expired_or_never_sent_is_not_taken_up_whatever_its_record_holds",
        ),
    ),
    Plant(
        "a failed job whose row was removed is taken up as a stray (polled, told as in flight)",
        "batchgen/engine/strays.py",
        "FETCHABLE = frozenset({JobState.SUBMITTED, JobState.DOWNLOADING})",
        "FETCHABLE = frozenset({JobState.SUBMITTED, JobState.DOWNLOADING, JobState.FAILED})",
        (
            "tests/engine/test_strays.py::"
            "test_a_job_finished_failed_expired_or_never_sent_is_not_taken_up_whatever_its_record_holds",
        ),
    ),
    Plant(
        "jobs in flight are not fetched once the manifest has no row left (paid videos never fetched)",
        "batchgen/engine/strays.py",
        "    if replay is None:\n        return []",
        "    if replay is None or not jobs:\n        return []",
        (
            "tests/engine/test_strays.py::"
            "test_a_stray_is_fetched_as_its_record_holds_even_once_the_manifest_has_no_row_left",
        ),
    ),
    Plant(
        "a row given an id of the model's prefix and any twelve letters is renamed to the folder's job",
        "batchgen/engine/derived_ids.py",
        '_TAIL = re.compile(r"-[0-9a-f]{12}((?:-[0-9]+)?(?:-r[0-9]+)?)")',
        '_TAIL = re.compile(r"-[0-9a-z]{12}((?:-[0-9]+)?(?:-r[0-9]+)?)")',
        ("tests/engine/test_audit_derived_ids.py::test_a_row_given_an_id_only_shaped_like_a_derived_one_keeps_it",),
    ),
    Plant(
        "a row given an id of the model's prefix and a longer hash is renamed to the folder's job",
        "batchgen/engine/derived_ids.py",
        '_TAIL = re.compile(r"-[0-9a-f]{12}((?:-[0-9]+)?(?:-r[0-9]+)?)")',
        '_TAIL = re.compile(r"-[0-9a-f]{12,}((?:-[0-9]+)?(?:-r[0-9]+)?)")',
        ("tests/engine/test_audit_derived_ids.py::test_a_row_given_an_id_only_shaped_like_a_derived_one_keeps_it",),
    ),
    Plant(
        "a row given an id of the model's prefix and a hash of any length is renamed to the folder's job",
        "batchgen/engine/derived_ids.py",
        '_TAIL = re.compile(r"-[0-9a-f]{12}((?:-[0-9]+)?(?:-r[0-9]+)?)")',
        '_TAIL = re.compile(r"-[0-9a-f]+((?:-[0-9]+)?(?:-r[0-9]+)?)")',
        ("tests/engine/test_audit_derived_ids.py::test_a_row_given_an_id_only_shaped_like_a_derived_one_keeps_it",),
    ),
    Plant(
        "a row given an id as long as the model's prefix, then a digest's shape, is taken for derived",
        "batchgen/engine/derived_ids.py",
        "    if not job_id.startswith(prefix):\n        return None\n",
        "",
        ("tests/engine/test_audit_derived_ids.py::test_a_row_given_an_id_only_shaped_like_a_derived_one_keeps_it",),
    ),
    Plant(
        "of two jobs the folder made of one request only the last is offered: a second row is paid again",
        "batchgen/engine/derived_ids.py",
        "made.setdefault(key, []).append(job_id)",
        "made[key] = [job_id]",
        (
            "tests/engine/test_audit_derived_ids.py::"
            "test_rows_of_one_request_take_every_job_the_folder_made_of_it_one_each",
        ),
    ),
    Plant(
        "a derived id's occurrence past the ninth is not derived: the row is made and paid again",
        "batchgen/engine/derived_ids.py",
        '_TAIL = re.compile(r"-[0-9a-f]{12}((?:-[0-9]+)?(?:-r[0-9]+)?)")',
        '_TAIL = re.compile(r"-[0-9a-f]{12}((?:-[0-9])?(?:-r[0-9]+)?)")',
        (
            "tests/engine/test_audit_derived_ids.py::"
            "test_a_row_of_a_tenth_occurrence_or_repeat_takes_its_own_job_as_a_first_one_does",
        ),
    ),
    Plant(
        "a derived id's repeat past the ninth is not derived: the row is made and paid again",
        "batchgen/engine/derived_ids.py",
        '_TAIL = re.compile(r"-[0-9a-f]{12}((?:-[0-9]+)?(?:-r[0-9]+)?)")',
        '_TAIL = re.compile(r"-[0-9a-f]{12}((?:-[0-9]+)?(?:-r[0-9])?)")',
        (
            "tests/engine/test_audit_derived_ids.py::"
            "test_a_row_of_a_tenth_occurrence_or_repeat_takes_its_own_job_as_a_first_one_does",
        ),
    ),
    Plant(
        "a video in place of a request whose file_size is unknown is never kept (its paid video refetched or lost)",
        "batchgen/store/local.py",
        "if (file_size is not None and info.st_size != file_size) or mp4_problem(dest):",
        "if (file_size is None or info.st_size != file_size) or mp4_problem(dest):",
        (
            "tests/store/test_audit_local.py::"
            "test_a_video_found_in_place_of_a_request_whose_size_the_api_never_gave_is_kept_when_sound",
        ),
    ),
    Plant(
        "a video found in place of a request of unknown file_size is recorded without its size",
        "batchgen/store/local.py",
        "    return SavedVideo(dest, digest.hexdigest(), info.st_size, info.st_mtime_ns)",
        "    return SavedVideo(dest, digest.hexdigest(), file_size, info.st_mtime_ns)",
        (
            "tests/store/test_audit_local.py::"
            "test_a_video_found_in_place_of_a_request_whose_size_the_api_never_gave_is_kept_when_sound",
        ),
    ),
    Plant(
        "a symbolic link in place of a video (the API's size unknown) is kept as the request's video",
        "batchgen/store/local.py",
        "if not stat.S_ISREG(info.st_mode) or info.st_mtime_ns < since * 1e9:",
        "if info.st_mtime_ns < since * 1e9:",
        ("tests/store/test_audit_local.py::test_a_link_in_place_of_a_video_is_never_kept_as_the_requests_video",),
    ),
    Plant(
        "a video in place is looked at through a symbolic link: a link to a sound MP4 is kept",
        "batchgen/store/local.py",
        "        info = os.lstat(dest)",
        "        info = os.stat(dest)",
        ("tests/store/test_audit_local.py::test_a_link_in_place_of_a_video_is_never_kept_as_the_requests_video",),
    ),
    Plant(
        "a sidecar is rewritten in place (a crash or a reader sees it torn)",
        "batchgen/store/local.py",
        "await anyio.to_thread.run_sync(write_atomically, path, text.encode())",
        "await anyio.to_thread.run_sync(path.write_bytes, text.encode())",
        (
            "tests/store/test_audit_local.py::"
            "test_a_sidecar_is_written_under_another_name_then_renamed_over_the_last_one",
        ),
    ),
    Plant(
        "the lock file's pid is read cut to five digits: a longer pid's holder is named wrong",
        "batchgen/store/local.py",
        "text = os.read(fd, 32).decode().strip()",
        "text = os.read(fd, 5).decode().strip()",
        ("tests/store/test_audit_local.py::test_a_held_lock_names_its_holder_whatever_the_length_of_its_pid",),
    ),
    Plant(
        "a video in place that cannot be read (a disk error) escapes as a raw OSError",
        "batchgen/store/local.py",
        "    except OSError:\n        return None\n    return SavedVideo",
        "    except FileNotFoundError:\n        return None\n    return SavedVideo",
        ("tests/store/test_audit_local.py::test_a_video_in_place_that_cannot_be_read_is_not_kept_and_stops_nothing",),
    ),
    Plant(
        "looking for the lock holder leaves its file open (status leaks a descriptor per look)",
        "batchgen/store/local.py",
        "        return None\n    finally:\n        os.close(fd)\n",
        "        return None\n",
        ("tests/store/test_audit_local.py::test_looking_for_the_lock_holder_keeps_no_file_open",),
    ),
    Plant(
        "index.parquet's timestamps are cut, not rounded, to the millisecond",
        "batchgen/report/index.py",
        "    return None if epoch is None else round(epoch * 1000)",
        "    return None if epoch is None else int(epoch * 1000)",
        ("tests/report/test_audit_index.py::test_the_index_gives_times_to_the_nearest_millisecond",),
    ),
    Plant(
        "index.parquet keeps only a video's first warning",
        "batchgen/report/index.py",
        "for w in row.warnings],",
        "for w in row.warnings[:1]],",
        ("tests/report/test_audit_index.py::test_the_index_gives_every_warning_a_video_was_kept_with_in_order",),
    ),
    Plant(
        "index.parquet's meta_json holds text in other scripts as escapes",
        "batchgen/report/index.py",
        '"meta_json": json.dumps(row.meta, sort_keys=True, ensure_ascii=False)',
        '"meta_json": json.dumps(row.meta, sort_keys=True, ensure_ascii=True)',
        ("tests/report/test_audit_index.py::test_the_annotation_columns_keep_their_text_as_written_not_as_escapes",),
    ),
    Plant(
        "index.parquet gives a job without a known charge a cost of 0",
        "batchgen/report/index.py",
        '"cost_usd": row.cost,',
        '"cost_usd": row.cost or 0.0,',
        ("tests/report/test_audit_index.py::test_a_job_without_a_video_holds_no_figures_of_one_empty_never_zero",),
    ),
    Plant(
        "index.parquet gives a job without a video a size of 0 bytes",
        "batchgen/report/index.py",
        '"bytes": row.bytes,',
        '"bytes": row.bytes or 0,',
        ("tests/report/test_audit_index.py::test_a_job_without_a_video_holds_no_figures_of_one_empty_never_zero",),
    ),
    Plant(
        "index.parquet leaves a text parameter written empty as if it were left out",
        "batchgen/report/index.py",
        "    return None if value is None else str(value)",
        "    return str(value) if value else None",
        (
            "tests/report/test_audit_index.py::"
            "test_a_text_parameter_written_empty_is_kept_empty_not_taken_for_one_left_out",
        ),
    ),
    Plant(
        "a run refused the lock clears the downloads in progress of the run holding it (which then stops)",
        "batchgen/store/output.py",
        "        local.prepare()\n        local.lock()",
        '        local.prepare()\n        [p.unlink() for p in local.partial.glob("*.part")]\n        local.lock()',
        (
            "tests/store/test_audit_local.py"
            "::test_a_run_refused_the_lock_leaves_the_downloads_of_the_run_holding_it_alone",
        ),
    ),
    Plant(
        "a run refused the folder (another run holds its lock) keeps its options and manifest with it all the same",
        "batchgen/cli/runner.py",
        "    one_report_at_a_time = anyio.CapacityLimiter(1)\n",
        "    one_report_at_a_time = anyio.CapacityLimiter(1)\n    _ = on_held() if on_held else None\n",
        (
            "tests/cli/test_audit_options.py"
            "::test_a_run_refused_the_folder_another_run_holds_leaves_its_kept_options_and_manifest_alone",
        ),
    ),
    Plant(
        "a run's options are never kept with its folder (a resume forgets its cap, pace and server)",
        "batchgen/cli/runner.py",
        "            on_held()",
        "            pass",
        (
            "tests/cli/test_audit_options.py"
            "::test_a_run_refused_the_folder_another_run_holds_leaves_its_kept_options_and_manifest_alone",
        ),
    ),
    Plant(
        "a lost submit's look-up takes a row of the same body stamped moments before its POST went (another run's)",
        "batchgen/engine/lookup.py",
        "return min(self._since_sent(matches) or matches, key",
        "return min(matches, key",
        (
            "tests/engine/test_audit_lookup_choice.py::"
            "test_a_row_of_the_same_body_stamped_moments_before_the_send_is_not_taken_for_the_lost_one",
        ),
    ),
    Plant(
        "an image row keeping the lost submit's image whole is made a guess by a row that cannot say (left unsettled)",
        "batchgen/engine/lookup.py",
        "            chosen = sure if sure else found\n",
        "            chosen = found\n",
        (
            "tests/engine/test_audit_lookup_choice.py::"
            "test_an_image_row_keeping_the_image_whole_is_taken_over_one_that_cannot_say",
        ),
    ),
    Plant(
        "in a read in no order, a later request of ours first seen in it undoes one seen before it began",
        "batchgen/engine/lookup.py",
        "self._later_seen_before = self._later_seen_before or (first",
        "self._later_seen_before = (first",
        (
            "tests/engine/test_audit_lookup_choice.py::"
            "test_in_a_read_in_no_order_a_later_request_seen_before_it_began_still_counts_after_one_seen_during_it",
        ),
    ),
    Plant(
        "an image kept whole in a history row is told only by a PNG or JPEG end marker, never by its size",
        "batchgen/engine/lookup.py",
        'whole = len(data) == ref.get("bytes") or',
        'whole = len(data) == ref.get("size") or',
        (
            "tests/engine/test_audit_lookup_choice.py::"
            "test_an_image_with_no_end_marker_kept_whole_is_told_apart_by_its_size_and_digest",
        ),
    ),
    Plant(
        "a slow submit's row is looked for from when its outcome came back unknown, not its POST (paid twice)",
        "batchgen/engine/lookup.py",
        "        floor = rec.stamps.earliest_stamp(since)  # None: the rows' times say nothing of ours\n",
        "        floor = rec.stamps.earliest_stamp(self.until)  # None: the rows' times say nothing of ours\n",
        ("tests/engine/test_audit_lookup_choice.py::test_a_slow_submits_row_made_soon_after_its_post_is_found",),
    ),
    Plant(
        "a slow submit's row is told from one of the same body made before its POST by when its outcome came back",
        "batchgen/engine/lookup.py",
        "        sent = self.rec.stamps.sent_stamp(self.since)\n",
        "        sent = self.rec.stamps.sent_stamp(self.until)\n",
        (
            "tests/engine/test_audit_lookup_choice.py::"
            "test_a_slow_submits_row_is_told_from_one_of_the_same_body_made_moments_before_its_post",
        ),
    ),
    Plant(
        "a slow submit's look-up stops at a page of rows made while it waited for the answer (its row below)",
        "batchgen/engine/lookup.py",
        "        floor = rec.stamps.earliest_stamp(since)\n        return floor",
        "        floor = rec.stamps.earliest_stamp(self.until)\n        return floor",
        (
            "tests/engine/test_audit_lookup_choice.py::"
            "test_a_slow_submits_look_up_reads_on_past_a_page_of_rows_made_while_it_waited",
        ),
    ),
    Plant(
        "an image job's row that cuts one image short says nothing of the other, kept whole and not the job's",
        "batchgen/engine/lookup.py",
        "        if not whole:  # a truncated copy (or something else): it cannot say\n            continue\n",
        "        if not whole:  # a truncated copy (or something else): it cannot say\n            return None\n",
        (
            "tests/engine/test_audit_lookup_choice.py::"
            "test_a_row_with_one_image_cut_short_and_another_kept_whole_but_not_the_jobs_is_not_its_row",
        ),
    ),
    Plant(
        "a balance read refused with no detail (a 404) crashes the run; another is told as 'HTTP 400 (None)'",
        "batchgen/engine/balance.py",
        "    detail = exc.detail or str(exc)\n",
        "    detail = exc.detail\n",
        (
            "tests/engine/test_audit_balance.py::"
            "test_a_balance_read_refused_with_no_detail_is_told_by_its_message_and_the_run_goes_on",
        ),
    ),
    Plant(
        "a balance read refused 400/500 'No credits found' is told as an HTTP 404 with no balance on record",
        "batchgen/engine/balance.py",
        '    if isinstance(exc, NotFound) and "no credits',
        '    if "no credits',
        ("tests/engine/test_audit_balance.py::test_only_a_404_is_told_as_an_account_with_no_balance_on_record",),
    ),
    Plant(
        "the progress tells jobs handed to a submitter, waiting for the request budget, as charges not yet reported",
        "batchgen/engine/book.py",
        "(job.held if job.cost is None and job.state in MAY_BE_CHARGED else 0.0)",
        "(job.held if job.cost is None else 0.0)",
        (
            "tests/engine/test_review_unreported_progress.py"
            "::test_jobs_handed_over_but_not_yet_sent_are_not_told_as_charges_not_yet_reported",
        ),
    ),
    Plant(
        "a history page's form to resume from is one for all readers: a second reader's overwrites the first's",
        "batchgen/api/client.py",
        "        trying = self._history_trying.get(asked)",
        "        trying = next(iter(self._history_trying.values()), None)",
        ("tests/api/test_review_history_readers.py::test_two_readers_each_resume_from_the_form_not_yet_refused",),
    ),
    Plant(
        "a reader whose too-large page was asked before another halved further raises the shared page size again",
        "batchgen/api/client.py",
        "                per_page = self.history_per_page = min(self.history_per_page, per_page // 2)",
        "                per_page = self.history_per_page = per_page // 2",
        (
            "tests/api/test_review_history_readers.py"
            "::test_a_reader_halving_late_never_makes_another_readers_next_page_skip_rows",
        ),
    ),
    Plant(
        "a history page resumes from its own refused form though another reader found a later form answered",
        "batchgen/api/client.py",
        "max(trying, self.history_asks, key=HISTORY_FORMS.index)",
        "trying",
        (
            "tests/api/test_review_history_readers.py"
            "::test_a_reader_resumes_from_the_form_another_reader_found_answered_since",
        ),
    ),
    Plant(
        "report.html calls an earlier request set aside by --replace-changed lost",
        "batchgen/report/html.py",
        '"requests lost before their videos were fetched or set aside by --replace-changed)",',
        '"requests lost)",',
        (
            "tests/report/test_review_html_unreported.py"
            "::test_the_report_does_not_call_a_request_set_aside_by_replace_changed_lost",
        ),
    ),
    Plant(
        "a binary file passed as a model spec is told it holds a control character 'such as a pasted colour code'",
        "batchgen/models/loader.py",
        '    if len(data) > MAX_SPEC_BYTES or b"\\x00" in data:',
        "    if len(data) > MAX_SPEC_BYTES:",
        (
            "tests/models/test_audit_loader_refusals.py::"
            "test_a_binary_file_is_refused_as_no_spec_and_text_not_in_utf8_is_told_to_be_saved_as_utf8",
        ),
    ),
    Plant(
        "a spec's empty slug is told to differ from the file's name ('name the file .yaml')",
        "batchgen/models/loader.py",
        '    if "slug" in root and (not isinstance(slug, str) or not slug):',
        '    if "slug" in root and not isinstance(slug, str):',
        (
            "tests/models/test_audit_loader_refusals.py::"
            "test_each_further_problem_of_a_spec_is_named_at_its_line_and_field",
        ),
    ),
    Plant(
        "a spec's source without a page is taken (the listing names no source)",
        "batchgen/models/loader.py",
        '    if "source" in root and (not isinstance(source, LocatedMap) or not isinstance(source.get("page"), str)):',
        '    if "source" in root and not isinstance(source, LocatedMap):',
        (
            "tests/models/test_audit_loader_refusals.py::"
            "test_each_further_problem_of_a_spec_is_named_at_its_line_and_field",
        ),
    ),
    Plant(
        "a spec with no parameters is taken: every job's values are then refused as unknown",
        "batchgen/models/loader.py",
        "        if not isinstance(node, LocatedMap) or not node:",
        "        if not isinstance(node, LocatedMap):",
        ("tests/models/test_audit_loader_refusals.py::test_a_spec_with_no_parameters_is_refused",),
    ),
    Plant(
        "a spec's output that is no mapping is taken",
        "batchgen/models/loader.py",
        '    if not isinstance(output, dict):\n        bad.add(line["output"]',
        '    if False:\n        bad.add(line["output"]',
        (
            "tests/models/test_audit_loader_refusals.py::"
            "test_each_further_problem_of_a_spec_is_named_at_its_line_and_field",
        ),
    ),
    Plant(
        "a spec's misspelt wire form is taken: the value goes on the wire unconverted",
        "batchgen/models/loader.py",
        "    if wire is not None and wire not in WIRES:",
        "    if False:",
        (
            "tests/models/test_audit_loader_refusals.py::"
            "test_each_further_problem_of_a_spec_is_named_at_its_line_and_field",
        ),
    ),
    Plant(
        "a spec's enum value that is a list is taken (no job can match it)",
        "batchgen/models/loader.py",
        "        if not isinstance(values, list) or not values or any(isinstance(v, list | dict) for v in values):",
        "        if not isinstance(values, list) or not values:",
        (
            "tests/models/test_audit_loader_refusals.py::"
            "test_each_further_problem_of_a_spec_is_named_at_its_line_and_field",
        ),
    ),
    Plant(
        "a spec's min of true is taken as 1",
        "batchgen/models/loader.py",
        "        if value is not None and (isinstance(value, bool) or not isinstance(value, int | float)):",
        "        if value is not None and not isinstance(value, int | float):",
        (
            "tests/models/test_audit_loader_refusals.py::"
            "test_each_further_problem_of_a_spec_is_named_at_its_line_and_field",
        ),
    ),
    Plant(
        "a spec's max_length of a fraction is taken",
        "batchgen/models/loader.py",
        "        if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value <= 0):",
        (
            "        if value is not None and (isinstance(value, bool) or not isinstance(value, int | float) or value <"
            "= 0):"
        ),
        (
            "tests/models/test_audit_loader_refusals.py::"
            "test_each_further_problem_of_a_spec_is_named_at_its_line_and_field",
        ),
    ),
    Plant(
        "a spec's range of one value (min equal to max) is refused as upside down: 'swap them'",
        "batchgen/models/loader.py",
        "        if least is not None and most is not None and least > most:",
        "        if least is not None and most is not None and least >= most:",
        (
            "tests/models/test_audit_loader_refusals.py::"
            "test_a_range_whose_ends_are_equal_is_taken_and_its_one_value_passes",
        ),
    ),
    Plant(
        "a spec's refused reason that is no text is taken",
        "batchgen/models/loader.py",
        "    if not isinstance(refused, dict) or not all(isinstance(v, str) for v in refused.values()):",
        "    if not isinstance(refused, dict):",
        (
            "tests/models/test_audit_loader_refusals.py::"
            "test_each_further_problem_of_a_spec_is_named_at_its_line_and_field",
        ),
    ),
    Plant(
        "a list of objects that declares none of its objects' keys is taken",
        "batchgen/models/loader.py",
        '    if kind != "list" or node.get("items") != "object" or not isinstance(value, LocatedMap) or not value:',
        '    if kind != "list" or node.get("items") != "object" or not isinstance(value, LocatedMap):',
        (
            "tests/models/test_audit_loader_refusals.py::"
            "test_a_list_of_objects_that_declares_no_keys_of_its_objects_is_refused",
        ),
    ),
    Plant(
        "a spec's rule whose when is no mapping is taken (a crash, not a problem named)",
        "batchgen/models/loader.py",
        (
            '            if not isinstance(value, dict):\n                bad.add(item.key_lines.get(key, line), f"rule'
            's.{key}"'
        ),
        '            if False:\n                bad.add(item.key_lines.get(key, line), f"rules.{key}"',
        (
            "tests/models/test_audit_loader_refusals.py::"
            "test_each_further_problem_of_a_spec_is_named_at_its_line_and_field",
        ),
    ),
    Plant(
        "a spec's rule naming a parameter by a number is told it names no parameter, not to list names",
        "batchgen/models/loader.py",
        "            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):",
        "            if not isinstance(value, list):",
        (
            "tests/models/test_audit_loader_refusals.py::"
            "test_each_further_problem_of_a_spec_is_named_at_its_line_and_field",
        ),
    ),
    Plant(
        "a spec's rule whose absent or one_of names a parameter it does not have is taken",
        "batchgen/models/loader.py",
        (
            '        used = [*conditions["when"], *conditions["require"], *names["present"], *names["absent"], *names["'
            'one_of"]]'
        ),
        '        used = [*conditions["when"], *conditions["require"], *names["present"]]',
        (
            "tests/models/test_audit_loader_refusals.py::"
            "test_each_further_problem_of_a_spec_is_named_at_its_line_and_field",
        ),
    ),
    Plant(
        "a spec's rules that are no list are dropped silently",
        "batchgen/models/loader.py",
        '    if not isinstance(node, LocatedList):\n        bad.add(at, "rules"',
        '    if not isinstance(node, list):\n        return ()\n    if False:\n        bad.add(at, "rules"',
        (
            "tests/models/test_audit_loader_refusals.py::"
            "test_each_further_problem_of_a_spec_is_named_at_its_line_and_field",
        ),
    ),
    Plant(
        "a spec's price without a source is taken",
        "batchgen/models/loader.py",
        '    if not isinstance(node.get("source"), str):',
        "    if False:",
        (
            "tests/models/test_audit_loader_refusals.py::"
            "test_each_further_problem_of_a_spec_is_named_at_its_line_and_field",
        ),
    ),
    Plant(
        "a spec's price row of usd: true is taken as $1",
        "batchgen/models/loader.py",
        (
            "            if isinstance(usd, bool) or not isinstance(usd, int | float) or not math.isfinite(usd) or usd "
            "<= 0:"
        ),
        "            if not isinstance(usd, int | float) or not math.isfinite(usd) or usd <= 0:",
        (
            "tests/models/test_audit_loader_refusals.py::"
            "test_each_further_problem_of_a_spec_is_named_at_its_line_and_field",
        ),
    ),
    Plant(
        "a spec's price table that is no list is dropped silently",
        "batchgen/models/loader.py",
        '        if not isinstance(value, list):\n            bad.add(node.key_lines[key], f"price.{key}"',
        (
            '        if not isinstance(value, list):\n            continue\n            bad.add(node.key_lines[key], f"'
            'price.{key}"'
        ),
        (
            "tests/models/test_audit_loader_refusals.py::"
            "test_each_further_problem_of_a_spec_is_named_at_its_line_and_field",
        ),
    ),
    Plant(
        "a spec's price range of three figures is taken",
        "batchgen/models/loader.py",
        "            or len(span) != 2\n",
        "            or len(span) < 2\n",
        (
            "tests/models/test_audit_loader_refusals.py::"
            "test_each_further_problem_of_a_spec_is_named_at_its_line_and_field",
        ),
    ),
    Plant(
        "a spec's price range or latency of .inf is taken (a spend cap then passes any job)",
        "batchgen/models/loader.py",
        (
            "    return not isinstance(value, bool) and isinstance(value, int | float) and math.isfinite(value) and val"
            "ue > 0"
        ),
        "    return not isinstance(value, bool) and isinstance(value, int | float) and value > 0",
        (
            "tests/models/test_audit_loader_refusals.py::"
            "test_each_further_problem_of_a_spec_is_named_at_its_line_and_field",
        ),
    ),
    Plant(
        "a spec whose duration has a problem of its own is also told its per-second rates are unbounded",
        "batchgen/models/loader.py",
        '    duration_refused = "duration" in declared and "duration" not in params  # its own problem is said already',
        "    duration_refused = False",
        (
            "tests/models/test_audit_loader_refusals.py::"
            "test_a_duration_with_a_problem_of_its_own_is_told_once_not_again_as_per_second_rates_unbounded",
        ),
    ),
    Plant(
        "a spec's price 'by' is dropped: 'batchgen models NAME' lists no price table heading",
        "batchgen/models/loader.py",
        "        by=tuple(by),",
        "        by=(),",
        ("tests/models/test_audit_loader_refusals.py::test_what_a_right_spec_file_says_is_kept_as_written",),
    ),
    Plant(
        "a spec's title is dropped from 'batchgen models'",
        "batchgen/models/loader.py",
        '        title=str(root.get("title", "") or ""),',
        '        title="",',
        ("tests/models/test_audit_loader_refusals.py::test_what_a_right_spec_file_says_is_kept_as_written",),
    ),
    Plant(
        "a spec's source read date is dropped from 'batchgen models'",
        "batchgen/models/loader.py",
        '        source_read=str(source.get("read", "")),',
        '        source_read="",',
        ("tests/models/test_audit_loader_refusals.py::test_what_a_right_spec_file_says_is_kept_as_written",),
    ),
    Plant(
        "a spec's send_default written as text ('no') is taken as true: the default is sent",
        "batchgen/models/loader.py",
        '    for key in ("required", "send_default"):',
        '    for key in ("required",):',
        (
            "tests/models/test_audit_loader_refusals.py::"
            "test_each_further_problem_of_a_spec_is_named_at_its_line_and_field",
        ),
    ),
    Plant(
        "a spec's source notes are dropped from 'batchgen models'",
        "batchgen/models/loader.py",
        '        source_notes=str(source.get("notes", "") or ""),',
        '        source_notes="",',
        ("tests/models/test_audit_loader_refusals.py::test_what_a_right_spec_file_says_is_kept_as_written",),
    ),
    Plant(
        "a spec's latency source is dropped from 'batchgen models'",
        "batchgen/models/loader.py",
        '        latency_source=str(root.get("latency_source", "") or ""),',
        '        latency_source="",',
        ("tests/models/test_audit_loader_refusals.py::test_what_a_right_spec_file_says_is_kept_as_written",),
    ),
    Plant(
        "a parameter's description is dropped from 'batchgen models'",
        "batchgen/models/loader.py",
        '        description=str(node.get("description", "") or ""),',
        '        description="",',
        ("tests/models/test_audit_loader_refusals.py::test_what_a_right_spec_file_says_is_kept_as_written",),
    ),
    Plant(
        "a spec saved in another encoding than UTF-8 is not told to be saved as UTF-8",
        "batchgen/models/loader.py",
        (
            '        raise ModelSpecError([Problem(str(path), None, None, "is not valid UTF-8; save it as UTF-8")]) fro'
            "m None"
        ),
        (
            '        raise ModelSpecError([Problem(str(path), None, None, "is not a model spec (a small UTF-8 YAML file'
            ')")]) from None'
        ),
        (
            "tests/models/test_audit_loader_refusals.py::"
            "test_a_binary_file_is_refused_as_no_spec_and_text_not_in_utf8_is_told_to_be_saved_as_utf8",
        ),
    ),
    Plant(
        "'batchgen models NAME' lists no values for a boolean parameter",
        "batchgen/models/spec.py",
        '            return "true, false"',
        '            return ""',
        ("tests/models/test_audit_spec_listings.py::test_a_boolean_parameter_is_listed_with_the_two_values_it_takes",),
    ),
    Plant(
        "a spec's defaults hold None for every parameter the page gives no default",
        "batchgen/models/spec.py",
        "return {name: p.default for name, p in self.params.items() if p.default is not None}",
        "return {name: p.default for name, p in self.params.items()}",
        ("tests/models/test_audit_spec_listings.py::test_the_defaults_are_only_the_parameters_whose_page_gives_one",),
    ),
    Plant(
        "a rule that requires two parameters is listed as needing either",
        "batchgen/models/spec.py",
        '            parts.append("requires " + " and ".join(',
        '            parts.append("requires " + " or ".join(',
        (
            "tests/models/test_audit_spec_listings.py::"
            "test_a_rule_that_requires_two_parameters_is_listed_as_needing_both",
        ),
    ),
    Plant(
        "one_of counts a default that is not sent: a job giving one source is refused as giving two",
        "batchgen/models/check.py",
        "            chosen = [n for n in rule.one_of if n in given]",
        "            chosen = [n for n in rule.one_of if n in effective]",
        ("tests/models/test_audit_check_values.py::test_one_of_counts_what_is_sent_not_a_default_that_is_not",),
    ),
    Plant(
        "a list that names no item type takes numbers, though listed as a list of text",
        "batchgen/models/check.py",
        '        if param.items in (None, "string"):',
        '        if param.items == "string":',
        (
            "tests/models/test_audit_check_values.py::"
            "test_a_list_that_names_no_item_type_holds_text_and_refuses_anything_else",
        ),
    ),
    Plant(
        "a list of booleans takes anything",
        "batchgen/models/check.py",
        '        elif param.items == "boolean" and as_bool(item, from_text=from_text) is None:',
        "        elif False:",
        ("tests/models/test_audit_check_values.py::test_a_list_of_booleans_refuses_what_is_not_true_or_false",),
    ),
    Plant(
        "a value in a list's objects is converted from text ('5' taken as 5), unlike YAML's or JSON's",
        "batchgen/models/check.py",
        "            converted, problem = check_value(inner, value, model, False)",
        "            converted, problem = check_value(inner, value, model, True)",
        ("tests/models/test_audit_check_values.py::test_a_value_in_a_lists_objects_is_typed_never_text_to_convert",),
    ),
    Plant(
        "a refused number is told without the reason its spec gives",
        "batchgen/models/check.py",
        "    reason = param.refused.get(show(value)) if isinstance(value, str | int | float) else None",
        "    reason = param.refused.get(value) if isinstance(value, str) else None",
        ("tests/models/test_audit_check_values.py::test_a_refused_number_says_the_reason_the_spec_gives",),
    ),
    Plant(
        "a number with only a highest value refuses that value",
        "batchgen/models/check.py",
        "    if high is not None and low is None and value > high:",
        "    if high is not None and low is None and value >= high:",
        (
            "tests/models/test_audit_check_values.py::"
            "test_a_number_with_only_a_highest_value_takes_it_and_refuses_past_it",
        ),
    ),
    Plant(
        "a number with only a highest value takes any value past it",
        "batchgen/models/check.py",
        "    if high is not None and low is None and value > high:",
        "    if False:",
        (
            "tests/models/test_audit_check_values.py::"
            "test_a_number_with_only_a_highest_value_takes_it_and_refuses_past_it",
        ),
    ),
    Plant(
        "true is taken as the number 1 (and false as 0) in rules and prices",
        "batchgen/models/check.py",
        "    if a == b and isinstance(a, bool) == isinstance(b, bool):",
        "    if a == b:",
        ("tests/models/test_audit_check_values.py::test_true_and_false_are_not_the_numbers_one_and_zero",),
    ),
    Plant(
        "a number enum sends the user's form of the number, not the spec's",
        "batchgen/models/check.py",
        "            return next(v for v in param.values if v == number), None",
        "            return number, None",
        (
            "tests/models/test_audit_check_values.py::"
            "test_a_number_enum_gives_the_spec_value_whatever_form_the_user_wrote",
        ),
    ),
    Plant(
        "a value whose spec sends a number goes on the wire as a whole number",
        "batchgen/models/check.py",
        "        return float(number) if number is not None else value",
        "        return number if number is not None else value",
        ("tests/models/test_audit_check_values.py::test_a_value_goes_on_the_wire_in_the_type_its_spec_sends",),
    ),
    Plant(
        "a value whose spec sends a boolean goes on the wire as text",
        "batchgen/models/check.py",
        "        return value if flag is None else flag",
        "        return value",
        ("tests/models/test_audit_check_values.py::test_a_value_goes_on_the_wire_in_the_type_its_spec_sends",),
    ),
    Plant(
        "empty text for a parameter that is not required is refused",
        "batchgen/models/check.py",
        "        if param.required and not value.strip():",
        "        if not value.strip():",
        (
            "tests/models/test_audit_check_values.py::"
            "test_text_that_is_not_required_may_be_empty_and_text_is_measured_as_written",
        ),
    ),
    Plant(
        "'yes' written in YAML or JSON is taken as true (only a CSV cell's text converts)",
        "batchgen/models/check.py",
        "    if from_text and isinstance(value, str):\n        return {",
        "    if isinstance(value, str):\n        return {",
        ("tests/models/test_audit_check_values.py::test_a_list_of_booleans_refuses_what_is_not_true_or_false",),
    ),
    Plant(
        "a required parameter with a documented default may be left out, though its default is not sent",
        "batchgen/models/check.py",
        "        if param.required and param.name not in raw:",
        "        if param.required and param.name not in raw and param.default is None:",
        (
            "tests/models/test_audit_check_values.py::"
            "test_a_required_parameter_with_a_documented_default_must_still_be_given",
        ),
    ),
    Plant(
        "an enum of numbers and words refuses its words",
        "batchgen/models/check.py",
        "    numeric = all(isinstance(v, int | float) and not isinstance(v, bool) for v in param.values)",
        "    numeric = any(isinstance(v, int | float) and not isinstance(v, bool) for v in param.values)",
        ("tests/models/test_audit_check_values.py::test_an_enum_of_numbers_and_words_takes_each_of_its_words",),
    ),
    Plant(
        "text is measured without its trailing spaces: a prompt past the limit is sent",
        "batchgen/models/check.py",
        "        if param.max_length is not None and len(value) > param.max_length:",
        "        if param.max_length is not None and len(value.strip()) > param.max_length:",
        (
            "tests/models/test_audit_check_values.py::"
            "test_text_that_is_not_required_may_be_empty_and_text_is_measured_as_written",
        ),
    ),
    Plant(
        "a rule applies when a parameter its condition names is not given",
        "batchgen/models/check.py",
        (
            "    return all(name in effective and any(same(v, effective[name]) for v in vals) for name, vals in rule.wh"
            "en.items())"
        ),
        (
            "    return all(name not in effective or any(same(v, effective[name]) for v in vals) for name, vals in rule"
            ".when.items())"
        ),
        (
            "tests/models/test_audit_check_values.py::"
            "test_a_rule_does_not_apply_when_a_parameter_it_depends_on_is_not_given",
        ),
    ),
    Plant(
        "an enum of one number with a unit is told ' or 24' as its one value",
        "batchgen/models/check.py",
        '    return shown[0] if len(shown) == 1 else ", ".join(shown[:-1]) + " or " + shown[-1]',
        '    return ", ".join(shown[:-1]) + " or " + shown[-1]',
        ("tests/models/test_audit_check_values.py::test_an_enum_of_one_number_says_that_number_alone",),
    ),
    Plant(
        "a --simulate run refused a folder taken since its check saves its account over the holder's, and its room",
        "batchgen/cli/main.py",
        "        saved = await close_simulator(sim, reserve, _error, held=bool(held))",
        "        saved = await close_simulator(sim, reserve, _error, held=True)",
        (
            "tests/cli/test_audit_simulated.py"
            "::test_a_simulated_run_refused_a_folder_taken_since_its_check_leaves_the_holders_account_and_room",
        ),
    ),
    Plant(
        "a --simulate run that held its folder never saves its simulated account (its jobs in flight end lost)",
        "batchgen/cli/main.py",
        "        if held is not None:\n            held()\n",
        "        if held is None:\n            held()\n",
        (
            "tests/cli/test_audit_simulated.py"
            "::test_a_full_disk_at_the_end_of_a_simulated_run_is_met_by_giving_up_the_reserved_room",
        ),
    ),
    Plant(
        "a call sent with the refused one at the run's first instant and admitted later is left out of the run: the pro"
        "be admitted learns nothing",
        "batchgen/api/window.py",
        "            if sent_at >= self._start:",
        "            if sent_at > self._start:",
        (
            (
                "tests/api/test_audit_window.py::test_a_call_sent_with_the_refused_one_and_admitted_later_counts_in_the"
                "_run_the_probe_reads"
            ),
        ),
    ),
    Plant(
        "a probe answered the instant of the 429 learns a window of no length (the whole batch paced at once)",
        "batchgen/api/window.py",
        "        window = max(now - self._start, self._span)",
        "        window = now - self._start",
        (
            (
                "tests/api/test_audit_window.py::test_a_probe_answered_the_instant_of_the_429_never_learns_a_window_of_"
                "no_length"
            ),
        ),
    ),
    Plant(
        "admitted calls keep narrowing the rate window after its bounds settled within a tenth",
        "batchgen/api/window.py",
        "        if self.window is None or self.limit is None or self.window <= self.lower * NARROW_UNTIL:",
        "        if self.window is None or self.limit is None or self.window <= self.lower:",
        (
            (
                "tests/api/test_audit_window.py::test_once_the_bounds_are_within_a_tenth_an_admitted_call_narrows_the_w"
                "indow_no_more"
            ),
        ),
    ),
    Plant(
        "the oldest remembered admitted call never bounds the window from above (narrowed a call late)",
        "batchgen/api/window.py",
        "        if i < 0:\n",
        "        if i <= 0:\n",
        (
            (
                "tests/api/test_audit_window.py::test_the_first_call_a_limit_after_the_oldest_remembered_proves_the_win"
                "dow_shorter"
            ),
        ),
    ),
    Plant(
        "a call refused at the instant the limit-th admitted went counts that call as held: the lower bound rises",
        "batchgen/api/window.py",
        "            before = run[: bisect.bisect_left(run, sent_at)]",
        "            before = run[: bisect.bisect_right(run, sent_at)]",
        (
            (
                "tests/api/test_audit_window.py::test_a_call_refused_at_the_instant_the_last_admitted_went_shows_the_se"
                "rver_held_no_full_run"
            ),
        ),
    ),
    Plant(
        "a call sent exactly a window before a hintless 429 counts in its run (the sliding window no longer holds it)",
        "batchgen/api/window.py",
        "        return self._admitted[bisect.bisect_right(self._admitted, since) :]",
        "        return self._admitted[bisect.bisect_left(self._admitted, since) :]",
        (
            (
                "tests/api/test_audit_window.py::test_a_call_sent_exactly_a_window_before_the_429_is_not_in_the_run_it_"
                "shows"
            ),
        ),
    ),
    Plant(
        "a later hintless cooldown goes on from the last one's probe step: its first probe misses the known window",
        "batchgen/api/window.py",
        "            self._k = 0\n",
        "",
        (
            (
                "tests/api/test_audit_window.py::test_a_later_episode_probes_first_at_the_known_window_whatever_the_las"
                "t_one_took"
            ),
        ),
    ),
    Plant(
        "the age by which no job is left unfinished is the first finish, not never",
        "batchgen/engine/survival.py",
        "        target = math.log(share) if share > 0 else -math.inf",
        "        target = math.log(share) if share > 0 else 0.0",
        (
            (
                "tests/engine/test_survival.py::test_no_age_leaves_none_unfinished_and_without_a_median_no_age_past_the"
                "_tail_is_named"
            ),
        ),
    ),
    Plant(
        "without a median, a share past the tail is named reached at the last finish, not never",
        "batchgen/engine/survival.py",
        "        if self._outlier <= 0:\n            return math.inf",
        "        if self._outlier <= 0:\n            return self._last",
        (
            (
                "tests/engine/test_survival.py::test_no_age_leaves_none_unfinished_and_without_a_median_no_age_past_the"
                "_tail_is_named"
            ),
        ),
    ),
    Plant(
        "a job past every finish seen counts as surely finished between an age and itself",
        "batchgen/engine/survival.py",
        "        if age <= since:\n",
        "        if age < since:\n",
        (
            (
                "tests/engine/test_survival.py::test_a_job_past_every_finish_seen_has_not_finished_between_an_age_and_i"
                "tself"
            ),
        ),
    ),
    Plant(
        "finishes all at one age give an endless rate past them: a straggler is never expected",
        "batchgen/engine/survival.py",
        "        rate = k / exposed if k and exposed > 0 else 0.0",
        "        rate = k / exposed if k and exposed > 0 else math.inf",
        (
            (
                "tests/engine/test_survival.py::test_a_kind_whose_recent_finishes_fell_at_one_age_expects_a_straggler_a"
                "t_one_finish_per_median"
            ),
        ),
    ),
    Plant(
        "a job seen running at the first finish's age is not counted as observed (the tail rate ends early)",
        "batchgen/engine/survival.py",
        "bisect.bisect_left(running, finishes[0]) if finishes",
        "bisect.bisect_right(running, finishes[0]) if finishes",
        (
            (
                "tests/engine/test_survival.py::test_a_job_seen_running_at_the_first_finishs_age_counts_among_the_jobs_"
                "observed"
            ),
        ),
    ),
    Plant(
        "the finishes that set the rate past the last are a quarter rounded down",
        "batchgen/engine/survival.py",
        "        k = min(n, max(2, math.ceil(TAIL_SHARE * n)))\n",
        "        k = min(n, max(2, math.floor(TAIL_SHARE * n)))\n",
        (
            (
                "tests/engine/test_survival.py::test_with_nine_finishes_the_rate_past_the_last_is_the_last_three_over_t"
                "he_seconds_at_risk_since_the_sixth"
            ),
        ),
    ),
    Plant(
        "with two finishes, the rate past the last counts the seconds at risk from the first finish, not the submit",
        "batchgen/engine/survival.py",
        "        start = finishes[n - k - 1] if n > k else 0.0\n",
        "        start = finishes[n - k - 1] if n > k else finishes[0]\n",
        (
            (
                "tests/engine/test_survival.py::test_with_two_finishes_the_rate_past_the_last_counts_every_second_at_ri"
                "sk_from_the_submit"
            ),
        ),
    ),
    Plant(
        "a model the catalogue does not describe sends an inlined image as a data: URI first",
        "batchgen/engine/inline_forms.py",
        '            form = self._forms.get((model, name)) or (param.inline_form() if param else "base64")',
        '            form = self._forms.get((model, name)) or (param.inline_form() if param else "data_uri")',
        (
            (
                "tests/engine/test_inline_forms.py::test_a_model_the_catalogue_does_not_describe_sends_an_inlined_image"
                "_as_bare_base64_first"
            ),
        ),
    ),
    Plant(
        "a 400 naming the inlined field only in its message, not its detail, fails the job untried in the other form",
        "batchgen/engine/inline_forms.py",
        "        text = f\"{exc.detail or ''} {exc}\"",
        "        text = f\"{exc.detail or ''}\"",
        ("tests/engine/test_inline_forms.py::test_a_400_naming_the_field_only_in_its_message_is_taken_for_its_form",),
    ),
    Plant(
        "a 400 naming the second inlined field fails the job, untried in that field's other form",
        "batchgen/engine/inline_forms.py",
        "                continue\n            tried.setdefault",
        "                return False\n            tried.setdefault",
        (
            (
                "tests/engine/test_inline_forms.py::test_a_400_naming_the_second_inlined_field_sends_the_job_again_in_t"
                "hat_fields_other_form"
            ),
        ),
    ),
    Plant(
        "the first submit through in the form first tried is logged as a change of form 'from now on'",
        "batchgen/engine/inline_forms.py",
        "            if self._forms.get(key, form) != form:  # the log said the other",
        "            if self._forms.get(key) != form:  # the log said the other",
        (
            (
                "tests/engine/test_inline_forms.py::test_the_first_submit_through_in_the_form_first_tried_says_nothing_"
                "of_a_change"
            ),
        ),
    ),
    Plant(
        "once a window is known, a later hintless cooldown still spends a probe at the configured window",
        "batchgen/api/window.py",
        "        if self.window is None:  # before anything is learned",
        "        if True:  # before anything is learned",
        (
            (
                "tests/api/test_audit_window.py::"
                "test_once_a_window_is_known_a_later_cooldown_gives_the_configured_window_no_probe_of_its_own"
            ),
        ),
    ),
    Plant(
        "a window found with no lower bound is paced at the geometric mean with zero: a pace of no length",
        "batchgen/api/window.py",
        "        if self.lower > 0 and self.window > self.lower * NARROW_UNTIL:",
        "        if self.window > self.lower * NARROW_UNTIL:",
        ("tests/api/test_audit_window.py::test_a_window_found_with_no_lower_bound_is_paced_by_itself",),
    ),
    Plant(
        "a submit through confirms the inline form of its first inlined field only: a second field's refusal in its "
        "confirmed form is sent again",
        "batchgen/engine/inline_forms.py",
        "        for name, form in used.items():\n            key = (model, name)\n            if key in",
        "        for name, form in list(used.items())[:1]:\n            key = (model, name)\n            if key in",
        (
            (
                "tests/engine/test_inline_forms.py::"
                "test_a_submit_through_confirms_the_form_of_every_inlined_field_not_only_the_first"
            ),
        ),
    ),
    Plant(
        "a call sent before a hintless 429's run and answered after it is counted in the limit found (more than shown)",
        "batchgen/api/window.py",
        "            if sent_at >= self._start:",
        "            if True:",
        (
            (
                "tests/api/test_audit_window.py::"
                "test_a_call_sent_before_the_run_and_answered_after_the_429_is_not_counted_in_the_limit"
            ),
        ),
    ),
    Plant(
        "a probe refused late names a next probe moment already past: another probe goes at once",
        "batchgen/api/window.py",
        "        return self.next_probe(now)\n\n    def admitted_since",
        "        return self.next_probe(sent_at)\n\n    def admitted_since",
        ("tests/api/test_audit_window.py::test_a_refused_probe_answered_late_names_a_next_probe_still_to_come",),
    ),
    Plant(
        "a confirmed inline image form is switched in silence by a job through in the other form after it",
        "batchgen/engine/inline_forms.py",
        "            if key in self._confirmed:  # both forms go through",
        "            if False:  # both forms go through",
        (
            "tests/engine/test_inline_forms.py"
            "::test_a_job_through_in_the_other_form_after_one_was_confirmed_leaves_the_log_telling_the_form_sent",
        ),
    ),
    Plant(
        "an object store's results table is written from its ledger as the run began, not as it ended",
        "batchgen/store/output.py",
        "        return self.ledger.jobs\n",
        "        return self.replay.jobs\n",
        (
            "tests/store/test_audit_output.py::"
            "test_an_object_stores_results_table_is_written_from_its_ledger_as_the_run_ends",
        ),
    ),
    Plant(
        "an object store's results table is never written (results/<shard>.csv missing or stale)",
        "batchgen/store/output.py",
        "            await self.out.write_results(data)\n",
        "            pass\n",
        (
            "tests/store/test_audit_output.py::"
            "test_an_object_stores_results_table_is_written_from_its_ledger_as_the_run_ends",
        ),
    ),
    Plant(
        "an object-store run leaves its spool folder (downloads in progress) behind when it ends",
        "batchgen/store/output.py",
        "        remote.close()\n",
        "        pass\n",
        (
            "tests/store/test_audit_output.py::"
            "test_an_object_store_runs_spool_folder_is_removed_when_the_run_ends_even_by_an_error",
        ),
    ),
    Plant(
        "status of an object store no run wrote to is told as an empty run, not refused",
        "batchgen/store/output.py",
        '        if not found:\n            raise InputError(f"{out} holds no ledger',
        '        if False:\n            raise InputError(f"{out} holds no ledger',
        (
            "tests/store/test_audit_output.py::"
            "test_status_of_an_object_store_no_run_wrote_to_is_refused_not_told_as_an_empty_run",
        ),
    ),
    Plant(
        "a folder that already mixes shard counts takes a run of either count: jobs may be paid twice",
        "batchgen/store/output.py",
        "if counts and counts != {wanted}:",
        "if counts and wanted not in counts:",
        (
            "tests/store/test_audit_output.py::"
            "test_a_folder_that_already_mixes_shard_counts_is_refused_to_a_run_of_either_count",
        ),
    ),
    Plant(
        "a shard folder with no ledger (its run never wrote a line) fixes the folder's shard count",
        "batchgen/store/output.py",
        'names += [p.name for p in (root / "shards").iterdir() if (p / "ledger.jsonl").exists()]',
        'names += [p.name for p in (root / "shards").iterdir()]',
        ("tests/store/test_audit_output.py::test_a_shard_folder_with_no_ledger_does_not_fix_the_folders_shard_count",),
    ),
    Plant(
        "merged status names an unsharded ledger beside shards as shard '' not 0-of-1",
        "batchgen/store/output.py",
        '{**rec, "shard": name or UNSHARDED}',
        '{**rec, "shard": name}',
        (
            "tests/store/test_audit_output.py::"
            "test_status_of_a_folder_that_mixes_shard_counts_names_its_unsharded_ledger_as_shard_0_of_1",
        ),
    ),
    Plant(
        "status counts an unsharded ledger beside shards under the shard name '' not 0-of-1",
        "batchgen/store/output.py",
        "counts[name or UNSHARDED] = dict(sorted(states.items()))",
        "counts[name] = dict(sorted(states.items()))",
        (
            "tests/store/test_audit_output.py::"
            "test_status_of_a_folder_that_mixes_shard_counts_names_its_unsharded_ledger_as_shard_0_of_1",
        ),
    ),
    Plant(
        "status tells a gone holder's lease as lapsing in milliseconds, not seconds",
        "batchgen/store/output.py",
        "its lease lapses in {left:.0f} s",
        "its lease lapses in {left * 1000:.0f} s",
        (
            "tests/store/test_audit_output.py::"
            "test_status_tells_a_gone_holders_lease_as_lapsing_in_the_seconds_its_ttl_has_left",
        ),
    ),
    Plant(
        "the run's summary never names the report page it wrote",
        "batchgen/cli/runner.py",
        "report.report_page = await publish_at_end(",
        "_ = await publish_at_end(",
        ("tests/cli/test_audit_runner.py::test_the_runs_summary_names_the_report_page_it_wrote",),
    ),
    Plant(
        "a results table the object store refuses (a StorageError) crashes the run's end: no summary or exit code",
        "batchgen/cli/runner.py",
        "except (OSError, BatchgenError) as exc:",
        "except OSError as exc:",
        (
            "tests/cli/test_audit_runner.py::"
            "test_a_results_table_an_object_store_refuses_is_told_and_the_run_keeps_its_videos_and_exit_code",
        ),
    ),
    Plant(
        "--replace-changed makes rows anew, paid again, without telling which",
        "batchgen/cli/runner.py",
        '                    log.info("replacing %s (paid again; any earlier video is in videos/replaced/)", change.de'
        "scribe())\n",
        "                    pass\n",
        ("tests/cli/test_audit_runner.py::test_replace_changed_tells_each_row_it_makes_anew_and_paid_again",),
    ),
    Plant(
        "an error while the run ends (its results, its report) is swallowed: the run exits as if all went well",
        "batchgen/cli/runner.py",
        "    if failure is not None:\n        raise failure\n",
        "",
        ("tests/cli/test_audit_runner.py::test_an_error_while_the_run_ends_comes_out_as_it_was_raised_not_swallowed",),
    ),
    Plant(
        "--resubmit-lost sends an expired row again whose image is gone (not refused, exit 2)",
        "batchgen/cli/main.py",
        'again = {"failed": args.retry_failed, "expired": args.resubmit_lost}',
        'again = {"failed": args.retry_failed, "expired": False}',
        ("tests/e2e/test_images.py::test_an_expired_rows_deleted_image_stops_only_the_run_that_sends_it_again",),
    ),
    Plant(
        "the dry run swaps --retry-failed and --resubmit-lost: it counts the wrong jobs as sent again",
        "batchgen/cli/main.py",
        "            retry_failed=args.retry_failed,\n            resubmit_lost=args.resubmit_lost,\n            chang"
        "ed=",
        "            retry_failed=args.resubmit_lost,\n            resubmit_lost=args.retry_failed,\n            chang"
        "ed=",
        (
            "tests/cli/test_audit_main.py::"
            "test_the_dry_run_says_which_of_the_folders_failed_and_expired_jobs_its_flags_send_again",
        ),
    ),
    Plant(
        "the dry run's estimate leaves out what a store it cannot read holds without saying so",
        "batchgen/cli/main.py",
        '            log.warning("warning: the estimate ignores what %s already holds: %s", settings.output.dir, unrea'
        "d)\n",
        "            pass\n",
        ("tests/cli/test_audit_main.py::test_the_dry_run_says_its_estimate_ignores_what_a_store_it_cannot_read_holds",),
    ),
    Plant(
        "a store that cannot be read is taken for an empty one: the dry run never says its estimate ignores it",
        "batchgen/cli/main.py",
        "    except StorageError as exc:\n        return None, exc\n",
        "    except StorageError as exc:\n        return None, None\n",
        ("tests/cli/test_audit_main.py::test_the_dry_run_says_its_estimate_ignores_what_a_store_it_cannot_read_holds",),
    ),
    Plant(
        "a key read with spaces or a newline around it is sent (and redacted) as read, not bare",
        "batchgen/cli/main.py",
        '    key = os.environ.get(settings.api.key_env, "").strip()\n    if not key:\n        raise InputError(\n',
        '    key = os.environ.get(settings.api.key_env, "")\n    if not key:\n        raise InputError(\n',
        (
            "tests/cli/test_audit_main.py::"
            "test_a_key_read_with_spaces_or_a_newline_around_it_is_sent_and_redacted_as_the_bare_key",
        ),
    ),
    Plant(
        "status of a sharded folder calls every job of each shard completed",
        "batchgen/cli/main.py",
        "{c.get('completed', 0)} completed",
        "{sum(c.values())} completed",
        (
            "tests/cli/test_audit_main.py::"
            "test_status_of_a_sharded_folder_counts_each_shards_completed_jobs_apart_from_its_others",
        ),
    ),
    Plant(
        "a durable write or rename never closes the folder it fsyncs (a long run ends at the file limit)",
        "batchgen/store/files.py",
        "        os.close(fd)\n",
        "        pass\n",
        ("tests/store/test_audit_files.py::test_durable_writes_and_renames_leave_no_descriptor_open",),
    ),
    Plant(
        "a video whose stream gives no duration (Matroska) is timed in microseconds, not seconds",
        "batchgen/store/media.py",
        "duration = container.duration / av.time_base",
        "duration = container.duration",
        (
            "tests/store/test_audit_media.py::"
            "test_a_video_whose_stream_gives_no_duration_is_timed_from_its_container_in_seconds",
        ),
    ),
    Plant(
        "a probed video's duration is rounded to the whole second",
        "batchgen/store/media.py",
        "duration_s=round(duration, 3) if",
        "duration_s=round(duration) if",
        (
            "tests/store/test_audit_media.py::"
            "test_a_video_at_a_fractional_frame_rate_is_probed_to_the_millisecond_and_the_thousandth_of_a_frame",
        ),
    ),
    Plant(
        "a probed video's frame rate is rounded to a whole number (23.976 told as 24)",
        "batchgen/store/media.py",
        "fps=round(float(rate), 3) if rate else None",
        "fps=round(float(rate)) if rate else None",
        (
            "tests/store/test_audit_media.py::"
            "test_a_video_at_a_fractional_frame_rate_is_probed_to_the_millisecond_and_the_thousandth_of_a_frame",
        ),
    ),
    Plant(
        "a video whose sound stream comes first is probed by its sound (no size, no frame rate)",
        "batchgen/store/media.py",
        "stream = container.streams.video[0]",
        "stream = container.streams[0]",
        ("tests/store/test_audit_media.py::test_a_video_whose_sound_stream_comes_first_is_probed_by_its_picture",),
    ),
    Plant(
        "a job whose duration is null or not a number is held to 10 s, not the default 5 s",
        "batchgen/store/media.py",
        "        duration = float(DEFAULT_DURATION_S)\n",
        "        duration = 10.0\n",
        (
            "tests/store/test_audit_media.py::"
            "test_a_job_whose_duration_is_null_or_not_a_number_is_held_to_the_default_5_s",
        ),
    ),
    Plant(
        "a text job whose aspect_ratio is empty or null is held to no aspect, not the default 16:9",
        "batchgen/store/media.py",
        'if params.get("aspect_ratio"):',
        'if "aspect_ratio" in params:',
        ("tests/store/test_audit_media.py::test_a_text_job_whose_aspect_ratio_is_empty_is_held_to_the_default_16_9",),
    ),
    Plant(
        "an aspect ratio of no shape (0:9, -16:9) is checked against (a crash, or a warning for nothing)",
        "batchgen/store/media.py",
        "    return value if value > 0 else None",
        "    return value",
        (
            "tests/store/test_audit_media.py::"
            "test_an_aspect_ratio_that_names_no_shape_warns_nothing_and_never_crashes_the_check",
        ),
    ),
    Plant(
        "a video of unknown height is checked for its aspect (a crash in the download stage)",
        "batchgen/store/media.py",
        "if media.width and media.height and want_ratio is not None:",
        "if media.width and want_ratio is not None:",
        (
            "tests/store/test_audit_media.py::"
            "test_a_video_of_unknown_width_or_height_gets_no_aspect_warning_and_no_crash",
        ),
    ),
    Plant(
        "a saved video is checked with the duration and aspect tolerances swapped",
        "batchgen/store/media.py",
        "duration_tolerance_s=duration_tolerance_s, aspect_tolerance=aspect_tolerance, model=model",
        "duration_tolerance_s=aspect_tolerance, aspect_tolerance=duration_tolerance_s, model=model",
        (
            "tests/store/test_audit_media.py::test_a_saved_video_is_checked_as_a_job_of_its_own_model_asks",
            "tests/store/test_audit_media.py::"
            "test_a_saved_video_is_checked_with_the_duration_and_aspect_tolerances_each_where_it_belongs",
        ),
    ),
    Plant(
        "a saved video is checked as a job of no model (an image job held to 16:9)",
        "batchgen/store/media.py",
        "aspect_tolerance=aspect_tolerance, model=model\n    )\n    return media",
        "aspect_tolerance=aspect_tolerance, model=None\n    )\n    return media",
        ("tests/store/test_audit_media.py::test_a_saved_video_is_checked_as_a_job_of_its_own_model_asks",),
    ),
    Plant(
        "a stream without a duration is timed from it anyway (a TypeError, not the container's length)",
        "batchgen/store/media.py",
        "if stream.duration is not None and stream.time_base is not None:",
        "if stream.duration is not None or stream.time_base is not None:",
        (
            "tests/store/test_audit_media.py::"
            "test_a_video_whose_stream_gives_no_duration_is_timed_from_its_container_in_seconds",
        ),
    ),
    Plant(
        "a create-only PUT refused with 412 (PreconditionError) is a store error, not an object already there",
        "batchgen/store/objects.py",
        "except (AlreadyExistsError, PreconditionError):",
        "except (AlreadyExistsError,):",
        (
            "tests/store/test_audit_objects.py::"
            "test_a_create_the_store_refuses_on_its_precondition_reads_as_already_there",
        ),
    ),
    Plant(
        "deleting an object a local-disk store no longer has is a store error, not harmless",
        "batchgen/store/objects.py",
        "        except (NotFoundError, FileNotFoundError):\n            return\n",
        "        except (NotFoundError,):\n            raise\n",
        ("tests/store/test_audit_objects.py::test_deleting_an_object_that_is_not_there_is_harmless_in_every_store",),
    ),
    Plant(
        "a missing Azure container is told as a passing fault to retry, not named",
        "batchgen/store/objects.py",
        '"NoSuchBucket" in text or "ContainerNotFound" in text or',
        '"NoSuchBucket" in text or',
        (
            "tests/store/test_audit_objects.py::"
            "test_a_missing_bucket_or_container_of_any_store_is_named_with_what_to_correct",
        ),
    ),
    Plant(
        "a missing GCS bucket is told as a passing fault to retry, not named",
        "batchgen/store/objects.py",
        '"ContainerNotFound" in text or "bucket does not exist" in text.lower()',
        '"ContainerNotFound" in text',
        (
            "tests/store/test_audit_objects.py::"
            "test_a_missing_bucket_or_container_of_any_store_is_named_with_what_to_correct",
        ),
    ),
    Plant(
        "an invalid object path is taken for a passing fault and retried, not told",
        "batchgen/store/objects.py",
        "            InvalidPathError,\n            NotSupportedError,\n        )",
        "            NotSupportedError,\n        )",
        ("tests/store/test_audit_objects.py::test_a_store_error_that_the_same_command_would_meet_again_stops_the_run",),
    ),
    Plant(
        "an unknown store setting is taken for a passing fault and retried, not told",
        "batchgen/store/objects.py",
        (
            "            UnknownConfigurationKeyError,\n            InvalidPathError,\n            NotSupportedError,\n"
            "        )"
        ),
        "            InvalidPathError,\n            NotSupportedError,\n        )",
        ("tests/store/test_audit_objects.py::test_a_store_error_that_the_same_command_would_meet_again_stops_the_run",),
    ),
    Plant(
        "the S3 endpoint of AWS_ENDPOINT_URL is given to gs://, az:// and memory:// stores too",
        "batchgen/store/objects.py",
        'if url.startswith(("s3://", "s3a://")) and endpoint:',
        "if endpoint:",
        ("tests/store/test_audit_objects.py::test_an_s3_endpoint_is_never_given_to_another_store",),
    ),
    Plant(
        "an object store ignores output.filename: every video is named <id>.mp4",
        "batchgen/store/objects.py",
        "safe_video_name(self.filename, job_id, model)",
        'safe_video_name("{id}.mp4", job_id, model)',
        ("tests/store/test_audit_objects.py::test_an_object_store_names_videos_by_the_output_filename_pattern",),
    ),
    Plant(
        "a video not of the API's file_size goes up to the bucket (an object store never checks it)",
        "batchgen/store/objects.py",
        "file_size=file_size, max_bytes=max_bytes,",
        "file_size=None, max_bytes=max_bytes,",
        (
            "tests/store/test_audit_objects.py::"
            "test_a_video_not_of_the_apis_size_or_over_the_limit_never_reaches_the_bucket_nor_stays_in_the_spool",
        ),
    ),
    Plant(
        "a video over output.max_download_bytes goes up to the bucket (an object store never checks it)",
        "batchgen/store/objects.py",
        "file_size=file_size, max_bytes=max_bytes,",
        "file_size=file_size, max_bytes=1 << 62,",
        (
            "tests/store/test_audit_objects.py::"
            "test_a_video_not_of_the_apis_size_or_over_the_limit_never_reaches_the_bucket_nor_stays_in_the_spool",
        ),
    ),
    Plant(
        "a refused download's spool copy stays in the spool until the run ends",
        "batchgen/store/objects.py",
        "        except BaseException:\n            with contextlib.suppress(OSError):\n                tmp.unlink()\n",
        "        except BaseException:\n            pass\n",
        (
            "tests/store/test_audit_objects.py::"
            "test_a_video_not_of_the_apis_size_or_over_the_limit_never_reaches_the_bucket_nor_stays_in_the_spool",
        ),
    ),
    Plant(
        "an object-store sidecar written again keeps the first one (a create-only PUT)",
        "batchgen/store/objects.py",
        "await self.bucket.put(str(self.sidecar_path(video)), text.encode())",
        "await self.bucket.put_create(str(self.sidecar_path(video)), text.encode())",
        (
            "tests/store/test_audit_objects.py::"
            "test_a_sidecar_and_the_results_file_written_again_replace_the_earlier_ones",
        ),
    ),
    Plant(
        "an object-store results file written again keeps the first run's rows (a create-only PUT)",
        "batchgen/store/objects.py",
        'await self.bucket.put(f"results/{self.shard_name}.csv", data)',
        'await self.bucket.put_create(f"results/{self.shard_name}.csv", data)',
        (
            "tests/store/test_audit_objects.py::"
            "test_a_sidecar_and_the_results_file_written_again_replace_the_earlier_ones",
        ),
    ),
    Plant(
        "an object-store sidecar escapes every non-ASCII character of a prompt",
        "batchgen/store/objects.py",
        "ensure_ascii=False, sort_keys=True",
        "ensure_ascii=True, sort_keys=True",
        ("tests/store/test_audit_objects.py::test_an_object_store_sidecar_is_indented_sorted_utf8_json_text",),
    ),
    Plant(
        "an object-store sidecar's keys are not sorted",
        "batchgen/store/objects.py",
        "ensure_ascii=False, sort_keys=True",
        "ensure_ascii=False, sort_keys=False",
        ("tests/store/test_audit_objects.py::test_an_object_store_sidecar_is_indented_sorted_utf8_json_text",),
    ),
    Plant(
        "a spool folder made again under a running store is readable by every user",
        "batchgen/store/objects.py",
        "self.spool.mkdir(mode=0o700, exist_ok=True)",
        "self.spool.mkdir(mode=0o777, exist_ok=True)",
        (
            "tests/store/test_audit_objects.py::"
            "test_a_spool_folder_made_again_under_a_running_store_is_private_to_its_user",
        ),
    ),
    Plant(
        "a store error with no text is told with an empty reason",
        "batchgen/store/objects.py",
        "if str(exc).strip() else type(exc).__name__",
        "if str(exc).strip() else ''",
        ("tests/store/test_audit_objects.py::test_a_store_error_with_no_text_is_told_by_its_kind",),
    ),
    Plant(
        "--verify-files trusts an object-store video gone between the listing and its read-back",
        "batchgen/store/objects.py",
        "ok = data is not None and hashlib.sha256(data).hexdigest() == sha256",
        "ok = data is None or hashlib.sha256(data).hexdigest() == sha256",
        ("tests/store/test_audit_objects.py::test_a_video_gone_between_the_listing_and_its_read_back_is_not_trusted",),
    ),
    Plant(
        "any error reading an object (a 403) reads as the object not there",
        "batchgen/store/objects.py",
        (
            "        except (NotFoundError, FileNotFoundError):\n            return None\n        except Exception as e"
            'xc:\n            raise self._error("read", key, exc) from None'
        ),
        "        except Exception:\n            return None",
        (
            "tests/store/test_audit_objects.py::"
            "test_a_store_that_fails_a_read_or_a_write_is_never_taken_for_an_absent_or_existing_object",
        ),
    ),
    Plant(
        "any error creating an object (a network fault) reads as the object already there",
        "batchgen/store/objects.py",
        (
            "        except (AlreadyExistsError, PreconditionError):\n            return False\n        except Exceptio"
            'n as exc:\n            raise self._error("create", key, exc) from None'
        ),
        "        except Exception:\n            return False",
        (
            "tests/store/test_audit_objects.py::"
            "test_a_store_that_fails_a_read_or_a_write_is_never_taken_for_an_absent_or_existing_object",
        ),
    ),
    Plant(
        "a failed write to the store is told as its bare error, permanent, without the object or what to do",
        "batchgen/store/objects.py",
        'raise self._error("write", key, exc) from None',
        "raise StorageError(str(exc)) from None",
        (
            "tests/store/test_audit_objects.py::"
            "test_a_store_that_fails_a_read_or_a_write_is_never_taken_for_an_absent_or_existing_object",
        ),
    ),
    Plant(
        "a store that cannot be opened is told without its URL",
        "batchgen/store/objects.py",
        '            f"cannot open the object store {url} ({type(exc).__name__}: {exc}); use s3://BUCKET/PREFIX, "',
        '            f"cannot open the object store ({type(exc).__name__}: {exc}); use s3://BUCKET/PREFIX, "',
        ("tests/store/test_audit_objects.py::test_a_store_that_cannot_be_opened_is_named_with_the_forms_it_takes",),
    ),
    Plant(
        "an object store tells its results at results.csv, not results/<shard>.csv where they go",
        "batchgen/store/objects.py",
        'self.results = f"{self.url}/results/{self.shard_name}.csv"',
        'self.results = f"{self.url}/results.csv"',
        (
            "tests/store/test_audit_objects.py::"
            "test_the_locations_an_object_store_tells_are_where_its_videos_ledger_and_results_go",
        ),
    ),
    Plant(
        "an object store tells its ledger as ledger/, not the shard's folder where it goes",
        "batchgen/store/objects.py",
        'self.ledger = f"{self.url}/ledger/{self.shard_name}/"',
        'self.ledger = f"{self.url}/ledger/"',
        (
            "tests/store/test_audit_objects.py::"
            "test_the_locations_an_object_store_tells_are_where_its_videos_ledger_and_results_go",
        ),
    ),
    Plant(
        "an object store tells its videos at the prefix, not videos/ where they go",
        "batchgen/store/objects.py",
        'self.videos = f"{self.url}/videos/"',
        'self.videos = f"{self.url}/"',
        (
            "tests/store/test_audit_objects.py::"
            "test_the_locations_an_object_store_tells_are_where_its_videos_ledger_and_results_go",
        ),
    ),
    Plant(
        "a failed batched delete names no object",
        "batchgen/store/objects.py",
        'raise self._error("delete", keys[start], exc) from None',
        'raise self._error("delete", "", exc) from None',
        ("tests/store/test_audit_objects.py::test_a_batched_delete_that_fails_names_the_first_key_of_its_batch",),
    ),
    Plant(
        "a probed video is timed by its container, not its picture (a longer sound track lengthens it)",
        "batchgen/store/media.py",
        "            if stream.duration is not None and stream.time_base is not None:",
        "            if False:",
        ("tests/store/test_audit_media.py::test_a_video_whose_sound_stream_comes_first_is_probed_by_its_picture",),
    ),
    Plant(
        "an object-store out without obstore installed is told without how to install it",
        "batchgen/store/objects.py",
        "\"an object-store --out (s3://, gs://, az://, file://) needs obstore: pip install 'batchgen[s3]'\"",
        '"an object-store --out needs obstore"',
        (
            "tests/store/test_audit_objects.py::"
            "test_an_object_store_out_without_obstore_installed_says_how_to_install_it",
        ),
    ),
    Plant(
        "an object store that cannot be opened is told as a passing fault: run the same command again",
        "batchgen/store/objects.py",
        "        if isinstance(exc, StorageError):\n            return exc",
        "        if False:\n            return exc",
        (
            "tests/store/test_audit_objects.py"
            "::test_a_store_that_cannot_be_opened_stops_the_run_saying_so_not_told_as_a_passing_fault",
        ),
    ),
)


def check(plant: Plant) -> str:
    path = ROOT / plant.file
    original = path.read_text(encoding="utf-8")
    if original.count(plant.before) != 1:
        return "not applied (the code changed; update the entry)"
    path.write_text(original.replace(plant.before, plant.after), encoding="utf-8")
    try:
        # No bytecode written: a planted line of the same length, planted and restored within one second, would
        # leave a cached compile of the bug that Python takes for the restored file's (same size, same mtime).
        done = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", *plant.tests],
            cwd=ROOT, capture_output=True, text=True, timeout=600, env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
        )  # fmt: skip
    except subprocess.TimeoutExpired:  # the tests never ended (a planted run that never ends, past its timeout)
        return "caught (the tests did not end)"
    finally:
        path.write_text(original, encoding="utf-8")
    return "caught" if done.returncode == 1 else f"NOT caught (pytest exit {done.returncode})"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reports", default=str(ROOT / "bench" / "reports"))
    parser.add_argument("-k", dest="only", default="", help="only the plants whose name contains this text")
    args = parser.parse_args()
    rows = []
    for plant in PLANTS:
        if args.only not in plant.name:
            continue
        started = time.monotonic()
        verdict = check(plant)
        took = time.monotonic() - started
        rows.append(f"| {plant.name} | `{plant.file}` | {verdict} | {took:.0f} s |")
        print(f"{verdict:>10}  {plant.name}  ({took:.0f} s)", flush=True)
    reports = Path(args.reports)
    reports.mkdir(parents=True, exist_ok=True)
    table = "| planted bug | where | result | real time |\n|---|---|---|---|\n" + "\n".join(rows) + "\n"
    (reports / "planted.md").write_text(table, encoding="utf-8")
    return 0 if all("| caught" in row for row in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
