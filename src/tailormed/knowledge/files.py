"""Reading knowledge files: JSON or YAML text, optionally validated into a model, failing as a KnowledgeError.

Every failure names the file: unreadable (``cannot read ...``), not UTF-8, a syntax error (with its line) or
data that does not fit the model (with the first invalid field as the location).
"""

from __future__ import annotations

import gzip
import json
import zlib
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, TypeAdapter, ValidationError

from tailormed.errors import KnowledgeError

M = TypeVar("M", bound=BaseModel)
T = TypeVar("T")


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
    """Parsed YAML (safe loader, libyaml's when built in) of a UTF-8 file; ``what`` names the file's content in the
    "cannot read" message.

    PyYAML loads with the first YAML file read (about a hundredth of a second), not with this module: a cohort VCF's
    polygenic scoring reads only JSON knowledge (its build markers)."""
    import yaml

    text = _read_text(path, what)
    loader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml's: same result, faster
    try:
        return yaml.load(text, Loader=loader)
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


def read_model(path: Path, model_type: type[T], what: str) -> T:
    """A JSON file (gzipped when its name ends in ``.gz``) validated as ``model_type`` (a model class or a typing
    form such as ``list[Model]``); ``what`` names its content in error messages."""
    return validate_json(read_bytes(path, what), model_type, what, path)


def read_bytes(path: Path, what: str) -> bytes:
    """The bytes of a JSON file, gunzipped when its name ends in ``.gz``; KnowledgeError when unreadable."""
    try:
        data = path.read_bytes()
        return gzip.decompress(data) if path.name.endswith(".gz") else data
    except (OSError, EOFError, zlib.error, gzip.BadGzipFile) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
        raise KnowledgeError(f"cannot read {what} ({reason})", source=path) from exc


def validate_json(data: bytes, model_type: type[T], what: str, path: Path) -> T:
    """JSON bytes validated as ``model_type``, straight by pydantic-core (no intermediate Python objects); the
    first invalid field, or the decoder's message and line, is the error."""
    try:
        found: T = _validate(model_type, data)
    except ValidationError as exc:
        if any(error["type"] == "json_invalid" for error in exc.errors()) or not _utf8(data):
            _raise_decoder_error(data, path)
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or None
        raise KnowledgeError(f"invalid {what}: {first['msg']}", source=path, location=where) from exc
    return found


#: Validators of typing forms (``list[Model]``) read as files; one per form the code names.
_ADAPTERS: dict[Any, TypeAdapter[Any]] = {}


def _validate(model_type: Any, data: bytes) -> Any:
    if isinstance(model_type, type) and issubclass(model_type, BaseModel):
        return model_type.model_validate_json(data)
    adapter = _ADAPTERS.get(model_type)
    if adapter is None:
        adapter = _ADAPTERS[model_type] = TypeAdapter(model_type)
    return adapter.validate_json(data)


def _raise_decoder_error(data: bytes, path: Path) -> None:
    try:
        json.loads(data.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise KnowledgeError(f"not UTF-8 text ({exc.reason})", source=path) from exc
    except json.JSONDecodeError as exc:
        raise KnowledgeError(f"invalid JSON: {exc.msg}", source=path, location=f"line {exc.lineno}") from exc


def _utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True
