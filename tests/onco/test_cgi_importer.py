"""CGI biomarkers importer on the shared copy: levels, resistance, licence flag carried to matches."""

from __future__ import annotations

from pathlib import Path

from tailormed.engines.onco.run import OncoKnowledge, TumourProfile, match_profile
from tailormed.knowledge.importers import cgi
from tailormed.model.alteration import parse_alteration


def test_cgi_table_and_matches(shared_data: Path, core_knowledge: OncoKnowledge) -> None:
    folder = cgi.detect(shared_data)
    assert folder is not None
    table, notes = cgi.compile_table(folder / cgi.FILE)
    assert not table.redistributable and table.licence_note and "EXPR biomarkers" in notes
    t315i = next(r for r in table.rows if r.id == "cgi-biomarkers:line2")  # ABL1 T315I, the file's first row
    assert (t315i.biomarker.label, t315i.significance.value, t315i.amp_level.value) == ("ABL1 T315I", "resistance", "A")
    assert [a.text for a in t315i.alleles] == ["chr9:133748283 C>T (GRCh37)"]
    knowledge = OncoKnowledge(
        tables=[table], genes=core_knowledge.genes, tree=core_knowledge.tree, thresholds=core_knowledge.thresholds
    )
    result = match_profile(
        TumourProfile(case_id="c", tumour_type="LUAD", alterations=[parse_alteration("EGFR T790M")]), knowledge
    )
    resistant = [m for m in result.matches if m.row.significance.value == "resistance"]
    assert resistant and all(m.licence_note == cgi.LICENCE_NOTE for m in result.matches)
