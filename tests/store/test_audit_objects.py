"""Audit of ``batchgen/store/objects.py``: a video in the way is kept under its own hash, keys go where asked, and
what goes wrong is told with what to do."""

from __future__ import annotations

import hashlib
from pathlib import Path, PurePosixPath

import pytest

from batchgen.errors import StorageError, StoreUnavailable
from tests.helpers import S3

SAMPLE = Path(__file__).resolve().parents[2] / "batchgen" / "simulator" / "templates"


def sample_video() -> bytes:
    return sorted(SAMPLE.glob("*.mp4"))[0].read_bytes()


async def chunks_of(data: bytes, size: int = 65536):
    for start in range(0, len(data), size):
        yield data[start : start + size]


async def test_a_different_video_in_the_way_is_kept_under_the_hash_of_its_own_bytes(s3: S3, tmp_path):
    from batchgen.store.objects import Bucket, ObjectStore

    older = b"an older, different video"
    await Bucket(s3.url()).put("videos/clip.mp4", older)
    store = ObjectStore(s3.url(), spool_dir=tmp_path)
    data = sample_video()
    await store.save_stream("clip", PurePosixPath("videos/clip.mp4"), chunks_of(data), content_length=None,
                            file_size=None, max_bytes=1 << 30)  # fmt: skip
    aside = f"run/videos/clip.mp4.replaced-{hashlib.sha256(older).hexdigest()[:8]}"
    assert s3.keys("run/videos/") == {"run/videos/clip.mp4": data, aside: older}
    store.close()


async def test_deleting_more_than_a_thousand_keys_deletes_every_one_and_no_other():
    from obstore.store import MemoryStore

    from batchgen.store.objects import Bucket

    bucket = Bucket("memory://out", MemoryStore())
    keys = [f"ledger/0-of-1/{i:05d}.jsonl" for i in range(2001)]
    for key in [*keys, "ledger/0-of-1/keep.jsonl"]:
        await bucket.put(key, b"x")
    await bucket.delete_many(keys)
    assert [info.key for info in await bucket.list("ledger/")] == ["ledger/0-of-1/keep.jsonl"]


def test_an_s3_specific_endpoint_wins_over_the_general_one(monkeypatch):
    from obstore.store import S3Store

    from batchgen.store.objects import _open

    def endpoint() -> str | None:
        store = _open("s3://bucket/prefix")
        assert isinstance(store, S3Store)
        return store.config.get("endpoint")

    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:1")
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", "http://127.0.0.1:2")
    assert endpoint() == "http://127.0.0.1:2"
    monkeypatch.delenv("AWS_ENDPOINT_URL_S3")
    assert endpoint() == "http://127.0.0.1:1"


async def test_a_spool_folder_that_cannot_be_written_names_the_job_and_the_setting_to_change(s3: S3, tmp_path):
    import shutil

    from batchgen.store.objects import ObjectStore

    store = ObjectStore(s3.url(), spool_dir=tmp_path / "spool")
    store.prepare()
    assert store.spool is not None
    shutil.rmtree(store.spool)
    store.spool.write_bytes(b"")  # a file where the spool folder was
    with pytest.raises(StorageError) as refused:
        await store.save_stream("clip-7", PurePosixPath("videos/clip-7.mp4"), chunks_of(sample_video()),
                                content_length=None, file_size=None, max_bytes=1 << 30)  # fmt: skip
    message = str(refused.value)
    assert "while saving job clip-7" in message
    assert "free some space in output.spool_dir and run the same command again to resume" in message
    assert s3.keys("run/") == {}
    store.spool.unlink()
    store.close()


def test_a_spool_folder_that_cannot_be_made_says_which_setting_to_change(s3: S3, tmp_path):
    from batchgen.store.objects import ObjectStore

    (tmp_path / "taken").write_bytes(b"")
    store = ObjectStore(s3.url(), spool_dir=tmp_path / "taken")
    with pytest.raises(StorageError) as refused:
        store.prepare()
    assert str(refused.value).startswith(f"cannot create a spool folder in {tmp_path / 'taken'} (")
    assert str(refused.value).endswith("); set output.spool_dir to a writable folder")


def test_a_store_error_is_told_on_one_short_line_naming_the_object_and_what_to_do():
    from batchgen.store.objects import Bucket

    bucket = Bucket("s3://bucket/run/")
    detail = "Generic S3 error: " + "x" * 500 + "\nresponse body: <Error>...</Error>"
    message = str(bucket._error("read", "ledger/0-of-1/00001.jsonl", OSError(detail)))
    assert "\n" not in message
    assert message == (
        f"cannot read s3://bucket/run/ledger/0-of-1/00001.jsonl (OSError: {detail.splitlines()[0][:300]}); check "
        "the bucket, the credentials and the endpoint in the environment (AWS_ENDPOINT_URL ...), then run the "
        "same command again to resume"
    )
    assert isinstance(bucket._error("read", "k", OSError(detail)), StoreUnavailable)


@pytest.mark.parametrize("out", ["S3://bucket/run", "Gs://bucket/run", "AZ://container/run", "FILE:///srv/out"])
def test_an_object_store_out_is_recognised_whatever_the_case_of_its_scheme(out):
    from batchgen.store.objects import is_object_url

    assert is_object_url(out)
    assert not is_object_url(Path("s3:/bucket/run"))
    assert not is_object_url("videos/s3://run")
