"""YAML and JSON incident documents <-> schema, with line numbers for every error.

A document is one incident, a list of incidents, or ``{incidents: [...]}``. A source may
give ``text_file: path`` (relative to the document) instead of ``text``. No SQL here.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from incidents.errors import InputError, ValidationFailed
from incidents.limits import MAX_ALIAS_VALUES, MAX_DOCUMENT_BYTES, MAX_NESTING_DEPTH
from incidents.schema import Incident

__all__ = [
    "MAX_DOCUMENT_BYTES",
    "dump_yaml",
    "field_path",
    "load_file",
    "load_incidents",
    "parse_json",
    "parse_text",
]

Path_ = tuple[str | int, ...]


class _Loader(yaml.SafeLoader):
    """Safe YAML whose only booleans are true/false, so country 'NO' stays Norway.

    It also refuses nesting deeper than ``MAX_NESTING_DEPTH``, before the recursive
    composer can hit Python's recursion limit, and counts the nodes so that ``_walk`` can
    stop aliases that expand to billions of values (a few lines of "billion laughs").
    """

    depth = 0
    nodes = 0
    walked = 0

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node | None:
        """Compose one node, counting how deep it sits."""
        self.nodes += 1
        self.depth += 1
        try:
            if self.depth > MAX_NESTING_DEPTH:
                line = self.peek_event().start_mark.line + 1  # type: ignore[no-untyped-call]
                raise _Refused(line, f"nested deeper than {MAX_NESTING_DEPTH} levels")
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1


class _Refused(Exception):
    """A document shape the loader refuses, by line; ``parse_text`` adds the file name."""

    def __init__(self, line: int, reason: str) -> None:
        super().__init__(reason)
        self.line, self.reason = line, reason


_Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:bool"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool",
    re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
    list("tTfF"),
)


def _walk(loader: _Loader, node: yaml.Node, path: Path_, lines: dict[Path_, int]) -> Any:
    lines[path] = node.start_mark.line + 1
    loader.walked += 1
    if loader.walked > loader.nodes + MAX_ALIAS_VALUES:
        raise _Refused(lines[path], f"aliases expand to more than {MAX_ALIAS_VALUES} values")
    if len(path) > MAX_NESTING_DEPTH:
        # Aliases of aliases nest deeper than any node the composer saw.
        raise _Refused(lines[path], f"nested deeper than {MAX_NESTING_DEPTH} levels")
    if isinstance(node, yaml.MappingNode):
        result: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = _construct(loader, key_node, path)
            # bool is an int, but True as a key is a typo for a field name, not a field.
            if not isinstance(key, str | int) or isinstance(key, bool):
                raise _Refused(key_node.start_mark.line + 1, f"{_field(path)}: keys must be text")
            if key in result:
                raise _Refused(key_node.start_mark.line + 1, f"duplicate key {key!r}")
            result[key] = _walk(loader, value_node, (*path, key), lines)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [_walk(loader, item, (*path, i), lines) for i, item in enumerate(node.value)]
    return _construct(loader, node, path)


def _field(path: Path_) -> str:
    return ".".join(str(p) for p in path) or "document"


def _construct(loader: _Loader, node: yaml.Node, path: Path_) -> Any:
    try:
        return loader.construct_object(node, deep=True)
    except (ValueError, OverflowError) as exc:
        # PyYAML builds dates and integers with Python's own constructors, which raise
        # plain errors: 2023-02-30 (no such day), a 5,000-digit integer.
        reason = str(exc).split(";")[0].splitlines()[0]
        value = str(node.value)[:40]
        raise _Refused(
            node.start_mark.line + 1, f"{_field(path)}: cannot read {value!r}: {reason}"
        ) from None


def _parse_yaml(text: str, name: str) -> tuple[Any, dict[Path_, int]]:
    lines: dict[Path_, int] = {}
    # The reader checks the characters as it is made, so it belongs inside the try.
    loader: _Loader | None = None
    try:
        loader = _Loader(text)
        node = loader.get_single_node()
        if node is None:
            raise InputError(f"{name}: the document is empty")
        return _walk(loader, node, (), lines), lines
    finally:
        if loader is not None:
            loader.dispose()


def parse_text(text: str, *, name: str = "<input>") -> tuple[Any, dict[Path_, int]]:
    """Parse YAML (or JSON) into plain data and a map from data path to line."""
    if text.lstrip()[:1] in ("{", "["):
        try:
            return parse_json(text, name=name)
        except InputError:
            pass  # YAML flow style ({title: x}) is not JSON; read it as YAML
    try:
        return _parse_yaml(text, name)
    except _Refused as exc:
        raise InputError(f"{name}:{exc.line}: {exc.reason}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{name}:{mark.line + 1}" if mark is not None else name
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise InputError(f"{where}: malformed YAML/JSON: {problem}") from None


# Characters JSON allows raw inside strings but YAML 1.1 refuses (DEL, C1 controls,
# U+FFFE/FFFF) or reads as line breaks (NEL, U+2028/9); tabs are JSON whitespace that YAML
# refuses in places. Escaping them keeps every line where it is.
_NOT_YAML = re.compile("[\t\x7f-\x9f\u2028\u2029\ufffe\uffff]")


def _yaml_escape(match: re.Match[str]) -> str:
    char = match.group()
    return " " if char == "\t" else f"\\u{ord(char):04x}"


def parse_json(text: str, *, name: str = "<input>") -> tuple[Any, dict[Path_, int]]:
    """Parse JSON into plain data; lines come from reading it again as YAML.

    The values are json.loads', since YAML 1.1 reads JSON's escaped astral characters
    ("\\ud83d\\ude00") as two lone surrogates and refuses some raw characters JSON allows.
    """
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"{name}:{exc.lineno}: malformed JSON: {exc.msg}") from None
    except RecursionError:
        raise InputError(f"{name}: nested deeper than {MAX_NESTING_DEPTH} levels") from None
    except ValueError as exc:
        # Not a JSONDecodeError: an integer over Python's 4,300-digit conversion limit.
        raise InputError(f"{name}: malformed JSON: {str(exc).split(';')[0]}") from None
    try:
        _, lines = _parse_yaml(_NOT_YAML.sub(_yaml_escape, text), name)
    except _Refused as exc:
        # Nesting too deep, or a duplicate key (JSON would silently keep the last one).
        raise InputError(f"{name}:{exc.line}: {exc.reason}") from None
    except yaml.YAMLError:
        lines = {}  # JSON that YAML 1.1 cannot read (keys over 1024 characters): no lines
    return data, lines


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


def field_path(loc: Sequence[str | int]) -> str:
    """``claims.0.quote``; a key that is not printable (an unknown key "a\\nb") is quoted."""
    return ".".join(str(p) if str(p).isprintable() else repr(p) for p in loc)


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
    field = field_path(loc) or "incident"
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
        parse_json(text, name=str(path))  # JSON's own errors first, then the documents'
    return load_incidents(text, name=str(path), base=path.parent)


def dump_yaml(incidents: Sequence[Incident] | Iterable[Incident]) -> str:
    """Editable YAML that ``load_incidents`` accepts unchanged."""
    docs = [
        i.model_dump(mode="json", exclude_none=True, exclude_computed_fields=True)
        for i in incidents
    ]
    payload: Any = docs[0] if len(docs) == 1 else docs
    return yaml.dump(payload, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=100)


# YAML 1.1 line breaks besides \n and \r; PyYAML writes them raw in plain and block scalars,
# where reading folds them into spaces.
_YAML_BREAKS = re.compile("[\x85\u2028\u2029]")


class _Dumper(yaml.SafeDumper):
    """Safe dumper that double-quotes (and so escapes) text holding YAML-only line breaks."""

    def represent_str(self, data: str) -> yaml.ScalarNode:
        """A string node; double-quoted when plain style would fold a line break."""
        if _YAML_BREAKS.search(data):
            return self.represent_scalar("tag:yaml.org,2002:str", data, style='"')
        return super().represent_str(data)


_Dumper.add_representer(str, _Dumper.represent_str)
