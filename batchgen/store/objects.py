"""The output location in an object store (``s3://``, ``gs://``, ``az://``, ``file://``), through obstore.

::

    PREFIX/
      videos/<id>.mp4             complete, verified videos only; created once, never overwritten
      videos/<id>.json            sidecar
      ledger/<shard>/<seq>.jsonl  the ledger: numbered, immutable segments (segments.py)
      lease/<shard>/<gen>.json    the lock: a renewable lease (lease.py)
      results/<shard>.csv         one row per job of that shard, rewritten after each run

A video is streamed to a local spool file (``output.spool_dir``, default a
temporary folder), hashed as it arrives and checked exactly as a local
download is (byte count against Content-Length and the API's ``file_size``,
MP4 box structure); then it goes up in **one create-only PUT**
(``If-None-Match: *`` on S3), which is atomic: the object either appears
whole or not at all, and an existing object is never replaced.  Only then is
``completed`` written to the ledger.  The spool copy is what the download
stage probes; it is removed once the video's sidecar is written (and the
whole spool folder when the run ends).  If the object already exists (an
earlier run stored it and was killed before recording ``completed``, or a
PUT whose answer was lost), its bytes are hashed: the same video is simply
adopted; a different one is moved aside to ``<name>.replaced-<sha8>`` first,
never silently replaced.

Credentials, region and endpoint come from the standard environment of each
service (``AWS_ACCESS_KEY_ID``, ``AWS_ENDPOINT_URL``, ``AWS_ALLOW_HTTP``,
``GOOGLE_APPLICATION_CREDENTIALS``, ``AZURE_STORAGE_ACCOUNT_NAME`` ...), as
obstore reads them.  obstore is imported only when an object store is used, so
the core install does not need it (``pip install 'batchgen[s3]'``).

:class:`Bucket` is the one place that calls obstore and turns its exceptions
into batchgen errors.
"""

from __future__ import annotations

import builtins
import contextlib
import hashlib
import json
import os
import secrets
import shutil
import tempfile
from collections.abc import AsyncIterable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import anyio

from ..errors import DownloadError, StorageError, StoreUnavailable
from .local import SavedVideo, safe_video_name
from .mp4 import spool_verified
from .shards import Shard
from .spools import mark, open_spool

if TYPE_CHECKING:
    from obstore.store import ObjectStore as _ObStore

SCHEMES = ("s3://", "s3a://", "gs://", "az://", "abfs://", "abfss://", "azure://", "file://", "memory://")
UNSHARDED = "0-of-1"
# The spool folders of this process's open stores: :func:`remove_open_spools` is for an exit that runs no
# cleanup (``close()`` removes each as its store closes).
_OPEN_SPOOLS: set[Path] = set()


def is_object_url(out: str | os.PathLike[str]) -> bool:
    return isinstance(out, str) and out.lower().startswith(SCHEMES)


@dataclass(frozen=True, slots=True)
class ObjectInfo:
    key: str
    size: int
    e_tag: str | None


class Bucket:
    """A prefix in an object store: the few operations batchgen needs, with batchgen errors."""

    def __init__(self, url: str, store: _ObStore | None = None) -> None:
        self.url = url.rstrip("/")
        self._store = store

    @property
    def store(self) -> _ObStore:
        if self._store is None:
            self._store = _open(self.url)
        return self._store

    def where(self, key: str) -> str:
        return f"{self.url}/{key}"

    async def put_create(self, key: str, data: bytes) -> bool:
        """Create ``key`` holding ``data``; False (nothing written) if it already exists."""
        obstore = _lib()
        from obstore.exceptions import AlreadyExistsError, PreconditionError

        try:
            await obstore.put_async(self.store, key, data, mode="create")
        except (AlreadyExistsError, PreconditionError):
            return False
        except Exception as exc:
            raise self._error("create", key, exc) from None
        return True

    async def put(self, key: str, data: bytes) -> None:
        """Write ``key`` in one atomic PUT (readers see the old object or the new one, never a mix)."""
        obstore = _lib()

        try:
            await obstore.put_async(self.store, key, data, use_multipart=False)
        except Exception as exc:
            raise self._error("write", key, exc) from None

    async def get(self, key: str) -> bytes | None:
        """The object's bytes, or None when it does not exist."""
        obstore = _lib()
        from obstore.exceptions import NotFoundError

        try:
            result = await obstore.get_async(self.store, key)
            return bytes(await result.bytes_async())
        except (NotFoundError, FileNotFoundError):
            return None
        except Exception as exc:
            raise self._error("read", key, exc) from None

    async def list(self, prefix: str) -> builtins.list[ObjectInfo]:
        """Every object under ``prefix``, sorted by key."""
        obstore = _lib()

        try:
            batches = await obstore.list(self.store, prefix=prefix, chunk_size=1000).collect_async()
        except FileNotFoundError:
            return []
        except Exception as exc:
            raise self._error("list", prefix, exc) from None
        found = [ObjectInfo(meta["path"], meta["size"], meta.get("e_tag")) for meta in batches]
        return sorted(found, key=lambda info: info.key)

    async def delete_many(self, keys: builtins.list[str]) -> None:
        """Delete objects in batches (one request per 1,000 keys on S3)."""
        obstore = _lib()

        for start in range(0, len(keys), 1000):
            try:
                await obstore.delete_async(self.store, keys[start : start + 1000])
            except Exception as exc:
                raise self._error("delete", keys[start], exc) from None

    async def folders(self, prefix: str) -> builtins.list[str]:
        """Names of the "folders" directly under ``prefix`` (one delimited LIST)."""
        obstore = _lib()

        try:
            found = await obstore.list_with_delimiter_async(self.store, prefix)
        except FileNotFoundError:
            return []
        except Exception as exc:
            raise self._error("list", prefix, exc) from None
        return sorted(p.rstrip("/").rsplit("/", 1)[-1] for p in found["common_prefixes"])

    async def delete(self, key: str) -> None:
        obstore = _lib()
        from obstore.exceptions import NotFoundError

        try:
            await obstore.delete_async(self.store, key)
        except (NotFoundError, FileNotFoundError):
            return
        except Exception as exc:
            raise self._error("delete", key, exc) from None

    def _error(self, verb: str, key: str, exc: BaseException) -> StorageError:
        """A permanent problem (credentials, permissions, configuration) as StorageError; anything else
        (network, 5xx, timeouts, after obstore's own retries) as StoreUnavailable, which callers retry.  A store
        that cannot be opened (its StorageError, raised as the call first opens it) stays what it is."""
        if isinstance(exc, StorageError):
            return exc
        from obstore.exceptions import (
            InvalidPathError,
            NotSupportedError,
            PermissionDeniedError,
            UnauthenticatedError,
            UnknownConfigurationKeyError,
        )

        permanent = (
            PermissionDeniedError,
            UnauthenticatedError,
            UnknownConfigurationKeyError,
            InvalidPathError,
            NotSupportedError,
        )
        if _missing_bucket(exc):  # the same command would meet the same absence: it is the URL or the store to fix
            name = urlsplit(self.url).netloc
            return StorageError(
                f"cannot {verb} {self.where(key)}: the bucket (or container) {name!r} does not exist at this "
                f"store's endpoint ({type(exc).__name__}); create it, or correct the bucket's name in --out "
                f"{self.url} (or the endpoint in AWS_ENDPOINT_URL ...); running the same command again as it is "
                "cannot help"
            )
        kind = StorageError if isinstance(exc, permanent) else StoreUnavailable
        detail = str(exc).strip().splitlines()[0][:300] if str(exc).strip() else type(exc).__name__
        return kind(
            f"cannot {verb} {self.where(key)} ({type(exc).__name__}: {detail}); check the bucket, the "
            "credentials and the endpoint in the environment (AWS_ENDPOINT_URL ...), then run the same command "
            "again to resume"
        )


def _lib() -> Any:
    """obstore, or a StorageError that says how to install it (it is an optional extra)."""
    try:
        import obstore
    except ImportError:
        raise StorageError(
            "an object-store --out (s3://, gs://, az://, file://) needs obstore: pip install 'batchgen[s3]'"
        ) from None
    return obstore


def _missing_bucket(exc: BaseException) -> bool:
    text = str(exc)
    return "NoSuchBucket" in text or "ContainerNotFound" in text or "bucket does not exist" in text.lower()


def _open(url: str) -> _ObStore:
    try:
        from obstore.store import from_url
    except ImportError:
        raise StorageError(f"--out {url} is an object store, which needs obstore: pip install 'batchgen[s3]'") from None
    options: dict[str, Any] = {}
    scheme, sep, rest = url.partition("://")
    url = scheme.lower() + sep + rest  # (an upper-case S3:// names the same store, at the same endpoint)
    endpoint = os.environ.get("AWS_ENDPOINT_URL_S3") or os.environ.get("AWS_ENDPOINT_URL")
    if url.startswith(("s3://", "s3a://")) and endpoint:
        options["endpoint"] = endpoint
    try:
        if url.startswith("file://"):
            Path(url[len("file://") :]).mkdir(parents=True, exist_ok=True)
        return from_url(url, **options)
    except Exception as exc:
        raise StorageError(
            f"cannot open the object store {url} ({type(exc).__name__}: {exc}); use s3://BUCKET/PREFIX, "
            "gs://, az:// or file://, with credentials in the standard environment"
        ) from None


def remove_open_spools() -> None:
    """Remove the spool folder of every store this process still has open, for an exit that skips every
    ``finally`` (the CLI's ``os._exit`` on a second signal).  A spool holds only copies: a video on its way
    to the bucket (the job is still ``downloading``: a later run fetches it again) or one already there."""
    for spool in list(_OPEN_SPOOLS):
        shutil.rmtree(spool, ignore_errors=True)
        _OPEN_SPOOLS.discard(spool)


class ObjectStore:
    """One run's output location in an object store; the object-store twin of :class:`storage.OutputDir`.

    Paths it hands out are keys relative to the prefix (``videos/x.mp4``), as
    ``PurePosixPath``; ``root`` is the empty key, so ``path.relative_to(root)``
    gives the key, as it gives the relative path of a local folder.
    """

    def __init__(
        self,
        url: str,
        filename: str = "{id}.mp4",
        *,
        shard: Shard | None = None,
        spool_dir: str | Path | None = None,
        bucket: Bucket | None = None,
    ) -> None:
        self.bucket = bucket or Bucket(url)
        self.url = self.bucket.url
        self.filename = filename
        self.shard_name = shard.name if shard else UNSHARDED
        self.root = PurePosixPath()
        self.videos = f"{self.url}/videos/"
        self.ledger = f"{self.url}/ledger/{self.shard_name}/"
        self.results = f"{self.url}/results/{self.shard_name}.csv"
        self._spool_given = Path(spool_dir) if spool_dir else None
        self.spool: Path | None = None
        self._spooled: dict[str, Path] = {}  # key -> spool copy of a stored video, until its sidecar is written

    # ------------------------------------------------------------------ setup

    def prepare(self) -> None:
        """Open the store (credentials are checked on first use) and a spool folder."""
        _ = self.bucket.store
        try:
            self.spool = open_spool(self._spool_given)
        except OSError as exc:
            raise StorageError(
                f"cannot create a spool folder in {self._spool_given or tempfile.gettempdir()} "
                f"({exc.strerror or exc}); set output.spool_dir to a writable folder"
            ) from None
        _OPEN_SPOOLS.add(self.spool)

    def close(self) -> None:
        if self.spool is not None:
            shutil.rmtree(self.spool, ignore_errors=True)
            _OPEN_SPOOLS.discard(self.spool)
            self.spool = None

    # ------------------------------------------------------------------ naming

    def video_path(self, job_id: str, model: str) -> PurePosixPath:
        return PurePosixPath("videos") / safe_video_name(self.filename, job_id, model)

    def sidecar_path(self, video: PurePosixPath) -> PurePosixPath:
        return video.with_suffix(".json")

    # ------------------------------------------------------------------ videos

    async def save_stream(
        self,
        job_id: str,
        dest: PurePosixPath,
        chunks: AsyncIterable[bytes],
        *,
        content_length: int | None,
        file_size: int | None,
        max_bytes: int,
    ) -> SavedVideo:
        """Spool, verify, then one create-only PUT to ``dest``."""
        if self.spool is None:
            self.prepare()
        assert self.spool is not None
        tmp = self.spool / f"{safe_video_name('{id}', job_id, '')}.{secrets.token_hex(4)}.part"
        try:
            if not self.spool.is_dir():  # removed under a running store (a cleaner): made again
                self.spool.mkdir(mode=0o700, exist_ok=True)
                mark(self.spool)
            sha256, size = await spool_verified(
                tmp, job_id, chunks, content_length=content_length, file_size=file_size, max_bytes=max_bytes,
                where="output.spool_dir", fsync=False,
            )  # fmt: skip
            data = await anyio.to_thread.run_sync(tmp.read_bytes)
            try:
                await self._install(str(dest), data, sha256)
            except StoreUnavailable as exc:  # the download stage retries it with backoff; a create may repeat
                raise DownloadError(f"the video for job {job_id} could not be stored yet: {exc}") from None
        except OSError as exc:
            with contextlib.suppress(OSError):
                tmp.unlink()
            raise StorageError(
                f"cannot write the spool file {tmp} while saving job {job_id} ({exc.strerror or exc}); free "
                "some space in output.spool_dir and run the same command again to resume"
            ) from None
        except BaseException:
            with contextlib.suppress(OSError):
                tmp.unlink()
            raise
        # The spool copy stays until the sidecar is written, so the download stage can probe it.
        earlier = self._spooled.pop(str(dest), None)  # a copy from an earlier attempt is not needed now
        if earlier is not None:
            with contextlib.suppress(OSError):
                earlier.unlink()
        self._spooled[str(dest)] = tmp
        return SavedVideo(tmp, sha256, size, None)

    async def _install(self, key: str, data: bytes, sha256: str) -> None:
        """Create ``key``; adopt an identical existing object, move a different one aside first."""
        for _ in range(3):
            if await self.bucket.put_create(key, data):
                return
            existing = await self.bucket.get(key)
            if existing is None:
                continue  # deleted between the two calls: try again
            found = hashlib.sha256(existing).hexdigest()
            if found == sha256:
                return
            await self.bucket.put_create(f"{key}.replaced-{found[:8]}", existing)  # kept aside, then replaced
            await self.bucket.delete(key)
        raise StorageError(
            f"{self.bucket.where(key)} keeps changing while batchgen stores a video there; is another program "
            "writing to this prefix? Stop it and run again"
        )

    async def installed(self, dest: PurePosixPath, *, file_size: int | None, since: float) -> SavedVideo | None:
        """None: an object's listing gives no time to tell this request's video from an earlier one's, so
        a video stored before ``completed`` is adopted only by the create-only PUT of a fresh download."""
        return None

    async def write_sidecar(self, video: PurePosixPath, data: dict[str, Any]) -> None:
        """Write the sidecar in one atomic PUT; the video's spool copy is no longer needed."""
        text = json.dumps(data, indent=2, ensure_ascii=False, sort_keys=True) + "\n"
        await self.bucket.put(str(self.sidecar_path(video)), text.encode())
        spooled = self._spooled.pop(str(video), None)
        if spooled is not None:
            with contextlib.suppress(OSError):
                spooled.unlink()

    async def write_results(self, data: bytes) -> None:
        await self.bucket.put(f"results/{self.shard_name}.csv", data)

    async def verify_many(
        self, items: list[tuple[PurePosixPath, int | None, str | None, int | None]], *, deep: bool = False
    ) -> list[bool]:
        """Is each video there with its recorded size (one LIST for every 1,000 videos)?

        Objects are immutable once created, so size and presence are the quick
        check; ``deep`` reads every object and compares its sha256.
        """
        if not items:
            return []
        sizes = {info.key: info.size for info in await self.bucket.list("videos/")}
        results = []
        for key, size, sha256, _mtime in items:
            ok = str(key) in sizes and (size is None or sizes[str(key)] == size)
            if ok and deep and sha256 is not None:
                data = await self.bucket.get(str(key))
                ok = data is not None and hashlib.sha256(data).hexdigest() == sha256
            results.append(ok)
        return results
