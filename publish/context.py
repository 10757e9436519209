"""What every part of the build shares: the constants, one figure with what belongs next to it, and the
build context (warehouse, stores, templates, output folder, the pictures still to draw)."""

from __future__ import annotations

import functools
import json
import posixpath
from dataclasses import dataclass, field
from pathlib import Path

import jinja2
import polars as pl
from markupsafe import Markup

from components.law_page import LAW_INFO
from domain.roles import Role
from queries import Warehouse, goals
from store.dossiers import DossierStore
from store.notes import NoteStore

ANONYMOUS = Role.RAADSLID  # an anonymous visitor reads with the council member's rights: published only
SVG_WIDTH = 640
HERE = Path(__file__).parent
LAW_PAGES = {**{law: info["title"] for law, info in LAW_INFO.items()}, "context": "Inwoners en huishoudens"}
NOTE_SECTIONS = (("what_we_see", "Wat zien we"), ("explanation", "Verklaring"),
                 ("next_steps", "Wat betekent dit / vervolg"))


@dataclass
class Figure:
    """One chart with everything that belongs next to it."""
    slug: str
    title: str
    spec: dict | None             # Vega-Lite, drawn interactively where JavaScript runs
    svg: str | None               # file name of the same chart as SVG, for no JavaScript and print
    table: pl.DataFrame           # formatted table alternative, as in the app
    description: str
    provenance: str
    definition: str = ""
    breaks: list[str] = field(default_factory=list)
    notes: list[dict] = field(default_factory=list)
    downloads: list[tuple[str, str]] = field(default_factory=list)
    extra: list[Figure] = field(default_factory=list)  # e.g. the goal chart under the trend


@dataclass
class BuildContext:
    wh: Warehouse
    root: Path                    # OUT/<release id>
    notes: NoteStore | None
    dossiers: DossierStore | None
    env: jinja2.Environment
    pending: list[tuple[Path, dict]] = field(default_factory=list)  # pictures drawn after the pages
    open_rows: list[pl.DataFrame] = field(default_factory=list)
    nav_extra: list[tuple[str, str]] = field(default_factory=list)

    _goals: pl.DataFrame | None = None

    def goal_overview(self) -> pl.DataFrame:
        if self._goals is None:
            self._goals = goals.goal_overview(self.wh)
        return self._goals

    def write(self, rel: str, template: str, **values) -> None:
        path = self.root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        here = posixpath.dirname(rel)

        def link(target: str) -> str:
            return posixpath.relpath(target, here or ".")

        html = self.env.get_template(template).render(
            link=link, assets=link("../assets"), wh=self.wh, nav=self.nav(), gemeente=self.wh.meta.get(
                "gemeente_name", ""), release=self.wh.release.id, demo=self.wh.is_demo, **values)
        path.write_text(html, encoding="utf-8")

    def nav(self) -> list[tuple[str, str]]:
        items = [("index.html", "Overzicht")] + [(f"{law}.html", LAW_INFO[law]["title"].split(":")[0])
                                                 for law in LAW_INFO]
        items += [("wijken.html", "Wijken"), ("trends.html", "Trends"), ("doelen.html", "Doelen")]
        items += self.nav_extra + [("dossiers/index.html", "Dossiers"), ("open-data/index.html", "Open data")]
        return items


@functools.cache
def vl_convert():
    from components.handout_charts import _vl_convert as handout_vl  # the font registered once, as for the PDF

    return handout_vl()


def environment() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(HERE / "templates"), autoescape=True,
                             trim_blocks=True, lstrip_blocks=True)
    env.filters["spec_json"] = lambda spec: Markup(json.dumps(spec, ensure_ascii=False).replace("</", "<\\/"))
    return env

