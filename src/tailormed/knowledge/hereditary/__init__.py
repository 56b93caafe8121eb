"""Knowledge for hereditary (monogenic) findings: ClinVar classifications, the ACMG SF gene list and its rules,
and the curated management text per condition. Importers write these shapes; the hereditary engine reads them."""
