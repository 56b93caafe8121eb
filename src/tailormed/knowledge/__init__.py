"""The knowledge bundle: clinical facts as versioned data with provenance, and one importer per upstream format."""
