"""Learning response models from data files: read a training table, fit and evaluate with the pure functions of
:mod:`tailormed.engines.response`, save the model folder with its card, and load it back for predictions.

This is the file-facing side of the response engine (the engine itself never opens a file). It sits in the
pipeline layer: the CLI (``tailormed response``) and the analysis pipeline call it; it calls engines and knowledge.
"""
