"""Translations of report template text: one gettext catalog per language, kept as a ``.po`` source.

English is the source language (the msgids), so it needs no catalog. A ``.po`` file is compiled in memory when first
used, so there is no build step and no stale ``.mo``; adding a language is adding
``locales/<lang>/LC_MESSAGES/messages.po``.
"""

from __future__ import annotations

import io
from functools import cache
from importlib import resources
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

from tailormed.errors import InternalError

SOURCE_LANGUAGE = "en"
DOMAIN = "messages"


def locales_dir() -> Path:
    root = resources.files(__package__ or "tailormed.report") / "locales"
    if not isinstance(root, Path):
        raise InternalError("report catalogs must be installed as plain files, not inside an archive")
    return root


def catalog_path(language: str) -> Path:
    return locales_dir() / language / "LC_MESSAGES" / f"{DOMAIN}.po"


def available_languages() -> list[str]:
    """The source language and every language with a catalog."""
    return list(_languages_in(locales_dir()))


@cache
def _languages_in(folder: Path) -> tuple[str, ...]:
    """Catalogs are package data: one look per folder and process, so planning in memory reads no folder."""
    found = sorted(p.parent.parent.name for p in folder.glob(f"*/LC_MESSAGES/{DOMAIN}.po"))
    return (SOURCE_LANGUAGE, *(lang for lang in found if lang != SOURCE_LANGUAGE))


def resolve_language(preference: str) -> str:
    """The report language for a preference such as ``es`` or ``es-MX``: exact, then the base language, else English."""
    languages = available_languages()
    for candidate in (preference, preference.split("-")[0].lower()):
        if candidate in languages:
            return candidate
    return SOURCE_LANGUAGE


def read_catalog(language: str) -> Catalog:
    path = catalog_path(language)
    with path.open("rb") as stream:
        return read_po(stream, locale=language, domain=DOMAIN)


@cache
def translations(language: str) -> NullTranslations:
    """Gettext translations for ``language`` (identity for the source language)."""
    if language == SOURCE_LANGUAGE:
        return NullTranslations()
    buffer = io.BytesIO()
    write_mo(buffer, read_catalog(language))
    buffer.seek(0)
    return Translations(fp=buffer, domain=DOMAIN)
