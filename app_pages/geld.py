"""Geld: what each law costs, against the budget, per inhabitant against similar municipalities, where it
goes, and scenarios for five years (docs/finance-methods.md)."""

from pathlib import Path

import streamlit as st

from components import finance_split, pickers, state
from components import finance_view as fv
from components.context import warehouse
from domain import formatting as fmt
from queries import figures as q
from queries import finance

METHODS = Path(__file__).with_name("geld_methods.md")

wh = warehouse()
st.title("Geld")
pickers.demo_banner(wh)
st.markdown("Wat kost elke wet, hoe verhoudt zich dat tot de begroting en tot vergelijkbare gemeenten, en "
            "waar gaat het naartoe? Hoe de verwachting en de scenario's zijn berekend, staat onder "
            "'Hoe is dit berekend?'.")
with st.expander("Hoe is dit berekend?"):
    st.markdown(METHODS.read_text(encoding="utf-8"))
law = state.url_select("Kies een wet", list(finance.LAWS), "wet", format_func=finance.LAW_LABELS.get)

st.header("Uitgaven tot nu toe en verwachting voor het jaar")
monthly = finance.monthly_cost(wh, law)
latest = finance.months_available(monthly)
if latest is None:
    st.info("Voor deze wet zijn geen maandbedragen uit de eigen registratie geladen, dus er is geen verwachting.")
else:
    month = st.selectbox("Stand aan het eind van", list(range(1, latest[1] + 1)), index=latest[1] - 1,
                         format_func=lambda m: f"{fmt.MONTHS[m - 1]} {latest[0]}", key=f"month-{law}", placeholder=state.PICK_ONE,
                         help="Kies een eerdere maand om te zien wat de verwachting toen was.")
    fig = fv.prognosis_figure(wh, law, month)
    if fig is None:
        st.info("Een maand in dit jaar heeft geen bedrag (of is afgeschermd); een verwachting is niet te maken.")
    else:
        fv.render_figure(wh, fig, key=f"prognosis-{law}")

group = finance.LAWS[law]["group"]
st.header("Lasten per inwoner, vergeleken")
if group and q.years(wh, [f"fin_{group}_lasten", f"fin_{group}_lasten_begroting"], [wh.gemeente]):
    kind = st.radio("Welke cijfers", ["fin_{}_lasten", "fin_{}_lasten_begroting"], horizontal=True,
                    format_func=lambda k: "Jaarrekening" if not k.endswith("begroting") else "Begroting",
                    key=f"iv3-kind-{law}")
    fv.render_figure(wh, fv.per_inhabitant_figure(wh, kind.format(group)), key=f"iv3-{law}")
    fv.render_figure(wh, fv.budget_against_account_figure(wh, group), key=f"iv3-ba-{law}")
else:
    st.info("Er zijn geen Iv3-cijfers geladen (python -m etl iv3), of deze wet heeft er geen.")

st.header("Uitgaven per productcategorie en per verwijzer")
if finance.LAWS[law]["cost"] is None:
    st.info("De registratie van deze wet bevat geen bedragen.")
else:
    from components import finance_split  # here, not at the top: it builds on this module

    for breakdown in ("product", "referrer"):
        finance_split.render_cost_split(wh, law, breakdown)
    if law != "jeugd":
        st.caption("Alleen de jeugdhulp registreert een verwijzer (huisarts, jeugdarts, gemeente, ...).")

st.header("Kosten per cliënt")
fv.render_cost_per_client(wh, law)

st.header("Scenario's voor vijf jaar")
scen = fv.scenario_figure(wh, law)
if scen is None:
    st.info("Zonder maandbedragen uit de eigen registratie is er geen startpunt voor scenario's.")
else:
    fig, table, _ = scen
    fv.render_figure(wh, fig, key=f"scenario-{law}", extra=fv.shortfall_table(table))
