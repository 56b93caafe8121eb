"""The exceptions tailormed raises for failures a user can act on, each with its own exit code.

Raise them at the edge where the bad data is found, naming the file and the record or line, so the CLI
can print one clear line and exit with a code that tells pipelines what kind of failure it was.

>>> str(InputError("bad genotype '0/x'", source="a.vcf", location="line 12"))
"a.vcf, line 12: bad genotype '0/x'"
>>> InputError("x").exit_code
2
"""

from __future__ import annotations

from pathlib import Path


class TailormedError(Exception):
    """Base class: a failure with a message meant for the user."""

    exit_code = 1

    def __init__(self, message: str, *, source: str | Path | None = None, location: str | None = None) -> None:
        self.message = message
        self.source = str(source) if source is not None else None
        self.location = location
        super().__init__(self.__str__())

    def __str__(self) -> str:
        where = ", ".join(part for part in (self.source, self.location) if part)
        return f"{where}: {self.message}" if where else self.message


class InputError(TailormedError):
    """The user's input (VCF, record, FHIR bundle, options) is malformed or inconsistent."""

    exit_code = 2


class KnowledgeError(TailormedError):
    """The knowledge bundle is missing, corrupt, or lacks what a step needs."""

    exit_code = 3


class AccessDeniedError(TailormedError):
    """Consent or permissions do not allow the requested use of the data."""

    exit_code = 4


class InternalError(TailormedError):
    """A bug: an invariant of tailormed itself was broken."""

    exit_code = 70
