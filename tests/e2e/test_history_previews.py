"""A job whose record is gone and whose request history row links something other than its video (a preview
image): no link gives its video, so it is lost (``--resubmit-lost`` makes it again, paid again), never left
``downloading`` with "run again to retry it" for a link that gives the same image in every run."""

from __future__ import annotations

from batchgen.store.ledger import read_ledger
from tests.helpers import many_jobs_yaml, run_batch, write


def test_a_gone_record_whose_history_links_a_preview_is_lost_and_told_how_to_make_it_again(
    sim, tmp_path, monkeypatch, capsys
):
    manifest = write(tmp_path / "m.yaml", many_jobs_yaml(3))
    server = sim(seed=3, history_url="other", expiry_s=30.0)  # records gone before the run asks for them
    out = tmp_path / "out"
    capsys.readouterr()
    assert run_batch(manifest, out, server, monkeypatch=monkeypatch) == 1
    printed = " ".join(capsys.readouterr().out.split())
    jobs = read_ledger(out / "ledger.jsonl").jobs.values()
    assert [rec["state"] for rec in jobs] == ["expired"] * 3
    for rec in jobs:
        detail = rec["error"]["detail"]
        assert "gives an image (image/jpeg), not its video" in detail and "its record is gone" in detail, detail
        assert "--resubmit-lost" in detail, detail
    previews = server.state.counters["/previews/{fid}.jpg"]
    assert previews == 3  # one fetch each: the same link gives the same image
    assert "3 jobs lost or expired" in printed and "--resubmit-lost" in printed, printed
    # the same command again fetches nothing more: nothing is left that a re-run could fetch
    assert run_batch(manifest, out, server, monkeypatch=monkeypatch) == 1
    assert server.state.counters["/previews/{fid}.jpg"] == previews and len(server.state.submissions) == 3
