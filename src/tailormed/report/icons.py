"""Icon arrays: 100 people, some marked, the way risk communication research shows risks to patients.

A risk of 12 in 100 marks 12 figures; a what-if that lowers it to 8 marks the 4 spared in a second colour, so the
change is seen as people rather than as percentages. Drawn as plain SVG (no plotting library needed).
"""

from __future__ import annotations

from html import escape

AFFECTED = "#c0392b"
SPARED = "#1e8449"
UNAFFECTED = "#d5dbe1"
_CELL = 14
_COLUMNS = 10
_PERSON = (
    '<g transform="translate({x},{y})" fill="{fill}">'
    '<circle cx="6" cy="3" r="2.6"/><path d="M2 13 v-4.5 a4 4 0 0 1 8 0 V13 z"/></g>'
)


def icon_array_svg(affected: float, *, after: float | None = None, label: str) -> str:
    """100 figures: ``affected`` of them marked; with ``after`` lower, the difference marked as spared.

    Counts are rounded to whole people; ``label`` is the accessible description (already translated).
    """
    now = _people(affected)
    later = now if after is None else min(_people(after), now)
    cells = []
    for i in range(100):
        row, column = divmod(i, _COLUMNS)
        if i < later:
            fill = AFFECTED
        elif i < now:
            fill = SPARED
        else:
            fill = UNAFFECTED
        cells.append(_PERSON.format(x=column * _CELL, y=row * (_CELL + 2), fill=fill))
    width, height = _COLUMNS * _CELL, 10 * (_CELL + 2)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="icon-array" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}" role="img" aria-label="{escape(label)}">'
        f"<title>{escape(label)}</title>{''.join(cells)}</svg>"
    )


def _people(per_100: float) -> int:
    return max(0, min(100, round(per_100)))
