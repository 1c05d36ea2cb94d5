"""The ``PubmedArticle`` records of a synthetic corpus (see :mod:`citegraph.testing.synthetic`).

:class:`RecordRendering` is a part of :class:`~citegraph.testing.synthetic.SyntheticCorpus` (a
mixin over :class:`~citegraph.testing.synthetic_graph.SyntheticGraph`): it renders record ``i``
from the graph and from random streams of the record's own (``_rng(i, stream)``: 0 for the
head, 1 for the rest, 2 for the road to the clinic), so each record is a function of ``seed``
and ``i`` alone. Heads (title, authors, journal, pages) are cached in ``_heads`` and references
in ``_ref_cache``, both set by the corpus.
"""

from __future__ import annotations

import random

from .synthetic_clinic import clinical_types
from .synthetic_graph import FIRST_PMID, FIRST_YEAR, LETTER, NOTICE, RESEARCH, REVIEW, TRIAL, doi_for, pmcid_for

from .vocabulary import (
    AGE_TAGS,
    ANIMALS,
    COLLECTIVES,
    CONCLUSIONS,
    DEPARTMENTS,
    DISEASES,
    FEMALE,
    FORE_NAMES,
    HUMANS,
    IL15,
    IL2,
    INSTITUTES,
    JOURNALS,
    LAST_NAMES,
    LIMITS,
    MAB,
    MALE,
    MICE,
    MONTHS,
    OBJECTS,
    OTHER_MESH,
    PT_COMMENT,
    PT_COMPARATIVE,
    PT_EDITORIAL,
    PT_JOURNAL,
    PT_LETTER,
    PT_NIH,
    PT_NONUS,
    PT_RETRACTED,
    PT_RETRACTION,
    QUALIFIERS,
    REVIEW_TAILS,
    TOPICS,
    VERBS,
)


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _initials(fore: str) -> str:
    return "".join(p[0] for p in fore.replace("-", " ").split())


class RecordRendering:
    """Renders the records of a :class:`~citegraph.testing.synthetic_graph.SyntheticGraph`."""

    _heads: list[tuple | None]
    _ref_cache: dict[int, str]

    def _head(self, i: int) -> tuple:
        """Title, authors, journal and pagination of record ``i`` (cached; references use them)."""
        head = self._heads[i]
        if head is not None:
            return head
        rng = self._rng(i, 0)
        topic = TOPICS[self._topics[i]]
        kind = self._kinds[i]
        phrase = rng.choice(topic[4])
        disease = DISEASES[rng.choice(topic[8])]
        if i == 0:
            title = ("Lymphokine-activated killer cells and interleukin-2 in the treatment of "
                     "metastatic cancer: a synthetic founding report.")
        elif kind == REVIEW:
            title = f"{phrase[0].upper()}{phrase[1:]}: {rng.choice(REVIEW_TAILS)}."
        elif kind == TRIAL:
            rng.choice(("I", "II", "III"))  # drawn as ever, so that the rest of the head stays the same
            title = f"A {self.clinical_types(i)[0]} trial of {phrase} in {disease[0]}."
        elif kind == LETTER:
            title = f"Comment on {phrase} in {disease[0]}."
        elif kind == NOTICE:
            title = f"Retraction notice to a report on {phrase}."
        else:
            title = f"{phrase[0].upper()}{phrase[1:]} {rng.choice(VERBS)} {rng.choice(OBJECTS)} in {disease[0]}."
        n_auth = rng.randint(1, 3) if kind in (LETTER, NOTICE) else rng.randint(2, 8)
        authors = []
        for _ in range(n_auth):
            fore = rng.choice(FORE_NAMES)
            authors.append((rng.choice(LAST_NAMES), fore, _initials(fore)))
        collective = rng.choice(COLLECTIVES) if kind == TRIAL and rng.random() < 0.3 else None
        journal = 1 if kind == REVIEW else (2 if kind in (TRIAL, LETTER) else 0)
        volume = 1 + self._years[i] - FIRST_YEAR
        issue = rng.randint(1, 12)
        start = rng.randint(1, 2000)
        end = start + (rng.randint(1, 3) if kind in (LETTER, NOTICE) else rng.randint(5, 15))
        head = (title, authors, collective, journal, volume, issue, start, end, phrase, disease)
        self._heads[i] = head
        return head

    def _citation(self, pmid: int) -> str:
        i = pmid - FIRST_PMID
        title, authors, collective, journal, volume, issue, start, end = self._head(i)[:8]
        names = ", ".join(f"{a[0]} {a[2]}" for a in authors[:2])
        if len(authors) > 2:
            names += ", et al"
        return f"{names}. {title} {JOURNALS[journal][1]}. {self._years[i]};{volume}:{start}-{end}."

    @staticmethod
    def _external_citation(pmid: int) -> str:
        """A citation for a PMID outside the corpus: a function of the PMID alone."""
        last = LAST_NAMES[pmid % len(LAST_NAMES)]
        fore = FORE_NAMES[(pmid // 7) % len(FORE_NAMES)]
        subject = OBJECTS[(pmid // 13) % len(OBJECTS)]
        return (f"{last} {_initials(fore)}, et al. An earlier study of {subject}. Synth Ext Ref. "
                f"{1960 + pmid % 27};{pmid % 90 + 1}:{pmid % 900 + 1}-{pmid % 900 + 9}.")

    def _reference_xml(self, p: int) -> str:
        """One ``Reference`` element for a cited PMID (cached: popular papers are cited often)."""
        ref = self._ref_cache.get(p)
        if ref is None:
            if p >= FIRST_PMID:
                ids = f'<ArticleId IdType="pubmed">{p}</ArticleId>'
                if p % 10 < 3:
                    ids = f'<ArticleId IdType="doi">{doi_for(p)}</ArticleId>' + ids
                text = self._citation(p)
            else:
                ids = f'<ArticleId IdType="pubmed">{p}</ArticleId>'
                text = self._external_citation(p)
            ref = f"<Reference><Citation>{_esc(text)}</Citation><ArticleIdList>{ids}</ArticleIdList></Reference>"
            self._ref_cache[p] = ref
        return ref

    def _render(self, i: int) -> str:  # noqa: C901 - one record, top to bottom, like the DTD
        pmid = FIRST_PMID + i
        title, authors, collective, journal, volume, issue, start, end, phrase, disease = self._head(i)
        rng = self._rng(i, 1)
        kind = self._kinds[i]
        topic = TOPICS[self._topics[i]]
        year, month = self._years[i], self._months[i]
        day = rng.randint(1, 28)
        doi = doi_for(pmid)
        j_title, j_abbr, j_nlm = JOURNALS[journal]
        electronic = year >= 2000
        o: list[str] = []
        a = o.append
        status = "MEDLINE" if year < 2023 else "PubMed-not-MEDLINE"
        a(f'<PubmedArticle><MedlineCitation Status="{status}" Owner="NLM"')
        a(' IndexingMethod="Automated">' if year >= 2020 and status == "MEDLINE" else ">")
        a(f'<PMID Version="1">{pmid}</PMID>')
        if status == "MEDLINE":
            cy, cm = (year, month + 2) if month <= 10 else (year + 1, month - 10)
            a(f"<DateCompleted><Year>{cy}</Year><Month>{cm:02d}</Month><Day>{day:02d}</Day></DateCompleted>")
        revised = max(year + 1, 2018 + rng.randint(0, 6))
        if i in self._retracted_by:
            revised = max(revised, self._years[self._retracted_by[i]] + 1)
        a(f"<DateRevised><Year>{min(revised, 2025)}</Year><Month>{rng.randint(1, 12):02d}</Month>"
          f"<Day>{rng.randint(1, 28):02d}</Day></DateRevised>")
        a(f'<Article PubModel="{"Print-Electronic" if electronic else "Print"}"><Journal>')
        a(f'<JournalIssue CitedMedium="{"Internet" if electronic else "Print"}"><Volume>{volume}</Volume>'
          f"<Issue>{issue}</Issue><PubDate><Year>{year}</Year><Month>{MONTHS[month - 1]}</Month>")
        if rng.random() < 0.5:
            a(f"<Day>{day}</Day>")
        a(f"</PubDate></JournalIssue><Title>{j_title}</Title><ISOAbbreviation>{j_abbr}</ISOAbbreviation></Journal>")
        a(f"<ArticleTitle>{_esc(title)}</ArticleTitle>")
        a(f"<Pagination><StartPage>{start}</StartPage><EndPage>{end}</EndPage>"
          f"<MedlinePgn>{start}-{end}</MedlinePgn></Pagination>")
        a(f'<ELocationID EIdType="doi" ValidYN="Y">{doi}</ELocationID>')
        a(self._abstract(kind, phrase, disease[0], rng))
        a('<AuthorList CompleteYN="Y">')
        for last, fore, initials in authors:
            dept = rng.choice(DEPARTMENTS)
            inst, city, country = rng.choice(INSTITUTES)
            a(f'<Author ValidYN="Y"><LastName>{_esc(last)}</LastName><ForeName>{fore}</ForeName>'
              f"<Initials>{initials}</Initials>")
            if rng.random() < 0.7:
                a(f"<AffiliationInfo><Affiliation>Department of {dept}, {inst}, {city}, {country}."
                  "</Affiliation></AffiliationInfo>")
            a("</Author>")
        if collective:
            a(f'<Author ValidYN="Y"><CollectiveName>{collective}</CollectiveName></Author>')
        a("</AuthorList><Language>eng</Language><PublicationTypeList>")
        for name, ui in self._publication_types(i, kind, year, rng):
            a(f'<PublicationType UI="{ui}">{name}</PublicationType>')
        a("</PublicationTypeList>")
        if electronic:
            em = month - 1 if month > 1 else 1
            a(f'<ArticleDate DateType="Electronic"><Year>{year}</Year><Month>{em:02d}</Month>'
              f"<Day>{rng.randint(1, 28):02d}</Day></ArticleDate>")
        a("</Article>")
        a(f"<MedlineJournalInfo><Country>United States</Country><MedlineTA>{j_abbr}</MedlineTA>"
          f"<NlmUniqueID>{j_nlm}</NlmUniqueID></MedlineJournalInfo>")
        if topic[6] and kind not in (LETTER, NOTICE):
            a("<ChemicalList>")
            for name, ui in topic[6]:
                a(f'<Chemical><RegistryNumber>0</RegistryNumber><NameOfSubstance UI="{ui}">{name}</NameOfSubstance></Chemical>')
            a("</ChemicalList>")
        indexed = status == "MEDLINE"  # the newest records are not indexed with MeSH yet
        if indexed:
            a("<CitationSubset>IM</CitationSubset>")
        a(self._comments_corrections(i, kind, year))
        if indexed and kind not in (LETTER, NOTICE):
            a(self._mesh(i, kind, topic, disease, rng))
        if year >= 2000 and kind not in (LETTER, NOTICE):
            a('<KeywordList Owner="NOTNLM">')
            for kw in topic[7]:
                a(f'<Keyword MajorTopicYN="N">{kw}</Keyword>')
            a("</KeywordList>")
        a("</MedlineCitation><PubmedData><History>")
        if electronic:
            rm = month - 3 if month > 3 else 1
            a(f'<PubMedPubDate PubStatus="received"><Year>{year}</Year><Month>{rm}</Month>'
              f"<Day>{rng.randint(1, 28)}</Day></PubMedPubDate>")
        for status_name, hour in (("pubmed", 6), ("medline", 6), ("entrez", 6)):
            a(f'<PubMedPubDate PubStatus="{status_name}"><Year>{year}</Year><Month>{month}</Month>'
              f"<Day>{day}</Day><Hour>{hour}</Hour><Minute>0</Minute></PubMedPubDate>")
        a("</History><PublicationStatus>ppublish</PublicationStatus><ArticleIdList>"
          f'<ArticleId IdType="pubmed">{pmid}</ArticleId><ArticleId IdType="doi">{doi}</ArticleId>')
        pmcid = pmcid_for(pmid, year)
        if pmcid:
            a(f'<ArticleId IdType="pmc">{pmcid}</ArticleId>')
        a("</ArticleIdList>")
        if year >= 1993:
            a(self._reference_list(i))
        a("</PubmedData></PubmedArticle>")
        return "".join(o)

    def _abstract(self, kind: int, phrase: str, disease: str, rng: random.Random) -> str:
        if kind in (LETTER, NOTICE):
            return ""
        if kind == REVIEW:
            return (f"<Abstract><AbstractText>Work on {phrase} has changed the treatment of {disease}. "
                    f"This review summarizes how CD8<sup>+</sup> T cells, natural killer cells and "
                    f"cytokines such as interferon-&#x3b3; contribute to responses, and why "
                    f"{rng.choice(LIMITS)}.</AbstractText></Abstract>")
        patients = rng.randint(12, 400)
        responders = rng.randint(1, patients // 2)
        p = rng.randint(1, 49)
        sections = (
            ("BACKGROUND", f"Studies of {phrase} have shown activity against {disease}, but {rng.choice(LIMITS)}."),
            ("METHODS", f"We treated {patients} patients with {disease} with {phrase} and studied "
                        f"the cells <i>in vitro</i> and in mice."),
            ("RESULTS", f"Objective responses occurred in {responders} of {patients} patients "
                        f"({100 * responders // patients}%). Circulating CD8<sup>+</sup> T cells and "
                        f"interferon-&#x3b3; rose after treatment (p&#x2009;=&#x2009;0.0{p:02d})."),
            ("CONCLUSIONS", f"Treatment based on {phrase} {rng.choice(CONCLUSIONS)}."),
        )
        body = "".join(f'<AbstractText Label="{label}" NlmCategory="{label}">{text}</AbstractText>'
                       for label, text in sections)
        return f"<Abstract>{body}</Abstract>"

    def clinical_types(self, i: int) -> tuple[str, list[tuple[str, str]]]:
        """See :func:`citegraph.testing.synthetic_clinic.clinical_types`."""
        return clinical_types(self, i)

    def _publication_types(self, i: int, kind: int, year: int, rng: random.Random) -> list[tuple[str, str]]:
        if kind == LETTER:
            return [rng.choice((PT_LETTER, PT_COMMENT, PT_EDITORIAL))]
        if kind == NOTICE:
            return [PT_RETRACTION]
        types = [PT_JOURNAL]
        # ``rng`` draws as it always has (the trial and review draws unused): the choices of the
        # road to the clinic come from their own stream, and the rest of the record stays the same
        if kind == REVIEW:
            if year >= 2015:
                rng.random()
        elif kind == TRIAL:
            rng.random()
        elif rng.random() < 0.05:
            types.append(PT_COMPARATIVE)
        types += self.clinical_types(i)[1]
        if rng.random() < 0.2:
            types.append(PT_NIH)
        if rng.random() < 0.4:
            types.append(PT_NONUS)
        if i in self._retracted_by:
            types.append(PT_RETRACTED)
        return types

    def _comments_corrections(self, i: int, kind: int, year: int) -> str:
        entries = []
        if i in self._retracted_by:
            entries.append(("RetractionIn", self._retracted_by[i]))
        if kind == NOTICE:
            entries.append(("RetractionOf", self._retraction_of[i]))
        elif kind == LETTER:
            first = next((p for p in self._ref_slice(i) if p >= FIRST_PMID), None)
            if first is not None:
                entries.append(("CommentOn", first - FIRST_PMID))
        cites = year < 1993
        if not entries and not cites:
            return ""
        o = ["<CommentsCorrectionsList>"]
        for ref_type, j in entries:
            o.append(f'<CommentsCorrections RefType="{ref_type}"><RefSource>{self._source_line(j)}</RefSource>'
                     f'<PMID Version="1">{FIRST_PMID + j}</PMID></CommentsCorrections>')
        if cites:
            for p in self._ref_slice(i):
                text = self._citation(p) if p >= FIRST_PMID else self._external_citation(p)
                if p:
                    o.append(f'<CommentsCorrections RefType="Cites"><RefSource>{_esc(text)}</RefSource>'
                             f'<PMID Version="1">{p}</PMID></CommentsCorrections>')
        o.append("</CommentsCorrectionsList>")
        return "".join(o)

    def _source_line(self, j: int) -> str:
        _, _, _, journal, volume, issue, start, end = self._head(j)[:8]
        return (f"{JOURNALS[journal][1]}. {self._years[j]} {MONTHS[self._months[j] - 1]};"
                f"{volume}({issue}):{start}-{end}")

    def _mesh(self, i: int, kind: int, topic: tuple, disease: tuple, rng: random.Random) -> str:
        heads: dict[str, tuple[str, bool, tuple[str, str] | None]] = {}

        def add(term: tuple[str, str], major: bool = False, qualifiers: tuple = ()) -> None:
            if term[0] not in heads:
                q = rng.choice(qualifiers) if qualifiers and rng.random() < 0.6 else None
                heads[term[0]] = (term[1], major, q)

        for k, term in enumerate(topic[5]):
            add(term, major=(k == 0), qualifiers=QUALIFIERS["drug" if term in (IL2, IL15, MAB) else "cell"])
        for term in disease[1]:
            add(term, qualifiers=QUALIFIERS["disease"])
        if kind == RESEARCH and rng.random() < 0.3:
            add(ANIMALS)
            add(MICE)
        else:
            add(HUMANS)
            if kind == TRIAL:
                for tag in AGE_TAGS:
                    add(tag)
        if rng.random() < 0.5:
            add(FEMALE)
        if rng.random() < 0.5:
            add(MALE)
        add(rng.choice(OTHER_MESH))
        o = ["<MeshHeadingList>"]
        for name in sorted(heads):
            ui, major, q = heads[name]
            if q is None:
                o.append(f'<MeshHeading><DescriptorName UI="{ui}" MajorTopicYN="{"Y" if major else "N"}">'
                         f"{name}</DescriptorName></MeshHeading>")
            else:
                o.append(f'<MeshHeading><DescriptorName UI="{ui}" MajorTopicYN="N">{name}</DescriptorName>'
                         f'<QualifierName UI="{q[1]}" MajorTopicYN="{"Y" if major else "N"}">{q[0]}</QualifierName>'
                         "</MeshHeading>")
        o.append("</MeshHeadingList>")
        return "".join(o)

    def _reference_list(self, i: int) -> str:
        refs = self._ref_slice(i)
        if not refs:
            return ""
        o = ["<ReferenceList>"]
        for k, p in enumerate(refs):
            if p:
                o.append(self._reference_xml(p))
            else:
                text = self._external_citation(1 + (i * 7919 + k * 104729) % 10**6)
                o.append(f"<Reference><Citation>{_esc(text)}</Citation></Reference>")
        o.append("</ReferenceList>")
        return "".join(o)
