"""The installed tailormed version, for outputs that record which software made them.

A module of its own so every layer can read it without importing the package root (which exposes the pipeline).
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("tailormed")
except PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0.0.0+local"
