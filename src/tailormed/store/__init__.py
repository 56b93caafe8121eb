"""The platform's store: patients, genomes, evidence, analyses, plans, reports, consents and audit in one database.

SQLAlchemy 2 models (:mod:`.models`), Alembic migrations from an empty database (:mod:`.migrate`), AES-GCM
envelope encryption of everything genetic or clinical (:mod:`.crypto`), repositories that do every write in one
transaction (:mod:`.repo`) and a checked backup format (:mod:`.backup`). SQLite file by default, PostgreSQL when
``TAILORMED_DATABASE_URL`` names one. Nothing here decides who may do what: that is :mod:`tailormed.security`.
"""
