"""YAML and JSON incident documents <-> schema, with line numbers for every error.

A document is one incident, a list of incidents, or ``{incidents: [...]}``. A source may
give ``text_file: path`` (relative to the document) instead of ``text``. No SQL here.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from incidents.errors import InputError, ValidationFailed
from incidents.schema import Incident

MAX_DOCUMENT_BYTES = 50 * 1024 * 1024
Path_ = tuple[str | int, ...]


class _Loader(yaml.SafeLoader):
    """Safe YAML whose only booleans are true/false, so country 'NO' stays Norway."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool",
    __import__("re").compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
    list("tTfF"),
)


def _walk(loader: _Loader, node: yaml.Node, path: Path_, lines: dict[Path_, int]) -> Any:
    lines[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node, deep=True)
            if not isinstance(key, str | int):
                raise InputError(f"line {key_node.start_mark.line + 1}: keys must be text")
            if key in result:
                raise InputError(f"line {key_node.start_mark.line + 1}: duplicate key {key!r}")
            result[key] = _walk(loader, value_node, (*path, key), lines)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [_walk(loader, item, (*path, i), lines) for i, item in enumerate(node.value)]
    return loader.construct_object(node, deep=True)


def parse_text(text: str, *, name: str = "<input>") -> tuple[Any, dict[Path_, int]]:
    """Parse YAML (JSON is YAML too) into plain data and a map from data path to line."""
    lines: dict[Path_, int] = {}
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            raise InputError(f"{name}: the document is empty")
        return _walk(loader, node, (), lines), lines
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{name}:{mark.line + 1}" if mark is not None else name
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise InputError(f"{where}: malformed YAML/JSON: {problem}") from None
    finally:
        loader.dispose()


def read_text(path: Path) -> str:
    """Read a UTF-8 text file with the size limit, turning every failure into one line."""
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror}") from None
    if size > MAX_DOCUMENT_BYTES:
        raise InputError(f"{path}: {size} bytes is over the {MAX_DOCUMENT_BYTES} byte limit")
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror}") from None
    if b"\x00" in raw:
        line = raw[: raw.index(b"\x00")].count(b"\n") + 1
        raise InputError(f"{path}:{line}: contains a NUL byte; is it a binary file?")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise InputError(f"{path}:{line}: not UTF-8 text (byte {exc.start})") from None
    return text


def _items(data: Any, name: str) -> tuple[list[Any], Path_]:
    prefix: Path_ = ()
    if isinstance(data, dict) and set(data) == {"incidents"}:
        data, prefix = data["incidents"], ("incidents",)
    if isinstance(data, dict):
        return [data], prefix
    if isinstance(data, list):
        return data, prefix
    raise InputError(f"{name}: expected an incident, a list of incidents or {{incidents: [...]}}")


def _resolve_text_files(
    item: Any, base: Path, name: str, lines: dict[Path_, int], path: Path_
) -> None:
    if not isinstance(item, dict) or not isinstance(item.get("sources"), list):
        return
    for i, source in enumerate(item["sources"]):
        if isinstance(source, dict) and "text_file" in source:
            where = lines.get((*path, "sources", i, "text_file"), 0)
            if "text" in source:
                raise InputError(f"{name}:{where}: sources.{i}: give text or text_file, not both")
            target = base / str(source.pop("text_file"))
            try:
                source["text"] = read_text(target)
            except InputError as exc:
                raise InputError(f"{name}:{where}: sources.{i}.text_file: {exc}") from None


def format_error(exc: ValidationError, *, name: str, lines: dict[Path_, int], prefix: Path_) -> str:
    """One line: file:line: field.path: reason (and how many more errors there are)."""
    first = exc.errors()[0]
    loc: Path_ = tuple(first["loc"])
    full = (*prefix, *loc)
    line = None
    for cut in range(len(full), -1, -1):
        if full[:cut] in lines:
            line = lines[full[:cut]]
            break
    field = ".".join(str(p) for p in loc) or "incident"
    message = first["msg"].removeprefix("Value error, ")
    more = len(exc.errors()) - 1
    tail = f" (and {more} more error{'s' if more > 1 else ''})" if more else ""
    where = f"{name}:{line}" if line else name
    return f"{where}: {field}: {message}{tail}"


def load_incidents(text: str, *, name: str = "<input>", base: Path | None = None) -> list[Incident]:
    """Validate every incident of a document; the first error raises with its line."""
    data, lines = parse_text(text, name=name)
    items, prefix = _items(data, name)
    incidents = []
    for i, item in enumerate(items):
        item_path: Path_ = (*prefix, i) if isinstance(data, list) or prefix else ()
        if base is not None:
            _resolve_text_files(item, base, name, lines, item_path)
        try:
            incidents.append(Incident.model_validate(item))
        except ValidationError as exc:
            label = f"incident {i + 1}: " if len(items) > 1 else ""
            raise ValidationFailed(
                label + format_error(exc, name=name, lines=lines, prefix=item_path)
            ) from None
    return incidents


def load_file(path: Path) -> list[Incident]:
    """Load a YAML or JSON incident file (``-`` is not handled here)."""
    text = read_text(path)
    if path.suffix.lower() == ".json":
        try:
            json.loads(text)
        except json.JSONDecodeError as exc:
            raise InputError(f"{path}:{exc.lineno}: malformed JSON: {exc.msg}") from None
    return load_incidents(text, name=str(path), base=path.parent)


def dump_yaml(incidents: Sequence[Incident] | Iterable[Incident]) -> str:
    """Editable YAML that ``load_incidents`` accepts unchanged."""
    docs = [
        i.model_dump(mode="json", exclude_none=True, exclude_computed_fields=True)
        for i in incidents
    ]
    payload: Any = docs[0] if len(docs) == 1 else docs
    return yaml.safe_dump(payload, allow_unicode=True, sort_keys=False, width=100)
