import pytest

from citegraph.errors import InputError
from citegraph.identifiers import parse_identifier, parse_pmid


@pytest.mark.parametrize("text,kind,value", [
    ("3493432", "pmid", "3493432"),
    (" PMID: 3493432 ", "pmid", "3493432"),
    ("0003493432", "pmid", "3493432"),
    ("10.1056/NEJM198704093161501", "doi", "10.1056/NEJM198704093161501"),
    ("https://doi.org/10.1056/nejm198704093161501", "doi", "10.1056/nejm198704093161501"),
    ("doi:10.1016/j.cell.2020.01.001", "doi", "10.1016/j.cell.2020.01.001"),
    ("PMC1234567", "pmcid", "PMC1234567"),
    ("pmc0042", "pmcid", "PMC42"),
])
def test_recognised(text, kind, value):
    ident = parse_identifier(text)
    assert (ident.kind, ident.value) == (kind, value)


@pytest.mark.parametrize("text", ["", "abc", "0", "-5", "123456789012", "3.14", "١٢٣", "10.12/", "PMC", "PMCx1"])
def test_rejected_with_clear_error(text):
    with pytest.raises(InputError):
        parse_identifier(text)


def test_parse_pmid_rejects_zero_and_huge():
    with pytest.raises(InputError, match="out of range"):
        parse_pmid("0")
    with pytest.raises(InputError, match="out of range"):
        parse_pmid("100000000")


@pytest.mark.parametrize("text,value", [
    ("123", "123"), (" 0042 ", "42"), ("99999999", "99999999"), ("0" * 5000 + "7", "7"),
    ("0", None), ("-7", None), ("+7", None), ("abc", None), ("١٢٣", None), ("12³", None), ("", None), (None, None),
    ("100000000", None), ("1" * 20, None), ("9" * 5000, None), ("1 2", None),
])
def test_pmid_or_none_is_the_one_pmid_rule(text, value):
    from citegraph.identifiers import pmid_or_none

    assert pmid_or_none(text) == value
