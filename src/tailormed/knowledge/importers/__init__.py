"""Importer modules, one per upstream format; ``knowledge.registry.importers()`` lists each module's importer."""
