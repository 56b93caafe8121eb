"""tailormed: one explainable care plan from a person's genome, record, lifestyle and preferences."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("tailormed")
except PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0.0.0+local"

__all__ = ["__version__"]
