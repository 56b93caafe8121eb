"""Treatment-response models learned from trial and health-record data: fit, predict with intervals, explain.

Two tasks share one interface (train, predict, evaluate, model card): individualized warfarin dosing from the
IWPC data (:mod:`.warfarin`) and conditional average treatment effects from a randomized trial or observational
data (:mod:`.cate`). Learned models are always evaluated against published or trivial baselines on data not
used for fitting, and every saved model carries a :class:`~.card.ModelCard`. The heavy libraries of the ``[ml]``
extra (scikit-learn, LightGBM, EconML, SHAP, skops) are imported inside the functions that need them. Nothing here
touches a file: :mod:`tailormed.training` reads the data, saves model folders and loads them back.
"""
