"""The platform service: REST API, CDS Hooks, FHIR Genomics operations, analysis jobs and demo mode.

:mod:`.core` opens a store and is what the API, the job worker and the ``tailormed db``/``audit``/``export``
commands share; :mod:`.analysis` is the one module that calls the analysis pipeline; :mod:`.app` builds the
FastAPI application.
"""
