"""``tailormed prs score`` without the command-line framework: its work, and a reader of its arguments.

Scoring a cohort VCF takes well under a second, so the command's start-up is a large part of it: Typer builds a
pydantic validator for each of the command's options (about as long as reading the scoring file), after loading
Typer, click and pydantic. :func:`quick_arguments` reads a plain ``prs score`` command line (every option known, every
value one this module can convert exactly as Typer does) without any of them, and :func:`tailormed.cli.main` then
starts the VCF's inflating child and runs :func:`score` directly; anything else (``--help``, an unknown or misspelt
option, a value out of range, a missing ``--scoring``) goes through Typer, which gives its usual help and errors.
Both ways reach :func:`score` with the same values (a test checks them against Typer's for many command lines).
Nothing here imports Typer, Rich or the scoring modules at import time.
"""

from __future__ import annotations

import gc
import os
import re
import sys
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tailormed.model.enums import GenomeBuild

if TYPE_CHECKING:
    from tailormed.bgzf import SlotDecoder
    from tailormed.knowledge.bundle import KnowledgeBundle


class ScoreFormat(StrEnum):
    TSV = "tsv"
    JSON = "json"


def keep_freed_memory() -> None:
    """Have the C library keep memory freed by this process for its next allocations (glibc only; else nothing).

    Decoding and summing make and drop arrays of a few megabytes per block of records, in several threads. By
    default glibc gives many of them their own fresh mapping and returns it when freed, so each one's pages are
    faulted in again: about 40,000 page faults of 110,000 on the 100k-variant file, 3-4% of the wall time. Blocks up
    to 64 MB now come from the heap, whose freed top is kept up to 256 MB (peak memory unchanged in those runs).
    """
    if not sys.platform.startswith("linux"):
        return
    import ctypes

    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):  # pragma: no cover - a C library without mallopt
        return
    mallopt(-3, 64 << 20)  # M_MMAP_THRESHOLD
    mallopt(-1, 256 << 20)  # M_TRIM_THRESHOLD


def child_decoder(samples_in_file: int) -> SlotDecoder:
    """The decoder of a VCF's inflating child (:class:`tailormed.evidence.columnar.ChildDecoder`), loaded in the child
    the first time it waits for the reader, set up as this command sets itself up (one OpenBLAS thread, freed memory
    kept)."""
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    keep_freed_memory()
    from tailormed.evidence.columnar import ChildDecoder

    return ChildDecoder(samples_in_file)


#: Options taking a value: their parameter, whether they repeat, and how the value is converted.
_VALUED: dict[str, tuple[str, bool, str]] = {
    "--scoring": ("scoring", True, "path"),
    "--pgen": ("pgen", False, "path"),
    "--bgen": ("bgen", False, "path"),
    "--bgen-sample": ("bgen_sample", False, "path"),
    "--sample": ("sample", True, "text"),
    "-s": ("sample", True, "text"),
    "--reference": ("reference", False, "path"),
    "--min-overlap": ("min_overlap", False, "share"),
    "--build": ("build", False, "build"),
    "--kb": ("kb", False, "path"),
    "--format": ("output_format", False, "format"),
    "-f": ("output_format", False, "format"),
    "--output": ("output", False, "path"),
    "-o": ("output", False, "path"),
    "--match-log": ("match_log", False, "path"),
}
#: Options without a value (flags) and their parameter.
_FLAGS = {
    "--absent-is-reference": "absent_is_reference",
    "--keep-ambiguous": "keep_ambiguous",
    "--keep-multiallelic": "keep_multiallelic",
}
#: Every parameter of :func:`score` with the value it takes when its option is not given (Typer's defaults).
DEFAULTS: dict[str, Any] = {
    "scoring": None,
    "vcf": None,
    "pgen": None,
    "bgen": None,
    "bgen_sample": None,
    "sample": None,
    "absent_is_reference": False,
    "reference": None,
    "min_overlap": None,
    "keep_ambiguous": False,
    "keep_multiallelic": False,
    "build": None,
    "kb": None,
    "output_format": ScoreFormat.TSV,
    "output": None,
    "match_log": None,
}
#: A share written plainly (what float() and pydantic read alike); anything else is left to Typer.
_SHARE = re.compile(r"[0-9]+(\.[0-9]*)?|\.[0-9]+")


def _convert(kind: str, value: str) -> Any:
    """``value`` as Typer would give it to :func:`score`, or None when this reader leaves it to Typer."""
    if not value or value.startswith("-"):
        return None
    if kind == "path":
        return Path(value)
    if kind == "text":
        return value
    if kind == "share":
        share = float(value) if _SHARE.fullmatch(value) else -1.0
        return share if 0.0 <= share <= 1.0 else None
    if kind == "build":  # the names every --build takes (an unknown one is Typer's usage error)
        try:
            return GenomeBuild.named(value)
        except ValueError:
            return None
    return next((form for form in ScoreFormat if form.value == value), None)  # kind == "format"


def quick_arguments(argv: list[str]) -> dict[str, Any] | None:
    """The parameters of :func:`score` for ``prs score`` followed by ``argv``, or None when the line is not a plain
    one (help, an unknown option, ``--``, ``-oFILE``, a value out of range, a second positional argument, no
    ``--scoring``...): Typer reads those, with its own help and messages."""
    found = dict(DEFAULTS)
    given = iter(argv)
    for token in given:
        if token in _FLAGS:
            found[_FLAGS[token]] = True
            continue
        name, _, attached = token.partition("=") if token.startswith("--") else (token, "", "")
        if name in _VALUED:
            parameter, repeated, kind = _VALUED[name]
            value = _convert(kind, attached if _ else next(given, ""))
            if value is None:
                return None
            found[parameter] = [*(found[parameter] or []), value] if repeated else value
        elif not token or token.startswith("-") or found["vcf"] is not None:
            return None
        else:
            found["vcf"] = Path(token)
    return found if found["scoring"] else None


def score(
    scoring: list[Path],
    vcf: Path | None,
    pgen: Path | None,
    bgen: Path | None,
    bgen_sample: Path | None,
    sample: list[str] | None,
    absent_is_reference: bool,
    reference: Path | None,
    min_overlap: float | None,
    keep_ambiguous: bool,
    keep_multiallelic: bool,
    build: GenomeBuild | None,
    kb: Path | None,
    output_format: ScoreFormat,
    output: Path | None,
    match_log: Path | None,
) -> None:
    """Score every sample of a VCF, PLINK 2 fileset or BGEN with PGS Catalog scoring files (a row per sample, score)."""
    # The VCF's text is inflated by a child process from here on (unless it already is), while the modules below
    # load and the scoring files are read (a cohort VCF's first hundred megabytes are ready when the reader starts).
    from tailormed import bgzf

    with bgzf.inflating(
        vcf if pgen is None and bgen is None else None, len(sample) if sample else None, decoder=child_decoder
    ):
        # Scoring does no linear algebra. OpenBLAS starts a thread per core when numpy is first imported (below), and
        # each spins about 0.1 s CPU waiting for work that never comes, on the core the readers' threads need. Once
        # numpy is loaded the setting would only reach child processes, so it is left alone then.
        if "numpy" not in sys.modules:
            os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
            keep_freed_memory()
        from tailormed.collector import paused
        from tailormed.engines.prs.matching import DEFAULT_MIN_OVERLAP, MatchOptions
        from tailormed.errors import InputError
        from tailormed.fileio import write_text_atomic
        from tailormed.pipeline import prs
        from tailormed.report import tables

        if sum(given is not None for given in (vcf, pgen, bgen)) != 1:
            raise InputError("give one of a VCF, --pgen PREFIX or --bgen FILE")
        if bgen_sample is not None and bgen is None:
            raise InputError("--bgen-sample names the samples of a --bgen file: give --bgen", source=bgen_sample)
        if pgen is not None and build is None:
            raise InputError("a PLINK 2 fileset names no genome build: give --build", source=pgen)
        if bgen is not None and build is None:
            raise InputError("a BGEN file names no genome build: give --build", source=bgen)
        options = MatchOptions(
            min_overlap=DEFAULT_MIN_OVERLAP if min_overlap is None else min_overlap,
            keep_ambiguous=keep_ambiguous,
            keep_multiallelic=keep_multiallelic,
            absent_is_reference=absent_is_reference,
        )
        # the scoring files' columns, the matcher's index and match log are ~10 objects per variant, none in a cycle: a
        # running collector would walk them all again every few hundred allocations
        with _progress() as bar, paused():
            scores = prs.read_scores(scoring)
            if pgen is not None and build is not None:
                bar.add_task(f"scoring {pgen.name}", total=None)
                run = prs.score_pgen(pgen, scores, build, samples=sample or None, options=options)
            elif bgen is not None and build is not None:
                bar.add_task(f"scoring {bgen.name}", total=None)
                run = prs.score_bgen(
                    bgen, scores, build, sample_file=bgen_sample, samples=sample or None, options=options
                )
            elif vcf is not None:
                from tailormed.knowledge.markers import core_build_markers  # they vote on a VCF's build

                task = bar.add_task(f"scoring {vcf.name}", total=None)
                run = prs.score_vcf(
                    vcf,
                    scores,
                    _bundle(kb, absent_is_reference),
                    samples=sample or None,
                    build=build,
                    options=options,
                    reference=reference,
                    on_progress=lambda n: bar.advance(task, n),
                    markers=core_build_markers(),
                )
            gc.freeze()  # the run lives until the command ends: frozen rather than walked once collections resume
        detection = run.build
        if match_log is not None:
            write_text_atomic(match_log, tables.match_log_lines(run))
        for result in run.scores:
            match = result.match
            tell(
                f"{match.score.name}: {match.matched}/{match.total} variants matched ({match.match_rate:.1%}), "
                f"build {detection.build} ({detection.source}), missing genotypes: {run.imputation} imputation"
            )
        failure = prs.overlap_error(run)
        if failure is not None:
            raise failure
        text = tables.scores_tsv(run) if output_format is ScoreFormat.TSV else tables.scores_json(run)
        if output is None:
            sys.stdout.write(text)
            sys.stdout.flush()
        else:
            write_text_atomic(output, text)
            tell(f"wrote {sum(len(r.samples) for r in run.scores)} scores to {output}")


def _bundle(kb: Path | None, absent_is_reference: bool) -> KnowledgeBundle | None:
    """The knowledge bundle a VCF's scoring opens: for the reference alleles of absent sites, or the ``--kb`` named
    (checked as every command checks it); else none, since its build markers are the curated core's, read alone."""
    if kb is None and not absent_is_reference:
        return None
    from tailormed.knowledge.bundle import load_bundle

    return load_bundle(kb)


#: Text Rich would change when printing it: markup, emoji codes (``:name:``), tabs and control characters.
_RICH_TEXT = re.compile(r"\[|:\S*:|[^\S ]")


def _terminal() -> bool:
    """Whether stderr is shown to a person (or Rich is told to treat it as such): then messages and the progress bar
    go through Rich, with its colours and live display."""
    return sys.stderr.isatty() or any(name in os.environ for name in ("FORCE_COLOR", "TTY_COMPATIBLE"))


def tell(text: str) -> None:
    """A message line on stderr. Rich (about 0.05 s to load, a tenth of a cohort VCF's scoring) only when stderr is a
    terminal or the text is one Rich would print differently; otherwise the very line Rich prints to a file."""
    if _terminal() or _RICH_TEXT.search(text) or not text.isprintable():
        from tailormed.cli.console import err

        err.print(text, highlight=False)
    else:
        sys.stderr.write(text + "\n")
        sys.stderr.flush()


class _Unseen:
    """The progress bar where nobody sees it: Rich's bar shows nothing on a stderr that is not a terminal (it is
    transient), but starts a refresh thread and asks whether stderr is a terminal at every update."""

    def __enter__(self) -> _Unseen:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def add_task(self, description: str, total: float | None = None) -> int:
        return 0

    def advance(self, task: int, advance: float = 1) -> None:
        return None


def _progress() -> Any:  # Rich's Progress or _Unseen
    if not _terminal():
        return _Unseen()
    from tailormed.cli.console import progress

    return progress()
