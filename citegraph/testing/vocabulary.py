"""Words, MeSH descriptors and publication types the synthetic corpus is written with.

MeSH and publication-type UIs were taken from the real records in ``shared/fixtures`` (the
PubMed update file pubmed21n1298 and the recorded efetch responses); the one exception is
marked. Journal titles say "(citegraph test data)"; institutions and NLM ids are made up.
"""

from __future__ import annotations

# (descriptor, UI); all UIs below occur in the real records of shared/fixtures.
IL2 = ("Interleukin-2", "D007376")
ADOPTIVE = ("Immunotherapy, Adoptive", "D016219")
NK = ("Killer Cells, Natural", "D007694")
CIK = ("Cytokine-Induced Killer Cells", "D055612")
CAR = ("Receptors, Chimeric Antigen", "D000076962")
CRS = ("Cytokine Release Syndrome", "D000080424")
IL15 = ("Interleukin-15", "D019409")
MAB = ("Antibodies, Monoclonal, Humanized", "D061067")
ANTINEOPLASTIC = ("Antineoplastic Agents", "D000970")
CYTOKINES = ("Cytokines", "D016207")
# UI given in the project brief; not found in the bundled real records, so unverified here.
TIL = ("Lymphocytes, Tumor-Infiltrating", "D016246")

DISEASES = {
    "rcc": ("metastatic renal cell carcinoma", [("Carcinoma, Renal Cell", "D002292"), ("Kidney Neoplasms", "D007680")]),
    "melanoma": ("metastatic melanoma", [("Skin Neoplasms", "D012878")]),
    "solid": ("advanced solid tumors", [("Neoplasms", "D009369")]),
    "lung": ("non-small cell lung cancer", [("Lung Neoplasms", "D008175")]),
    "breast": ("breast cancer", [("Breast Neoplasms", "D001943")]),
    "liver": ("hepatocellular carcinoma", [("Liver Neoplasms", "D008113")]),
    "ovary": ("ovarian cancer", [("Ovarian Neoplasms", "D010051")]),
    "brain": ("glioblastoma", [("Brain Neoplasms", "D001932")]),
    "dlbcl": ("relapsed diffuse large B-cell lymphoma", [("Lymphoma, Large B-Cell, Diffuse", "D016403")]),
    "aml": ("acute myeloid leukemia", [("Leukemia, Myeloid, Acute", "D015470")]),
    "heme": ("hematologic malignancies", [("Hematologic Neoplasms", "D019337")]),
}

# key, first year, parent topic, weight, phrases, MeSH, chemicals, keywords, diseases
TOPICS = (
    ("lak", 1987, None, 1.0,
     ("lymphokine-activated killer cells", "LAK cells plus interleukin-2", "high-dose interleukin-2"),
     (IL2, ADOPTIVE), (IL2,), ("lymphokine-activated killer cells", "LAK cells", "interleukin-2"),
     ("rcc", "melanoma", "solid")),
    ("til", 1988, 0, 1.0,
     ("tumor-infiltrating lymphocytes", "TIL therapy", "adoptive transfer of tumor-infiltrating lymphocytes"),
     (TIL, ADOPTIVE), (IL2,), ("tumor-infiltrating lymphocytes", "TIL", "adoptive cell transfer"),
     ("melanoma", "solid", "ovary")),
    ("cik", 1991, 0, 0.5,
     ("cytokine-induced killer cells", "CIK cell therapy"),
     (CIK, ADOPTIVE), (CYTOKINES,), ("cytokine-induced killer cells", "CIK"),
     ("liver", "lung", "solid")),
    ("nk", 1993, 0, 0.8,
     ("natural killer cells", "NK cell therapy", "interleukin-15-activated NK cells"),
     (NK, IL15), (IL15,), ("natural killer cells", "NK cells", "innate immunity"),
     ("aml", "heme", "solid")),
    ("tcr", 2006, 1, 0.8,
     ("TCR-engineered T cells", "T-cell receptor gene transfer", "engineered T-cell receptors"),
     (ADOPTIVE,), (), ("T-cell receptor", "TCR-T", "gene transfer"),
     ("melanoma", "solid", "lung")),
    ("checkpoint", 2010, 1, 2.0,
     ("immune checkpoint blockade", "anti-PD-1 therapy", "CTLA-4 blockade"),
     (MAB, ANTINEOPLASTIC), (MAB,), ("immune checkpoint inhibitors", "PD-1", "CTLA-4"),
     ("melanoma", "lung", "rcc", "solid")),
    ("cart", 2011, 4, 2.5,
     ("CD19-directed CAR T cells", "chimeric antigen receptor T cells", "CAR-T cell therapy"),
     (CAR, ADOPTIVE), (CAR,), ("CAR-T", "chimeric antigen receptor", "CD19"),
     ("dlbcl", "heme", "aml", "brain")),
    ("crs", 2014, 6, 0.6,
     ("cytokine release syndrome after CAR-T therapy", "toxicity of cellular immunotherapy"),
     (CRS, CAR), (CAR,), ("cytokine release syndrome", "neurotoxicity", "tocilizumab"),
     ("dlbcl", "heme")),
    ("carnk", 2017, 6, 0.7,
     ("CAR-NK cells", "chimeric antigen receptor natural killer cells"),
     (NK, CAR), (CAR,), ("CAR-NK", "natural killer cells", "off-the-shelf cell therapy"),
     ("aml", "heme", "solid")),
)

HUMANS = ("Humans", "D006801")
ANIMALS = ("Animals", "D000818")
MICE = ("Mice", "D051379")
FEMALE = ("Female", "D005260")
MALE = ("Male", "D008297")
AGE_TAGS = (("Adult", "D000328"), ("Middle Aged", "D008875"), ("Aged", "D000368"))
OTHER_MESH = (
    ("Treatment Outcome", "D016896"), ("Cell Line, Tumor", "D045744"),
    ("Xenograft Model Antitumor Assays", "D023041"), ("Tumor Cells, Cultured", "D014407"),
    ("Survival Rate", "D015996"), ("Lymphocyte Count", "D018655"),
    ("Immunity, Innate", "D007113"), ("Biomarkers, Tumor", "D014408"),
)
QUALIFIERS = {
    "disease": (("therapy", "Q000628"), ("immunology", "Q000276"), ("pathology", "Q000473"), ("mortality", "Q000401")),
    "cell": (("immunology", "Q000276"), ("transplantation", "Q000637"), ("cytology", "Q000166")),
    "drug": (("therapeutic use", "Q000627"), ("administration &amp; dosage", "Q000008"), ("adverse effects", "Q000009")),
}

PT_JOURNAL = ("Journal Article", "D016428")
PT_REVIEW = ("Review", "D016454")
PT_TRIAL = ("Clinical Trial", "D016430")
PT_PHASE1 = ("Clinical Trial, Phase I", "D017426")
PT_PHASE2 = ("Clinical Trial, Phase II", "D017427")
PT_PHASE3 = ("Clinical Trial, Phase III", "D017428")
PT_RCT = ("Randomized Controlled Trial", "D016449")
PT_MULTICENTER = ("Multicenter Study", "D016448")
PT_NONUS = ("Research Support, Non-U.S. Gov't", "D013485")
PT_NIH = ("Research Support, N.I.H., Extramural", "D052061")
PT_COMPARATIVE = ("Comparative Study", "D003160")
PT_SYSTEMATIC = ("Systematic Review", "D000078182")
PT_META = ("Meta-Analysis", "D017418")
PT_PRACTICE_GUIDELINE = ("Practice Guideline", "D017065")
PT_GUIDELINE = ("Guideline", "D016431")
PT_OBSERVATIONAL = ("Observational Study", "D064888")
PT_LETTER = ("Letter", "D016422")
PT_COMMENT = ("Comment", "D016420")
PT_EDITORIAL = ("Editorial", "D016421")
PT_RETRACTED = ("Retracted Publication", "D016441")
PT_RETRACTION = ("Retraction of Publication", "D016440")

# title, ISO abbreviation, NLM unique id (made up; every title says it is test data)
JOURNALS = (
    ("Synthetic Journal of Immunotherapy (citegraph test data)", "Synth J Immunother", "0000001"),
    ("Synthetic Reviews in Cell Therapy (citegraph test data)", "Synth Rev Cell Ther", "0000002"),
    ("Synthetic Clinical Oncology Letters (citegraph test data)", "Synth Clin Oncol Lett", "0000003"),
)

LAST_NAMES = (
    "Smith", "Garcia", "Chen", "Müller", "Nakamura", "Okafor", "Rossi", "Kowalski", "Andersson",
    "Dubois", "Silva", "Kim", "Patel", "Nguyen", "Ivanova", "Haddad", "O'Brien", "Fernández",
    "Jensen", "Novak", "Schmidt", "Wang", "Li", "Tanaka", "Cohen", "Moreau", "Costa", "Singh",
    "Johansson", "Papadopoulos", "Yilmaz", "Kovács", "Lindqvist", "Mensah", "Rahman", "Zhao",
)
FORE_NAMES = (
    "Anna", "James", "Wei", "Maria", "Hiroshi", "Chinedu", "Giulia", "Piotr", "Erik", "Claire",
    "João", "Min-Ji", "Priya", "Thanh", "Olga", "Karim", "Siobhan", "Lucía", "Mads", "Petra",
    "Steven", "Mei", "Kenji", "Rachel", "Luc", "Ana", "Arjun", "Ingrid", "Nikos", "Elif",
)
DEPARTMENTS = ("Immunology", "Medical Oncology", "Hematology", "Surgery", "Cell Therapy", "Pathology")
INSTITUTES = (
    ("Northfield University Hospital", "Northfield", "USA"),
    ("Example Institute of Cancer Research", "Exampleton", "United Kingdom"),
    ("Sample Medical Center", "Sampleburg", "Germany"),
    ("Placeholder Cancer Center", "Placeholder City", "Japan"),
)
COLLECTIVES = ("Synthetic Cell Therapy Consortium", "Example Immunotherapy Study Group")

VERBS = ("induces", "enhances", "predicts", "limits", "improves", "modulates", "sustains", "restores")
OBJECTS = ("antitumor immunity", "durable responses", "T-cell persistence", "tumor regression",
           "cytotoxic activity", "overall survival", "immune reconstitution", "clonal expansion")
REVIEW_TAILS = ("a review of three decades of progress", "lessons from the clinic",
                "mechanisms and clinical applications", "current status and future directions")
LIMITS = ("their persistence in vivo is limited", "toxicity remains a concern",
          "response rates vary widely", "the mechanisms of resistance are poorly understood")
CONCLUSIONS = ("merits evaluation in larger trials", "is feasible and well tolerated",
               "deserves further mechanistic study", "may extend the benefit of adoptive immunotherapy")
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
