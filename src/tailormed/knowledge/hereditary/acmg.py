"""The ACMG secondary-findings gene lists in a built bundle, one file per list version.

The ``acmg-sf`` importer writes ``acmg_sf_v<version>.json`` (:class:`AcmgList`) for every version it finds;
v3.2 is the default list, others are chosen by version string.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tailormed.errors import KnowledgeError
from tailormed.knowledge.files import parse_model
from tailormed.knowledge.hereditary.models import AcmgList

if TYPE_CHECKING:
    from tailormed.knowledge.bundle import KnowledgeBundle

SOURCE = "acmg-sf"
DEFAULT_VERSION = "3.2"


def list_file(version: str) -> str:
    return f"acmg_sf_v{version}.json"


def available_versions(bundle: KnowledgeBundle) -> list[str]:
    """The list versions a bundle holds, oldest first."""
    if not bundle.has(SOURCE):
        return []
    names = [name for name in bundle.source(SOURCE).files if name.startswith("acmg_sf_v") and name.endswith(".json")]
    versions = [name[len("acmg_sf_v") : -len(".json")] for name in names]
    return sorted(versions, key=lambda v: tuple(int(part) for part in v.split(".") if part.isdigit()))


def load_acmg(bundle: KnowledgeBundle, version: str = DEFAULT_VERSION) -> AcmgList:
    """The ACMG SF list of ``version``; KnowledgeError naming the versions the bundle has otherwise."""
    versions = available_versions(bundle)
    if version not in versions:
        have = ", ".join(versions) or "none (build the bundle with `tailormed kb build --from DIR`)"
        raise KnowledgeError(
            f"ACMG SF list v{version} is not in the knowledge bundle (available: {have})", source=bundle.location
        )
    name = list_file(version)
    return parse_model(bundle.read_json(SOURCE, name), AcmgList, "ACMG SF list", bundle.path(SOURCE, name))
