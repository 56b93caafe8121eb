"""The tailormed version, for ``tailormed --version`` and for outputs that record which software made them.

The one place the version is written (``pyproject.toml`` reads it from here), and a module of its own so every layer
can read it without importing the package root, which exposes the pipeline.
"""

__version__ = "0.1.0"
