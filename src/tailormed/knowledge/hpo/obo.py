"""Reader for ``hp.obo`` (OBO 1.2): the ``[Term]`` stanzas the diagnosis engine uses, and the release version.

Only what ranking needs is kept (id, name, definition, ``is_a`` parents, ``alt_id``, obsolete status with
``replaced_by``/``consider``); other tags and ``[Typedef]`` stanzas are skipped. A malformed stanza is a
:class:`~tailormed.errors.KnowledgeError` naming the file and line.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

from tailormed.errors import KnowledgeError
from tailormed.knowledge.hpo.ontology import Ontology, Term
from tailormed.knowledge.hpo.textfiles import open_text

_HPO_ID = re.compile(r"^HP:\d{7}$")
_QUOTED = re.compile(r'^"((?:[^"\\]|\\.)*)"')


def read_obo(path: Path) -> Ontology:
    """The ontology in ``path`` (plain or gzip-compressed)."""
    with open_text(path) as lines:
        return parse_obo(lines, path)


def parse_obo(lines: Iterable[str], source: Path | str = "hp.obo") -> Ontology:
    version = ""
    terms: dict[str, Term] = {}
    stanza: str | None = None
    fields: dict[str, list[str]] = {}
    start = 0

    def finish() -> None:
        if stanza == "Term":
            term = _term(fields, source, start)
            if term.id in terms:
                raise KnowledgeError(f"term {term.id} defined twice", source=source, location=f"line {start}")
            terms[term.id] = term

    for number, raw in enumerate(lines, start=1):
        line = raw.rstrip("\n").rstrip("\r")
        if not line or line.startswith("!"):
            continue
        if line.startswith("["):
            finish()
            stanza, fields, start = line.strip("[] "), {}, number
            continue
        tag, sep, value = line.partition(":")
        if not sep:
            raise KnowledgeError(f"expected 'tag: value', got {line[:60]!r}", source=source, location=f"line {number}")
        value = value.strip()
        if stanza is None:
            if tag == "data-version":
                version = value.rsplit("/", 1)[-1]
            continue
        fields.setdefault(tag.strip(), []).append(value)
    finish()
    if not terms:
        raise KnowledgeError("no [Term] stanzas: not an OBO ontology", source=source)
    return Ontology(version=version or "unknown", terms=terms)


def _term(fields: dict[str, list[str]], source: Path | str, line: int) -> Term:
    where = f"line {line}"
    ids = fields.get("id", [])
    if len(ids) != 1 or not _HPO_ID.match(ids[0]):
        raise KnowledgeError(f"a [Term] needs one HP:nnnnnnn id, got {ids!r}", source=source, location=where)
    term_id = ids[0]
    parents = tuple(_identifier(v) for v in fields.get("is_a", []))
    definition = fields.get("def", [""])[0]
    quoted = _QUOTED.match(definition)
    replaced = [_identifier(v) for v in fields.get("replaced_by", [])]
    return Term(
        id=term_id,
        name=fields.get("name", [term_id])[0],
        parents=parents,
        definition=quoted.group(1) if quoted else definition,
        alt_ids=tuple(fields.get("alt_id", [])),
        obsolete=fields.get("is_obsolete", ["false"])[0] == "true",
        replaced_by=replaced[0] if replaced else None,
        consider=tuple(_identifier(v) for v in fields.get("consider", [])),
    )


def _identifier(value: str) -> str:
    """``HP:0000001 ! All`` -> ``HP:0000001``."""
    return value.split("!", 1)[0].strip().split(" ", 1)[0]
