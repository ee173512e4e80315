"""Audit of ``batchgen/store/objects.py``: a video in the way is kept under its own hash, keys go where asked, and
what goes wrong is told with what to do."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path, PurePosixPath

import pytest

from batchgen.errors import StorageError, StoreUnavailable
from batchgen.jobs import JobState
from tests.helpers import S3
from tests.store.test_store import opened_stores

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


def memory_store(**kwargs):
    from obstore.store import MemoryStore

    from batchgen.store.objects import Bucket, ObjectStore

    return ObjectStore("memory://out", bucket=Bucket("memory://out", MemoryStore()), **kwargs)


async def test_a_create_the_store_refuses_on_its_precondition_reads_as_already_there(monkeypatch):
    # S3-compatible stores (and GCS) answer a create-only PUT onto an existing key with 412 Precondition
    # Failed: that is "the object is there" (adopt or move aside), not a store to retry or a run to stop
    import obstore
    from obstore.exceptions import PreconditionError

    from batchgen.store.objects import Bucket

    async def refused(*args, **kwargs):
        raise PreconditionError(
            "412 Precondition Failed: At least one of the pre-conditions you specified did not hold"
        )

    monkeypatch.setattr(obstore, "put_async", refused)
    assert await Bucket("memory://out", object()).put_create("videos/a.mp4", b"v") is False  # type: ignore[arg-type]


async def test_deleting_an_object_that_is_not_there_is_harmless_in_every_store(tmp_path):
    # a local-disk store answers FileNotFoundError, another NotFoundError: both mean "already gone"
    from batchgen.store.objects import Bucket

    bucket = Bucket(f"file://{tmp_path}/out")
    await bucket.put("lease/0-of-1/1.json", b"{}")
    await bucket.delete("lease/0-of-1/2.json")
    await bucket.delete("lease/0-of-1/1.json")
    await bucket.delete("lease/0-of-1/1.json")
    assert await bucket.list("lease/") == []


@pytest.mark.parametrize(
    "text",
    [
        "ContainerNotFound: The specified container does not exist.",  # Azure
        "The specified bucket does not exist.",  # GCS
        "Bucket does not exist",
    ],
)
def test_a_missing_bucket_or_container_of_any_store_is_named_with_what_to_correct(text):
    from obstore.exceptions import GenericError

    from batchgen.store.objects import Bucket

    error = Bucket("az://films/run")._error("list", "ledger/", GenericError(text))
    assert type(error) is StorageError
    assert "the bucket (or container) 'films' does not exist" in str(error) and "cannot help" in str(error)


@pytest.mark.parametrize("kind", ["InvalidPathError", "UnknownConfigurationKeyError", "NotSupportedError"])
def test_a_store_error_that_the_same_command_would_meet_again_stops_the_run(kind):
    import obstore.exceptions

    from batchgen.store.objects import Bucket

    exc = getattr(obstore.exceptions, kind)("the store refuses this")
    error = Bucket("s3://films/run")._error("write", "videos/a.mp4", exc)
    assert type(error) is StorageError
    assert f"cannot write s3://films/run/videos/a.mp4 ({kind}: the store refuses this)" in str(error)


@pytest.mark.parametrize("url", ["gs://bucket/run", "az://container/run", "memory://run"])
def test_an_s3_endpoint_is_never_given_to_another_store(monkeypatch, url):
    from batchgen.store import objects

    opened = opened_stores(monkeypatch)
    monkeypatch.setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("AWS_ENDPOINT_URL_S3", "http://127.0.0.1:9")
    objects._open(url)
    assert opened == [(url, {})]


def test_an_object_store_names_videos_by_the_output_filename_pattern():
    store = memory_store(filename="{model}/{id}-take.mp4")
    assert store.video_path("clip 1", "kling-2.1") == PurePosixPath("videos/kling-2.1_clip_1-take.mp4")
    assert store.sidecar_path(store.video_path("clip 1", "kling-2.1")) == PurePosixPath(
        "videos/kling-2.1_clip_1-take.json"
    )


@pytest.mark.parametrize(
    ("file_size", "max_bytes", "problem"),
    [(1, 1 << 30, "but the API's file_size says"), (None, 1000, r"exceeds 1000 bytes \(output.max_download_bytes\)")],
)
async def test_a_video_not_of_the_apis_size_or_over_the_limit_never_reaches_the_bucket_nor_stays_in_the_spool(
    s3: S3, tmp_path, file_size, max_bytes, problem
):
    from batchgen.errors import DownloadError
    from batchgen.store.objects import ObjectStore
    from batchgen.store.spools import MARK

    data = sample_video()
    store = ObjectStore(s3.url(), spool_dir=tmp_path / "spool")
    store.prepare()
    assert store.spool is not None
    with pytest.raises(DownloadError, match=problem):
        await store.save_stream("clip", PurePosixPath("videos/clip.mp4"), chunks_of(data, 512),
                                content_length=None, file_size=None if file_size is None else len(data) + file_size,
                                max_bytes=max_bytes)  # fmt: skip
    assert s3.keys("run/") == {}
    assert [p.name for p in store.spool.iterdir()] == [MARK]  # the refused copy went at once, not at the run's end
    store.close()


async def test_a_sidecar_and_the_results_file_written_again_replace_the_earlier_ones():
    store = memory_store()
    video = store.video_path("a", "m")
    await store.write_sidecar(video, {"job_id": "a", "status": "first"})
    await store.write_sidecar(video, {"job_id": "a", "status": "second"})
    sidecar = await store.bucket.get("videos/a.json")
    assert sidecar is not None and json.loads(sidecar) == {"job_id": "a", "status": "second"}
    await store.write_results(b"job_id\na\n")
    await store.write_results(b"job_id\na\nb\n")
    assert await store.bucket.get("results/0-of-1.csv") == b"job_id\na\nb\n"


async def test_an_object_store_sidecar_is_indented_sorted_utf8_json_text():
    store = memory_store()
    await store.write_sidecar(PurePosixPath("videos/a.mp4"), {"prompt": "un chat qui rêve, 夢", "job_id": "a"})
    assert await store.bucket.get("videos/a.json") == (
        '{\n  "job_id": "a",\n  "prompt": "un chat qui rêve, 夢"\n}\n'.encode()
    )


async def test_a_spool_folder_made_again_under_a_running_store_is_private_to_its_user(s3: S3, tmp_path):
    import shutil
    import stat

    from batchgen.store.objects import ObjectStore

    store = ObjectStore(s3.url(), spool_dir=tmp_path / "spool")
    store.prepare()
    assert store.spool is not None
    shutil.rmtree(store.spool)  # a cleaner of the spool folder
    await store.save_stream("clip", PurePosixPath("videos/clip.mp4"), chunks_of(sample_video()), content_length=None,
                            file_size=None, max_bytes=1 << 30)  # fmt: skip
    assert stat.S_IMODE(store.spool.stat().st_mode) == 0o700  # the videos paid for are no one else's to read
    store.close()


def test_a_store_error_with_no_text_is_told_by_its_kind():
    from batchgen.store.objects import Bucket

    message = str(Bucket("s3://films/run")._error("read", "videos/a.mp4", TimeoutError()))
    assert message.startswith("cannot read s3://films/run/videos/a.mp4 (TimeoutError: TimeoutError); check ")


async def test_a_video_gone_between_the_listing_and_its_read_back_is_not_trusted():
    store = memory_store()
    data = b"v" * 100
    await store.bucket.put_create("videos/a.mp4", data)
    inner_get = store.bucket.get

    async def gone(key: str) -> bytes | None:
        await store.bucket.delete(key)  # removed by hand (or a lifecycle rule) after the LIST
        return await inner_get(key)

    store.bucket.get = gone
    item = (PurePosixPath("videos/a.mp4"), 100, hashlib.sha256(data).hexdigest(), None)
    assert await store.verify_many([item], deep=True) == [False]


class Failing:
    """obstore's calls, each failing as a store does that refuses (403) or does not answer."""

    def __init__(self, exc: BaseException) -> None:
        self.exc = exc

    async def __call__(self, *args, **kwargs):
        raise self.exc


async def test_a_store_that_fails_a_read_or_a_write_is_never_taken_for_an_absent_or_existing_object(monkeypatch):
    # a refused read taken for "not there" would read a lease as free or a segment as missing; a failed create
    # taken for "already there" would adopt a video that never went up
    import obstore
    from obstore.exceptions import GenericError, PermissionDeniedError

    from batchgen.store.objects import Bucket

    bucket = Bucket("s3://films/run", object())  # type: ignore[arg-type]
    monkeypatch.setattr(obstore, "get_async", Failing(PermissionDeniedError("Access Denied")))
    with pytest.raises(StorageError, match=r"^cannot read s3://films/run/lease/0-of-1/1\.json \(PermissionDenied"):
        await bucket.get("lease/0-of-1/1.json")
    monkeypatch.setattr(obstore, "put_async", Failing(GenericError("connection reset by peer")))
    with pytest.raises(StoreUnavailable, match=r"^cannot create s3://films/run/videos/a\.mp4 \(GenericError"):
        await bucket.put_create("videos/a.mp4", b"v")
    with pytest.raises(StoreUnavailable, match=r"^cannot write s3://films/run/results/0-of-1\.csv \(GenericError"):
        await bucket.put("results/0-of-1.csv", b"job_id\n")


def test_a_store_that_cannot_be_opened_is_named_with_the_forms_it_takes(monkeypatch):
    import obstore.store

    from batchgen.store import objects

    def from_url(u: str, **options: object) -> object:
        raise ValueError("unknown scheme")

    monkeypatch.setattr(obstore.store, "from_url", from_url)
    with pytest.raises(StorageError) as refused:
        objects._open("gs://films/run")
    assert str(refused.value) == (
        "cannot open the object store gs://films/run (ValueError: unknown scheme); use s3://BUCKET/PREFIX, gs://, "
        "az:// or file://, with credentials in the standard environment"
    )


async def test_the_locations_an_object_store_tells_are_where_its_videos_ledger_and_results_go(s3: S3, tmp_path):
    # the run's summary prints these three: each must name where batchgen really writes
    from batchgen.store.objects import ObjectStore
    from batchgen.store.segments import SegmentLedger
    from batchgen.store.shards import Shard

    store = ObjectStore(s3.url(), shard=Shard(1, 2), spool_dir=tmp_path)
    data = sample_video()
    dest = store.video_path("clip", "m")
    await store.save_stream("clip", dest, chunks_of(data), content_length=None, file_size=None, max_bytes=1 << 30)
    await store.write_results(b"job_id\nclip\n")
    ledger = SegmentLedger(store.bucket, store.shard_name, next_seq=1)
    await ledger.append("clip", "submitting", JobState.SUBMITTING)
    written = {store.bucket.where(key.removeprefix("run/")) for key in s3.keys("run/")}
    assert store.bucket.where(str(dest)) in written and store.bucket.where(str(dest)).startswith(store.videos)
    assert store.videos == f"{s3.url()}/videos/"
    assert store.results in written and store.results == f"{s3.url()}/results/1-of-2.csv"
    assert store.ledger == f"{s3.url()}/ledger/1-of-2/"
    assert [where for where in written if where.startswith(store.ledger)] == [f"{store.ledger}000000000001.jsonl"]
    store.close()


async def test_a_batched_delete_that_fails_names_the_first_key_of_its_batch(monkeypatch):
    import obstore
    from obstore.exceptions import GenericError

    from batchgen.store.objects import Bucket

    monkeypatch.setattr(obstore, "delete_async", Failing(GenericError("slow down")))
    with pytest.raises(StoreUnavailable, match=r"^cannot delete s3://films/run/ledger/0-of-1/00001\.jsonl \("):
        await Bucket("s3://films/run", object()).delete_many(["ledger/0-of-1/00001.jsonl", "ledger/0-of-1/2.jsonl"])  # type: ignore[arg-type]


@pytest.mark.parametrize("url", ["memory://out", "az://container/run"])
async def test_a_store_that_cannot_be_opened_stops_the_run_saying_so_not_told_as_a_passing_fault(monkeypatch, url):
    import os

    from batchgen.store.objects import Bucket

    for name in [name for name in os.environ if name.startswith("AZURE_")]:
        monkeypatch.delenv(name)  # no account named: an az:// URL cannot be opened
    with pytest.raises(StorageError) as refused:
        await Bucket(url).list("ledger/")
    assert type(refused.value) is StorageError
    assert str(refused.value).startswith(f"cannot open the object store {url} (")
    assert "run the same command again" not in str(refused.value)


async def test_an_object_store_out_without_obstore_installed_says_how_to_install_it(monkeypatch):
    import sys

    from batchgen.store.objects import Bucket

    monkeypatch.setitem(sys.modules, "obstore", None)  # the core install, without the [s3] extra
    with pytest.raises(StorageError) as refused:
        await Bucket("s3://films/run", object()).get("videos/a.mp4")  # type: ignore[arg-type]
    assert str(refused.value) == (
        "an object-store --out (s3://, gs://, az://, file://) needs obstore: pip install 'batchgen[s3]'"
    )
