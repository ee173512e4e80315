"""YAML to Python values that remember their line numbers, built from libyaml's events.

PyYAML's composer resolves every scalar, keys included, in Python, which is
most of the cost of a 100,000-job manifest.  Building straight from the event
stream, keys stay text, and only plain (unquoted) values go through the
resolver's own tables, with a fast path for the common case of a scalar that
starts with a letter no implicit type claims.  Mappings and sequences come
back as :class:`LocatedMap` and :class:`LocatedList`, which carry the line of
every key and item, so a manifest error can name its line.

Safety: aliases (and so "billion laughs" expansion) are refused as they
arrive, duplicate keys are refused, and explicit tags other than the core
scalar ones are refused rather than constructed.
"""

from __future__ import annotations

from typing import Any

import yaml
from yaml.constructor import SafeConstructor
from yaml.resolver import Resolver

# libyaml's parser when present (its event stream is all we read), else PyYAML's.
_Loader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_IMPLICIT = Resolver.yaml_implicit_resolvers
_STR = "tag:yaml.org,2002:str"
_CORE = {
    "tag:yaml.org,2002:null": SafeConstructor.construct_yaml_null,
    "tag:yaml.org,2002:bool": SafeConstructor.construct_yaml_bool,
    "tag:yaml.org,2002:int": SafeConstructor.construct_yaml_int,
    "tag:yaml.org,2002:float": SafeConstructor.construct_yaml_float,
    "tag:yaml.org,2002:timestamp": SafeConstructor.construct_yaml_timestamp,
}
_TAG_ALIASES = {"!!" + tag.rsplit(":", 1)[1]: tag for tag in [*_CORE, _STR]}


class YamlProblem(Exception):
    """A problem with the YAML itself, at a line."""

    def __init__(self, line: int | None, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.line = line
        self.field = field
        self.message = message


class LocatedMap(dict[str, Any]):
    line: int
    key_lines: dict[str, int]


class LocatedList(list[Any]):
    line: int
    item_lines: list[int]


def load_located(text: str) -> Any:
    """Parse one YAML document into located values; None for an empty file."""
    loader = _Loader(text)
    try:
        return _build(loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        lines = text.splitlines()
        if line is not None and any(ln[: len(ln) - len(ln.lstrip())].count("\t") for ln in lines[: line + 1]):
            raise YamlProblem(
                line, "is indented with a tab; YAML allows only spaces for indentation: replace the tabs with spaces"
            ) from None
        raise YamlProblem(line, f"is not valid YAML: {exc.problem or exc}") from None
    except yaml.reader.ReaderError as exc:  # a character YAML does not allow: named, with its line
        line = text.count("\n", 0, exc.position) + 1 if isinstance(exc.position, int) else None
        char = f"U+{exc.character:04X}" if isinstance(exc.character, int) else repr(exc.character)
        raise YamlProblem(
            line,
            f"is not valid YAML: it holds the character {char}, which YAML does not allow (a control character, "
            "such as a pasted terminal colour code): remove it",
        ) from None
    except yaml.YAMLError as exc:
        raise YamlProblem(None, f"is not valid YAML: {exc}") from None
    finally:
        loader.dispose()


def _build(loader: yaml.SafeLoader) -> Any:
    get = loader.get_event
    root: Any = None
    documents = 0
    stack: list[Any] = []  # open containers
    keys: list[str | None] = []  # for maps: the key awaiting its value
    while True:
        event = get()  # type: ignore[no-untyped-call]
        kind = type(event)
        if kind is yaml.ScalarEvent:
            value = _scalar(loader, event)
            if stack:
                _place(stack, keys, value, event)
            else:
                root = value  # a document that is a single scalar
            continue
        if kind is yaml.MappingStartEvent or kind is yaml.SequenceStartEvent:
            _check_tag(event, "map" if kind is yaml.MappingStartEvent else "seq")
            container: Any = LocatedMap() if kind is yaml.MappingStartEvent else LocatedList()
            container.line = event.start_mark.line + 1
            if kind is yaml.MappingStartEvent:
                container.key_lines = {}
            else:
                container.item_lines = []
            if stack:
                _place(stack, keys, container, event)
            else:
                root = container
            stack.append(container)
            keys.append(None)
            continue
        if kind is yaml.MappingEndEvent or kind is yaml.SequenceEndEvent:
            stack.pop()
            keys.pop()
            continue
        if kind is yaml.AliasEvent:
            raise YamlProblem(
                event.start_mark.line + 1, "YAML anchors and aliases are not supported; use 'defaults' instead"
            )
        if kind is yaml.DocumentStartEvent:
            documents += 1
            if documents > 1:
                raise YamlProblem(event.start_mark.line + 1, "holds more than one YAML document; use one")
            continue
        if kind is yaml.StreamEndEvent:
            return root


def _place(stack: list[Any], keys: list[str | None], value: Any, event: Any) -> None:
    line = event.start_mark.line + 1
    top = stack[-1]
    if isinstance(top, LocatedMap):
        key = keys[-1]
        if key is None:
            if isinstance(value, LocatedMap | LocatedList):
                raise YamlProblem(line, "a mapping key must be plain text")
            text = str(event.value) if isinstance(event, yaml.ScalarEvent) else str(value)
            if text in top:
                raise YamlProblem(line, "duplicate key; each key may appear once per mapping", text)
            keys[-1] = text
            top.key_lines[text] = line
        else:
            top[key] = value
            keys[-1] = None
    elif isinstance(top, LocatedList):
        top.append(value)
        top.item_lines.append(line)


def _check_tag(event: Any, kind: str) -> None:
    tag = event.tag
    if tag not in (None, "!", f"tag:yaml.org,2002:{kind}", f"!!{kind}"):
        raise YamlProblem(event.start_mark.line + 1, f"the YAML tag {tag} is not supported")


def _scalar(loader: yaml.SafeLoader, event: Any) -> Any:
    value: str = event.value
    tag = event.tag
    if tag is not None and tag != "!":
        tag = _TAG_ALIASES.get(tag, tag)
        if tag == _STR:
            return value
        build = _CORE.get(tag)
        if build is None:
            raise YamlProblem(event.start_mark.line + 1, f"the YAML tag {event.tag} is not supported")
        return build(loader, yaml.ScalarNode(tag, value))
    if event.style or not event.implicit[0]:  # libyaml says "" for plain, PyYAML None
        return value  # quoted or block scalar: text
    for resolved, regexp in _IMPLICIT.get(value[:1], ()):
        if regexp.match(value):
            if resolved == _STR:
                return value
            build = _CORE.get(resolved)
            return build(loader, yaml.ScalarNode(resolved, value)) if build else value
    return value


def plain(value: Any) -> Any:
    """Located YAML values (``LocatedMap``, ``LocatedList``) as plain dicts and lists."""
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value
