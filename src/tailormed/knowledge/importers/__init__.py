"""Importer modules; ``knowledge.registry.importers()`` imports every module here, which registers it."""
