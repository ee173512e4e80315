"""Settings: frozen, validated, merged once from flags > environment > file > defaults.

The file is YAML with the sections below (see ``config.example.yaml``);
unknown keys are errors naming the key and the file.  Environment variables
(``BATCHGEN_*``, listed in :data:`ENV_VARS`) override the file; command-line
flags override both.
"""

from __future__ import annotations

import difflib
import ipaddress
import math
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from .errors import ConfigError
from .params import Prices, default_prices
from .yaml_reader import LocatedMap, YamlProblem, load_located, plain

MAX_CONFIG_BYTES = 1 << 20


def _positive(section: str, name: str, value: float, *, integer: bool = False, zero_ok: bool = False) -> None:
    number = isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
    if not number or not (value >= 0 if zero_ok else value > 0):
        raise ConfigError(
            f"{section}.{name} must be a {'non-negative' if zero_ok else 'positive'} number, got {value!r}"
        )
    if integer and not float(value).is_integer():
        raise ConfigError(f"{section}.{name} must be a whole number, got {value!r}")


@dataclass(frozen=True, slots=True, kw_only=True)
class ApiSettings:
    base_url: str = "https://api.segmind.com"
    key_env: str = "SEGMIND_API_KEY"
    request_timeout_s: float = 30.0
    history_url: str | None = None  # None: derived from base_url
    max_response_bytes: int = 1 << 20
    unreachable_after_s: float = 300.0  # stop (exit 6) when no call has reached the server for this long

    def __post_init__(self) -> None:
        _check_url("api.base_url", self.base_url)
        if self.history_url is not None:
            _check_url("api.history_url", self.history_url)
        if not self.key_env or not self.key_env.replace("_", "").isalnum():
            raise ConfigError(f"api.key_env must be an environment variable name, got {self.key_env!r}")
        _positive("api", "request_timeout_s", self.request_timeout_s)
        _positive("api", "max_response_bytes", self.max_response_bytes, integer=True)
        _positive("api", "unreachable_after_s", self.unreachable_after_s)


@dataclass(frozen=True, slots=True, kw_only=True)
class LimitSettings:
    concurrency: int = 8
    requests_per_minute: float = 50
    rate_window_s: float = 60.0
    download_concurrency: int = 4
    max_spend_usd: float | None = None

    def __post_init__(self) -> None:
        _positive("limits", "concurrency", self.concurrency, integer=True)
        _positive("limits", "requests_per_minute", self.requests_per_minute)
        _positive("limits", "rate_window_s", self.rate_window_s)
        _positive("limits", "download_concurrency", self.download_concurrency, integer=True)
        if self.max_spend_usd is not None:
            _positive("limits", "max_spend_usd", self.max_spend_usd, zero_ok=True)


@dataclass(frozen=True, slots=True, kw_only=True)
class PollingSettings:
    min_interval_s: float = 2.0
    max_interval_s: float = 60.0
    expiry_s: float = 3600.0
    expiry_margin_s: float = 600.0

    def __post_init__(self) -> None:
        _positive("polling", "min_interval_s", self.min_interval_s)
        _positive("polling", "max_interval_s", self.max_interval_s)
        if self.max_interval_s < self.min_interval_s:
            raise ConfigError("polling.max_interval_s must be at least polling.min_interval_s")
        _positive("polling", "expiry_s", self.expiry_s)
        _positive("polling", "expiry_margin_s", self.expiry_margin_s)
        if self.expiry_margin_s >= self.expiry_s:
            raise ConfigError("polling.expiry_margin_s must be smaller than polling.expiry_s")


@dataclass(frozen=True, slots=True, kw_only=True)
class RetrySettings:
    max_attempts: int = 6
    backoff_initial_s: float = 1.0
    backoff_max_s: float = 120.0
    deadline_s: float = 900.0

    def __post_init__(self) -> None:
        _positive("retry", "max_attempts", self.max_attempts, integer=True)
        _positive("retry", "backoff_initial_s", self.backoff_initial_s)
        _positive("retry", "backoff_max_s", self.backoff_max_s)
        _positive("retry", "deadline_s", self.deadline_s)
        if self.backoff_max_s < self.backoff_initial_s:
            raise ConfigError("retry.backoff_max_s must be at least retry.backoff_initial_s")


_WHOLE_ID = "job-id-0123456789"  # stands for a job id when output.filename is checked


@dataclass(frozen=True, slots=True, kw_only=True)
class OutputSettings:
    dir: str = "out"
    filename: str = "{id}.mp4"
    max_download_bytes: int = 2 << 30
    download_timeout_s: float = 900.0
    spool_dir: str | None = None  # object stores only; None: a temporary folder
    lease_ttl_s: float = 60.0  # object stores only

    def __post_init__(self) -> None:
        if not self.dir:
            raise ConfigError("output.dir must not be empty")
        if "{id}" not in self.filename:
            raise ConfigError("output.filename must contain {id}, so every job gets its own file")
        if "/" in self.filename or "\\" in self.filename or self.filename.startswith("."):
            raise ConfigError("output.filename must be a plain file name (no folders, not starting with '.')")
        try:
            named = self.filename.format(id=_WHOLE_ID, model="m")
        except (KeyError, IndexError, ValueError) as exc:
            raise ConfigError(f"output.filename may use only {{id}} and {{model}}: {exc}") from None
        if _WHOLE_ID not in named:  # '{{id}}' is a literal '{id}'; '{id[0]}' or '{id:.4}' a part of it
            raise ConfigError(
                "output.filename must give the whole job id ({id} as it is), so every job gets its own file; "
                f"{self.filename!r} does not"
            )
        _positive("output", "max_download_bytes", self.max_download_bytes, integer=True)
        _positive("output", "download_timeout_s", self.download_timeout_s)
        _positive("output", "lease_ttl_s", self.lease_ttl_s)
        if self.lease_ttl_s < 5:
            raise ConfigError(f"output.lease_ttl_s must be at least 5 seconds, got {self.lease_ttl_s!r}")
        if self.spool_dir is not None and not isinstance(self.spool_dir, str):
            raise ConfigError(f"output.spool_dir must be a folder path or null, got {self.spool_dir!r}")


@dataclass(frozen=True, slots=True, kw_only=True)
class MediaSettings:
    duration_tolerance_s: float = 0.5
    aspect_tolerance: float = 0.03

    def __post_init__(self) -> None:
        _positive("media", "duration_tolerance_s", self.duration_tolerance_s, zero_ok=True)
        _positive("media", "aspect_tolerance", self.aspect_tolerance, zero_ok=True)


@dataclass(frozen=True, slots=True, kw_only=True)
class ReportSettings:
    enabled: bool = True
    refresh_s: float = 300.0
    page_size: int = 500
    thumb_width: int = 240

    def __post_init__(self) -> None:
        if not isinstance(self.enabled, bool):
            raise ConfigError(f"report.enabled must be true or false, got {self.enabled!r}")
        _positive("report", "refresh_s", self.refresh_s)
        _positive("report", "page_size", self.page_size, integer=True)
        _positive("report", "thumb_width", self.thumb_width, integer=True)
        if not 32 <= self.thumb_width <= 1920:
            raise ConfigError(f"report.thumb_width must be between 32 and 1920 pixels, got {self.thumb_width}")


@dataclass(frozen=True, slots=True, kw_only=True)
class ModelSettings:
    passthrough: tuple[str, ...] = ()  # models without a built-in schema that may be sent unchecked
    files: tuple[str, ...] = ()  # the user's model spec files (added to, or overriding, the shipped ones)

    def __post_init__(self) -> None:
        files = self.files
        if isinstance(files, str) or not isinstance(files, list | tuple):
            raise ConfigError(f"models.files must be a list of model spec file paths, got {files!r}")
        if not all(isinstance(f, str) and f for f in files):
            raise ConfigError(f"models.files must hold file paths (text), got {list(files)!r}")
        object.__setattr__(self, "files", tuple(files))
        names = self.passthrough
        if isinstance(names, str) or not isinstance(names, list | tuple):
            raise ConfigError(f"models.passthrough must be a list of model names, got {names!r}")
        if not all(isinstance(n, str) and n for n in names):
            raise ConfigError(f"models.passthrough must hold model names (text), got {list(names)!r}")
        object.__setattr__(self, "passthrough", tuple(names))


@dataclass(frozen=True, slots=True, kw_only=True)
class Settings:
    api: ApiSettings = field(default_factory=ApiSettings)
    limits: LimitSettings = field(default_factory=LimitSettings)
    polling: PollingSettings = field(default_factory=PollingSettings)
    retry: RetrySettings = field(default_factory=RetrySettings)
    output: OutputSettings = field(default_factory=OutputSettings)
    media: MediaSettings = field(default_factory=MediaSettings)
    report: ReportSettings = field(default_factory=ReportSettings)
    models: ModelSettings = field(default_factory=ModelSettings)
    prices: Prices = field(default_factory=default_prices)


_SECTIONS: dict[str, type] = {
    "api": ApiSettings,
    "limits": LimitSettings,
    "polling": PollingSettings,
    "retry": RetrySettings,
    "output": OutputSettings,
    "media": MediaSettings,
    "report": ReportSettings,
    "models": ModelSettings,
}

# The command-line flag for each key a flag can set, to name it in errors.
FLAGS: dict[tuple[str, str], str] = {
    ("api", "base_url"): "--base-url",
    ("limits", "concurrency"): "--concurrency",
    ("limits", "requests_per_minute"): "--rpm",
    ("limits", "max_spend_usd"): "--max-spend",
    ("output", "dir"): "--out",
}

ENV_VARS: dict[str, tuple[str, str]] = {
    "BATCHGEN_BASE_URL": ("api", "base_url"),
    "BATCHGEN_CONCURRENCY": ("limits", "concurrency"),
    "BATCHGEN_RPM": ("limits", "requests_per_minute"),
    "BATCHGEN_MAX_SPEND": ("limits", "max_spend_usd"),
    "BATCHGEN_OUT": ("output", "dir"),
}


def load_settings(
    config_file: str | Path | None = None,
    *,
    environ: Mapping[str, str] | None = None,
    overrides: Mapping[str, Mapping[str, Any]] | None = None,
    origins: Mapping[tuple[str, str], str] | None = None,
) -> Settings:
    """Merge the file, the environment and flag overrides into Settings.  ``origins`` names where an override
    came from, to blame it in an error, where that is not its flag (a value kept with the output folder)."""
    environ = os.environ if environ is None else environ
    layers: dict[str, dict[str, Any]] = {name: {} for name in _SECTIONS}
    origin: dict[tuple[str, str], str] = {}  # where each value came from, to name it in an error
    prices = default_prices()
    where = "the settings"
    if config_file is not None:
        where = str(config_file)
        data, lines = _read_yaml(Path(config_file))

        def at(*keys: str) -> str:  # the file and the line a section or key is on
            return f"{where}:{lines[keys]}" if keys in lines else where

        for section, values in data.items():
            if section == "prices":
                prices = _prices(values, at(section))
                continue
            if section not in _SECTIONS:
                raise ConfigError(
                    f"{at(section)}: unknown section '{section}'{_did_you_mean(section, [*_SECTIONS, 'prices'])}; "
                    f"known: {', '.join([*_SECTIONS, 'prices'])}"
                )
            if not isinstance(values, dict):
                raise ConfigError(f"{at(section)}: '{section}' must be a mapping of keys to values")
            known = {f.name for f in fields(_SECTIONS[section])}
            for key, value in values.items():
                if key not in known:
                    raise ConfigError(
                        f"{at(section, key)}: unknown key '{section}.{key}'{_did_you_mean(key, known)}; known keys "
                        f"in '{section}': {', '.join(sorted(known))}"
                    )
                if (section, key) == ("models", "files") and isinstance(value, list):
                    base = Path(config_file).parent  # a spec file's path starts at the config's folder
                    value = [str(base / v) if isinstance(v, str) and v else v for v in value]
                layers[section][key] = value
                origin[section, key] = at(section, key)
    for var, (section, key) in ENV_VARS.items():
        if var in environ and environ[var] != "":
            layers[section][key] = _env_value(var, environ[var], section, key)
            origin[section, key] = f"environment variable {var}"
    for section, values in (overrides or {}).items():
        for key, value in values.items():
            if value is not None:
                layers[section][key] = value
                flag = FLAGS.get((section, key), "the command line")
                origin[section, key] = (origins or {}).get((section, key)) or flag
    built: dict[str, Any] = {}
    for section, cls in _SECTIONS.items():
        try:
            built[section] = cls(**layers[section])
        except ConfigError as exc:
            text = str(exc)
            blamed = [origin[section, key] for key in layers[section] if text.startswith(f"{section}.{key} ")]
            raise ConfigError(f"{blamed[0] if blamed else where}: {exc}") from None
        except TypeError as exc:
            raise ConfigError(f"{where}: bad value in '{section}': {exc}") from None
    return Settings(**built, prices=prices)


def with_overrides(settings: Settings, **sections: Mapping[str, Any]) -> Settings:
    """A copy of ``settings`` with some keys replaced (used by --simulate)."""
    changes = {name: replace(getattr(settings, name), **values) for name, values in sections.items()}
    return replace(settings, **changes)


def _did_you_mean(name: str, known: Iterable[str]) -> str:
    """ " (did you mean 'x'?)" for a name spelt near one known, else nothing."""
    close = difflib.get_close_matches(str(name), sorted(known), n=1)
    return f" (did you mean '{close[0]}'?)" if close else ""


def _read_yaml(path: Path) -> tuple[dict[str, Any], dict[tuple[str, ...], int]]:
    """The file's sections, and the line each section and each of its keys is on."""
    try:
        if path.stat().st_size > MAX_CONFIG_BYTES:
            raise ConfigError(f"{path}: is larger than {MAX_CONFIG_BYTES} bytes; a config file is a few lines")
        data = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such config file; check the path given to --config") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    if b"\x00" in data:
        raise ConfigError(f"{path}: contains a NUL byte; a config file is UTF-8 text")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: is not valid UTF-8 text; save it as UTF-8") from None
    try:
        root = load_located(text)
    except YamlProblem as exc:
        line = f":{exc.line}" if exc.line is not None else ""
        field = f": key '{exc.field}'" if exc.field else ""
        raise ConfigError(f"{path}{line}{field}: {exc.message}") from None
    if root is None:
        return {}, {}
    if not isinstance(root, LocatedMap):
        raise ConfigError(f"{path}: the top level must be a mapping of sections (api, limits, ...)")
    lines: dict[tuple[str, ...], int] = {(name,): line for name, line in root.key_lines.items()}
    for name, section in root.items():
        if isinstance(section, LocatedMap):
            lines |= {(name, key): line for key, line in section.key_lines.items()}
    values: dict[str, Any] = plain(root)
    return values, lines


def _prices(values: Any, where: str) -> Prices:
    table = default_prices()
    if values is None:
        return table
    if not isinstance(values, dict):
        raise ConfigError(f"{where}: 'prices' must map model -> mode -> duration -> USD")
    for model, modes in values.items():
        if not isinstance(modes, dict):
            raise ConfigError(f"{where}: prices.{model} must map mode -> duration -> USD")
        for mode, durations in modes.items():
            if not isinstance(durations, dict):
                raise ConfigError(f"{where}: prices.{model}.{mode} must map duration -> USD")
            for duration, usd in durations.items():
                try:
                    seconds = int(duration)
                except (TypeError, ValueError):
                    raise ConfigError(f"{where}: prices.{model}.{mode}: {duration!r} is not a duration") from None
                if isinstance(usd, bool) or not isinstance(usd, int | float) or not usd >= 0:
                    raise ConfigError(f"{where}: prices.{model}.{mode}.{duration} must be a USD amount")
                table.setdefault(str(model), {}).setdefault(str(mode), {})[seconds] = float(usd)
    return table


def _env_value(var: str, text: str, section: str, key: str) -> Any:
    if key in ("base_url", "dir"):
        return text
    try:
        number = float(text)
    except ValueError:
        raise ConfigError(f"environment variable {var} must be a number, got {text!r}") from None
    return int(number) if key == "concurrency" and number.is_integer() else number


def _check_url(name: str, url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(f"{name} must be an http(s) URL such as https://api.segmind.com, got {url!r}")
    if parts.scheme == "http" and not is_loopback(parts.hostname):
        raise ConfigError(
            f"{name} uses plain http:// for a host that is not loopback ({parts.hostname}); "
            "the API key would travel unencrypted. Use https://"
        )


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
