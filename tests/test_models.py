from dataclasses import asdict

from citegraph.models import Article, Author, CommentCorrection, MeshHeading, Reference


def full_article() -> Article:
    return Article(
        pmid="3493432", title="t", authors=[Author(last_name="Rosenberg", initials="SA", affiliations=["NCI"])],
        mesh=[MeshHeading("Interleukin-2", "D007376", True, ["therapeutic use"])],
        references=[Reference("c", pmid="2", doi="10.1/x")], keywords=["k"],
        comments_corrections=[CommentCorrection("Cites", "5"), CommentCorrection("RetractionIn", "6")],
        publication_types=["Journal Article"], raw_xml=b"<x/>",
    )


def test_to_dict_equals_asdict_without_raw_xml_and_copies_lists():
    article = full_article()
    expected = asdict(article)
    expected.pop("raw_xml")
    data = article.to_dict()
    assert data == expected
    data["authors"][0]["affiliations"].append("changed")
    data["keywords"].append("changed")
    assert article.authors[0].affiliations == ["NCI"] and article.keywords == ["k"]


def test_from_dict_inverts_to_dict():
    article = full_article()
    assert Article.from_dict(article.to_dict(), raw_xml=b"<x/>") == article


def test_reference_pmids_merge_reference_list_and_cites_without_self_or_duplicates():
    article = Article(pmid="1", references=[Reference(pmid="2"), Reference(pmid="1"), Reference(pmid="2")],
                      comments_corrections=[CommentCorrection("Cites", "3"), CommentCorrection("CommentIn", "4")])
    assert article.reference_pmids == ["2", "3"]
    assert not article.is_retracted
