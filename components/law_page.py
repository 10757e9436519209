"""One page per law: what the municipality does, who pays, the council's role, then the figures.

To avoid "too much at once", a law page shows the headline figures, one table with every indicator
of the law, and one indicator in detail (chosen in the table's picker and kept in the URL).
"""

from __future__ import annotations

import polars as pl
import streamlit as st

from components import export, finance_view, indicator_view, pickers, registry_view, state
from components.context import warehouse
from queries import figures as q

LAW_INFO = {
    "wmo": {
        "title": "Wmo: zelfstandig thuis wonen en meedoen",
        "what": "De gemeente helpt inwoners om zo lang mogelijk zelfstandig thuis te wonen en mee te doen. Eerst "
                "kijken we samen wat iemand zelf kan, met hulp van familie of buren, of met een algemene voorziening "
                "zoals een buurthuis of maaltijdservice. Is dat niet genoeg, dan volgt maatwerk: bijvoorbeeld hulp "
                "bij het huishouden, begeleiding, dagbesteding, een rolstoel of een aanpassing in huis. De gemeente "
                "steunt ook mantelzorgers. Beschermd wonen en opvang regelt vaak een centrumgemeente.",
        "money": "Het geld komt uit het gemeentefonds en is niet geoormerkt: de raad bepaalt hoeveel er naar de Wmo "
                 "gaat. Inwoners betalen sinds 2019 een vaste eigen bijdrage per maand (het abonnementstarief). "
                 "Hulp kan in natura of als persoonsgebonden budget (pgb).",
        "council": "De raad stelt het beleidsplan en de verordening vast, kiest het budget en controleert met de "
                   "jaarrekening of de doelen gehaald zijn. De gemeente vraagt cliënten elk jaar hoe zij de hulp "
                   "ervaren; die uitkomsten staan hier ook.",
    },
    "jeugd": {
        "title": "Jeugd: gezond en veilig opgroeien",
        "what": "Sinds 2015 regelt de gemeente alle jeugdhulp: van opvoedsteun en hulp van het wijkteam tot jeugd-ggz, "
                "pleegzorg en verblijf in een instelling. Kinderen komen ook via de huisarts, de jeugdarts of een "
                "medisch specialist bij de jeugdhulp; daar heeft de gemeente minder invloed op.",
        "money": "Het geld komt uit het gemeentefonds en is niet geoormerkt. Specialistische hulp koopt de gemeente "
                 "in met de andere gemeenten in de jeugdregio. In bijna alle gemeenten stijgen de kosten sneller "
                 "dan het geld van het Rijk.",
        "council": "De raad stelt een beleidsplan met meetbare resultaten en een verordening vast en kiest het budget. "
                   "Let op: sinds 2022 geldt een nieuw woonplaatsbeginsel. Daardoor zijn cijfers van voor en na "
                   "2022 niet helemaal te vergelijken (zie de trendbreuk in de grafieken).",
    },
    "participatie": {
        "title": "Participatie en inkomen: werk en een bestaansminimum",
        "what": "De gemeente helpt mensen die kunnen werken aan een baan en geeft bijstand aan wie te weinig inkomen "
                "heeft. Daarnaast zijn er re-integratietrajecten, loonkostensubsidie, beschut werk en bijzondere "
                "bijstand voor onverwachte kosten.",
        "money": "Het Rijk betaalt de uitkeringen via een apart budget (BUIG). Geeft de gemeente meer uit, dan betaalt "
                 "zij het verschil zelf. Voor begeleiding naar werk is er geld in het gemeentefonds.",
        "council": "De raad stelt verordeningen vast, bijvoorbeeld over re-integratie, de tegenprestatie en maatregelen "
                   "als iemand zich niet aan de regels houdt, en kiest welk armoedebeleid de gemeente voert.",
    },
    "schuldhulp": {
        "title": "Schuldhulp: grip op geld",
        "what": "De gemeente helpt inwoners met geldzorgen en schulden: van een eerste gesprek en budgetcoaching tot "
                "budgetbeheer en een schuldregeling. Sinds 2021 krijgt de gemeente signalen van onder meer "
                "woningcorporaties, energiebedrijven en zorgverzekeraars als iemand achterloopt met betalen, en "
                "neemt zij zelf contact op (vroegsignalering).",
        "money": "Schuldhulp wordt betaald uit het gemeentefonds. Vroeg helpen is goedkoper dan laat: een "
                 "betaalachterstand kan leiden tot huisuitzetting en hoge kosten voor iedereen.",
        "council": "De raad stelt minstens eens in de vier jaar een plan vast met de resultaten die de gemeente wil "
                   "halen. De wet geeft termijnen: binnen vier weken een eerste gesprek, bij dreigende "
                   "huisuitzetting binnen drie werkdagen.",
    },
    "veiligheid": {
        "title": "Veiligheid en jeugdbescherming",
        "what": "Veilig Thuis is het meldpunt voor huiselijk geweld en kindermishandeling; de gemeenten in de regio "
                "betalen het samen. Bij ernstige zorgen over een kind kan de rechter een maatregel opleggen, zoals een "
                "ondertoezichtstelling. Een gecertificeerde instelling voert die uit; de gemeente betaalt.",
        "money": "De gemeente betaalt Veilig Thuis en de gecertificeerde instellingen uit het gemeentefonds, meestal "
                 "samen met de andere gemeenten in de regio.",
        "council": "De raad stelt het geld beschikbaar en kan vragen hoe snel en goed de hulp is. Een meldingscijfer "
                   "zegt niet alleen iets over geweld: meer meldingen kan ook betekenen dat mensen beter melden. Lees "
                   "daarom altijd de duiding. Kleine aantallen worden hier extra streng afgeschermd.",
    },
}


def all_figures_source(wh, comp) -> str:
    """The source line of a table with many indicators: their sources by name, the release, demo or not."""
    ids = sorted(set(comp["source_id"].drop_nulls().to_list())) if "source_id" in comp.columns else []
    titles = q.sources(wh).filter(pl.col("source_id").is_in(ids))["title"].unique().sort().to_list()
    parts = [f"Bron: {', '.join(titles) or 'onbekend'}", f"release {wh.release.id}"]
    if wh.is_demo:
        parts.append("DEMODATA, verzonnen cijfers")
    return " · ".join(parts)


def all_figures_part(wh, law: str, year: int) -> dict:
    """The table of every indicator of the law in one year, its column widths and export: the same for
    every visitor of the release, so built once per release and year (``Warehouse.part``)."""

    def build() -> dict:
        cat = q.indicators_for_law(wh, law)
        comp = q.comparison(wh, cat["id"].to_list(), year)
        overview = cat.select("id", "title", "unit", "unit_label", "theme").join(
            comp, left_on="id", right_on="indicator_id", how="left")
        # The figures a reader compares first, the theme last: a table wider than the page scrolls sideways.
        table = pickers.comparison_table(overview)
        table = table.select(*[c for c in table.columns if c != "Thema"], *(["Thema"] if "Thema" in table.columns else []))
        return {"table": table, "widths": indicator_view.column_widths(table),
                "has_counts": bool((overview["unit"] == "count").any()),
                "export": export.comparison_table(overview, title=f"{LAW_INFO[law]['title']}: alle cijfers {year}",
                                                  source=all_figures_source(wh, comp), release=wh.release.id)}

    return wh.part(("law-all-figures", law, year), build)


def render(law: str) -> None:
    wh = warehouse()
    info = LAW_INFO[law]
    st.title(info["title"])
    pickers.demo_banner(wh)
    with st.expander("Wat doet de gemeente, wie betaalt en wat doet de raad?", expanded=False):
        st.markdown(f"**Wat doet de gemeente?** {info['what']}")
        st.markdown(f"**Wie betaalt?** {info['money']}")
        st.markdown(f"**Wat doet de raad?** {info['council']}")

    cat = q.indicators_for_law(wh, law)
    own = wh.gemeente
    year = pickers.year_picker(wh, cat["id"].to_list(), [own])
    if year is None:
        st.info("Voor deze wet zijn nog geen cijfers geladen.")
        return
    pickers.headline_tiles(wh, law, year)

    st.header("Alle cijfers")
    part = all_figures_part(wh, law, year)
    indicator_view.show_table(part["table"], key=f"all-{law}", widths=part["widths"])
    if part["has_counts"]:
        st.caption(pickers.COUNT_NOTE)
    export.download_buttons(part["export"], key=f"all-{law}")

    st.header("Eén cijfer in detail")
    ids = cat["id"].to_list()
    titles = dict(zip(cat["id"], cat["title"], strict=True))
    chosen = state.url_select("Kies een cijfer", ids, "indicator", format_func=lambda i: titles[i])
    regions = pickers.comparison_regions(wh, chosen)
    indicator_view.indicator_block(wh, chosen, regions, key=f"{law}-{chosen}", period=f"{year}JJ00",
                                   note_regions=[own])
    pickers.breakdown_section(wh, chosen, own, year)
    registry_view.inflow_outflow(wh, law)
    registry_view.own_beside_cbs(wh, law)
    finance_view.law_summary(wh, law)

