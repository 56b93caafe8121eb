"""Importer modules; importing this package registers every importer with ``knowledge.registry``."""
