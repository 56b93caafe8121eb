"""Reading knowledge files: JSON or YAML text, optionally validated into a model, failing as a KnowledgeError.

Every failure names the file: unreadable (``cannot read ...``), not UTF-8, a syntax error (with its line) or
data that does not fit the model (with the first invalid field as the location).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from tailormed.errors import KnowledgeError

M = TypeVar("M", bound=BaseModel)


def _read_text(path: Path, what: str) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise KnowledgeError(f"cannot read {what} ({exc.strerror or exc})", source=path) from exc
    except UnicodeDecodeError as exc:
        raise KnowledgeError(f"not UTF-8 text ({exc.reason})", source=path) from exc


def read_json(path: Path, what: str = "file") -> Any:
    """Parsed JSON of a UTF-8 file; ``what`` names the file's content in the "cannot read" message."""
    text = _read_text(path, what)
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise KnowledgeError(f"invalid JSON: {exc.msg}", source=path, location=f"line {exc.lineno}") from exc


def read_yaml(path: Path, what: str = "file") -> Any:
    """Parsed YAML (safe loader) of a UTF-8 file; ``what`` names the file's content in the "cannot read" message."""
    text = _read_text(path, what)
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        location = f"line {mark.line + 1}" if mark is not None else None
        raise KnowledgeError(
            f"invalid YAML: {getattr(exc, 'problem', None) or exc}", source=path, location=location
        ) from exc


def parse_model(data: object, model_type: type[M], what: str, source: str | Path) -> M:
    """``data`` validated as ``model_type``; the first invalid field is the error's location."""
    try:
        return model_type.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or None
        raise KnowledgeError(f"invalid {what}: {first['msg']}", source=source, location=where) from exc


def read_model(path: Path, model_type: type[M], what: str) -> M:
    """A JSON file validated as ``model_type``; ``what`` names its content in error messages."""
    return parse_model(read_json(path, what), model_type, what, path)
