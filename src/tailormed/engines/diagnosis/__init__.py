"""Phenotype-driven diagnosis: a patient's HPO terms (and optionally candidate variants) -> ranked diseases and genes.

``index`` turns an HPO release into arrays over diseases and terms (propagated frequencies, background frequencies,
information content); ``lr`` scores every disease with LIRICAL's likelihood-ratio model and keeps each term's
ratio for the explanation; ``similarity`` is the semantic-similarity baseline (Resnik best-match average);
``genotype`` turns candidate variants into a likelihood ratio per disease; ``rank`` combines them into post-test
probabilities and gene ranks; ``metrics`` scores rankings against known diagnoses. Everything here is pure: the
release and the patient's terms come in, results go out.
"""
