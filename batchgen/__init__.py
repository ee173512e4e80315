"""batchgen: turn a manifest of prompts into a folder of verified videos.

The library API below is what the CLI is built on; ``batchgen.simulator``
holds the local stand-in for the Segmind v2 API.

The names are imported when first used (PEP 562), so importing the package
itself costs nothing: the command's entry point (``cli/entry.py``)
takes SIGTERM as a clean stop before the ~0.5 s of importing the rest.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .api.client import ApiClient
    from .clock import Clock
    from .config import Settings, load_settings
    from .engine.outcome import RunReport
    from .engine.run import Run
    from .errors import BatchgenError, ManifestError
    from .jobs import JobSpec, JobState
    from .manifest import load_manifest
    from .store.ledger import Ledger, read_ledger
    from .store.local import OutputDir

    __version__: str

_WHERE = {
    "ApiClient": ".api.client",
    "BatchgenError": ".errors",
    "Clock": ".clock",
    "JobSpec": ".jobs",
    "JobState": ".jobs",
    "Ledger": ".store.ledger",
    "ManifestError": ".errors",
    "OutputDir": ".store.local",
    "Run": ".engine.run",
    "RunReport": ".engine.outcome",
    "Settings": ".config",
    "load_manifest": ".manifest",
    "load_settings": ".config",
    "read_ledger": ".store.ledger",
}

__all__ = [
    "ApiClient",
    "BatchgenError",
    "Clock",
    "JobSpec",
    "JobState",
    "Ledger",
    "ManifestError",
    "OutputDir",
    "Run",
    "RunReport",
    "Settings",
    "__version__",
    "load_manifest",
    "load_settings",
    "read_ledger",
]


def __getattr__(name: str) -> Any:
    if name == "__version__":
        from importlib.metadata import PackageNotFoundError, version

        try:
            found = version("batchgen")
        except PackageNotFoundError:  # running from a source tree without installing
            found = "0.0.0"
        globals()["__version__"] = found
        return found
    if name in _WHERE:
        value = getattr(import_module(_WHERE[name], __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
