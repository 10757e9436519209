"""The Bronnen en definities page: every indicator and every loaded source, in Dutch words."""

from __future__ import annotations

import re

import polars as pl
import streamlit as st

from domain import formatting as fmt
from queries import Warehouse
from queries import figures as q
from warehouse.catalogue import LAWS

SOURCE_KINDS = {
    "cbs": "CBS (StatLine)",
    "wsjg": "Waarstaatjegemeente.nl",
    "registry": "Eigen registratie van de gemeente",
    "budget": "Begroting van de gemeente",
    "survey": "Eigen cliëntervaringsonderzoek",
    "population": "Basisregistratie Personen (BRP)",
    "demo": "Demodata",
    "region": "Opgeteld uit de cijfers van de gemeenten van de regio",
}
LEVELS = {"land": "Nederland", "gemeente": "gemeente", "wijk": "wijk", "buurt": "buurt"}


def privacy_rules(wh: Warehouse) -> None:
    s = wh.settings
    with st.expander("Waarom staat er soms 'te klein' in plaats van een getal?", expanded=False):
        st.markdown(
            f"- Een aantal kleiner dan **{s.min_count}** tonen we niet, zodat niemand te herkennen is. Bij gevoelige "
            f"onderwerpen (huiselijk geweld, jeugdbescherming) is die grens **{s.min_count_strict}**.\n"
            f"- Een percentage of gemiddelde tonen we alleen als er minstens **{s.min_denominator}** mensen achter "
            "zitten.\n"
            "- Is in een rij maar één deel verborgen, dan verbergen we nog een deel. Anders kan iemand het verborgen "
            "getal uitrekenen door het totaal min de andere delen te nemen.\n"
            "- De monitor bewaart geen gegevens over personen: registraties worden bij het laden meteen geteld, en "
            "alleen die tellingen worden bewaard."
        )


def source_name(source_id: str, titles: dict[str, str]) -> str:
    """A loaded source by its title, or by the kind of source when it is not (or no longer) loaded."""
    if source_id in titles:
        return titles[source_id]
    return SOURCE_KINDS.get(source_id.split(":", 1)[0], source_id)


def levels_text(levels: str | None) -> str:
    return ", ".join(LEVELS.get(lv.strip(), lv.strip()) for lv in (levels or "").split(",") if lv.strip())


def version_text(release: str | None) -> str:
    """A source's own version; a date (the registry's cut-off day) in Dutch words."""
    if release and re.fullmatch(r"\d{4}-\d{2}-\d{2}", release):
        year, month, day = (int(p) for p in release.split("-"))
        return f"{day} {fmt.MONTHS[month - 1]} {year}"
    return release or fmt.MISSING_TEXT


def years_text(first: int | None, last: int | None) -> str:
    if first is None:
        return "nog niet geladen"
    return str(first) if first == last else f"{first} tot en met {last}"


def indicator_entries(cat: pl.DataFrame, source_titles: dict[str, str]) -> dict[str, list[str]]:
    """Per subject, one markdown entry per figure with its whole definition (a table would cut it off)."""
    entries: dict[str, list[str]] = {}
    for r in cat.sort("law", "order", "id").iter_rows(named=True):
        sources = [source_name(s.strip(), source_titles) for s in (r["source_ids"] or "").split(",") if s.strip()]
        facts = [f"Eenheid: {r['unit_label']}", f"Bron: {r['source_label']}" if r["source_label"] else None,
                 f"Geladen uit: {'; '.join(sources)}" if sources else None,
                 f"Niveaus: {levels_text(r['levels'])}", f"Jaren: {years_text(r['first_year'], r['last_year'])}",
                 f"Code: `{r['id']}`"]
        entries.setdefault(LAWS.get(r["law"], r["law"]), []).append(
            f"**{r['title']}** ({r['theme']})  \n{r['definition']}  \n"
            + " · ".join(f for f in facts if f))
    return entries


def indicator_table(wh: Warehouse) -> None:
    st.header("Cijfers")
    titles = dict(zip(*q.sources(wh).select("source_id", "title"), strict=True))
    for subject, entries in indicator_entries(q.catalogue(wh), titles).items():
        with st.expander(f"{subject} ({len(entries)} cijfers)"):
            st.markdown("\n\n".join(entries))


def table_text(table_id: str | None) -> str | None:
    """The source's table or files; a long list of files (stored cut off at 200 characters, "…, wsjg_") as
    its first file and how many more are named."""
    files = [f for f in (table_id or "").split(", ") if f]
    if len(files) <= 3:
        return table_id
    named = files[:-1] if len(table_id) >= 200 else files  # the last name may be cut off
    return f"{named[0]} en {len(named) - 1} andere bestanden" + (" of meer" if len(named) < len(files) else "")


def source_table(wh: Warehouse) -> None:
    st.header("Geladen bronnen")
    src = q.sources(wh)
    table = pl.DataFrame({
        "Bron": src["title"],
        "Soort": [SOURCE_KINDS.get(k, k) for k in src["kind"]],
        "Tabel": [table_text(t) for t in src["table_id"]],
        "Versie bij de bron": [version_text(v) for v in src["release"]],
        "Geladen op": [fmt.local_datetime(t) for t in src["loaded_at"]],
        "Aantal cijfers": [fmt.number(n) for n in src["rows"]],
    }, schema=dict.fromkeys(["Bron", "Soort", "Tabel", "Versie bij de bron", "Geladen op", "Aantal cijfers"],
                            pl.String))
    # A static table whose cells wrap: in a scrolling one the long source names were cut off ("Eigen registratie
    # klachten, bezware…") or, sized to them, pushed the last column out of view. The source names head the rows.
    st.table(table.to_pandas().set_index("Bron"))
    st.caption(f"Datarelease {wh.release.id}, gepubliceerd op {fmt.local_datetime(wh.meta.get('created_at'))} "
               "(Nederlandse tijd).")
