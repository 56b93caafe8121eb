"""Write the curated medicine vocabulary: ingredients with RxNorm codes, ATC codes, brands and RxNorm products.

Usage: python scripts/curate_medicines.py VALUESET_DIR ATC_CSV [PDDI_DIR]

* ingredients: every drug the curated PGx guidelines and phenoconversion rules name, and every ingredient of the
  value sets below; RxNorm ingredient code, ATC codes and CPIC level per gene from PyPGx's CPIC gene-drug table
  (``$TAILORMED_SHARED_DATA/pgx/pypgx/cpic-table.csv``, MIT);
* ATC codes of the other ingredients: the WHO ATC/DDD index (``ATC_CSV``: one row per code, ``atc_code,atc_name,...``,
  as scraped from the WHO site by ``fabkury/atcd``, ``WHO ATC-DDD 2026-04-25.csv``);
* RxNorm products (clinical and branded drugs) and drug classes: NLM VSAC value sets as FHIR JSON (``VALUESET_DIR``:
  ``cqframework/ecqm-content-r4-2021``, ``input/vocabulary/valueset/external``, CC0), each product with its RxNorm
  display (brands are the bracketed names of branded products);
* brand names: the bracketed brands of RxNorm branded drugs in the value sets above and in the HL7 PDDI CDS value
  sets (``PDDI_DIR``: ``HL7/PDDI-CDS``, ``input/vocabulary``, FHIR XML); the Drugs@FDA product titles cited by
  PharmCAT's example report (``$TAILORMED_SHARED_DATA/pgx/pharmcat/examples/pharmcat.example2.report.json``); and
  openFDA label and NDC records (``BRANDS`` below, each with the record's words). A branded drug with several
  ingredients becomes a combination: its brand resolves to all of them;
* veterinary products (``VETERINARY`` below: a label whose document type is PRESCRIPTION ANIMAL DRUG LABEL, or
  product information for animals) are left out: their brands and RxNorm codes never resolve;
* drugs with guidance sold under the ingredient's own name (``UNBRANDED`` below) say so, with the source;
* brands no source read shows to be human medicines (``WITHHELD`` below, each with why) are left out too;
* names that differ between the United States (USAN) and the WHO (INN): the WHO ATC index name of the ingredient's
  own ATC code (``ciclosporin`` for cyclosporine, L04AD01), and ``US_NAMES`` below for ingredients the CPIC table
  does not code (acetaminophen = paracetamol), each with its source's words.

Writes ``src/tailormed/knowledge/curated/medicines/medicines.json``; every fact carries ``sources`` (cite, where,
the source's own words). Runs on a developer machine; nothing here runs at analysis time.
"""

from __future__ import annotations

import csv
import json
import os
import re
import sys
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import yaml

from tailormed.fileio import write_text_atomic
from tailormed.knowledge.medicines import CLASS_VALUE_SETS, base_name

REPO = Path(__file__).resolve().parents[1]
CURATED = REPO / "src" / "tailormed" / "knowledge" / "curated"
OUT = CURATED / "medicines" / "medicines.json"
PDDI_REPO = "HL7/PDDI-CDS@018be88"
VALUE_SET_REPO = "cqframework/ecqm-content-r4-2021@0be9c6864640478209add3b5c99178291986a0e0"
ATC_CITE = "ATC: WHO Collaborating Centre for Drug Statistics Methodology, ATC/DDD Index (as of 2026-04-25)"

#: Brand names read on FDA labels and openFDA records: brand -> (ingredients, source, where, the source's words).
BRANDS: dict[str, tuple[tuple[str, ...], str, str, str]] = {
    "Plavix": (
        ("clopidogrel",),
        "https://www.drugs.com/pro/plavix.html",
        "FDA prescribing information, title",
        "PLAVIX® (clopidogrel tablets) for oral use",
    ),
    "Zocor": (
        ("simvastatin",),
        "https://dailymed.nlm.nih.gov/dailymed/",
        "FDA prescribing information, title",
        "DailyMed (U.S. National Library of Medicine) — ZOCOR (simvastatin) tablets",
    ),
    "Coumadin": (
        ("warfarin",),
        "https://vdocuments.site/aphena-pharma-solutions-tennessee-inc-coumadin-.html",
        "FDA prescribing information, title",
        "COUMADIN (warfarin sodium) tablets, for oral use",
    ),
    "Lipitor": (
        ("atorvastatin",),
        "https://dailymed.nlm.nih.gov/dailymed/",
        "FDA prescribing information, title",
        "LIPITOR (atorvastatin calcium) tablets: FDA prescribing information",
    ),
    "Crestor": (
        ("rosuvastatin",),
        "https://docobook.com/queue/crestor-pi-azpicentralcom.html",
        "FDA prescribing information, title",
        "CRESTOR (rosuvastatin calcium) tablets Initial U.S. Approval: 2003",
    ),
    "Prilosec": (
        ("omeprazole",),
        "https://nctr-crs.fda.gov/fdalabel/services/spl/set-ids/b6761f84-53ac-4745-a8c8-1e5427d7e179/spl-doc",
        "FDA prescribing information, title",
        "PRILOSEC® (omeprazole magnesium) for delayed-release oral suspension",
    ),
    "Prograf": (
        ("tacrolimus",),
        'https://api.fda.gov/drug/ndc.json?search=packaging.package_ndc:"0469-0607-73"',
        "openFDA NDC directory, product 0469-0607",
        '"generic_name": "Tacrolimus", "labeler_name": "Astellas Pharma US, Inc.", "brand_name": "Prograf"',
    ),
    "Dilantin": (
        ("phenytoin",),
        'https://api.fda.gov/drug/ndc.json?search=packaging.package_ndc:"58151-118-01"',
        "openFDA NDC directory, product 58151-118 (SPL set 86dd27d1-9cee-48ae-b55d-e2d2f7dbc593)",
        '"generic_name": "Extended Phenytoin Sodium", "labeler_name": "Viatris Specialty LLC", '
        '"brand_name": "DILANTIN"',
    ),
    "Phenytek": (
        ("phenytoin",),
        'https://api.fda.gov/drug/ndc.json?search=packaging.package_ndc:"0378-2670-93"',
        "openFDA NDC directory, product 0378-2670",
        '"generic_name": "extended phenytoin sodium", "labeler_name": "Mylan Pharmaceuticals Inc.", '
        '"brand_name": "Phenytek"',
    ),
    "Reyataz": (
        ("atazanavir",),
        'https://api.fda.gov/drug/label.json?search=openfda.generic_name:"Atazanavir"',
        "openFDA drug label, spl_product_data_elements",
        "REYATAZ ATAZANAVIR ATAZANAVIR SULFATE ATAZANAVIR",
    ),
    "Coreg": (
        ("carvedilol",),
        'https://api.fda.gov/drug/ndc.json?search=product_ndc:"80725-139"',
        "openFDA NDC directory, product 80725-139 (SPL set 07c619c6-4a0c-445e-94fa-664a54f68a39)",
        '"generic_name": "Carvedilol", "labeler_name": "Waylis Therapeutics LLC", "brand_name": "Coreg"',
    ),
    "Coreg CR": (
        ("carvedilol",),
        'https://api.fda.gov/drug/ndc.json?search=product_ndc:"80725-387"',
        "openFDA NDC directory, product 80725-387",
        '"generic_name": "Carvedilol Phosphate", "labeler_name": "Waylis Therapeutics LLC", "brand_name": "Coreg CR"',
    ),
    "Anafranil": (
        ("clomipramine",),
        'https://api.fda.gov/drug/ndc.json?search=product_ndc:"0406-9908"',
        "openFDA NDC directory, product 0406-9908 (SPL set 4074b555-7635-41a9-809d-fae3b3610059)",
        '"generic_name": "clomipramine hydrochloride", "labeler_name": "SpecGx LLC", "brand_name": "ANAFRANIL"',
    ),
    "Paxil": (
        ("paroxetine",),
        'https://api.fda.gov/drug/label.json?search=set_id:"ef3b5cbe-f9e1-c1ac-79da-cfe14e3a7e7e"',
        "openFDA drug label, SPL set ef3b5cbe-f9e1-c1ac-79da-cfe14e3a7e7e, spl_product_data_elements",
        "PAXIL paroxetine hydrochloride PAROXETINE HYDROCHLORIDE PAROXETINE",
    ),
    "Lexapro": (
        ("escitalopram",),
        'https://api.fda.gov/drug/label.json?search=set_id:"13bb8267-1cab-43e5-acae-55a4d957630a"',
        "openFDA drug label, SPL set 13bb8267-1cab-43e5-acae-55a4d957630a, spl_product_data_elements",
        "Lexapro ESCITALOPRAM ESCITALOPRAM OXALATE ESCITALOPRAM",
    ),
    "Zoloft": (
        ("sertraline",),
        'https://api.fda.gov/drug/label.json?search=openfda.brand_name:"ZOLOFT"',
        "openFDA drug label, spl_product_data_elements",
        "Zoloft sertraline hydrochloride SERTRALINE HYDROCHLORIDE SERTRALINE",
    ),
    "Effexor XR": (
        ("venlafaxine",),
        'https://api.fda.gov/drug/label.json?search=openfda.brand_name:"effexor xr"',
        "openFDA drug label, spl_product_data_elements",
        "Effexor XR VENLAFAXINE HYDROCHLORIDE VENLAFAXINE HYDROCHLORIDE VENLAFAXINE",
    ),
    "Prevacid": (
        ("lansoprazole",),
        'https://api.fda.gov/drug/ndc.json?search=product_ndc:"64764-046"',
        "openFDA NDC directory, product 64764-046",
        '"generic_name": "lansoprazole", "labeler_name": "Takeda Pharmaceuticals America, Inc.", '
        '"brand_name": "Prevacid"',
    ),
    "Lamictal": (
        ("lamotrigine",),
        'https://api.fda.gov/drug/label.json?search=openfda.brand_name.exact:"LAMICTAL"',
        "openFDA drug label, spl_product_data_elements",
        "LAMICTAL lamotrigine LAMOTRIGINE LAMOTRIGINE",
    ),
    "Lamictal XR": (
        ("lamotrigine",),
        'https://api.fda.gov/drug/label.json?search=set_id:"3e2c9a35-6a39-41d7-ad84-3c0bb8894b09"',
        "openFDA drug label, SPL set 3e2c9a35-6a39-41d7-ad84-3c0bb8894b09, spl_product_data_elements",
        "LAMICTAL XR lamotrigine LAMOTRIGINE LAMOTRIGINE",
    ),
    "Valium": (
        ("diazepam",),
        'https://api.fda.gov/drug/label.json?search=openfda.brand_name:"VALIUM"',
        "openFDA drug label, spl_product_data_elements",
        "Valium Diazepam ANHYDROUS LACTOSE STARCH, CORN CALCIUM STEARATE DIAZEPAM DIAZEPAM 2;VALIUM",
    ),
    "Lopressor": (
        ("metoprolol",),
        'https://api.fda.gov/drug/ndc.json?search=product_ndc:"30698-458"',
        "openFDA NDC directory, product 30698-458 (SPL set 0283bc9d-6998-493a-824a-d4c85f704111)",
        '"generic_name": "metoprolol tartrate", "labeler_name": "Validus Pharmaceuticals LLC", '
        '"brand_name": "Lopressor"',
    ),
    "Toprol XL": (
        ("metoprolol",),
        'https://api.fda.gov/drug/ndc.json?search=packaging.package_ndc:"70842-113-02"',
        "openFDA NDC directory, product 70842-113",
        '"generic_name": "Metoprolol Succinate", "labeler_name": "Melinta Therapeutics, LLC", '
        '"brand_name": "TOPROL XL"',
    ),
    "Inderal LA": (
        ("propranolol",),
        'https://api.fda.gov/drug/ndc.json?search=packaging.package_ndc:"62559-522-01"',
        "openFDA NDC directory, product 62559-522",
        '"generic_name": "propranolol hydrochloride", "labeler_name": "ANI Pharmaceuticals, Inc.", '
        '"brand_name": "INDERAL LA"',
    ),
    "Bystolic": (
        ("nebivolol",),
        'https://api.fda.gov/drug/ndc.json?search=packaging.package_ndc:"0456-1405-90"',
        "openFDA NDC directory, product 0456-1405",
        '"generic_name": "nebivolol hydrochloride", "labeler_name": "Allergan, Inc.", "brand_name": "Bystolic"',
    ),
    "Risperdal Consta": (
        ("risperidone",),
        'https://api.fda.gov/drug/ndc.json?search=product_ndc:"50458-309"',
        "openFDA NDC directory, product 50458-309 (SPL set bb34ee82-d2c2-43b8-ba21-2825c0954691)",
        '"generic_name": "risperidone", "labeler_name": "Janssen Pharmaceuticals, Inc.", '
        '"brand_name": "RISPERDAL CONSTA"',
    ),
    "Pamelor": (
        ("nortriptyline",),
        'https://api.fda.gov/drug/ndc.json?search=product_ndc:"0406-9913"',
        "openFDA NDC directory, product 0406-9913",
        '"generic_name": "nortriptyline hydrochloride", "labeler_name": "SpecGx LLC", "brand_name": "PAMELOR"',
    ),
    "Soltamox": (
        ("tamoxifen",),
        'https://api.fda.gov/drug/ndc.json?search=product_ndc:"51862-682"',
        "openFDA NDC directory, product 51862-682",
        '"generic_name": "TAMOXIFEN CITRATE", "labeler_name": "Mayne Pharma", "brand_name": "SOLTAMOX"',
    ),
    "Vfend": (
        ("voriconazole",),
        'https://api.fda.gov/drug/ndc.json?search=product_ndc:"0049-3190"',
        "openFDA NDC directory, product 0049-3190 (SPL set dac26bcd-7a59-401f-9f66-a0649767cece)",
        '"generic_name": "Voriconazole", "labeler_name": "Roerig", "brand_name": "VFEND"',
    ),
    "Triumeq": (
        ("abacavir", "dolutegravir", "lamivudine"),
        'https://api.fda.gov/drug/label.json?search=openfda.generic_name:"dolutegravir"',
        "openFDA drug label, spl_product_data_elements",
        "Triumeq abacavir sulfate, dolutegravir sodium, lamivudine ABACAVIR SULFATE ABACAVIR DOLUTEGRAVIR SODIUM "
        "DOLUTEGRAVIR LAMIVUDINE LAMIVUDINE",
    ),
    "Triumeq PD": (
        ("abacavir", "dolutegravir", "lamivudine"),
        'https://api.fda.gov/drug/ndc.json?search=packaging.package_ndc:"49702-258-37"',
        "openFDA NDC directory, product 49702-258",
        '"generic_name": "abacavir sulfate, dolutegravir sodium, lamivudine", "labeler_name": "ViiV Healthcare '
        'Company", "brand_name": "Triumeq PD"',
    ),
    "Sustiva": (
        ("efavirenz",),
        "https://ec.europa.eu/health/documents/community-register/2010/2010110391890/anx_91890_sv.pdf",
        "EU summary of product characteristics (Swedish), 1. Läkemedlets namn; 2. Kvalitativ och kvantitativ "
        "sammansättning",
        "SUSTIVA 50 mg kapslar, hårda ... Varje hård kapsel innehåller 50 mg efavirenz.",
    ),
    "Aricept": (
        ("donepezil",),
        'https://api.fda.gov/drug/ndc.json?search=product_ndc:"62856-246"',
        "openFDA NDC directory, product 62856-246",
        '"generic_name": "donepezil hydrochloride", "labeler_name": "Eisai Inc.", "brand_name": "Aricept"',
    ),
    "Livalo": (
        ("pitavastatin",),
        'https://api.fda.gov/drug/ndc.json?search=product_ndc:"66869-104"',
        "openFDA NDC directory, product 66869-104 (SPL set 44dcbf97-99ec-427c-ba50-207e0069d6d2)",
        '"generic_name": "pitavastatin calcium", "labeler_name": "Kowa Pharmaceuticals America, Inc.", '
        '"brand_name": "Livalo"',
    ),
    "Tivicay": (
        ("dolutegravir",),
        'https://api.fda.gov/drug/ndc.json?search=product_ndc:"49702-227"',
        "openFDA NDC directory, product 49702-227",
        '"generic_name": "dolutegravir sodium", "labeler_name": "ViiV Healthcare Company", "brand_name": "Tivicay"',
    ),
    "Isentress": (
        ("raltegravir",),
        'https://api.fda.gov/drug/ndc.json?search=product_ndc:"0006-3080"',
        "openFDA NDC directory, product 0006-3080",
        '"generic_name": "RALTEGRAVIR", "labeler_name": "Merck Sharp & Dohme LLC", "brand_name": "ISENTRESS"',
    ),
    "Orilissa": (
        ("elagolix",),
        'https://api.fda.gov/drug/ndc.json?search=product_ndc:"0074-0039"',
        "openFDA NDC directory, product 0074-0039",
        '"generic_name": "Elagolix", "labeler_name": "AbbVie Inc.", "brand_name": "Orilissa"',
    ),
    "Myrbetriq": (
        ("mirabegron",),
        'https://api.fda.gov/drug/ndc.json?search=product_ndc:"0469-2601"',
        "openFDA NDC directory, product 0469-2601",
        '"generic_name": "mirabegron", "labeler_name": "Astellas Pharma US, Inc.", "brand_name": "Myrbetriq"',
    ),
    "Toviaz": (
        ("fesoterodine",),
        'https://api.fda.gov/drug/ndc.json?search=product_ndc:"0069-0242"',
        "openFDA NDC directory, product 0069-0242",
        '"generic_name": "fesoterodine fumarate", "labeler_name": "Pfizer Laboratories Div Pfizer Inc", '
        '"brand_name": "Toviaz"',
    ),
    "Doptelet": (
        ("avatrombopag",),
        'https://api.fda.gov/drug/ndc.json?search=packaging.package_ndc:"71369-020-15"',
        "openFDA NDC directory, product 71369-020",
        '"generic_name": "avatrombopag maleate", "labeler_name": "AkaRx, Inc.", "brand_name": "DOPTELET"',
    ),
    "Doptelet Sprinkle": (
        ("avatrombopag",),
        'https://api.fda.gov/drug/ndc.json?search=product_ndc:"71369-010"',
        "openFDA NDC directory, product 71369-010",
        '"generic_name": "avatrombopag", "labeler_name": "AkaRx, Inc.", "brand_name": "Doptelet Sprinkle"',
    ),
    "Trodelvy": (
        ("sacituzumab govitecan-hziy",),
        'https://api.fda.gov/drug/ndc.json?search=product_ndc:"55135-132"',
        "openFDA NDC directory, product 55135-132",
        '"generic_name": "SACITUZUMAB GOVITECAN", "labeler_name": "Gilead Sciences, Inc.", "brand_name": "TRODELVY"',
    ),
    "Silenor": (
        ("doxepin",),
        'https://api.fda.gov/drug/ndc.json?search=packaging.package_ndc:"42847-106-30"',
        "openFDA NDC directory, product 42847-106",
        '"generic_name": "doxepin hydrochloride", "labeler_name": "Currax Pharmaceuticals LLC", '
        '"brand_name": "Silenor"',
    ),
    "Norpramin": (
        ("desipramine",),
        'https://api.fda.gov/drug/ndc.json?search=product_ndc:"30698-007"',
        "openFDA NDC directory, product 30698-007",
        '"generic_name": "desipramine hydrochloride", "labeler_name": "Validus Pharmaceuticals LLC", '
        '"brand_name": "Norpramin"',
    ),
    "Evoxac": (
        ("cevimeline",),
        'https://api.fda.gov/drug/ndc.json?search=packaging.package_ndc:"0713-0883-01"',
        "openFDA NDC directory, product 0713-0883",
        '"generic_name": "cevimeline hydrochloride", "labeler_name": "Cosette Pharmaceuticals, Inc.", '
        '"brand_name": "Evoxac"',
    ),
    "Tasigna": (
        ("nilotinib",),
        'https://api.fda.gov/drug/label.json?search=set_id:"6093952a-5248-45cb-ad17-33716a411146"',
        "openFDA drug label, SPL set 6093952a-5248-45cb-ad17-33716a411146, spl_product_data_elements",
        "Tasigna nilotinib NILOTINIB HYDROCHLORIDE MONOHYDRATE NILOTINIB",
    ),
    "Votrient": (
        ("pazopanib",),
        'https://api.fda.gov/drug/label.json?search=set_id:"eeaaaf38-fb86-4d9f-a19d-0f61daac2fd7"',
        "openFDA drug label, SPL set eeaaaf38-fb86-4d9f-a19d-0f61daac2fd7, spl_product_data_elements",
        "VOTRIENT pazopanib hydrochloride PAZOPANIB HYDROCHLORIDE PAZOPANIB",
    ),
    # US brands of drugs with guidance (DailyMed label summaries and titles, FDA labeling pages, labels as reproduced)
    "Zofran": (
        ("ondansetron",),
        "https://dailymed.nlm.nih.gov/dailymed/lookup.cfm?setid=b4f26273-fcce-c06a-e053-2a95a90a2583",
        "DailyMed label summary",
        "Label: ZOFRAN- ondansetron 4mg tablet, orally disintegrating ... Category: HUMAN PRESCRIPTION DRUG LABEL",
    ),
    "Zofran ODT": (
        ("ondansetron",),
        "https://dokumen.tips/documents/novartis-pharmaceuticals-corporation-zofran-ondansetron-.html",
        "FDA prescribing information (Novartis Pharmaceuticals Corporation) as reproduced, highlights",
        "ZOFRAN (ondansetron hydrochloride) tablets, for oral use ZOFRAN ODT (ondansetron) orally disintegrating "
        "tablets",
    ),
    "Risperdal": (
        ("risperidone",),
        "https://dailymed.nlm.nih.gov/dailymed/search.cfm?searchdb=rxcui&query=262222",
        "DailyMed label summary",
        "Label: RISPERDAL- risperidone tablet RISPERDAL M-TAB- risperidone tablet, orally disintegrating RISPERDAL- "
        "risperidone solution ... Packager: Janssen Pharmaceuticals, Inc.",
    ),
    "Risperdal M-Tab": (
        ("risperidone",),
        "https://dailymed.nlm.nih.gov/dailymed/search.cfm?searchdb=rxcui&query=262222",
        "DailyMed label summary",
        "Label: RISPERDAL- risperidone tablet RISPERDAL M-TAB- risperidone tablet, orally disintegrating RISPERDAL- "
        "risperidone solution ... Packager: Janssen Pharmaceuticals, Inc.",
    ),
    "Haldol": (
        ("haloperidol",),
        "https://medlibrary.org/lib/rx/meds/haldol/page/5/",
        "FDA prescribing information as reproduced, How Supplied",
        "HALDOL brand of haloperidol Injection (For Immediate Release) 5 mg per mL (as the lactate) – NDC 50458-255-01",
    ),
    "Pravachol": (
        ("pravastatin",),
        "https://www.healthgrades.com/drugs/pravachol",
        "drug listing (FDA product data), Drug Basics",
        "Brand Name: PRAVACHOL Generic Name: PRAVASTATIN SODIUM Drug Type: HUMAN PRESCRIPTION DRUG",
    ),
    "Tofranil": (
        ("imipramine",),
        "https://fda.report/DailyMed/1827a5aa-733a-49d9-89d9-48ea0367b230",
        "DailyMed label (SPL 1827a5aa-733a-49d9-89d9-48ea0367b230) as reproduced, Description",
        "Tofranil, imipramine hydrochloride USP, the original tricyclic antidepressant, is a member of the "
        "dibenzazepine group of compounds.",
    ),
    "Tofranil-PM": (
        ("imipramine",),
        "http://www.medicinenet.com/imipramine/article.htm",
        "drug monograph, names",
        "GENERIC NAME: imipramine BRAND NAME: Tofranil, Tofranil-PM",
    ),
    "Detrol": (
        ("tolterodine",),
        "https://www.pfizermedicalinformation.com/en-us/detrol",
        "Pfizer medical information (United States), Indications and Usage",
        "DETROL®(tolterodine tartrate) ... DETROL Tablets are indicated for the treatment of overactive bladder with "
        "symptoms of urge urinary incontinence, urgency, and frequency.",
    ),
    "Detrol LA": (
        ("tolterodine",),
        "https://labeling.pfizer.com/showlabeling.aspx?id=719&section=PPI",
        "Pfizer labeling, patient information, title",
        "DETROL LA- tolterodine tartrate capsule, extended release Pharmacia and Upjohn Company LLC",
    ),
    "Enablex": (
        ("darifenacin",),
        "http://www.fda.gov/Safety/MedWatch/SafetyInformation/ucm233702.htm",
        "FDA CDER safety labeling changes, product title",
        "Enablex (darifenacin) extended-release tablets",
    ),
    "Razadyne": (
        ("galantamine",),
        "http://www.fda.gov/Safety/MedWatch/SafetyInformation/ucm299522.htm",
        "FDA CDER safety labeling changes, product title",
        "Razadyne (galantamine hydrobromide) Tablets, Oral Solution, and Razadyne ER (galantamine HBr) "
        "Extended-Release Capsules",
    ),
    "Razadyne ER": (
        ("galantamine",),
        "http://www.fda.gov/Safety/MedWatch/SafetyInformation/ucm299522.htm",
        "FDA CDER safety labeling changes, product title",
        "Razadyne (galantamine hydrobromide) Tablets, Oral Solution, and Razadyne ER (galantamine HBr) "
        "Extended-Release Capsules",
    ),
    "Antivert": (
        ("meclizine",),
        "http://dailymed.nlm.nih.gov/dailymed/drugInfo.cfm?id=106141&dictionary=on",
        "DailyMed label summary",
        "Label: ANTIVERT- meclizine hydrochloride tablet ... Packager: Roerig ... Category: HUMAN PRESCRIPTION DRUG "
        "LABEL",
    ),
    "Rythmol": (
        ("propafenone",),
        "https://drugs-library.com/drugs/rythmol_8dd938c8.html",
        "FDA prescribing information as reproduced, highlights",
        "RYTHMOL (propafenone hydrochloride) Tablets for oral use",
    ),
    "Rythmol SR": (
        ("propafenone",),
        "https://dailymed.nlm.nih.gov/dailymed/lookup.cfm?setid=0e9d1433-a55e-4907-bb38-abac47c7d3c7",
        "DailyMed label, title",
        "RYTHMOL SR- propafenone hydrochloride capsule, extended release GlaxoSmithKline LLC",
    ),
    "Ancobon": (
        ("flucytosine",),
        "https://dailymed.nlm.nih.gov/dailymed/search.cfm?searchdb=rxcui&query=207127",
        "DailyMed label summary",
        "Label: ANCOBON- flucytosine capsule ... Packager: Bausch Health US LLC ... Category: HUMAN PRESCRIPTION "
        "DRUG LABEL",
    ),
    "Altoprev": (
        ("lovastatin",),
        "http://dailymed.nlm.nih.gov/dailymed/drugInfo.cfm?audience=professional&setid=e8b6ccc2-e6e7-45fd-ab66-c312bcbe2b01",
        "DailyMed label, title",
        "ALTOPREV- lovastatin tablet, extended release Shionogi Inc.",
    ),
    "Lescol": (
        ("fluvastatin",),
        "https://vdocuments.net/reference-id-4134939-girls-10-to-16-years-of-age-with-heterozygous-familial-hypercholesterolemia.html",
        "FDA prescribing information (Reference ID 4134939) as reproduced, highlights",
        "Lescol ® (fluvastatin sodium) capsules/ Lescol ® XL (fluvastatin sodium) extended-release tablets for oral "
        "use",
    ),
    "Lescol XL": (
        ("fluvastatin",),
        "https://dailymed.nlm.nih.gov/dailymed/fda/fdaDrugXsl.cfm?setid=8a1823e7-26fb-4858-bac7-9e152e5ea16a&type=display",
        "DailyMed label, title",
        "LESCOL XL- fluvastatin sodium tablet, extended release Novartis Pharmaceuticals Corporation",
    ),
    "Tambocor": (
        ("flecainide",),
        "https://drugs-library.com/drugs/tambocor_fa83c465.html",
        "FDA prescribing information (Medicis Pharmaceutical Corp) as reproduced, Description",
        "TAMBOCOR™ (flecainide acetate) is an antiarrhythmic drug available in tablets of 50, 100, or 150 mg for "
        "oral administration.",
    ),
    "Evekeo": (
        ("amphetamine",),
        "https://dailymed.nlm.nih.gov/dailymed/fda/fdaDrugXsl.cfm?setid=f469fb38-0380-4621-9db3-a4f429126156&type=display",
        "DailyMed label, title",
        "EVEKEO- amphetamine sulfate tablet AZURITY PHARMACEUTICALS, INC.",
    ),
    "Evekeo ODT": (
        ("amphetamine",),
        "https://dailymed.nlm.nih.gov/dailymed/drugInfo.cfm?setid=1e25f905-6c0b-4b19-a3b6-b2a386afa1c3&audience=professional",
        "DailyMed label, title",
        "EVEKEO ODT- amphetamine sulfate tablet, orally disintegrating Azurity Pharmaceuticals, Inc.",
    ),
    "Surmontil": (
        ("trimipramine",),
        "http://www.fda.gov/Safety/MedWatch/SafetyInformation/ucm334684.htm",
        "FDA CDER safety labeling changes, product title",
        "Surmontil (Trimipramine Maleate) Capsules",
    ),
    "Vivactil": (
        ("protriptyline",),
        "http://www.rxlist.com/vivactil-drug/indications-dosage.htm",
        "FDA prescribing information as reproduced, How Supplied",
        "Vivactil® (protriptyline hydrochloride tablets USP) is supplied as follows:",
    ),
    "Hysingla ER": (
        ("hydrocodone",),
        "https://dailymed.nlm.nih.gov/dailymed/search.cfm?query=1595754&searchdb=rxcui",
        "DailyMed label summary",
        "Label: HYSINGLA ER- hydrocodone bitartrate tablet, extended release ... Packager: Purdue Pharma LP ... "
        "Category: HUMAN PRESCRIPTION DRUG LABEL",
    ),
    "Aczone": (
        ("dapsone",),
        "http://www.dailymed.nlm.nih.gov/dailymed/archives/fdaDrugInfo.cfm?archiveid=73823",
        "DailyMed label (archived version), title",
        "ACZONE - dapsone gel Allergan, Inc.",
    ),
    "Luvox CR": (
        ("fluvoxamine",),
        "http://www.rxlist.com/luvox-cr-drug.htm",
        "FDA prescribing information as reproduced, title",
        "LUVOX CR® (fluvoxamine maleate) Extended Release Capsules",
    ),
    # Brands outside the United States of drugs with DPWG guidance (national product information and leaflets)
    "Sintrom": (
        ("acenocoumarol",),
        "https://oladoctor.com/en/medicines/poland/sintrom-tabletki-4-mg",
        "Polish package leaflet (English translation) as reproduced",
        "Sintrom contains the active substance acenocoumarol.",
    ),
    "Sinthrome": (
        ("acenocoumarol",),
        "http://www.drugs.com/uk/sinthrome-1mg-tablets-leaflet.html",
        "United Kingdom patient information leaflet as reproduced",
        "SINTHROME 1MG TABLETS Active substance: ACENOCOUMAROL",
    ),
    "Marcumar": (
        ("phenprocoumon",),
        "https://fachinfo.de/fi/detail/003056/marcumar",
        "German summary of product characteristics (Fachinformation), sections 1 and 2",
        "Marcumar 3 mg Tabletten Jede Tablette enthält 3 mg Phenprocoumon.",
    ),
    "Marcoumar": (
        ("phenprocoumon",),
        "https://medikamio.com/de-ch/medikamente/marcoumar/pil",
        "Swiss package leaflet as reproduced, product data",
        "Marcoumar® Wirkstoff(e)Phenprocoumon ZulassungslandCH",
    ),
    "Clopixol": (
        ("zuclopenthixol",),
        "https://medicines.ie/print?id=31679&pilId=497&type=xpil",
        "Irish package leaflet (medicines.ie)",
        "Clopixol 10 mg film-coated tablets. (zuclopenthixol dihydrochloride) ... Clopixol contains the active "
        "substance zuclopenthixol.",
    ),
    "Floxapen": (
        ("flucloxacillin",),
        "https://medine.co.uk/floxapen-capsules-250mg/summary",
        "United Kingdom summary of product characteristics as reproduced, section 2",
        "Floxapen Capsules (Flucloxacillin Capsules BP) containing 250 mg flucloxacillin as Flucloxacillin Sodium BP.",
    ),
    "Navoban": (
        ("tropisetron",),
        "https://www.felleskatalogen.no/medisin/pasienter/pil-navoban-primius-lab-561842",
        "Norwegian package leaflet (Felleskatalogen), title",
        "PAKNINGSVEDLEGG: INFORMASJON TIL BRUKEREN Navoban 5 mg kapsler, harde tropisetron",
    ),
    "Xefo": (
        ("lornoxicam",),
        "http://www.medicines.ie/medicine/15304/SPC/Xefo+8+mg+Film-coated+Tablets/",
        "Irish summary of product characteristics (medicines.ie), sections 1 and 2",
        "1. NAME OF THE MEDICINAL PRODUCT Xefo 8 mg film-coated tablets ... 2. QUALITATIVE AND QUANTITATIVE "
        "COMPOSITION One film-coated tablet contains 8 mg lornoxicam",
    ),
    "Xefo Rapid": (
        ("lornoxicam",),
        "https://www.myhealthbox.eu/en/medicine/nycomeduklimited/xeforapid8mgfilmcoatedtablets/810971",
        "Irish Medicines Board summary of product characteristics as reproduced, sections 1 and 2",
        "1 NAME OF THE MEDICINAL PRODUCT Xefo Rapid 8 mg film-coated tablets 2 QUALITATIVE AND QUANTITATIVE "
        "COMPOSITION One film-coated tablet contains 8 mg lornoxicam.",
    ),
    "Tilcotil": (
        ("tenoxicam",),
        "https://docslib.org/doc/6058329/tilcotil-1-product-name",
        "New Zealand data sheet as reproduced, sections 1 and 2",
        "NEW ZEALAND DATA SHEET TILCOTIL 1. Product Name Tilcotil 20 mg film-coated tablets. 2. Qualitative and "
        "Quantitative Composition Each film-coated tablet contains 20 mg of tenoxicam.",
    ),
    "Penthrox": (
        ("methoxyflurane",),
        "https://imedi.co.uk/penthrox-3-ml-inhalation-vapour-liquid/summary",
        "United Kingdom summary of product characteristics as reproduced, sections 1 and 2",
        "PENTHROX 3mL inhalation vapour, liquid 2 QUALITATIVE AND QUANTITATIVE COMPOSITION Each vial contains 3 mL "
        "of methoxyflurane 99.9%.",
    ),
    "Teysuno": (
        ("tegafur", "gimeracil", "oteracil"),
        "https://myhealthbox.eu/mt/droga/teysuno/3553954",
        "EMA EPAR summary for the public (EMEA/H/C/001242) as reproduced",
        "Teysuno is a medicine that contains the active substances tegafur, gimeracil and oteracil.",
    ),
    "UFT": (
        ("tegafur", "uracil"),
        "https://www.mims.com/singapore/drug/info/uft?type=full",
        "MIMS Singapore full prescribing information, Contents and Description",
        "Contents Tegafur, uracil. Description Each capsule contains tegafur 100 mg and uracil 224 mg.",
    ),
    "Uftoral": (
        ("tegafur", "uracil"),
        "https://www.canceractive.com/article/tegafur-with-uracil-uftoral",
        "patient information article",
        "Tegafur with uracil (Uftoral) which is a chemotherapy drug most often used to treat bowel cancer. It is a "
        "combination of two drugs - tegafur and uracil",
    ),
    # Brands no longer sold in the United States under that name that patients' lists still carry
    "Elavil": (
        ("amitriptyline",),
        "https://docslib.org/doc/459012/product-monograph-elavil%C2%AE-amitriptyline-hydrochloride-tablets",
        "Canadian product monograph (AA Pharma, 2018) as reproduced, Indications and Clinical Use",
        "ELAVIL® (amitriptyline hydrochloride) is indicated in the drug management of depressive illness.",
    ),
    "Asendin": (
        ("amoxapine",),
        "https://hm-online.eztelemed.com/drugs/1427/view",
        "drug monograph (Drugs.com) as reproduced",
        "Asendin (Oral) Generic name:amoxapine (oral route) ... The Asendin brand name has been discontinued in the "
        "U.S.",
    ),
    "Trilafon": (
        ("perphenazine",),
        "https://docslib.org/doc/1917723/trilafon-tablets-trilafon-injection-final-printed-labeling",
        "FDA final printed labeling as reproduced, Description",
        "TRILAFON products contain perphenazine, USP",
    ),
    "Mellaril": (
        ("thioridazine",),
        "http://www.rxlist.com/mellaril-drug/indications-dosage.htm",
        "FDA prescribing information as reproduced, Indications",
        "Mellaril® (thioridazine HCl) is indicated for the management of schizophrenic patients who fail to respond "
        "adequately to treatment with other antipsychotic drugs.",
    ),
    "Humatin": (
        ("paromomycin",),
        "https://dailymed.nlm.nih.gov/dailymed/drugInfo.cfm?setid=a725f022-ec3c-430d-8021-96c861b9893c",
        "DailyMed label summary",
        "Label: HUMATIN- paromomycin sulfate capsule ... Packager: Waylis Therapeutics LLC ... Category: HUMAN "
        "PRESCRIPTION DRUG LABEL",
    ),
    "Garamycin": (
        ("gentamicin",),
        "https://www.drugs.com/pro/garamycin-eye-drops.html",
        "prescribing information as reproduced, title and indication",
        "Garamycin Eye Drops ... Generic name: gentamicin sulfate ... Garamycin® Ophthalmic Solution is indicated in "
        "the topical treatment of ocular bacterial infections",
    ),
    "Tylenol with Codeine": (
        ("acetaminophen", "codeine"),
        "http://dailymed.nlm.nih.gov/dailymed/drugInfo.cfm?setid=936e481e-f46c-4e03-b8e3-25961cda1909&audience=consumer",
        "DailyMed label, title",
        "TYLENOL WITH CODEINE- acetaminophen and codeine phosphate tablet Janssen Pharmaceuticals, Inc.",
    ),
    # Common brands of drugs with guidance that the sources read so far lacked
    "Zyloprim": (
        ("allopurinol",),
        "https://dailymed.nlm.nih.gov/dailymed/drugInfo.cfm?setid=baf6d3af-4edc-4207-a770-576c3b6787c8",
        "DailyMed label, title",
        "ZYLOPRIM- allopurinol tablet Casper Pharma LLC",
    ),
    "Trileptal": (
        ("oxcarbazepine",),
        "https://medic.hrt.org/dm/drug/trileptal-oxcarbazepine-tablet-film-coated-trileptal-oxcarbazepine-suspension-novartis-pharmaceuticals-corporation",
        "DailyMed label as reproduced, highlights",
        "TRILEPTAL® (oxcarbazepine) film-coated tablets, for oral use TRILEPTAL® (oxcarbazepine) oral suspension",
    ),
    "Nolvadex": (
        ("tamoxifen",),
        "https://app.medpath.com/drug/09b49f6467aea800",
        "Singapore HSA registration (AstraZeneca) as reproduced",
        "NOLVADEX TABLET 10 mg ... Active ingredient: TAMOXIFEN CITRATE 15.2 mg EQV TAMOXIFEN",
    ),
    "Nolvadex-D": (
        ("tamoxifen",),
        "https://myhealthbox.eu/en/nolvadex-d/2695306",
        "Maltese package leaflet (Medicines Authority) as reproduced",
        "The name of your medicine is ‘Nolvadex D 20 mg Film-coated Tablets’ (called Nolvadex D in this leaflet). "
        "Nolvadex D contains a medicine called tamoxifen.",
    ),
    "Jantoven": (
        ("warfarin",),
        "http://dailymed.nlm.nih.gov/dailymed/archives/fdaDrugInfo.cfm?archiveid=2835",
        "DailyMed label (archived version), Description",
        "Jantoven® (crystalline warfarin sodium) is an anticoagulant which acts by inhibiting vitamin K-dependent "
        "coagulation factors.",
    ),
    "Inderal": (
        ("propranolol",),
        "https://docslib.org/doc/2823789/inderal-propranolol-hydrochloride",
        "FDA prescribing information (Wyeth, Reference ID 2919389) as reproduced, Description",
        "Inderal® (propranolol hydrochloride) is a synthetic beta- blocking agent",
    ),
    "Adderall": (
        ("amphetamine", "dextroamphetamine"),
        "https://dailymed.nlm.nih.gov/dailymed/drugInfo.cfm?setid=f22635fe-821d-4cde-aa12-419f8b53db81",
        "DailyMed label summary",
        "Label: ADDERALL- dextroamphetamine saccharate, amphetamine aspartate, dextroamphetamine sulfate, and "
        "amphetamine sulfate tablet",
    ),
    "Adderall XR": (
        ("amphetamine", "dextroamphetamine"),
        "https://dailymed.nlm.nih.gov/dailymed/archives/fdaDrugInfo.cfm?archiveid=5703",
        "DailyMed label (archived version), title",
        "adderall xr (Dextroamphetamine saccharate, amphetamine aspartate monohydrate, dextroamphetamine sulfate and "
        "amphetamine sulfatecapsule, extended release [Shire US Inc.]",
    ),
    "Norco": (
        ("acetaminophen", "hydrocodone"),
        "https://vdocuments.site/norco-hydrocodone-bitartrate-and-acetaminophen-tablets-2018-02-11-norco-contains.html",
        "DailyMed label (Allergan, Inc.) as reproduced, title",
        "NORCO- hydrocodone bitartrate and acetaminophen tablet Allergan, Inc.",
    ),
    "Kantrex": (
        ("kanamycin",),
        "http://www.rxlist.com/kantrex-drug.htm",
        "FDA prescribing information as reproduced, title",
        "Kantrex (kanamycin) Injection, Solution",
    ),
    # Brands of phenoconversion perpetrators (CYP2D6, CYP2C19 and CYP2C9 inhibitors the knowledge names)
    "Prozac": (
        ("fluoxetine",),
        "https://medic.hrt.org/dm/drug/prozac-fluoxetine-hydrochloride-capsule-dista-products-company",
        "DailyMed label (Dista Products Company) as reproduced, highlights",
        "PROZAC (fluoxetine capsules) for oral use Initial U.S. Approval: 1987",
    ),
    "Wellbutrin XL": (
        ("bupropion",),
        "http://www.rxlist.com/wellbutrin-xl-drug.htm",
        "FDA prescribing information as reproduced, Description",
        "WELLBUTRIN XL® (bupropion hydrochloride), an antidepressant of the aminoketone class",
    ),
    "Cymbalta": (
        ("duloxetine",),
        'https://api.fda.gov/drug/ndc.json?search=product_ndc:"0002-3240"',
        "openFDA NDC directory, product 0002-3240 (SPL set 2f7d4d67-10c1-4bf4-a7f2-c185fbad64ba)",
        '"generic_name": "Duloxetine hydrochloride", "labeler_name": "Eli Lilly and Company", "brand_name": "Cymbalta"',
    ),
    "Diflucan": (
        ("fluconazole",),
        'https://api.fda.gov/drug/ndc.json?search=packaging.package_ndc:"0049-3450-19"',
        "openFDA NDC directory, product 0049-3450",
        '"generic_name": "fluconazole", "labeler_name": "Roerig", "brand_name": "Diflucan"',
    ),
    "Aplenzin": (
        ("bupropion",),
        'https://api.fda.gov/drug/ndc.json?search=product_ndc:"0187-5810"',
        "openFDA NDC directory, product 0187-5810",
        '"generic_name": "bupropion hydrobromide", "labeler_name": "Bausch Health US, LLC", "brand_name": "Aplenzin"',
    ),
    "Forfivo XL": (
        ("bupropion",),
        'https://api.fda.gov/drug/ndc.json?search=packaging.package_ndc:"24979-247-06"',
        "openFDA NDC directory, product 24979-247 (SPL set 80b01182-dc94-4990-8ebb-55c306d7e536)",
        '"generic_name": "bupropion hydrochloride", "labeler_name": "Upsher-Smith Laboratories, LLC", '
        '"brand_name": "Forfivo XL"',
    ),
    "Zyban": (
        ("bupropion",),
        "http://dailymed.nlm.nih.gov/dailymed/drugInfo.cfm?audience=consumer&setid=a3327c31-d987-40ec-b3b5-097bbf2f4f8c",
        "DailyMed label (GlaxoSmithKline LLC), title and highlights",
        "ZYBAN- bupropion hydrochloride tablet, film coated",
    ),
    "Pexeva": (
        ("paroxetine",),
        "https://dokumen.tips/documents/sebela-pharmaceuticals-inc-pexeva-paroxetine-mesylate-.html",
        "DailyMed label (Sebela Pharmaceuticals Inc.) as reproduced, title",
        "PEXEVA- paroxetine mesylate tablet, film coated Sebela Pharmaceuticals Inc.",
    ),
    "Brisdelle": (
        ("paroxetine",),
        "https://dailymed.nlm.nih.gov/dailymed/drugInfo.cfm?setid=502311b3-b617-4cbd-a3ab-a60f2c62880a",
        "DailyMed label summary (Legacy Pharma USA, Inc.)",
        "Label: BRISDELLE- paroxetine capsule",
    ),
    "Sarafem": (
        ("fluoxetine",),
        "https://dailymed.nlm.nih.gov/dailymed/medguide.cfm?setid=e542de29-b400-4b2e-9d5e-0f7c53091f8c",
        "DailyMed Medication Guide (Allergan, Inc.)",
        "Although SARAFEM is not a treatment for depression, it contains fluoxetine hydrochloride, the same active "
        "ingredient in some antidepressants.",
    ),
    "Rifadin": (
        ("rifampin",),
        "https://dailymed.nlm.nih.gov/dailymed/lookup.cfm?setid=036ab68e-5085-4edc-bd83-784b43d64eab&version=27",
        "DailyMed label (Sanofi-Aventis U.S. LLC), title",
        "RIFADIN- rifampin capsule",
    ),
    "Felbatol": (
        ("felbamate",),
        'https://api.fda.gov/drug/ndc.json?search=product_ndc:"0037-0430"',
        "openFDA NDC directory, product 0037-0430 (SPL set 2f522701-397a-11de-8a39-0800200c9a66)",
        '"generic_name": "felbamate", "labeler_name": "Viatris Specialty LLC", "brand_name": "Felbatol"',
    ),
    "Pacerone": (
        ("amiodarone",),
        'https://api.fda.gov/drug/ndc.json?search=product_ndc:"0245-0144"',
        "openFDA NDC directory, product 0245-0144",
        '"generic_name": "Amiodarone Hydrochloride", "labeler_name": "Upsher-Smith Laboratories, LLC", '
        '"brand_name": "Pacerone"',
    ),
    "Zytiga": (
        ("abiraterone",),
        'https://api.fda.gov/drug/ndc.json?search=product_ndc:"57894-195"',
        "openFDA NDC directory, product 57894-195",
        '"generic_name": "Abiraterone acetate", "labeler_name": "Janssen Biotech, Inc.", "brand_name": "Zytiga"',
    ),
    "Sensipar": (
        ("cinacalcet",),
        'https://api.fda.gov/drug/ndc.json?search=product_ndc:"55513-075"',
        "openFDA NDC directory, product 55513-075 (SPL set 45028573-13c4-4c8b-ae62-6c75bba97c81)",
        '"generic_name": "cinacalcet hydrochloride", "labeler_name": "Amgen Inc", "brand_name": "Sensipar"',
    ),
    "Multaq": (
        ("dronedarone",),
        'https://api.fda.gov/drug/ndc.json?search=packaging.package_ndc:"0024-4142-06"',
        "openFDA NDC directory, product 0024-4142",
        '"generic_name": "Dronedarone", "labeler_name": "Sanofi-Aventis U.S. LLC", "brand_name": "Multaq"',
    ),
    # Drugs the FDA table's newer entries name (ClinPGx FDA PGx Associations in PharmCAT 3.1.1)
    "Camzyos": (
        ("mavacamten",),
        'https://api.fda.gov/drug/ndc.json?search=product_ndc:"73625-112"',
        "openFDA NDC directory, product 73625-112 (SPL set 669c936b-3ee6-4e36-8a22-79dd11b1255b)",
        '"generic_name": "mavacamten", "labeler_name": "Myokardia, Inc.", "brand_name": "CAMZYOS"',
    ),
    "Qelbree": (
        ("viloxazine",),
        'https://api.fda.gov/drug/ndc.json?search=packaging.package_ndc:"17772-131-01"',
        "openFDA NDC directory, product 17772-131",
        '"generic_name": "viloxazine hydrochloride", "labeler_name": "Supernus Pharmaceuticals, Inc", '
        '"brand_name": "QELBREE"',
    ),
}

#: Drugs with guidance that the sources show sold under the ingredient's own name rather than a brand: ingredient ->
#: (how it is sold, in our words; source, where, the source's words).
UNBRANDED: dict[str, tuple[str, str, str, str]] = {
    "primaquine": (
        "sold in the United States as primaquine phosphate tablets",
        "https://nctr-crs.fda.gov/fdalabel/services/spl/set-ids/09531382-2e06-4164-a7e1-169a1488788a/spl-doc",
        "FDA structured product label (Ingenus Pharmaceuticals), title and product name (markup removed)",
        "PRIMAQUINE PHOSPHATE TABLETS, USP ... <name>PRIMAQUINE PHOSPHATE</name>",
    ),
    "streptomycin": (
        "sold in the United States as streptomycin for injection",
        "https://dailymed.nlm.nih.gov/dailymed/drugInfo.cfm?setid=abd1f64e-4283-4370-aae8-3666316aa36e&audience=consumer",
        "DailyMed label summary",
        "Label: STREPTOMYCIN injection, powder, lyophilized, for solution ... Packager: XGen Pharmaceuticals DJB, Inc.",
    ),
    "codeine": (
        "sold alone in the United States as codeine sulfate tablets and oral solution; brands are combinations",
        "http://dailymed.nlm.nih.gov/dailymed/archives/fdaDrugInfo.cfm?archiveid=80416",
        "DailyMed label (archived version), title",
        "CODEINE SULFATE- codeine sulfate solution TAGI Pharma, Inc.",
    ),
    "halothane": (
        "sold in the United Kingdom under the ingredient name; no United States product in the sources read",
        "https://imedi.co.uk/halothane-100-inhalation-vapour-liquid",
        "United Kingdom technical leaflet as reproduced",
        "TECHNICAL LEAFLET HALOTHANE 100% Inhalation Vapour, Liquid",
    ),
}

#: Ingredients named differently in the United States (USAN) and by the WHO (INN), for ingredients whose ATC code
#: no table we read gives under the US name: US name -> (INN, source, where, the source's words).
US_NAMES: dict[str, tuple[str, str, str, str]] = {
    "acetaminophen": (
        "paracetamol",
        "https://www.bionity.com/en/encyclopedia/International_Nonproprietary_Name.html",
        "International Nonproprietary Name, example",
        "INN: Paracetamol British Approved Name (BAN): Paracetamol United States Adopted Name (USAN): Acetaminophen",
    ),
    "albuterol": (
        "salbutamol",
        "https://www.antonimaroto.com/post/discrepancies",
        "Drug Name Discrepancies",
        "salbutamol (INN) vs. albuterol (USAN)",
    ),
    "meperidine": (
        "pethidine",
        "https://www.antonimaroto.com/post/discrepancies",
        "Drug Name Discrepancies",
        "pethidine (INN) vs. meperidine (USAN)",
    ),
    "glyburide": (
        "glibenclamide",
        "https://www.antonimaroto.com/post/discrepancies",
        "Drug Name Discrepancies",
        "glibenclamide (INN) vs. glyburide (USAN)",
    ),
    "isoproterenol": (
        "isoprenaline",
        "https://www.antonimaroto.com/post/discrepancies",
        "Drug Name Discrepancies",
        "isoprenaline (INN) vs. isoproterenol (USAN)",
    ),
    "metaproterenol": (
        "orciprenaline",
        "https://www.antonimaroto.com/post/discrepancies",
        "Drug Name Discrepancies",
        "orciprenaline (INN) vs. metaproterenol (USAN)",
    ),
    "dextroamphetamine": (
        "dexamfetamine",
        "http://pd2016.palliativedrugs.com/drug-names.html",
        "Table 1 Drug names relevant to palliative care for which the rINN, BAN and/or USAN differ",
        "Dexamfetamine | Dexamphetamine | Dextroamphetamine |",
    ),
    "chlorpheniramine": (
        "chlorphenamine",
        "http://pd2016.palliativedrugs.com/drug-names.html",
        "Table 1 Drug names relevant to palliative care for which the rINN, BAN and/or USAN differ",
        "Chlorphenamine | Chlorpheniramine | Chlorpheniramine |",
    ),
    "dicyclomine": (
        "dicycloverine",
        "http://pd2016.palliativedrugs.com/drug-names.html",
        "Table 1 Drug names relevant to palliative care for which the rINN, BAN and/or USAN differ",
        "Dicycloverine | Dicyclomine | Dicyclomine |",
    ),
}

#: Brand names that are also ordinary words: never taken as the medicine on their own (reported as ambiguous).
COMMON_WORDS = frozenset(["soma", "tabloid"])

#: Veterinary products among the RxNorm branded drugs of the value sets: brand -> (source, where, the source's
#: words saying the product is for animals). Their brands, products and quotes stay out of the human vocabulary.
VETERINARY: dict[str, tuple[str, str, str]] = {
    "Otomax": (
        "https://www.accessdata.fda.gov/spl/data/932ef2e2-9b54-4a7c-a909-0ec715cc4b18/932ef2e2-9b54-4a7c-a909-0ec715cc4b18.xml",
        "FDA structured product label, SPL set d387b7de-0dee-49d8-b66a-73aabbda9959, document type and title",
        '<code code="50578-4" codeSystem="2.16.840.1.113883.6.1" displayName="PRESCRIPTION ANIMAL DRUG LABEL"/> '
        "<title>Otomax<sup>®</sup> <br/> (GENTAMICIN SULFATE, BETAMETHASONE VALERATE AND CLOTRIMAZOLE, "
        "OINTMENT)</title>",
    ),
    "Metacam": (
        "https://ec.europa.eu/health/documents/community-register/2002/200207095582/anx_5582_en.pdf",
        "EC community register, product information (Annex III, labelling), items 1 and 13",
        "1. NAME OF THE VETERINARY MEDICINAL PRODUCT Metacam 1.5 mg/ml oral suspension ... "
        "13. THE WORDS “FOR ANIMAL TREATMENT ONLY” For animal treatment only",
    ),
    "Loxicom": (
        "https://dailymed.nlm.nih.gov/dailymed/drugInfo.cfm?setid=8c1f6a04-5753-4723-a3ac-c61f6a478ae3",
        "DailyMed label summary",
        "Label: LOXICOM- meloxicam suspension ... Category: PRESCRIPTION ANIMAL DRUG LABEL",
    ),
    "Gentacalm": (
        "http://dailymed.nlm.nih.gov/dailymed/drugInfo.cfm?id=88746",
        "DailyMed label summary",
        "Label: GENTACALM - gentamicin sulfate, betamethasone valerate and isopropyl alcohol spray ... "
        "Category: PRESCRIPTION ANIMAL DRUG LABEL",
    ),
    "Malotic": (
        "https://fda.report/DailyMed/0c981fc6-ef11-42c1-ab39-0e6a6f3364df",
        "DailyMed label (SPL 0c981fc6-ef11-42c1-ab39-0e6a6f3364df) as reproduced",
        "MalOtic by is a Animal medication ... ANADA #200-229, Approved by FDA VETERINARY For Otic Use in Dogs Only",
    ),
    "Vetalog": (
        "http://www.drugs.com/vet/vetalog-triamcinolone-acetonide-tablets.html",
        "product label as reproduced",
        "For oral use in dogs and cats only. For use in animals only. Approved by FDA under NADA # 137-694",
    ),
    "Gentaspray": (
        "https://drugs.com/vet/gentaspray-topical-spray.html",
        "product label as reproduced",
        "Gentamicin Sulfate, USP With Betamethasone Valerate, USP Veterinary For Topical Use in Dogs Only "
        "For Animal Use Only",
    ),
    "Genone": (
        "https://www.pillsync.com/drug/genone-gentamicin-sulfate-spray/mwi/ndc/83e23b7f-9007-487f-b519-65fb4707fbbc",
        "product label (SPL 83e23b7f-9007-487f-b519-65fb4707fbbc) as reproduced, information for owners",
        "Veterinary For Topical Use in Dogs Only For Animal Use Only",
    ),
    "Meloxidyl": (
        "https://www.petcarerx.com/meloxidyl-meloxicam-metacam-generic/36466",
        "product label as reproduced, Warnings",
        "Warnings: Not for use in humans. ... For oral use in dogs only.",
    ),
    "EloxiOral": (
        "https://vdocuments.mx/eloxioral-suspension-covetrus-eloxioral-suspension-meloxicam-15mgml-comparable.html",
        "distributor product sheet",
        "EloxiOral Suspension (Meloxicam 1.5mg/mL) Comparable to Metacam and Meloxidyl Oral Suspensions Controls pain "
        "and inflammation associated with osteoarthritis in dogs",
    ),
    "Optimmune": (
        "https://myhealthbox.eu/en/optimmune/3692470",
        "New Zealand Ministry for Primary Industries registration, leaflet",
        "PRESCRIPTION ANIMAL REMEDY KEEP OUT OF THE REACH OF CHILDREN FOR ANIMAL TREATMENT ONLY OPTIMMUNE ® "
        "OPHTHALMIC OINTMENT",
    ),
    "Betagen brand of Betamethasone and Gentamicin": (
        "https://dailymed.nlm.nih.gov/dailymed/drugInfo.cfm?setid=c98854e7-55a7-4edc-9aa5-e67626008683",
        "DailyMed label summary",
        "Label: BETAGEN- gentamicin sulfate with betamethasone valerate spray ... "
        "Category: PRESCRIPTION ANIMAL DRUG LABEL",
    ),
    "Vetropolycin HC": (
        "http://www.drugs.com/vet/vetropolycin-hc-ophthalmic-ointment.html",
        "product label as reproduced",
        "bacitracin-neomycin-polymyxin with hydrocortisone acetate 1% veterinary ophthalmic ointment ... "
        "NADA 65-015, Approved by FDA",
    ),
    "Tri-Otic for Canines": (
        "https://entirelypetspharmacy.com/tri-otic-ointment-tube-7-5gm.html",
        "pharmacy product page reproducing the indication",
        "Gentamicin-betamethasone-clotrimazole ointment is indicated for the treatment ofcanine acute and chronic "
        "otitis externa",
    ),
    "GentaVed": (
        "http://www.drugs-library.com/drugs/gentaved-topical.html",
        "product label (Vedco, Inc.) as reproduced, principal display panel",
        "GentaVed Topical Spray ... TOPICAL SPRAY VETERINARY ... For topical use In dogs only.",
    ),
    "Gentaotic": (
        "https://entirelypetspharmacy.com/gentaotic-otic-solution-240ml.html",
        "pet pharmacy product page reproducing the label, Caution",
        "View Genta-otic Otic Solution Drug Facts Sheet. ... Federal law restricts this drug to use by or on the "
        "order of a licensed veterinarian.",
    ),
    "Disal": (
        "https://fda.report/DailyMed/88f58baf-4ec5-4d6f-a447-68af4b239318",
        "DailyMed label (SPL 88f58baf-4ec5-4d6f-a447-68af4b239318) as reproduced",
        "Disal by is a Animal medication manufactured, distributed, or labeled by Boehringer Ingelheim Animal Health "
        "USA Inc.",
    ),
    "Salix - substance": (
        "https://usa.msd-animal-health.wpcust.com/species/equine/products/salix-furosemide-injection",
        "MSD Animal Health (United States), equine product page",
        "Salix® is a highly effective diuretic-saluretic ... Do not use in horses intended for human consumption.",
    ),
    "Surpass Anti-Inflammatory": (
        "https://thehorse.com/16199/new-topical-anti-inflammatory-equine-pain-treatment-approved-for-use/",
        "FDA approval announcement reproducing the label's brief summary",
        "SURPASS™ (1% diclofenac sodium) Topical Anti-Inflammatory Cream for Use in Horses",
    ),
    "UlcerGard": (
        "https://veterinary-help.com/8043-ulcergard_reg_omeprazole_oral_paste_for_horses.htm",
        "Veterinary Drug Handbook, label listing",
        "UlcerGard® (omeprazole) Oral Paste for Horses Product Type: OTC ANIMAL DRUG LABEL",
    ),
}

_ONLY_HERE = "named only by RxNorm branded drugs of the HL7 PDDI CDS value sets"
_NOT_FOUND = (
    "no label, product information or drug reference naming it was found in DailyMed, openFDA or the web pages searched"
)

#: Brands of the value sets that no source read shows to be human medicines, left out of the human vocabulary:
#: brand -> why (our words; nothing here is quoted, so it is kept as unverified).
WITHHELD: dict[str, str] = {
    "Ostilox": f"{_ONLY_HERE} (meloxicam 1.5 MG/ML Oral Suspension; meloxicam 5 MG/ML Injectable Solution); "
    f"{_NOT_FOUND}; the same strengths are those of the veterinary Metacam and Loxicom products listed here",
    "Eloxiject": f"{_ONLY_HERE} (meloxicam 5 MG/ML Injectable Solution); {_NOT_FOUND}; its name follows the "
    "veterinary EloxiOral listed here",
    "Vetromax": f"{_ONLY_HERE} (Betamethasone 0.001 MG/MG / Clotrimazole 0.01 MG/MG / Gentamicin 0.003 MG/MG Otic "
    f"Ointment); {_NOT_FOUND}; the composition is that of the veterinary Otomax listed here",
    "Remicin": f"{_ONLY_HERE} (Betamethasone 0.001 MG/MG / Clotrimazole 0.01 MG/MG / Gentamicin 0.003 MG/MG Otic "
    f"Ointment); {_NOT_FOUND}; the composition is that of the veterinary Otomax listed here",
    "Relifor": f"{_ONLY_HERE} (Betamethasone 0.284 MG/ML / Gentamicin 0.57 MG/ML Topical Spray); {_NOT_FOUND}; the "
    "composition is that of the veterinary GentaVed and Betagen sprays listed here",
    "Furoquid": f"{_ONLY_HERE} (Furosemide 10 MG/ML Oral Solution); {_NOT_FOUND}",
    "Cortalone": f"{_ONLY_HERE} (Triamcinolone Acetonide 1.5 MG Oral Tablet); {_NOT_FOUND}",
}
_LEFT_OUT = {name.casefold() for name in [*VETERINARY, *WITHHELD]}

#: Ingredient names the WHO ATC index spells differently (INN vs USAN).
WHO_NAMES = {
    "rifampin": "rifampicin",
    "methylene blue": "methylthioninium chloride",
    "toluidine blue": "tolonium chloride",
}

_PACK = re.compile(r"^\{.*\}\s*pack$", re.IGNORECASE)
_LEADING_AMOUNT = re.compile(r"^(\d+(\.\d+)?\s*(ml|hr|actuat)\s+)+", re.IGNORECASE)
_BRAND = re.compile(r"\[([^\]]+)\]\s*$")
_REFORMULATED = re.compile(r"\s+Reformulated\b.*$")
#: Dose-form words of RxNorm dose-form group concepts (``acarbose Oral Product``, ``... Pill``).
_GROUP_WORDS = frozenset(
    [
        "oral",
        "product",
        "pill",
        "tablet",
        "capsule",
        "injectable",
        "injection",
        "injector",
        "pen",
        "auto-injector",
        "inhalant",
        "topical",
        "transdermal",
        "system",
        "solution",
        "suspension",
    ]
)


def main(argv: list[str]) -> int:
    if len(argv) not in (3, 4):
        print(__doc__, file=sys.stderr)
        return 2
    value_sets, atc_csv = Path(argv[1]), Path(argv[2])
    pddi = Path(argv[3]) if len(argv) == 4 else None
    shared = Path(os.environ.get("TAILORMED_SHARED_DATA", REPO.parent / "shared" / "data"))
    cpic = _cpic_table(shared / "pgx" / "pypgx" / "cpic-table.csv")
    who = _who_atc(atc_csv)
    who_by_code = {code: (name, quote) for name, rows in who.items() for code, quote in rows}
    us_names = {us: inn for us, (inn, *_) in US_NAMES.items() if inn in who}
    wanted = _knowledge_drugs() | set(cpic)
    medicines: dict[str, dict[str, Any]] = {}
    combinations: dict[str, dict[str, Any]] = {}

    def entry(name: str) -> dict[str, Any]:
        return medicines.setdefault(
            name,
            {
                "ingredient": name,
                "rxnorm": None,
                "atc": [],
                "atc_combinations": [],
                "synonyms": [],
                "brands": [],
                "classes": [],
                "products": [],
                "cpic_pairs": [],
                "sources": [],
            },
        )

    def brand(name: str, ingredients: tuple[str, ...], source: dict[str, str]) -> None:
        """A brand of one ingredient goes with it; a brand of several is a combination of all of them."""
        if len(ingredients) == 1:
            item = entry(ingredients[0])
            item["brands"].append(name)
            if source not in item["sources"]:
                item["sources"].append(source)
            return
        for ingredient in ingredients:
            item = entry(ingredient)
            if not item["sources"]:
                item["sources"].append(source)  # known only as an ingredient of this product
        combo = combinations.setdefault(name.casefold(), {"brand": name, "ingredients": [], "sources": []})
        combo["ingredients"] = sorted({*combo["ingredients"], *ingredients})
        if source not in combo["sources"]:
            combo["sources"].append(source)

    for name, row in sorted(cpic.items()):
        item = entry(name)
        item["rxnorm"] = row["rxnorm"]
        own = {code for code, _ in who.get(name, [])}
        # PyPGx also lists combination products' codes (simvastatin: A10BH51, sitagliptin and simvastatin); the
        # ingredient's own codes are those the WHO index names after it.
        item["atc"] = [c for c in row["atc"] if not own or c in own]
        item["atc_combinations"] = [c for c in row["atc"] if own and c not in own]
        item["cpic_pairs"] = row["pairs"]
        item["sources"].append(
            {
                "cite": "https://github.com/sbslee/pypgx",
                "at": "pypgx 0.27.0, pypgx/api/data/cpic-table.csv (CPIC gene-drug pairs), rows for " + name,
                "quote": "; ".join(row["quotes"]),
            }
        )
    known = wanted | set(who) | {us for us, inn in us_names.items() if inn not in medicines}
    for path in sorted(value_sets.glob("*.json")):
        _value_set(_vsac_concepts(path), wanted, known, entry, brand)
    if pddi is not None:
        for path in sorted(pddi.glob("valueset-*.xml")):
            _value_set(_pddi_concepts(path), wanted, known, entry, brand)
    for name in sorted(wanted):
        entry(name)  # every drug the knowledge names is in the vocabulary, with what the sources say about it
    for us, (inn, url, where, quote) in US_NAMES.items():
        if us in us_names:
            # the entry keeps the name the CPIC table uses (salbutamol); the other name is its synonym
            item, other = (medicines[inn], us) if inn in medicines else (entry(us), inn)
            item["synonyms"].append(other)
            item["sources"].append({"cite": url, "at": where, "quote": quote})
    for name, item in medicines.items():
        who_name = WHO_NAMES.get(name) or us_names.get(name) or name
        if not item["atc"] and who_name in who:
            item["atc"] = list(dict.fromkeys(code for code, _ in who[who_name]))
            for code, quote in dict(reversed(who[who_name])).items():
                item["sources"].append({"cite": ATC_CITE, "at": f"ATC code {code}", "quote": quote})
    for name, item in medicines.items():
        for code in item["atc"]:
            synonym, quote = who_by_code.get(code, (None, ""))
            if synonym and _is_other_name(synonym, name, medicines) and synonym not in item["synonyms"]:
                item["synonyms"].append(synonym)  # the WHO's name (INN) for the ingredient's own ATC code
                source = {"cite": ATC_CITE, "at": f"ATC code {code}", "quote": quote}
                if source not in item["sources"]:
                    item["sources"].append(source)
    named_in = _guideline_sources()
    for name, item in medicines.items():
        if not item["sources"] and name in named_in:
            item["sources"].append(named_in[name])  # known only as the guideline names it
    for title, url in _drugs_at_fda(shared / "pgx" / "pharmcat" / "examples" / "pharmcat.example2.report.json"):
        found = _title_brand(title, known)
        if found is not None:
            at = "Drugs@FDA product title, as cited in PharmCAT 3.1 example report (pharmcat.example2.report.json)"
            brand(found[0], found[1], {"cite": url, "at": at, "quote": title})
    for name, (how, url, where, quote) in UNBRANDED.items():
        item = entry(name)
        item["unbranded"] = how
        item["sources"].append({"cite": url, "at": where, "quote": quote})
    for name, (ingredients, url, where, quote) in BRANDS.items():
        brand(name, ingredients, {"cite": url.replace('"', "%22").replace(" ", "+"), "at": where, "quote": quote})
    for item in medicines.values():
        item["brands"] = sorted(set(item["brands"]), key=str.casefold)
        item["classes"] = sorted(set(item["classes"]))
        item["products"] = sorted(item["products"], key=lambda p: int(p["rxnorm"]))
    for combo in combinations.values():
        for name in combo["ingredients"]:
            entry(name)
    data = {
        "version": "2026-12-03",
        "sources": {
            "value_sets": f"NLM VSAC value sets (FHIR JSON) from {VALUE_SET_REPO}, input/vocabulary/valueset/external"
            + (f"; HL7 PDDI CDS value sets from {PDDI_REPO}, input/vocabulary" if pddi is not None else ""),
            "atc": ATC_CITE,
            "cpic": "PyPGx 0.27.0 cpic-table.csv",
            "brands": "RxNorm branded drugs of the value sets; Drugs@FDA product titles; openFDA labels, NDC records",
        },
        "medicines": [medicines[name] for name in sorted(medicines)],
        "combinations": [combinations[key] for key in sorted(combinations)],
        "common_words": sorted(COMMON_WORDS),
        "veterinary": [
            {"brand": name, "sources": [{"cite": url, "at": where, "quote": quote}]}
            for name, (url, where, quote) in sorted(VETERINARY.items(), key=lambda item: item[0].casefold())
        ],
        "withheld": [
            {"brand": name, "sources": [], "unverified": {"reason": reason}}
            for name, reason in sorted(WITHHELD.items(), key=lambda item: item[0].casefold())
        ],
    }
    write_text_atomic(OUT, json.dumps(data, indent=1, ensure_ascii=False) + "\n")
    print(f"wrote {len(medicines)} medicines and {len(combinations)} combinations to {OUT.relative_to(REPO)}")
    return 0


def _is_other_name(synonym: str, name: str, medicines: dict[str, dict[str, Any]]) -> bool:
    """Whether the WHO's name for a code is another name of this ingredient (not a combination, not another one)."""
    if base_name(synonym) in (name, base_name(name)) or synonym in medicines:
        return False
    return not re.search(r"\band\b|,|combination|\(|various|other", synonym)


def _drugs_at_fda(report: Path) -> list[tuple[str, str]]:
    """Drugs@FDA product titles (``Drugs@FDA: Drug Product Tegretol (carbamazepine), NDA016608, ...``) and URLs."""
    found: dict[str, str] = {}

    def walk(node: object) -> None:
        if isinstance(node, dict):
            title = node.get("title")
            if isinstance(title, str) and title.startswith("Drugs@FDA: Drug Product"):
                found.setdefault(title, str(node.get("_sameAs") or "https://www.accessdata.fda.gov/scripts/cder/daf/"))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(json.loads(report.read_text(encoding="utf-8")))
    return sorted(found.items())


_TITLE = re.compile(r"^Drugs@FDA: Drug Product\s+(?P<brand>[^(]+?)\s*\((?P<ingredients>[^)]+)\)")


def _known_name(name: str, known: set[str]) -> str:
    """``succinylcholine chloride`` is filed as succinylcholine (chloride is a salt here, not an ingredient)."""
    if name not in known and name.endswith(" chloride") and name.removesuffix(" chloride") in known:
        return name.removesuffix(" chloride")
    return name


def _title_ingredient(part: str, known: set[str]) -> str:
    """The vocabulary's name for an ingredient of a title: the salt itself when the vocabulary (and so the guidance)
    keeps it apart (Firdapse is ``amifampridine phosphate``, which the FDA table lists beside ``amifampridine``),
    otherwise the name without its salt words."""
    written = " ".join(part.casefold().split())
    return written if written in known else _known_name(base_name(part), known)


def _title_brand(title: str, known: set[str]) -> tuple[str, tuple[str, ...]] | None:
    """The brand of a Drugs@FDA title and its ingredients; None for a generic product or an unknown ingredient."""
    match = _TITLE.match(title)
    if match is None:
        return None
    name = match["brand"].split(" - ")[0].strip()
    parts = [p for p in re.split(r",\s*|\s+and\s+", match["ingredients"]) if p.strip()]
    ingredients = tuple(dict.fromkeys(_title_ingredient(p, known) for p in parts))
    words = {w for p in parts for w in p.casefold().split()}
    if not ingredients or not set(ingredients) <= known or words & set(name.casefold().split()):
        return None
    if name.isupper():
        name = " ".join(w.title() if len(w) > 2 else w for w in name.split())
    return name, ingredients


def _cpic_table(path: Path) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = {}
    with path.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            name = row["Drug"].strip().casefold()
            item = found.setdefault(name, {"rxnorm": None, "atc": [], "pairs": [], "quotes": []})
            rxnorm = row["RxNorm"].strip()
            if rxnorm not in ("", "NA"):
                item["rxnorm"] = rxnorm
            item["atc"] = sorted(
                {*item["atc"], *(c.strip() for c in row["ATC"].split(",") if c.strip() not in ("", "NA"))}
            )
            if row["CPICLevel"].strip():
                item["pairs"].append({"gene": row["Gene"], "level": row["CPICLevel"].strip()})
            item["quotes"].append(f'{row["Gene"]},{row["Drug"]},{row["RxNorm"]},"{row["ATC"]}",...,{row["CPICLevel"]}')
    return found


def _who_atc(path: Path) -> dict[str, list[tuple[str, str]]]:
    found: dict[str, list[tuple[str, str]]] = {}
    with path.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            code = row["atc_code"].strip()
            if len(code) == 7:
                quote = f"{code},{row['atc_name']},{row['ddd']},{row['uom']},{row['adm_r']}"
                found.setdefault(row["atc_name"].strip().casefold(), []).append((code, quote))
    return found


def _guideline_sources() -> dict[str, dict[str, str]]:
    """Per drug, the first quoted source of a guideline row written for it."""
    guidelines = json.loads((CURATED / "pgx-core-guidelines" / "guidelines.json").read_text(encoding="utf-8"))
    found: dict[str, dict[str, str]] = {}
    for guideline in guidelines["guidelines"]:
        for row in guideline.get("recommendations") or []:
            for drug in row.get("drugs") or [d["name"] for d in guideline["drugs"]]:
                if row.get("sources"):
                    found.setdefault(drug.casefold(), row["sources"][0])
    return found


def _knowledge_drugs() -> set[str]:
    guidelines = json.loads((CURATED / "pgx-core-guidelines" / "guidelines.json").read_text(encoding="utf-8"))
    names = {d["name"].casefold() for g in guidelines["guidelines"] for d in g["drugs"]}
    rules = yaml.safe_load((CURATED / "pgx-phenoconversion" / "phenoconversion.yaml").read_text(encoding="utf-8"))
    names |= {p["drug"].casefold() for p in rules["perpetrators"]}
    return names


def _vsac_concepts(path: Path) -> list[tuple[str, str, str, str, str | None]]:
    """(code, display, value-set url, title and version, class) of each RxNorm concept of a VSAC value set."""
    data = json.loads(path.read_text(encoding="utf-8"))
    if data.get("resourceType") != "ValueSet":
        return []
    url = data.get("url") or ""
    where = f"{data.get('title') or data.get('name') or ''} (version {data.get('version')})"
    klass = CLASS_VALUE_SETS.get(url.rsplit("/", 1)[-1])
    return [
        (str(c["code"]), str(c.get("display") or ""), url, where, klass)
        for c in (data.get("expansion") or {}).get("contains") or []
        if "rxnorm" in c.get("system", "")
    ]


def _pddi_concepts(path: Path) -> list[tuple[str, str, str, str, str | None]]:
    """The same for an HL7 PDDI CDS value set (FHIR XML, ``compose.include.concept``)."""
    ns = {"f": "http://hl7.org/fhir"}
    root = ElementTree.parse(path).getroot()
    url = root.find("f:url", ns)
    title = root.find("f:title", ns)
    version = root.find("f:version", ns)
    cite = url.get("value", "") if url is not None else ""
    where = f"{title.get('value') if title is not None else path.stem} (version "
    where += f"{version.get('value') if version is not None else ''})"
    found: list[tuple[str, str, str, str, str | None]] = []
    for include in root.iterfind("f:compose/f:include", ns):
        system = include.find("f:system", ns)
        if system is None or "rxnorm" not in system.get("value", ""):
            continue
        for concept in include.iterfind("f:concept", ns):
            code, display = concept.find("f:code", ns), concept.find("f:display", ns)
            if code is not None and display is not None:
                found.append((code.get("value", ""), " ".join(display.get("value", "").split()), cite, where, None))
    return found


def _value_set(
    concepts: list[tuple[str, str, str, str, str | None]], wanted: set[str], known: set[str], entry: Any, brand: Any
) -> None:
    for code, display, url, where, klass in concepts:
        if not display or _PACK.match(display):
            continue
        ingredients = ingredients_of(display)
        if not ingredients or not set(ingredients) <= known:
            continue  # dose-form groups of brands, kits and names no ATC entry confirms
        if klass is None and not set(ingredients) & wanted:
            continue
        branded = _BRAND.search(display)
        if branded and _REFORMULATED.sub("", branded.group(1)).casefold() in _LEFT_OUT:
            continue  # a veterinary product (or one not known to be human): neither its brand nor its code is used
        single = len(ingredients) == 1
        quote = {"cite": url, "at": f"{where}, RxNorm {code}", "quote": display}
        for name in ingredients:
            item = entry(name)
            if klass is not None and single:
                item["classes"].append(klass)
            if " ".join(display.casefold().split()) == name:
                item["rxnorm"] = item["rxnorm"] or code
            elif single and not any(p["rxnorm"] == code for p in item["products"]):
                item["products"].append({"rxnorm": code, "display": display})
            if len(display) >= 8 and quote not in item["sources"]:
                item["sources"].append(quote)
        if branded:
            brand(_REFORMULATED.sub("", branded.group(1)), tuple(ingredients), quote)


def ingredients_of(display: str) -> list[str]:
    """The ingredient names of an RxNorm concept name: ``hydrochlorothiazide 12.5 MG / lisinopril 10 MG ...``."""
    text = _BRAND.sub("", display).strip()
    text = _LEADING_AMOUNT.sub("", text)
    names = []
    for part in text.split(" / "):
        words: list[str] = []
        for word in _LEADING_AMOUNT.sub("", part.strip()).split():
            if word[:1].isdigit():
                break
            if word.casefold() in _GROUP_WORDS:
                continue
            words.append(word)
        if words:
            names.append(base_name(" ".join(words)))
    return [n for n in dict.fromkeys(names) if n]


if __name__ == "__main__":
    sys.exit(main(sys.argv))
