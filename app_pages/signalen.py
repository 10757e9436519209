"""Signalen: the figures that need attention, ranked, each with its duiding and a link to its figure."""

import streamlit as st

from components import export, pickers, signals_view, state
from components.context import warehouse
from components.session import current_role
from domain.formatting import law_label
from domain.roles import can
from queries import figures as q
from queries import signals as sg
from store.notes import LAWS

ALL = "alle"

wh = warehouse()
st.title("Signalen")
pickers.demo_banner(wh)
st.markdown("Een signaal is een cijfer dat opvalt: het veranderde meer dan toeval, het wijkt af van vergelijkbare "
            "gemeenten of van wat je in een wijk verwacht, een doel ligt niet op koers of gaat de verkeerde kant op, of het cijfer is herzien of "
            "anders geteld. De belangrijkste staan bovenaan. Een signaal zegt nog niet wat de oorzaak is: lees de "
            "duiding van de gemeente.")
found = sg.signals(wh)
notes = signals_view.published_notes()
wijken = q.wijken(wh)
areas = {ALL: "Alle gebieden", wh.gemeente: wh.meta.get("gemeente_name") or "De gemeente",
         **dict(zip(wijken["region_code"], wijken["name"], strict=True))}
figures = {ALL: "Alle cijfers", **dict(sorted({s.indicator_id: s.title for s in found}.items(), key=lambda x: x[1]))}
c1, c2, c3, c4 = st.columns(4)
law = state.url_select("Wet", [ALL, *LAWS], "wet", format_func=lambda v: "Alle wetten" if v == ALL else law_label(v),
                       container=c1)
area = state.url_select("Gebied", list(areas), "wijk", format_func=areas.get, container=c2)
kind = state.url_select("Soort", [ALL, *sg.KINDS], "soort", container=c3,
                        format_func=lambda v: "Alle soorten" if v == ALL else sg.KINDS[v])
figure = state.url_select("Cijfer", list(figures), "indicator", format_func=figures.get,
                          container=c4)
chosen = signals_view.filtered(found, law=None if law == ALL else law, area=None if area == ALL else area,
                               kind=None if kind == ALL else kind, indicator=None if figure == ALL else figure)

tab_names = ["Signalen", "Signalen zonder duiding"] if can(current_role(), "write_note") else ["Signalen"]
tabs = st.tabs(tab_names)
with tabs[0]:
    if not chosen:
        st.info("Er zijn geen signalen die aan deze keuze voldoen.")
    else:
        st.markdown(f"**{len(chosen)}** signalen. De tien belangrijkste staan hieronder; de tabel eronder heeft ze allemaal.")
        signals_view.cards(chosen[:10], notes, prefix="sig")
        st.subheader("Alle signalen")
        frame = signals_view.table(chosen, notes)
        signals_view.show_table(frame)
        export.download_buttons(export.frame_table(frame, title="Signalen", release=wh.release.id,
                                                   source="Monitor Sociaal Domein, berekend uit deze datarelease"),
                                key="signalen")
if len(tabs) > 1:
    with tabs[1]:
        signals_view.work_list(chosen, notes)
