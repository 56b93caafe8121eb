"""The knowledge bundle: one view over the curated core shipped in the package and a built bundle folder.

A built bundle is a folder ``OUT/`` with ``manifest.json`` (a :class:`Manifest`) and one sub-folder per
source, written by that source's importer. The curated core lives in ``knowledge/curated/`` with its own
``manifest.yaml``; its checksums are computed when it is loaded, since the package itself is its release.
Built files are checked against their manifest checksum the first time they are read (all at once with
:meth:`KnowledgeBundle.verify`), so a corrupted or hand-edited bundle is an error, never silently used. A built
source never shadows a curated one, except the few a site may replace with its own file (:data:`REPLACEABLE`).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any, TypeVar

from pydantic import Field, ValidationError

from tailormed.errors import InputError, InternalError, KnowledgeError
from tailormed.knowledge import CURATED_DIR as CURATED_DIR
from tailormed.knowledge.checksums import folder_checksums, sha256_file
from tailormed.knowledge.files import read_json, read_yaml
from tailormed.knowledge.manifest import Manifest, SourceRecord
from tailormed.knowledge.registry import Importer
from tailormed.knowledge.registry import importers as registered_importers
from tailormed.model.base import Contract
from tailormed.version import __version__

MANIFEST_FILE = "manifest.json"
CURATED_MANIFEST = "manifest.yaml"
CURATED_IMPORTER = "curated"
BUNDLE_FORMAT_VERSION = 1


class _CuratedIndex(Contract):
    """``curated/manifest.yaml``: the curated sources; their ``files`` are computed, never written by hand."""

    created: datetime
    sources: list[SourceRecord] = Field(default_factory=list)

#: Curated sources a built bundle may carry its own file of (its importer has the source's name): a site's own
#: plausibility limits. The built one is then used, and the manifest, hence every run's provenance, records it.
REPLACEABLE = frozenset({"plausible-ranges"})

T = TypeVar("T")


class KnowledgeBundle:
    """Curated and built sources behind one lookup; engines receive one of these and read facts from it."""

    def __init__(self, root: Path | None, built: Manifest | None, curated: Sequence[SourceRecord]) -> None:
        self.root = root
        built_sources = list(built.sources) if built else []
        replaced = {s.name for s in built_sources if s.name in REPLACEABLE and s.importer == s.name}
        curated = [s for s in curated if s.name not in replaced]
        clash = sorted({s.name for s in built_sources} & {s.name for s in curated})
        if clash:
            raise KnowledgeError(
                f"built source(s) {', '.join(clash)} have the name of a curated source",
                source=self._manifest_path(),
            )
        self._folders: dict[str, Path] = {s.name: CURATED_DIR / s.name for s in curated}
        if root is not None:
            self._folders.update({s.name: root / s.name for s in built_sources})
        self.manifest = Manifest(
            format_version=built.format_version if built else BUNDLE_FORMAT_VERSION,
            created=built.created if built else _curated_index().created,
            tailormed_version=built.tailormed_version if built else __version__,
            sources=[*curated, *built_sources],
        )
        self._built = {s.name for s in built_sources}
        self._verified: set[tuple[str, str]] = set()
        self._parsed: dict[tuple[str, str], Any] = {}
        self._loaded: dict[tuple[str, ...], Any] = {}
        self._check_files_present(built_sources)

    @property
    def location(self) -> str:
        """How errors name this bundle: its folder, or the curated core when no bundle was built."""
        return str(self.root) if self.root is not None else "curated knowledge core (no built bundle)"

    def has(self, source: str) -> bool:
        return source in self._folders

    def is_curated(self, source: str) -> bool:
        return self.source(source).importer == CURATED_IMPORTER

    def source(self, name: str) -> SourceRecord:
        record = self.manifest.source(name)
        if record is None:
            available = ", ".join(sorted(self._folders)) or "none"
            raise KnowledgeError(
                f"knowledge source {name!r} is not available (available: {available}); "
                "build it with `tailormed kb build --from DIR`",
                source=self.location,
            )
        return record

    def path(self, source: str, file: str) -> Path:
        """The file of a source; built files are checksum-verified the first time they are asked for."""
        record = self.source(source)
        if file not in record.files:
            listed = ", ".join(sorted(record.files)) or "none"
            raise KnowledgeError(f"source {source!r} has no file {file!r} (files: {listed})", source=self.location)
        path = self._folders[source] / file
        if source in self._built and (source, file) not in self._verified:
            self._verify_file(record, file, path)
        return path

    def read_json(self, source: str, file: str) -> Any:
        """Parsed JSON of a source file, parsed once per bundle; callers must not mutate the result."""
        return self._parse(source, file, read_json)

    def read_yaml(self, source: str, file: str) -> Any:
        """Parsed YAML of a source file, parsed once per bundle; callers must not mutate the result."""
        return self._parse(source, file, read_yaml)

    def loaded(self, key: tuple[str, ...], load: Callable[[], T]) -> T:
        """A typed view of this bundle built by ``load`` once and kept with the bundle (so an analysis that asks
        knowledge for its genome request and then runs the engine parses each source once); never mutate it."""
        if key not in self._loaded:
            self._loaded[key] = load()
        found: T = self._loaded[key]
        return found

    def versions(self) -> dict[str, str]:
        """Source name -> version, for the provenance section of reports."""
        return {s.name: s.version for s in self.manifest.sources}

    def verify(self) -> int:
        """Check every built file against its manifest checksum; returns how many files were checked."""
        checked = 0
        for record in self.manifest.sources:
            if record.name in self._built:
                for file in sorted(record.files):
                    self._verify_file(record, file, self._folders[record.name] / file)
                    checked += 1
        return checked

    def _parse(self, source: str, file: str, loader: Callable[[Path], Any]) -> Any:
        key = (source, file)
        if key not in self._parsed:
            self._parsed[key] = loader(self.path(source, file))
        return self._parsed[key]

    def _verify_file(self, record: SourceRecord, file: str, path: Path) -> None:
        try:
            actual = sha256_file(path)
        except OSError as exc:
            raise KnowledgeError(f"cannot read bundle file ({exc.strerror or exc})", source=path) from exc
        if actual != record.files[file]:
            raise KnowledgeError(
                f"checksum mismatch for source {record.name!r} (manifest sha256 {record.files[file][:12]}…, "
                f"file {actual[:12]}…): the bundle is corrupt or was edited; rebuild it with `tailormed kb build`",
                source=path,
            )
        self._verified.add((record.name, file))

    def _check_files_present(self, built_sources: Sequence[SourceRecord]) -> None:
        for record in built_sources:
            for file in sorted(record.files):
                if not (self._folders[record.name] / file).is_file():
                    raise KnowledgeError(
                        f"file {file!r} of source {record.name!r} is listed in the manifest but missing",
                        source=self._manifest_path(),
                    )

    def _manifest_path(self) -> Path | str:
        return self.root / MANIFEST_FILE if self.root is not None else CURATED_DIR / CURATED_MANIFEST


def default_bundle_dir() -> Path:
    """Where ``kb build`` writes and analyses read by default: ``$TAILORMED_KB``, else the XDG data folder."""
    explicit = os.environ.get("TAILORMED_KB")
    if explicit:
        return Path(explicit).expanduser()
    data_home = os.environ.get("XDG_DATA_HOME")
    base = Path(data_home).expanduser() if data_home else Path.home() / ".local" / "share"
    return base / "tailormed" / "kb"


def load_bundle(root: Path | None = None, *, verify: bool = False) -> KnowledgeBundle:
    """Open a built bundle (``root``, else the default folder if it holds one) together with the curated core.

    With no built bundle anywhere this returns the curated core alone, which is what a fresh install has.
    ``verify`` checks every built file's checksum now instead of on first use.
    """
    if root is None:
        candidate = default_bundle_dir()
        root = candidate if (candidate / MANIFEST_FILE).is_file() else None
    elif not (root / MANIFEST_FILE).is_file():
        raise KnowledgeError(
            f"not a knowledge bundle (no {MANIFEST_FILE}); build one with `tailormed kb build --from DIR -o {root}`",
            source=root,
        )
    built = _read_manifest(root / MANIFEST_FILE) if root is not None else None
    bundle = KnowledgeBundle(root, built, curated_sources())
    if verify:
        bundle.verify()
    return bundle


def curated_sources() -> list[SourceRecord]:
    """The curated core's sources with checksums of their files as shipped."""
    return list(_curated_sources())


@cache
def _curated_sources() -> tuple[SourceRecord, ...]:
    index = _curated_index()
    manifest_path = CURATED_DIR / CURATED_MANIFEST
    records = []
    for position, record in enumerate(index.sources):
        where = f"sources[{position}] ({record.name})"
        if record.importer != CURATED_IMPORTER:
            raise KnowledgeError(f"importer must be {CURATED_IMPORTER!r}", source=manifest_path, location=where)
        if record.files:
            raise KnowledgeError(
                "files are computed from the folder, do not list them", source=manifest_path, location=where
            )
        folder = CURATED_DIR / record.name
        files = folder_checksums(folder) if folder.is_dir() else {}
        if not files:
            raise KnowledgeError(f"curated folder {folder} is missing or empty", source=manifest_path, location=where)
        records.append(record.model_copy(update={"files": files}))
    names = [r.name for r in records]
    if len(set(names)) != len(names):
        raise KnowledgeError("a curated source name is listed twice", source=manifest_path)
    return tuple(records)


@cache
def _curated_index() -> _CuratedIndex:
    path = CURATED_DIR / CURATED_MANIFEST
    data = read_yaml(path)
    try:
        return _CuratedIndex.model_validate(data)
    except ValidationError as exc:
        raise _validation_error(exc, path) from exc


def _read_manifest(path: Path) -> Manifest:
    try:
        manifest = Manifest.model_validate_json(path.read_bytes())
    except OSError as exc:
        raise KnowledgeError(f"cannot read bundle manifest ({exc.strerror or exc})", source=path) from exc
    except ValidationError as exc:
        raise _validation_error(exc, path) from exc
    if manifest.format_version != BUNDLE_FORMAT_VERSION:
        raise KnowledgeError(
            f"bundle format {manifest.format_version} is not supported (expected {BUNDLE_FORMAT_VERSION}); "
            "rebuild it with this tailormed",
            source=path,
            location="format_version",
        )
    names = [s.name for s in manifest.sources]
    if len(set(names)) != len(names):
        raise KnowledgeError("a source is listed twice", source=path, location="sources")
    return manifest


def _validation_error(exc: ValidationError, path: Path) -> KnowledgeError:
    first = exc.errors()[0]
    location = ".".join(str(part) for part in first["loc"]) or None
    return KnowledgeError(f"invalid: {first['msg']} ({exc.error_count()} problem(s))", source=path, location=location)


@dataclass(frozen=True)
class PlannedImport:
    """An importer that found its upstream files, and where."""

    importer: Importer
    upstream: Path


def plan_build(
    upstream: Path, *, only: Sequence[str] | None = None, importers: Sequence[Importer] | None = None
) -> list[PlannedImport]:
    """Which importers will run on ``upstream``: every one whose ``detect`` finds its files (or just ``only``)."""
    if not upstream.is_dir():
        raise InputError("upstream folder does not exist or is not a folder", source=upstream)
    available = list(importers) if importers is not None else registered_importers()
    by_name = {i.name: i for i in available}
    if only:
        unknown = [name for name in only if name not in by_name]
        if unknown:
            raise InputError(
                f"unknown importer(s) {', '.join(unknown)} (available: {', '.join(sorted(by_name)) or 'none'})",
                source=upstream,
            )
        chosen = [by_name[name] for name in dict.fromkeys(only)]
    else:
        chosen = available
    planned = []
    for importer in chosen:
        found = importer.detect(upstream)
        if found is not None:
            planned.append(PlannedImport(importer, found))
        elif only:
            raise InputError(f"importer {importer.name!r} found none of its files here", source=upstream)
    if not planned:
        names = ", ".join(i.name for i in chosen) or "none"
        raise InputError(f"no importer found its upstream files here (importers: {names})", source=upstream)
    return planned


def build_bundle(
    upstream: Path,
    out: Path,
    *,
    only: Sequence[str] | None = None,
    on_progress: Callable[[str], None] | None = None,
    importers: Sequence[Importer] | None = None,
) -> Manifest:
    """Compile upstream releases under ``upstream`` into a bundle at ``out``, replacing it only on success.

    Every importer writes into a temporary folder next to ``out``; checksums and the manifest are added,
    and the folder is renamed into place at the end, so a failure leaves any previous bundle untouched.
    ``on_progress`` is called with each importer's name as it starts.
    """
    planned = plan_build(upstream, only=only, importers=importers)
    _check_replaceable(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.building-", dir=out.parent))
    staging.chmod(0o755)  # mkdtemp makes it private; a bundle is meant to be shared read-only
    try:
        records = []
        for step in planned:
            if on_progress is not None:
                on_progress(step.importer.name)
            records.append(_run_importer(step, staging))
        manifest = Manifest(
            format_version=BUNDLE_FORMAT_VERSION,
            created=datetime.now(UTC),
            tailormed_version=__version__,
            sources=records,
        )
        (staging / MANIFEST_FILE).write_text(manifest.model_dump_json(indent=2) + "\n", encoding="utf-8")
        _swap_into_place(staging, out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return manifest


def _run_importer(step: PlannedImport, staging: Path) -> SourceRecord:
    name = step.importer.name
    folder = staging / name
    folder.mkdir()
    record = step.importer.build(step.upstream, folder)
    if record.name != name:
        raise InternalError(f"importer {name!r} returned a record named {record.name!r}")
    files = folder_checksums(folder)
    if not files:
        raise InternalError(f"importer {name!r} wrote no files")
    return record.model_copy(update={"importer": name, "files": files})


def _check_replaceable(out: Path) -> None:
    """Refuse to replace anything but an empty folder or an earlier bundle, so no user data is deleted."""
    if not out.exists():
        return
    if not out.is_dir():
        raise InputError("output exists and is not a folder", source=out)
    if (out / MANIFEST_FILE).is_file() or not any(out.iterdir()):
        return
    raise InputError(f"output folder is not empty and holds no {MANIFEST_FILE}; refusing to replace it", source=out)


def _swap_into_place(staging: Path, out: Path) -> None:
    previous: Path | None = None
    if out.exists():
        previous = Path(tempfile.mkdtemp(prefix=f".{out.name}.previous-", dir=out.parent))
        previous.rmdir()
        out.rename(previous)
    try:
        staging.rename(out)
    except OSError:
        if previous is not None:
            previous.rename(out)
        raise
    if previous is not None:
        shutil.rmtree(previous, ignore_errors=True)
