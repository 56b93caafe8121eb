"""Conditional average treatment effects (CATE): who benefits from which arm, and whether that claim holds up.

Learners (T-learner and DR-learner on LightGBM, econml's CausalForestDML) are cross-fitted; their held-out
predictions are checked with the best-linear-predictor slope and the QINI/AUTOC of doubly-robust scores. When no
learner's heterogeneity validates, recommendations fall back to the average effect (ATE with its CI).
"""
