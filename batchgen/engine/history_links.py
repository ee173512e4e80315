"""Whether a history row's output link can stand in for a result call (:class:`HistoryLinks`)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import PurePosixPath
from urllib.parse import urlsplit

log = logging.getLogger("batchgen")


class HistoryLinks:
    """Whether a history row's output link names the same file as the job's result.

    Per model, the shape of the links (scheme, host, first folder, suffix)
    seen to name the same file as the result's own; a job a sweep shows
    finished with a link of that shape needs no result call.  One link found
    to name another file ends it for the run, for every model.  Whether the
    rows can stand in for a record that died (its job's video is had from its
    row alone) is unknown until a finished row of ours is shown with a link,
    and false from the first shown with none, or once a link names another
    file.
    """

    def __init__(self) -> None:
        self._shapes: dict[str, tuple[str, str, str, str]] = {}
        self._off = False
        self._unlinked = False  # a finished row of ours was shown with no link
        self._linked = False  # ... or with one
        self.fell: Callable[[], None] = lambda: None  # called once the rows no longer stand in, where they did

    @property
    def history_urls(self) -> bool | None:
        """Whether history links are used: None while none has been compared with a result."""
        return False if self._off else (True if self._shapes else None)

    @property
    def stand_in(self) -> bool | None:
        """Whether a finished job's row may give its video once its record is gone: None until a finished row
        of ours was shown with a link (a history that answers may link none), and until shown otherwise."""
        if self._off or self._unlinked:
            return False
        return True if self._linked else None

    def shown(self, *, linked: bool) -> None:
        """A finished row of ours came with a link, or with none."""
        if linked:
            self._linked = True
        else:
            stood = self.stand_in
            self._unlinked = True
            self._fell_if(stood)

    def trusts(self, model: str, history_url: str) -> bool:
        """Whether a job of ``model`` may be downloaded from this history link without a result call."""
        return not self._off and self._shapes.get(model) == _shape(history_url)

    def compare(self, model: str, history_url: str, result_url: str) -> None:
        """A job's output link from both its history row and its result: they should be one file."""
        if self._off:
            return
        if same_file(history_url, result_url):
            self._shapes[model] = _shape(history_url)
            return
        self.distrust("a job's output link in the request history is not the one its result gives")

    def distrust(self, why: str) -> None:
        if not self._off:
            stood = self.stand_in
            self._off = True
            log.info("%s: fetching every result from the API for the rest of the run", why)
            self._fell_if(stood)

    def _fell_if(self, stood: bool | None) -> None:
        """The rows stood in for a record (``stood``) and now do not: :attr:`fell` is told."""
        if stood and not self.stand_in:
            self.fell()


def _shape(url: str) -> tuple[str, str, str, str]:
    """What links to one kind of file share: scheme, host, first folder and suffix."""
    parts = urlsplit(url)
    path = PurePosixPath(parts.path)
    folder = path.parts[1] if len(path.parts) > 2 else ""
    return parts.scheme.lower(), parts.netloc.lower(), folder, path.suffix.lower()


def same_file(a: str, b: str) -> bool:
    """Two output URLs name the same file (a query string, such as a signature, may differ)."""
    x, y = urlsplit(a), urlsplit(b)
    return (x.scheme.lower(), x.netloc.lower(), x.path) == (y.scheme.lower(), y.netloc.lower(), y.path)
