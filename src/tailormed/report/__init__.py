"""Renderers: the care plan as clinician and patient reports (HTML, PDF) with plots and translations.

Reports read only the :class:`~tailormed.model.careplan.CarePlan`, the patient record and the typed ``Finding.data``
payloads, so an engine that lands later shows up in its section without changes here. Template text is translated
through gettext catalogs in ``locales/``; text that comes from knowledge (guideline wording) is shown as written.
"""
