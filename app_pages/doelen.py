import streamlit as st

from components import comparison_view, pickers
from components.context import warehouse
from domain.formatting import law_label
from queries import goals

wh = warehouse()
st.title("Doelen")
pickers.demo_banner(wh)
st.markdown("Welke doelen heeft de gemeenteraad gesteld, en hoe gaat het? Bij een doel met een streefwaarde ziet u of "
            "we op koers liggen. Bij een doel met alleen een richting ziet u of het de goede kant op gaat. Per "
            "beleidsdoel ziet u de cijfers die erbij horen, hoe ze zich ontwikkelen en de duiding van de ambtenaren.")

overview = goals.goal_overview(wh)
if overview.is_empty():
    st.info("In de cijferlijst (catalogus) staan nog geen doelen.")
    st.stop()
comparison_view.goal_summary(overview)
with st.expander("Hoe bepalen we de status?", expanded=False):
    st.markdown(comparison_view.goal_rules_text())
for (law, theme), rows in overview.group_by(["law", "theme"], maintain_order=True):
    st.subheader(f"{law_label(law)}: {theme}")
    for i, row in enumerate(rows.iter_rows(named=True)):
        comparison_view.goal_block(wh, row, key=f"{row['indicator_id']}-{i}")
