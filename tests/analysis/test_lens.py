import pytest

from citegraph.analysis.lens import classify, load_lens, parse_lens, topic_summary
from citegraph.analysis.selection import PaperMeta
from citegraph.errors import InputError

from .helpers import graph

LENS = """
name = "test"
[[topic]]
key = "car"
name = "CAR-T"
mesh = ["D000076962"]
patterns = ['chimeric antigen receptor']
exact_patterns = ['\\bCAR-T\\b']
[[topic]]
key = "il2"
name = "IL-2"
mesh = ["Interleukin-2"]
"""


def test_default_lens_ships_the_cell_therapy_topics():
    lens = load_lens()
    assert lens.name == "cell-therapy"
    assert [t.key for t in lens.topics] == ["lak", "til", "car-t", "tcr-t", "nk", "cytokines", "checkpoint",
                                            "dc-vaccine"]


def test_classify_by_mesh_ui_or_name_and_patterns():
    lens = parse_lens(LENS)
    g = graph([], years={str(n): 2000 for n in range(1, 7)},
              titles={"1": "CAR-T cells in lymphoma", "2": "The car-t of the street", "3": "Plain",
                      "4": "Plain", "5": "Plain", "6": "Plain"})
    meta = {"3": PaperMeta(mesh=(("D000076962", "Receptors, Chimeric Antigen"),)),
            "4": PaperMeta(abstract="Using a Chimeric Antigen Receptor we ..."),
            "5": PaperMeta(mesh=(("D007376", "Interleukin-2"),))}
    assert classify(lens, g, meta) == {"1": ["car"], "3": ["car"], "4": ["car"], "5": ["il2"]}


def test_default_lens_on_titles_and_abstracts():
    lens = load_lens()
    g = graph([], years={"1": 2000, "2": 2000, "3": 2000},
              titles={"1": "Nivolumab in melanoma", "2": "Tumor-infiltrating lymphocytes",
                      "3": "A study of dendritic cell vaccination"})
    found = classify(lens, g, {"3": PaperMeta(abstract="dendritic cell vaccines were given")})
    assert found == {"1": ["checkpoint"], "2": ["til"], "3": ["dc-vaccine"]}


@pytest.mark.parametrize("text, message", [
    ("name = ", "not valid TOML"),
    ("name = 'x'", "no \\[\\[topic\\]\\]"),
    ("[[topic]]\nkey = 'a'\npatterns = ['(']", "bad pattern"),
    ("[[topic]]\nname = 'a'", "neither mesh nor patterns"),
    ("[[topic]]\nname = 'a'\nmesh = 'D1'", "list of strings"),
    ("[[topic]]\nname = 'a'\nmesh = ['D1']\n[[topic]]\nname = 'A'\nmesh = ['D2']", "twice"),
])
def test_malformed_lenses_are_input_errors(text, message):
    with pytest.raises(InputError, match=message):
        parse_lens(text)


def test_unreadable_lens_file(tmp_path):
    with pytest.raises(InputError, match="cannot read lens"):
        load_lens(tmp_path / "absent.toml")


def test_topic_summary_by_hand():
    # 1 is the seed; 2 (1990) and 3 (1995) cite 1; 4 (1995) cites 3; 5 (1998) cites 4 and 2;
    # 6 (1999) cites 5. CAR-T papers: 4, 5, 6. IL-2 papers: none.
    edges = [("2", "1"), ("3", "1"), ("4", "3"), ("5", "4"), ("5", "2"), ("6", "5"), ("7", "5")]
    years = {"1": 1987, "2": 1990, "3": 1995, "4": 1995, "5": 1998, "6": 1999, "7": 1999}
    g = graph(edges, years)
    lens = parse_lens(LENS)
    rows = topic_summary(g, "1", lens, {"4": ["car"], "5": ["car"], "6": ["car"], "7": ["car"]})
    car, il2 = rows
    assert car["papers"] == 4
    assert car["first_year"] == 1995 and car["peak_year"] == 1999  # 1995: 1, 1998: 1, 1999: 2
    assert car["earliest"] == "4"
    assert car["most_cited"] == {"pmid": "5", "citations": 2}  # 5 is cited by 6 and 7
    assert car["path_to_earliest"] == ["1", "3", "4"]
    assert il2["papers"] == 0 and il2["earliest"] is None and il2["path_to_earliest"] == []
