"""The browser's detail pane shows how the highlighted paper cites the current one (or, among
references, how the current paper cites the highlighted one), from stored PMC full text."""

from __future__ import annotations

import asyncio

from conftest import screen_lines

from citegraph.fulltext import import_nxml
from citegraph.store import Store
from citegraph.tui import BrowseApp, BrowseData

NXML = """<article><front><article-meta><article-id pub-id-type="pmid">4</article-id></article-meta></front>
<body><sec><title>Methods</title><p>Cells were expanded as described by the founders
<xref ref-type="bibr" rid="R1">[1]</xref>. \u202eHidden [bold]markup[/bold].</p></sec></body>
<back><ref-list><ref id="R1"><label>1</label><mixed-citation><pub-id pub-id-type="pmid">1</pub-id>
</mixed-citation></ref></ref-list></back></article>"""


def test_detail_pane_shows_the_citing_sentences(small_store, tmp_path):
    path = tmp_path / "four.nxml"
    path.write_text(NXML, encoding="utf-8")
    with Store(small_store) as store:
        import_nxml(store, [path])

    async def main():
        with Store(small_store) as store:
            app = BrowseApp(BrowseData(store), "1", load_graph=False)
            async with app.run_test(size=(160, 40)) as pilot:
                await pilot.pause()
                first = "\n".join(screen_lines(app))  # row 0 is paper 4 (2000), the newest
                await pilot.press("down")  # paper 2: no full text stored
                second = "\n".join(screen_lines(app))
                await pilot.press("up", "enter", "r")  # the papers 4 cites
                for _ in range(app.shown.index("1")):
                    await pilot.press("down")
                await pilot.pause()
                third = "\n".join(screen_lines(app))
            return first, second, third

    first, second, third = asyncio.run(main())
    assert "How 4 cites 1: mentioned once (methods 1)" in first
    assert "[methods] Cells were expanded as described by the" in first and "founders [1]." in first
    assert "\u202e" not in first and "[bold]markup[/bold]" in first  # markup shown as text, not applied
    assert "How 4 cites" not in second
    assert "How 4 cites 1: mentioned once (methods 1)" in third  # among references: how the current cites it
