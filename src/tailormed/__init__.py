"""tailormed: one explainable care plan from a person's genome, record, lifestyle and preferences."""

from typing import TYPE_CHECKING, Any

from tailormed.version import __version__

if TYPE_CHECKING:
    from tailormed.pipeline.analyze import analyze


def __getattr__(name: str) -> Any:
    """``tailormed.analyze`` is imported on first use, so ``import tailormed`` stays light and cycle-free."""
    if name == "analyze":
        from tailormed.pipeline.analyze import analyze

        return analyze
    raise AttributeError(f"module 'tailormed' has no attribute {name!r}")


__all__ = ["__version__", "analyze"]
