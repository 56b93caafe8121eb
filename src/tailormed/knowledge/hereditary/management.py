"""The curated ``hereditary-management`` source: ACMG reporting rules and recommended management per condition.

Written by tailormed in ``curated/hereditary-management/management.yaml``: what each ACMG 'variants to report'
phrase means (:class:`ReportRule`), which variant classes a small-variant VCF cannot show, and one or two
sentences of management per condition with citations.
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

from tailormed.knowledge.files import parse_model, read_yaml
from tailormed.knowledge.hereditary.models import HereditaryCurated

if TYPE_CHECKING:
    from tailormed.knowledge.bundle import KnowledgeBundle

SOURCE = "hereditary-management"
MANAGEMENT_FILE = "management.yaml"


def load_management(bundle: KnowledgeBundle) -> HereditaryCurated:
    """The curated rules and management texts of a bundle."""
    data = bundle.read_yaml(SOURCE, MANAGEMENT_FILE)
    return parse_model(data, HereditaryCurated, "hereditary management", bundle.path(SOURCE, MANAGEMENT_FILE))


@cache
def load_curated_file() -> HereditaryCurated:
    """The same file read straight from the package, for importers that check phrases at build time."""
    from tailormed.knowledge.bundle import CURATED_DIR

    path = CURATED_DIR / SOURCE / MANAGEMENT_FILE
    return parse_model(read_yaml(path), HereditaryCurated, "hereditary management", path)
