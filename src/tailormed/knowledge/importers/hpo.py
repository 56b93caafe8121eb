"""Importer ``hpo``: an HPO release (``hp.obo``, ``phenotype.hpoa``, ``genes_to_phenotype.txt``) into the bundle.

The HPO licence forbids altering the files and redistributing them as HPO, so the files are copied byte for byte
(plain or gzip-compressed, as found). The build parses them once, checks that they are a usable release, records
the term and disease counts, and writes the compiled form the diagnosis engine loads in well under a second
(``hpo-compiled.json`` and ``hpo-compiled.npz``, derived files beside the unmodified release).
"""

from __future__ import annotations

import shutil
from collections import Counter
from pathlib import Path

from tailormed.errors import KnowledgeError
from tailormed.knowledge.checksums import files_checksums
from tailormed.knowledge.hpo.compiled import write_compiled
from tailormed.knowledge.hpo.source import CITATION, FILES, LICENCE, SOURCE, URL, HpoFiles, load_release, locate
from tailormed.knowledge.manifest import SourceRecord
from tailormed.knowledge.registry import Importer

SEARCH_PATHS = ("rare/hpo", "hpo", ".")


def detect(upstream: Path) -> Path | None:
    """The first folder under ``upstream`` (``rare/hpo``, ``hpo`` or itself) holding all three release files."""
    for relative in SEARCH_PATHS:
        folder = upstream / relative
        if folder.is_dir() and all(locate(name, folder) is not None for name in FILES):
            return folder.resolve()
    return None


def build(upstream_root: Path, out_dir: Path) -> SourceRecord:
    found = [locate(name, upstream_root) for name in FILES]
    paths = [path for path in found if path is not None]
    if len(paths) != len(FILES):
        raise KnowledgeError(f"an HPO release needs {', '.join(FILES)}", source=upstream_root)
    release = load_release(HpoFiles(paths[0], paths[1], paths[2], origin=str(upstream_root)))
    if release.version != release.annotation_version:
        raise KnowledgeError(
            f"hp.obo is release {release.version} but phenotype.hpoa is {release.annotation_version}",
            source=upstream_root,
        )
    out_dir.mkdir(parents=True, exist_ok=True)
    for path in paths:
        shutil.copyfile(path, out_dir / path.name)
    write_compiled(release, out_dir)
    databases = Counter(disease.database for disease in release.diseases.values())
    obsolete = sum(term.obsolete for term in release.ontology.terms.values())
    notes = (
        f"{len(release.ontology.terms)} terms ({obsolete} obsolete); annotated diseases "
        + ", ".join(f"{count} {name}" for name, count in sorted(databases.items()))
        + f"; {sum(bool(d.genes) for d in release.diseases.values())} with genes; files copied unmodified"
    )
    return SourceRecord(
        name=SOURCE,
        title="Human Phenotype Ontology and disease annotations (HPOA)",
        version=release.version,
        licence=LICENCE,
        citation=CITATION,
        url=URL,
        importer=SOURCE,
        upstream_files=files_checksums(upstream_root, paths),
        notes=notes,
    )


IMPORTER = Importer(
    name=SOURCE,
    description="HPO release (hp.obo, phenotype.hpoa, genes_to_phenotype.txt) copied unmodified",
    detect=detect,
    build=build,
)
