"""Knowledge for clinical risk equations: coefficient tables, validity ranges, and how genetics modifies them.

The curated source ``risk-equations`` holds three files: ``coefficients.json`` (compiled from the published tables
by ``scripts/compile_risk_equations.py``), ``equations.yaml`` (validity ranges, race groups and other published
model facts, written by hand with citations) and ``integration.yaml`` (which monogenic findings override which
equation, and which polygenic-score traits adjust which model).
"""

SOURCE = "risk-equations"
