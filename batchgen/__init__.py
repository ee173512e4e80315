"""batchgen: turn a manifest of prompts into a folder of verified videos.

The library API below is what the CLI is built on; ``batchgen.simulator``
holds the local stand-in for the Segmind v2 API.
"""

from importlib.metadata import PackageNotFoundError, version

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

try:
    __version__ = version("batchgen")
except PackageNotFoundError:  # running from a source tree without installing
    __version__ = "0.0.0"

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
