"""Terminal output shared by every command: one console for results, one for messages and progress."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, TypeVar

from rich.console import Console
from rich.markup import escape

if TYPE_CHECKING:
    from rich.progress import Progress

T = TypeVar("T")

out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)


def plain(value: object) -> str:
    """``value`` as console markup that prints it as it is: input and knowledge text (a medication name, a file name,
    a guideline's ``[general]`` population) may hold square brackets, which markup would drop or fail on."""
    return escape(str(value))


def progress() -> Progress:
    """A progress bar on stderr, so stdout stays clean for ``--format json|tsv`` output; off when stderr is not a
    terminal (a log or a pipe), where it would only leave a blank line before the result or the error."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    return Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=True,
        disable=not err.is_terminal,
    )


def track(items: Iterable[T], description: str, total: int | None = None) -> Iterator[T]:
    """Iterate with a progress bar on stderr."""
    with progress() as bar:
        task = bar.add_task(description, total=total)
        for item in items:
            yield item
            bar.advance(task)
