"""The built-in cell-therapy lens on snippets of real PubMed titles and abstracts (PMIDs from the
update file fixture), one test per rule, by Topic.matches and classify_many alike; and the
optional exclusions of the lens file format."""

from __future__ import annotations

import pytest

from citegraph.analysis.lens import classify_many, load_lens, parse_lens
from citegraph.analysis.selection import PaperMeta
from citegraph.errors import InputError

LENS = load_lens()


def topics(title: str, abstract: str = "", mesh: tuple = ()) -> set[str]:
    """The built-in lens's topics of one paper; both classifiers must agree."""
    meta = PaperMeta(mesh=mesh, abstract=abstract)
    single = {t.key for t in LENS.topics if t.matches(title, meta)}
    batch = classify_many(LENS, ["1"], [title], [abstract or None], [[v for pair in mesh for v in pair]])
    assert set(batch.get("1", ())) == single
    return single


# -- NK cells: a therapy or antitumour effectors, not one population among many ------------------

def test_nk_cells_counted_in_a_tumour_are_not_the_nk_topic():
    # 33416154: retinoblastoma exosomes; the NK-cell share is a side finding
    title = "Exosomes derived from retinoblastoma cells enhance tumour deterioration by infiltrating the microenvironment."
    abstract = ("In vivo data from a xenotransplantation model also showed that EXOs infiltrated the spleen, which "
                "induced a decrease in leukocytes and natural killer (NK) cells. Accordingly, the proportion of "
                "tumour\u2011associated macrophages was increased and the proportion of NK cells was decreased in "
                "tumours injected with EXOs compared with those injected with the control.")
    assert "nk" not in topics(title, abstract)


def test_nk_cells_in_an_immune_infiltration_score_are_not_the_nk_topic():
    # 34093786: OSCAR across cancers, NK infiltration a bioinformatic correlate
    title = ("OSCAR facilitates malignancy with enhanced metastasis correlating to inhibitory immune "
             "microenvironment in multiple cancer types.")
    abstract = ("High expression of OSCAR was related to malignant progression and inhibitory immune microenvironment "
                "is mitigated by the infiltration of natural killer cells.")
    assert "nk" not in topics(title, abstract)


def test_nk_cells_killing_tumour_cells_or_named_with_a_tumour_in_the_title_are_the_nk_topic():
    # 33469682: the title does not name NK cells; the aim is tumour cell killing by NK cells
    title = ("Waterpipe smoke condensate influences epithelial to mesenchymal transition and interferes with the "
             "cytotoxic immune response in non-small cell lung cancer cell lines.")
    abstract = ("The aim of the present study was to investigate the effects of treatment with WPS condensate (WPSC) "
                "on lung cell proliferation and plasticity as well as tumor cell recognition and killing by natural "
                "killer (NK) cells using cytotoxicity assays.")
    assert "nk" in topics(title, abstract)
    # 33155661, 33999642
    assert "nk" in topics("Natural killer cells inhibit breast cancer cell invasion through downregulation of "
                          "urokinase\u2011type plasminogen activator.")
    assert "nk" in topics("Incorporation of a Novel CD16-Specific Single-Domain Antibody into Multispecific Natural "
                          "Killer Cell Engagers With Potent ADCC.")


def test_nk_cells_in_a_title_without_a_tumour_are_not_the_nk_topic():
    # 33901541-like: NK cells in an inflammatory disease
    assert "nk" not in topics("Natural killer cells in Behcet's disease: a reappraisal of their phenotype.")


# -- checkpoint: blockade given or the subject, not PD-L1 expression as such --------------------

GALECTIN_TITLE = "Expression and Prognostic Value of the Immune Checkpoints Galectin-9 and PD-L1 in Glioblastomas."
GALECTIN_ABSTRACT = ("Galectin-9 and PD-L1 are promising targets for immune checkpoint inhibition. A total of 163 GBMs "
                     "IDH wildtype were immunostained with anti-Galectin-9 and anti-PD-L1 antibodies. Software-based "
                     "quantitation of immunostainings was performed and co-expression was analysed; the prognostic "
                     "value of both checkpoint molecules for checkpoint blockade remains to be defined.")


def test_a_paper_on_pd_l1_expression_naming_no_checkpoint_therapy_is_not_the_checkpoint_topic():
    # 33990845
    assert "checkpoint" not in topics(GALECTIN_TITLE, GALECTIN_ABSTRACT)


def test_the_same_paper_with_patients_treated_with_a_checkpoint_drug_is_the_checkpoint_topic():
    abstract = GALECTIN_ABSTRACT + " Twelve patients were treated with nivolumab at recurrence."
    assert "checkpoint" in topics(GALECTIN_TITLE, abstract)


def test_a_title_without_checkpoint_inhibitors_is_not_the_checkpoint_topic():
    # 34097308
    title = ("Reduced expression of programmed cell death 1 and programmed cell death ligand 1 in infiltrating "
             "inflammatory cells of lichen planus without administration of immune checkpoint inhibitors.")
    assert "checkpoint" not in topics(title)
    assert "checkpoint" in topics("Lichen planus after administration of immune checkpoint inhibitors.")


def test_a_prognostic_score_in_patients_treated_with_a_checkpoint_drug_stays_the_checkpoint_topic():
    # 33279413: a title with "prognosis", patients on nivolumab
    title = ("Modified Glasgow Prognostic Score as a Predictor of Prognosis in Metastatic Renal Cell Carcinoma "
             "Treated With Nivolumab.")
    assert "checkpoint" in topics(title)


# -- cytokines: a cytokine given -----------------------------------------------------------------

def test_low_dose_il2_as_one_option_in_a_list_is_not_the_cytokine_topic():
    # 34095764: a review of GvHD immunomodulation
    title = "Immunomodulatory Therapies for the Treatment of Graft-versus-host Disease."
    abstract = ("Extracorporeal photopheresis, hypomethylating agent application, and low-dose IL-2 are powerful "
                "approaches to render the immune response more tolerogenic by regulatory T-cell induction.")
    assert "cytokines" not in topics(title, abstract)


def test_low_dose_il2_in_the_title_or_given_is_the_cytokine_topic():
    # 34094549-like wording
    assert "cytokines" in topics("Low-dose IL-2 in systemic lupus erythematosus: a randomised trial.")
    assert "cytokines" in topics("Lupus.", "Patients were treated with low-dose IL-2 for 12 weeks.")


def test_a_cytokine_combined_with_a_therapy_in_the_title_is_the_cytokine_topic():
    # 33951555
    title = ("PD-1 blockade combined with IL-33 enhances the antitumor immune response in a type-1 "
             "lymphocyte-mediated manner.")
    assert topics(title) >= {"cytokines", "checkpoint"}
    # an interleukin blocked is no cytokine given
    assert "cytokines" not in topics("Methotrexate combined with IL-6 receptor blockade in arthritis.")


# -- the exclusions of the lens file format --------------------------------------------------------

EXCLUDING = r"""
name = "excluding"
[[topic]]
key = "car"
name = "CAR-T"
mesh = ["D000076962"]
patterns = ['chimeric antigen receptor', '\bCAR\b']
exclude_patterns = ['\bcar (?:seats?|drivers?)\b']
exact_exclude_patterns = ['^[^\n]*CAR \(coxsackie']
"""


def test_exclusions_veto_a_pattern_match_but_not_a_mesh_descriptor():
    topic = parse_lens(EXCLUDING).topics[0]
    assert topic.matches("CAR T cells in lymphoma", PaperMeta())
    assert not topic.matches("Car seats and child safety", PaperMeta())
    assert not topic.matches("CAR (coxsackie and adenovirus receptor) in the heart", PaperMeta())
    assert topic.matches("Car seats", PaperMeta(mesh=(("D000076962", "Receptors, Chimeric Antigen"),)))
    titles = ["CAR T cells in lymphoma", "Car seats and child safety", "car (coxsackie) is not exact", "Car seats"]
    mesh = [[], [], [], ["D000076962"]]
    got = classify_many(parse_lens(EXCLUDING), ["1", "2", "3", "4"], titles, [None] * 4, mesh)
    assert got == {"1": ["car"], "3": ["car"], "4": ["car"]}


@pytest.mark.parametrize("entry, message", [
    ("exclude_patterns = 'car'", "exclude_patterns must be a list of strings"),
    ("exclude_patterns = ['(']", "bad pattern"),
    ("exact_exclude_patterns = ['(a+)+x']", "refused"),
])
def test_bad_exclusions_are_input_errors(entry, message):
    with pytest.raises(InputError, match=message):
        parse_lens(f"[[topic]]\nkey = 'a'\npatterns = ['a']\n{entry}")
