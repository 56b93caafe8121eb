"""The web app: clinician workspace and patient portal, server-rendered pages on the service's application."""
