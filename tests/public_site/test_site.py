"""The static public edition of the demo: pages, tables, drafts, suppression, links, size."""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from html.parser import HTMLParser
from pathlib import Path

import polars as pl

from components import export, indicator_view, wijk_view
from components.law_page import LAW_INFO
from domain import formatting as fmt
from domain.export import to_csv
from publish import site
from queries import figures as q
from tests.public_site.conftest import DRAFT_DOSSIER, DRAFT_TEXT, NOTED, PUBLISHED_DOSSIER, PUBLISHED_TEXT
from tests.support.specs import walk

BUDGET = 200 * 1024
HIDDEN_LABEL = fmt.STATUS_LABELS["suppressed"]


class Page(HTMLParser):
    """Links, the tables' cells and the inline chart specs of one HTML file."""

    def __init__(self):
        super().__init__()
        self.links: list[str] = []
        self.tables: list[list[list[str]]] = []
        self.specs: list[dict] = []
        self._cell: list[str] | None = None
        self._script = False
        self._buf = ""

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        for key in ("href", "src"):
            if a.get(key):
                self.links.append(a[key])
        if tag == "table":
            self.tables.append([])
        elif tag == "tr":
            self.tables[-1].append([])
        elif tag in ("td", "th"):
            self._cell = []
        elif tag == "script" and a.get("type") == "application/json":
            self._script, self._buf = True, ""

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self._cell is not None:
            self.tables[-1][-1].append("".join(self._cell).strip())
            self._cell = None
        elif tag == "script" and self._script:
            self.specs.append(json.loads(self._buf))
            self._script = False

    def handle_data(self, data):
        if self._cell is not None:
            self._cell.append(data)
        if self._script:
            self._buf += data


def parse(path: Path) -> Page:
    p = Page()
    p.feed(path.read_text(encoding="utf-8"))
    return p


def test_every_page_is_present(built_site):
    root, wh = built_site.root, built_site.wh
    assert root.name == wh.release.id
    expected = ["index.html", "wijken.html", "trends.html", "doelen.html", "dossiers/index.html",
                "open-data/index.html", "open-data/cijfers.csv", "open-data/indicatoren.csv",
                "open-data/gebieden.csv", "open-data/bronnen.csv", "open-data/beschrijving.json", "release.json"]
    expected += [f"{law}.html" for law in [*LAW_INFO, "context"]]
    for ind in q.catalogue(wh)["id"]:
        expected += [f"cijfers/{ind}.html", f"embed/{ind}.html"]
    for ind in q.wijk_indicators(wh)["id"]:
        if q.years(wh, [ind], q.wijken(wh)["region_code"].to_list()):
            expected.append(f"wijken/{ind}.html")
    missing = [p for p in expected if not (root / p).is_file()]
    assert not missing, missing
    listing = (built_site.out / "index.html").read_text(encoding="utf-8")
    assert f'href="{wh.release.id}/index.html"' in listing
    # only the published dossier, by its title
    dossiers = (root / "dossiers" / "index.html").read_text(encoding="utf-8")
    assert PUBLISHED_DOSSIER in dossiers and DRAFT_DOSSIER not in dossiers
    pages = [p for p in (root / "dossiers").glob("*.html") if p.name != "index.html"]
    assert len(pages) == 1 and PUBLISHED_DOSSIER in pages[0].read_text(encoding="utf-8")
    # the wijken page carries a map (a geoshape spec) for the first wijk figure
    assert any(json.dumps(s).count("geoshape") for s in parse(root / "wijken.html").specs)


def test_every_chart_table_equals_the_query_result(built_site):
    wh, root = built_site.wh, built_site.root
    checked = 0
    for ind_id in q.catalogue(wh)["id"]:
        asked = q.indicator(wh, ind_id)
        shown_id, regions = site.figure_regions(wh, asked)
        ind = q.indicator(wh, shown_id)
        codes = [c for c in regions if c != q.PEER_CODE]
        df = q.series_compared(wh, shown_id, codes, peer_median=q.PEER_CODE in regions)
        band = q.peer_range(wh, shown_id) if q.PEER_CODE in regions else None
        page = parse(root / "cijfers" / f"{ind_id}.html")
        if df.filter(pl.col("value").is_not_null()).is_empty():
            assert not page.tables
            continue
        want = indicator_view.table(indicator_view.with_band_rows(df, band), ind["unit"])
        got = page.tables[0]
        assert got[0] == want.columns, ind_id
        assert [tuple(r) for r in got[1:]] == want.rows(), ind_id
        # the CSV beside the figure is the app's download of the same rows
        csv_bytes = (root / "cijfers" / f"{ind_id}.csv").read_bytes()
        prov = indicator_view.provenance(wh, ind, df)
        assert csv_bytes == to_csv(export.series_table(ind, indicator_view.with_band_rows(df, band), source=prov,
                                                       release=wh.release.id))
        checked += 1
    assert checked > 40
    # a wijk map's table is the wijk query's answer
    wijk_id = q.wijk_indicators(wh)["id"][0]
    years = q.years(wh, [wijk_id], q.wijken(wh)["region_code"].to_list())
    values = q.wijk_values(wh, wijk_id, years[-1])
    want = wijk_view.wijk_table(values, q.indicator(wh, wijk_id)["unit"])
    got = parse(root / "wijken" / f"{wijk_id}.html").tables[0]
    assert [tuple(r) for r in got[1:]] == want.rows()


def _all_text(out: Path) -> dict[str, str]:
    """Every file of the output as text; Excel files unpacked (their text is zipped XML)."""
    texts = {}
    for path in out.rglob("*"):
        if not path.is_file():
            continue
        if path.suffix == ".xlsx":
            with zipfile.ZipFile(path) as z:
                texts[str(path)] = "".join(z.read(n).decode("utf-8", "replace") for n in z.namelist())
        else:
            texts[str(path)] = path.read_bytes().decode("utf-8", "replace")
    return texts


def test_no_draft_text_anywhere_and_the_published_note_is_shown(built_site):
    texts = _all_text(built_site.out)
    assert len(texts) > 300
    for secret in (DRAFT_TEXT, "Conceptmarker-8812", DRAFT_DOSSIER, "(concept)"):
        leaks = [p for p, t in texts.items() if secret in t]
        assert not leaks, (secret, leaks[:3])
    page = (built_site.root / "cijfers" / f"{NOTED}.html").read_text(encoding="utf-8")
    assert PUBLISHED_TEXT in page
    dossier_pages = [t for p, t in texts.items() if "/dossiers/" in p and p.endswith(".html") and PUBLISHED_DOSSIER in t]
    assert any(PUBLISHED_TEXT in t for t in dossier_pages)  # the dossier carries the published note


def _records(node):
    """Every data row anywhere in a spec (datasets, inline values, lookup tables)."""
    return (n for n in walk(node) if "value" in n and ("status" in n or "status_label" in n))


def test_no_suppressed_value_anywhere(built_site):
    root, wh = built_site.root, built_site.wh
    # every chart spec on every page: a suppressed point carries no value
    suppressed_points = 0
    for html in root.rglob("*.html"):
        for spec in parse(html).specs:
            for r in _records(spec):
                if r.get("status") == "suppressed" or r.get("status_label") == HIDDEN_LABEL:
                    suppressed_points += 1
                    assert r.get("value") is None, (html, r)
                    assert not re.search(r"\d", str(r.get("label", ""))), (html, r)
    assert suppressed_points > 0  # the demo has suppressed cells, so the check is not empty
    # every CSV: a hidden cell is empty
    hidden = 0
    for path in root.rglob("*.csv"):
        text = path.read_text(encoding="utf-8-sig")
        rows = list(csv.reader(io.StringIO(text), delimiter=";" if ";" in text.splitlines()[0] else ","))
        header = next((r for r in rows if "status" in [c.lower() for c in r]), None)
        if header is None:
            continue
        low = [c.lower() for c in header]
        s_col = low.index("status")
        v_cols = [i for i, c in enumerate(low) if c.startswith("waarde") or c == "value"]
        for r in rows[rows.index(header) + 1:]:
            if len(r) > s_col and r[s_col].lower() in ("suppressed", "afgeschermd"):
                hidden += 1
                assert all(r[i] == "" for i in v_cols), (path, r)
    assert hidden > 0
    # the open data hold nothing the query layer hides: their value equals the suppressed query answer
    data = pl.read_csv(root / "open-data" / "cijfers.csv", schema_overrides={"period": pl.String})
    assert data.filter((pl.col("status") == "suppressed") & pl.col("value").is_not_null()).is_empty()
    assert data.filter(pl.col("status") == "suppressed").height > 0
    meta = json.loads((root / "open-data" / "beschrijving.json").read_text(encoding="utf-8"))
    assert {t["file"] for t in meta["tables"]} == {"cijfers.csv", "indicatoren.csv", "gebieden.csv", "bronnen.csv"}
    assert set(meta["licences"]) == set(q.sources(wh)["source_id"])


def test_all_links_resolve_and_stay_relative(built_site):
    out = built_site.out
    checked = 0
    for html in out.rglob("*.html"):
        for link in parse(html).links:
            assert not link.startswith(("http:", "https:", "//", "/")), (html, link)
            if link.startswith("#"):  # a skip link: its target is on the same page
                assert f'id="{link[1:]}"' in html.read_text(encoding="utf-8"), (html, link)
                continue
            target = (html.parent / link.split("#")[0]).resolve()
            assert target.is_file(), (html, link)
            checked += 1
    assert checked > 1000


def test_first_view_is_under_budget(built_site):
    """A page, its stylesheet, script and pictures; the shared chart library (vega.js) not counted."""
    for html in built_site.out.rglob("*.html"):
        size = html.stat().st_size
        for link in set(parse(html).links):
            target = (html.parent / link.split("#")[0]).resolve()
            if target.suffix in (".svg", ".css", ".js") and target.name != "vega.js":
                size += target.stat().st_size
        assert size < BUDGET, (html, size)


def test_a_second_release_keeps_the_first(built_site, tmp_path):
    """Publishing again writes the release list from the folders present; an older folder stays."""
    old = built_site.out / "20200101T000000-aaaaaa"
    old.mkdir()
    (old / "release.json").write_text(json.dumps({"release": old.name, "gemeente": "Lindewaard"}), encoding="utf-8")
    try:
        site.write_release_list(built_site.out, current=built_site.wh.release.id)
        listing = (built_site.out / "index.html").read_text(encoding="utf-8")
        assert listing.index(built_site.wh.release.id) < listing.index(old.name)  # newest first
    finally:
        (old / "release.json").unlink()
        old.rmdir()
        site.write_release_list(built_site.out, current=built_site.wh.release.id)


def test_the_build_leaves_only_the_edition(built_site):
    """No build folder (``.<release>.tmp``) stays behind."""
    names = sorted(p.name for p in built_site.out.iterdir())
    assert names == sorted(["assets", "index.html", built_site.wh.release.id])


def test_the_pages_were_built_by_worker_processes(built_site):
    """In a test run with other test modules (monkeypatched modules, environment, open connections) the
    spawned workers still build the edition; a fallback to this process would pass every other test."""
    assert site.WORKERS == 2
    assert built_site.workers_used


def test_law_shares_give_every_law_to_one_worker(built_site):
    wh = built_site.wh
    laws = sorted(set(q.catalogue(wh)["law"].to_list()) | set(LAW_INFO) | {"context"})
    for n in (1, 2, 3):
        shares = site.law_shares(wh, n)
        assert len(shares) == min(n, len(laws))
        assert sorted(law for share in shares for law in share) == laws
    two = site.law_shares(wh, 2)
    assert two[0] and two[1] and not set(two[0]) & set(two[1])


def test_workers_start_after_streamlit_has_run_a_script_here(built_site, tmp_path, monkeypatch):
    """Streamlit installs each script it runs as ``__main__`` (so AppTest in this test run, the app in a
    server). A spawned worker runs the parent's main script first; with a page as main script every worker
    died and the build fell back to one process. The workers must not run it."""
    import sys
    import types

    script = tmp_path / "page.py"
    script.write_text("import os\nos._exit(3)\n", encoding="utf-8")
    page = types.ModuleType("__main__")
    page.__file__ = str(script)
    monkeypatch.setitem(sys.modules, "__main__", page)
    monkeypatch.setattr(site, "law_shares", lambda wh, n: [["context"]])
    ctx = site._context(built_site.wh, tmp_path / "edition", built_site.store_url)
    year = q.latest_year(built_site.wh, q.headline_ids(built_site.wh), [built_site.wh.gemeente])
    parts, worker_cpu = site._build_everywhere(ctx, built_site.store_url, year)
    assert site.build_stats["workers_used"] == 1.0 and worker_cpu > 0
    assert sys.modules["__main__"] is page
    assert sorted(parts[0]["figures"]) == sorted(q.indicators_for_law(built_site.wh, "context")["id"].to_list())


def test_a_worker_that_dies_falls_back_to_this_process(built_site, tmp_path, monkeypatch):
    """A pool whose worker exits at start (what BrokenProcessPool reported) does not fail the build: the
    laws are built here, page for page as the workers build them."""
    import os
    from concurrent.futures import ProcessPoolExecutor

    def dying_pool(n, initargs):
        return ProcessPoolExecutor(max_workers=n, mp_context=site.multiprocessing.get_context("spawn"),
                                   initializer=os._exit, initargs=(3,))

    monkeypatch.setattr(site, "_pool", dying_pool)
    monkeypatch.setattr(site, "law_shares", lambda wh, n: [["context"]])
    root = tmp_path / "edition"
    ctx = site._context(built_site.wh, root, built_site.store_url)
    year = q.latest_year(built_site.wh, q.headline_ids(built_site.wh), [built_site.wh.gemeente])
    parts, worker_cpu = site._build_everywhere(ctx, built_site.store_url, year)
    assert site.build_stats["workers_used"] == 0.0 and worker_cpu == 0.0
    context_ids = q.indicators_for_law(built_site.wh, "context")["id"].to_list()
    assert context_ids and sorted(parts[0]["figures"]) == sorted(context_ids)
    for i in context_ids:
        assert (root / "cijfers" / f"{i}.html").read_text(encoding="utf-8") == \
            (built_site.root / "cijfers" / f"{i}.html").read_text(encoding="utf-8")
    assert (root / "doelen.html").exists() and (root / "dossiers" / "index.html").exists()
