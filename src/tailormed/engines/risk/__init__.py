"""Clinical risk equations (PCE, PREVENT, FINDRISC, Gail/BCRAT), their integration with genetic findings, what-ifs.

Each equation is a pure function of typed inputs and the ``risk-equations`` knowledge; inputs outside the range
the model was published for raise :class:`~tailormed.engines.risk.validity.RiskInputError` (an ``InputError``) instead
of being extrapolated. ``patient`` maps a record to inputs, ``integrate`` combines equation risks with polygenic and
monogenic findings, ``whatif`` recomputes risks with changed modifiable inputs.
"""
