"""Who may do what, and the record of what was done: passwords, tokens, the access policy, consent and audit.

:func:`tailormed.security.policy.authorize` is the one place an access is decided and the only place
:class:`~tailormed.errors.AccessDeniedError` is raised. Consent is stored as data (:mod:`.consent`) and read by the
policy; every access, allowed or denied, is appended to a keyed hash chain (:mod:`.audit`). The de-identified
research export lives in :mod:`.research`.
"""
