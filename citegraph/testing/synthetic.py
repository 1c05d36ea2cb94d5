"""A reproducible synthetic PubMed corpus shaped like the real thing.

``SyntheticCorpus(n, seed)`` builds a citation graph of ``n`` papers with PMIDs 90000001
upward; 90000001 (1987) is the oldest and the most-cited paper, the root of a cell-therapy
literature (LAK cells and IL-2, TIL, CIK and NK cells, TCR-engineered T cells, checkpoint
blockade, CAR-T, CAR-NK). Each paper cites ~10-40 earlier ones (reviews more, letters a few),
chosen mostly within its own line of work with a recency bias plus preferential attachment
to recently much-cited papers, so that the cited-by graph seen from the root is several
generations deep (see :meth:`SyntheticCorpus.generations`). About a fifth of the references
point to PMIDs outside the corpus (below 90000001), some carry no PMID at all.

Records are rendered on demand (:meth:`SyntheticCorpus.record`) as compact ``PubmedArticle``
XML with the element structure of real efetch output (metapub/pmid_28731372.xml): structured
abstract with inline markup and character references, authors with affiliations, MeSH
headings and qualifiers with UIs, publication types with UIs, a DOI ``10.5555/synthetic.<pmid>``
a PMC id for two in three records from 2000 on (:func:`pmcid_for`; their full text is served
by :mod:`.pmc_answers`) and a ``ReferenceList`` (``CommentsCorrections RefType="Cites"`` before 1993, as old records
have); records from 2023 on are not yet indexed (no MeSH), as in PubMed. Every journal title
says "(citegraph test data)". The same ``n`` and ``seed`` give the same bytes on every run.

Publication types follow each line of work's road to the clinic (:meth:`SyntheticCorpus.
clinical_types`): trials are unphased pilot trials in a line's first years, then Phase I
(from :data:`PHASE_I_AFTER` years after the line starts), Phase II, Phase III and randomized
controlled trials; reviews become meta-analyses and practice guidelines last; research
articles may be observational studies from 2014 on. These choices come from a random stream
of their own, so every other part of a record is what it would be without them.

The vocabulary (topics, MeSH and publication-type UIs, names) is in :mod:`.vocabulary`.
"""

from __future__ import annotations

import gzip
import math
import random
from array import array
from collections import deque
from pathlib import Path
from typing import BinaryIO, Iterator

from .responses import efetch_pubmed
from .vocabulary import (
    IL2,
    IL15,
    MAB,
    DISEASES,
    TOPICS,
    HUMANS,
    ANIMALS,
    MICE,
    FEMALE,
    MALE,
    AGE_TAGS,
    OTHER_MESH,
    QUALIFIERS,
    PT_JOURNAL,
    PT_REVIEW,
    PT_TRIAL,
    PT_PHASE1,
    PT_PHASE2,
    PT_PHASE3,
    PT_RCT,
    PT_MULTICENTER,
    PT_NONUS,
    PT_NIH,
    PT_COMPARATIVE,
    PT_SYSTEMATIC,
    PT_META,
    PT_PRACTICE_GUIDELINE,
    PT_GUIDELINE,
    PT_OBSERVATIONAL,
    PT_LETTER,
    PT_COMMENT,
    PT_EDITORIAL,
    PT_RETRACTED,
    PT_RETRACTION,
    JOURNALS,
    LAST_NAMES,
    FORE_NAMES,
    DEPARTMENTS,
    INSTITUTES,
    COLLECTIVES,
    VERBS,
    OBJECTS,
    REVIEW_TAILS,
    LIMITS,
    CONCLUSIONS,
    MONTHS,
)

__all__ = ["SyntheticCorpus", "FIRST_PMID", "doi_for"]

FIRST_PMID = 90000001
FIRST_YEAR, LAST_YEAR = 1987, 2024
#: yearly growth of the literature (papers per year grow by e^GROWTH)
GROWTH = 0.05

# kinds of paper (decided with the graph, as they change how many references a paper has)
RESEARCH, REVIEW, TRIAL, LETTER, NOTICE = range(5)

# tuned so that 20k-100k records give ~7% generation 1 and many papers at 3, 4 and beyond
_P_OWN, _P_PARENT, _P_ANY, _P_PREF = 0.80, 0.02, 0.0005, 0.25
_TAU, _WINDOW = 0.005, 0.03
_ROOT_P, _ROOT_DECAY, _ROOT_FLOOR = 0.8, 6.0, 0.0005
_EXTERNAL_SHARE, _NO_PMID_SHARE = 0.2, 0.1

#: years after a line of work starts (its topic's first year) when each step of the road to
#: the clinic opens: Phase I trials, Phase II, Phase III and randomized trials, meta-analyses,
#: practice guidelines (before Phase I, trials are unphased pilot trials)
PHASE_I_AFTER, PHASE_II_AFTER, PHASE_III_AFTER, META_AFTER, GUIDELINE_AFTER = 3, 5, 7, 10, 12
#: the year NLM introduced the publication type Observational Study
OBSERVATIONAL_FROM = 2014
#: each kind of trial: (the words naming it in its title, its publication types)
_TRIALS = {
    "pilot": ("pilot", (PT_TRIAL,)),
    "I": ("phase I", (PT_PHASE1,)),
    "II": ("phase II", (PT_PHASE2,)),
    "III": ("phase III", (PT_PHASE3, PT_RCT)),
    "rct": ("randomized controlled", (PT_RCT,)),
    "unphased": ("clinical", (PT_TRIAL,)),
}


def doi_for(pmid: int | str) -> str:
    """The DOI a synthetic record carries."""
    return f"10.5555/synthetic.{pmid}"


def pmcid_for(pmid: int | str, year: int) -> str | None:
    """The PMC id a synthetic record carries: papers from 2000 on, two in three of them."""
    pmid = int(pmid)
    return f"PMC{pmid - 80_000_000}" if year >= 2000 and pmid % 3 != 0 else None


def open_access(pmid: int | str) -> bool:
    """Whether PMC has the full text of a synthetic record with a PMC id (six in seven);
    for the others its publisher "does not allow" the XML full text."""
    return int(pmid) % 7 != 0


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _initials(fore: str) -> str:
    return "".join(p[0] for p in fore.replace("-", " ").split())


class SyntheticCorpus:
    """A synthetic citation graph of ``n`` papers and the records that describe it."""

    def __init__(self, n: int, seed: int = 0) -> None:
        if n < 1:
            raise ValueError("a synthetic corpus needs at least one record")
        self.n = n
        self.seed = seed
        self._heads: list[tuple | None] = [None] * n
        self._ref_cache: dict[int, str] = {}
        self._build()

    # -- identifiers ------------------------------------------------------------------------
    def pmid(self, i: int) -> int:
        return FIRST_PMID + i

    def index(self, pmid: int | str) -> int | None:
        try:
            i = int(pmid) - FIRST_PMID
        except (TypeError, ValueError):
            return None
        return i if 0 <= i < self.n else None

    def pmids(self) -> range:
        return range(FIRST_PMID, FIRST_PMID + self.n)

    def year(self, i: int) -> int:
        return self._years[i]

    def doi(self, i: int) -> str:
        return doi_for(FIRST_PMID + i)

    def _ref_slice(self, i: int) -> array:
        return self._refs[self._offsets[i]:self._offsets[i + 1]]

    def reference_pmids(self, i: int) -> list[int]:
        """The PMIDs record ``i`` cites, in citation order (in and outside the corpus)."""
        return [p for p in self._ref_slice(i) if p]

    # -- the graph --------------------------------------------------------------------------
    def _build(self) -> None:
        n, rng = self.n, random.Random(self.seed)
        span = LAST_YEAR - FIRST_YEAR + 1
        scale = math.expm1(GROWTH * span)
        years = array("H")
        months = array("B")
        for i in range(n):
            t = math.log1p(i / n * scale) / GROWTH
            years.append(min(LAST_YEAR, FIRST_YEAR + int(t)))
            months.append(min(12, 1 + int((t - int(t)) * 12)))
        self._years, self._months = years, months

        pool_size = max(64, n // 2)
        external = rng.sample(range(1_000_000, 40_000_000), pool_size)
        topics_of = array("B", [0])
        kinds = array("B", [RESEARCH])
        members: list[list[int]] = [[] for _ in TOPICS]
        members[0].append(0)
        cited_log: list[list[int]] = [[] for _ in TOPICS]
        refs = array("I")
        offsets = array("I", [0])
        # the root cites older literature only
        for _ in range(rng.randint(15, 30)):
            refs.append(external[int(pool_size * rng.random() ** 1.2)])
        offsets.append(len(refs))
        retracted_by: dict[int, int] = {}
        retraction_of: dict[int, int] = {}
        starts = [t[1] for t in TOPICS]
        weights_base = [t[3] for t in TOPICS]
        parents = [t[2] for t in TOPICS]

        for i in range(1, n):
            y = years[i]
            weights = [b * min(1.0, (y - s + 1) / 4.0) if y >= s else 0.0 for s, b in zip(starts, weights_base)]
            t = rng.choices(range(len(TOPICS)), weights)[0]
            r = rng.random()
            if i > 100 and r < 0.002:
                kind = NOTICE
            elif r < 0.10:
                kind = REVIEW
            elif r < 0.17 and y >= 1990:
                kind = TRIAL
            elif r < 0.20:
                kind = LETTER
            else:
                kind = RESEARCH
            chosen: dict[int, None] = {}
            if kind == NOTICE:
                target = None
                for _ in range(10):
                    j = 1 + int(rng.random() * (i - 1))
                    if kinds[j] == RESEARCH and j not in retracted_by:
                        target = j
                        break
                if target is None:
                    kind = LETTER
                else:
                    retracted_by[target] = i
                    retraction_of[i] = target
                    chosen[target] = None
            if kind == REVIEW:
                total = rng.randint(40, 90)
            elif kind == LETTER:
                total = rng.randint(1, 8)
            elif kind == NOTICE:
                total = 1
            else:
                total = rng.randint(10, 40)
            internal = min(i, max(1, round(total * (1 - _EXTERNAL_SHARE))))
            if kind != NOTICE:
                p_root = _ROOT_P * math.exp(-(y - FIRST_YEAR) / _ROOT_DECAY) * (1.3 if t == 0 else 1.0) + _ROOT_FLOOR
                if rng.random() < p_root:
                    chosen[0] = None
                own, parent = members[t], parents[t]
                tries = 0
                while len(chosen) < internal and tries < 6 * internal:
                    tries += 1
                    r = rng.random()
                    if r < _P_OWN and own:
                        src = t
                    elif r < _P_OWN + _P_PARENT and parent is not None:
                        src = parent
                    elif r < _P_OWN + _P_PARENT + _P_ANY:
                        j = int(rng.random() * i)
                        if j:
                            chosen[j] = None
                        continue
                    else:
                        src = t if own else (parent if parent is not None else 0)
                    lst = members[src] or members[0]
                    log = cited_log[src]
                    if log and rng.random() < _P_PREF:
                        window = min(len(log), max(30, int(_WINDOW * len(log))))
                        j = log[len(log) - 1 - int(rng.random() * window)]
                    else:
                        x = int(rng.expovariate(1.0 / (_TAU * len(lst) + 2)))
                        if x >= len(lst):
                            continue
                        j = lst[len(lst) - 1 - x]
                    if j:
                        chosen[j] = None
            entries = [FIRST_PMID + j for j in chosen]
            for _ in range(max(0, total - len(entries))):
                entries.append(external[int(pool_size * rng.random() ** 1.2)])
            for _ in range(int(total * _NO_PMID_SHARE)):
                entries.append(0)
            if kind != NOTICE:
                rng.shuffle(entries)
            refs.extend(entries)
            offsets.append(len(refs))
            topics_of.append(t)
            kinds.append(kind)
            members[t].append(i)
            for j in chosen:
                cited_log[topics_of[j]].append(j)

        self._refs, self._offsets = refs, offsets
        self._topics, self._kinds = topics_of, kinds
        self._retracted_by, self._retraction_of = retracted_by, retraction_of

    def generations(self) -> dict[int, int]:
        """Hop distance from the root (90000001) along cited-by links, for every reachable PMID."""
        cited_by: list[list[int]] = [[] for _ in range(self.n)]
        for i in range(self.n):
            for p in self._ref_slice(i):
                j = p - FIRST_PMID
                if 0 <= j < self.n:
                    cited_by[j].append(i)
        gen = {0: 0}
        queue = deque([0])
        while queue:
            x = queue.popleft()
            for c in cited_by[x]:
                if c not in gen:
                    gen[c] = gen[x] + 1
                    queue.append(c)
        return {FIRST_PMID + i: g for i, g in gen.items()}

    # -- records ----------------------------------------------------------------------------
    def _rng(self, i: int, stream: int) -> random.Random:
        return random.Random((self.seed * 1_000_003 + i) * 4 + stream)

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

    def record(self, i: int) -> bytes:
        """The ``PubmedArticle`` element of record ``i``, UTF-8."""
        return self._render(i).encode("utf-8")

    def iter_records(self) -> Iterator[bytes]:
        for i in range(self.n):
            yield self.record(i)

    def to_bytes(self) -> bytes:
        """The whole corpus as one efetch-shaped ``PubmedArticleSet`` document."""
        return efetch_pubmed(self.iter_records())

    def write(self, target: str | Path | BinaryIO) -> None:
        """Write the corpus as a PubmedArticleSet file (gzip-compressed when the name ends .gz)."""
        if isinstance(target, (str, Path)):
            path = Path(target)
            opener = gzip.open if path.suffix == ".gz" else open
            with opener(path, "wb") as fh:  # type: ignore[operator]
                self._write_to(fh)
        else:
            self._write_to(target)

    def _write_to(self, fh: BinaryIO) -> None:
        data = efetch_pubmed([b"<X/>"])  # the envelope, around a placeholder
        head, tail = data.split(b"<X/>")
        fh.write(head)
        for rec in self.iter_records():
            fh.write(rec)
        fh.write(tail)

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
        """Where record ``i`` stands on its line of work's road to the clinic: (for a trial,
        the words naming it in its title, else ""; its trial, review, guideline or study
        publication types). Drawn from the record's own stream 2, apart from every other choice."""
        kind, year = self._kinds[i], self._years[i]
        if kind in (LETTER, NOTICE):
            return "", []
        rng = self._rng(i, 2)
        age = year - TOPICS[self._topics[i]][1]
        if kind == TRIAL:
            if age < PHASE_I_AFTER:
                words, types = _TRIALS["pilot"]
            else:
                options = {"I": 3.0, "unphased": 0.6}
                if age >= PHASE_II_AFTER:
                    options["II"] = 2.5
                if age >= PHASE_III_AFTER:
                    options.update({"III": 1.5, "rct": 1.2})
                words, types = _TRIALS[rng.choices(list(options), list(options.values()))[0]]
            types = list(types)
            if PT_RCT in types and rng.random() < 0.5:
                types.append(PT_MULTICENTER)
            return words, types
        if kind == REVIEW:
            r = rng.random()
            if age >= GUIDELINE_AFTER and r < 0.08:
                return "", [PT_PRACTICE_GUIDELINE, PT_GUIDELINE]
            if age >= META_AFTER and r < 0.25:
                return "", [PT_REVIEW, PT_META, PT_SYSTEMATIC]
            return "", [PT_REVIEW]
        if year >= OBSERVATIONAL_FROM and rng.random() < 0.06:
            return "", [PT_OBSERVATIONAL]
        return "", []

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


def main(argv: list[str] | None = None) -> int:
    """``python -m citegraph.testing.synthetic N --seed S -o FILE.xml.gz``: write a corpus file."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m citegraph.testing.synthetic", description=main.__doc__)
    parser.add_argument("n", type=int, help="number of records")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("-o", "--output", required=True, help="file to write (.xml or .xml.gz)")
    args = parser.parse_args(argv)
    SyntheticCorpus(args.n, args.seed).write(args.output)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
