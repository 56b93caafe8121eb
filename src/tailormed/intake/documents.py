"""Reading a YAML or JSON document a person wrote, and phrasing validation errors so they can find the field.

Shared by the patient-record reader (:mod:`tailormed.intake.record`) and the FHIR Bundle reader
(:mod:`tailormed.intake.fhir`).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import Any

import yaml

from tailormed.errors import InputError

JSON_SUFFIXES = frozenset({".json"})
_MAX_SHOWN = 60


def read_text(path: Path) -> str:
    """The file as UTF-8 text, or an :class:`InputError` saying why it cannot be read."""
    if not path.exists():
        raise InputError("file not found", source=path)
    if path.is_dir():
        raise InputError("is a directory, expected a file", source=path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read file: {exc.strerror}", source=path) from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise InputError("not UTF-8 text", source=path, location=f"line {line}") from None


class _UniqueKeyLoader(yaml.SafeLoader):
    """PyYAML's safe loader refusing a mapping key written twice: the parser would keep the last value, so a second
    ``medications:`` block would silently drop the first list."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: dict[object, yaml.Node] = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if isinstance(key, str | int | float | bool) and key in seen:
                first = seen[key].start_mark.line + 1
                raise yaml.constructor.ConstructorError(
                    problem=f"duplicate field {key!r} (first on line {first})", problem_mark=key_node.start_mark
                )
            seen[key] = key_node
        return super().construct_mapping(node, deep=deep)


class _DuplicateKeyError(ValueError):
    pass


def _unique_pairs(pairs: list[tuple[str, object]]) -> dict[str, object]:
    found: dict[str, object] = {}
    for key, value in pairs:
        if key in found:
            raise _DuplicateKeyError(key)
        found[key] = value
    return found


def parse_document(text: str, path: Path) -> object:
    """Parse JSON (``.json``) or YAML (anything else, YAML being a superset of JSON); a field written twice in one
    mapping is an error at its second line."""
    if not text.strip():
        raise InputError("file is empty", source=path)
    if path.suffix.lower() in JSON_SUFFIXES:
        try:
            return json.loads(text, object_pairs_hook=_unique_pairs)
        except _DuplicateKeyError:
            # where it is: JSON is read as YAML here only to find the second key's line
            try:
                yaml.load(text, Loader=_UniqueKeyLoader)
            except yaml.MarkedYAMLError as exc:
                mark = exc.problem_mark
                where = f"line {mark.line + 1}, column {mark.column + 1}" if mark is not None else None
                raise InputError(f"invalid JSON: {exc.problem}", source=path, location=where) from None
            except (yaml.YAMLError, ValueError, TypeError, RecursionError):
                pass
            raise InputError("invalid JSON: a field is written twice in one object", source=path) from None
        except json.JSONDecodeError as exc:
            raise InputError(
                f"invalid JSON: {exc.msg}", source=path, location=f"line {exc.lineno}, column {exc.colno}"
            ) from None
        except RecursionError:
            raise InputError("invalid JSON: nested too deeply", source=path) from None
    try:
        return yaml.load(text, Loader=_UniqueKeyLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        location = f"line {mark.line + 1}, column {mark.column + 1}" if mark is not None else None
        problem = exc.problem or exc.context or "malformed document"
        raise InputError(f"invalid YAML: {problem}", source=path, location=location) from None
    except (yaml.YAMLError, ValueError, TypeError, OverflowError) as exc:
        # PyYAML reports a few malformed scalars (e.g. impossible timestamps) as plain Python errors.
        raise InputError(f"invalid YAML: {exc}", source=path) from None
    except RecursionError:
        raise InputError("invalid YAML: nested too deeply", source=path) from None


def field_path(loc: Sequence[int | str]) -> str:
    """A pydantic error location as a path people read: ``('medications', 2, 'status')`` -> ``medications[2].status``.

    >>> field_path(("medications", 2, "dose", "amount"))
    'medications[2].dose.amount'
    """
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else str(part)
    return path or "(record)"


def describe_error(error: Mapping[str, Any]) -> str:
    """One pydantic error as ``path: problem``, phrased for the person who wrote the record."""
    return f"{field_path(tuple(error['loc']))}: {describe_problem(error)}"


def describe_problem(error: Mapping[str, Any]) -> str:
    """What is wrong in one pydantic error, with the value as the file wrote it (a date as ``1876-01-01``).

    >>> describe_problem({"type": "value_error", "msg": "Value error, too old", "input": date(1876, 1, 1)})
    'too old (got 1876-01-01)'
    >>> describe_problem({"type": "value_error", "msg": "1876-01-01 is too old", "input": date(1876, 1, 1)})
    '1876-01-01 is too old'
    """
    kind = error.get("type", "")
    value = error.get("input")
    if kind == "enum":
        expected = str(error.get("ctx", {}).get("expected", ""))
        choices = ", ".join(part.strip().strip("'") for part in expected.replace(" or ", ", ").split(","))
        return f"{_show(value)} is not one of {choices}"
    if kind == "extra_forbidden":
        return "unknown field (not part of the patient record; check the spelling)"
    if kind == "missing":
        return "required field is missing"
    message = str(error.get("msg", "invalid value")).removeprefix("Value error, ")
    if isinstance(value, Mapping | list):
        return message
    shown = _show(value)
    if isinstance(value, date) and shown in message:
        return message
    return f"{message} (got {shown})"


def _show(value: object) -> str:
    """A value as written in a document: dates in ISO form, other values as their literal."""
    shown = value.isoformat() if isinstance(value, date) else repr(value)
    return shown if len(shown) <= _MAX_SHOWN else shown[: _MAX_SHOWN - 3] + "..."


def document_kind(value: object) -> str:
    if value is None:
        return "an empty document"
    if isinstance(value, list):
        return "a list"
    return f"a {type(value).__name__} value"


def line_of(text: str, loc: Sequence[int | str]) -> int | None:
    """Line (1-based) of the deepest node on ``loc`` in a YAML/JSON text, or None if it cannot be found."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except (yaml.YAMLError, ValueError, TypeError, RecursionError):
        return None
    if node is None:
        return None
    line: int = node.start_mark.line + 1
    for part in loc:
        child: yaml.Node | None = None
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                if isinstance(key, yaml.ScalarNode) and key.value == str(part):
                    child = value
                    line = key.start_mark.line + 1
                    break
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and 0 <= part < len(node.value):
            child = node.value[part]
            line = child.start_mark.line + 1
        if child is None:
            break
        node = child
    return line
