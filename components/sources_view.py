"""The Bronnen en definities page: every indicator and every loaded source."""

from __future__ import annotations

import polars as pl
import streamlit as st

from etl.catalogue import LAWS
from queries import Warehouse
from queries import figures as q


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


def indicator_table(wh: Warehouse) -> None:
    st.header("Cijfers")
    cat = q.catalogue(wh)
    table = cat.select(
        pl.col("title").alias("Cijfer"),
        pl.col("law").replace_strict(LAWS, default="").alias("Onderwerp"),
        pl.col("theme").alias("Thema"),
        pl.col("unit_label").alias("Eenheid"),
        pl.col("definition").alias("Definitie"),
        pl.col("source_label").alias("Bron"),
        pl.col("levels").alias("Niveaus"),
        pl.concat_str([pl.col("first_year").cast(pl.String), pl.col("last_year").cast(pl.String)], separator=" - ")
        .fill_null("nog niet geladen").alias("Jaren"),
        pl.col("source_ids").fill_null("").alias("Geladen uit"),
        pl.col("id").alias("Code"),
    )
    st.dataframe(table, hide_index=True, width="stretch", key="indicator-table",
                 column_config={"Definitie": st.column_config.TextColumn(width="large")})


def source_table(wh: Warehouse) -> None:
    st.header("Geladen bronnen")
    src = q.sources(wh).select(
        pl.col("title").alias("Bron"), pl.col("kind").alias("Soort"), pl.col("table_id").alias("Tabel"),
        pl.col("release").alias("Versie bij de bron"), pl.col("loaded_at").alias("Geladen op"),
        pl.col("rows").alias("Aantal cijfers"), pl.col("source_id").alias("Code"),
    )
    st.dataframe(src, hide_index=True, width="stretch", key="source-table")
    st.caption(f"Datarelease {wh.release.id}, gepubliceerd {wh.meta.get('created_at', '')}.")
