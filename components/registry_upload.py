"""The upload of a registry extract: the same load as ``python -m etl registry``, all in memory."""

from __future__ import annotations

from datetime import date

import polars as pl
import streamlit as st

from auth import audit
from auth.roles import require
from components import session
from etl import registry
from queries import Warehouse

LAW_LABELS = {"wmo": "Wmo", "jeugd": "Jeugdwet", "participatie": "Participatiewet", "schuldhulp": "Schuldhulp"}


def explanation() -> None:
    st.markdown(
        "Hier laadt u een export uit het eigen systeem (CSV of Excel) met cliënten, aanvragen en voorzieningen. "
        "Het bestand blijft in het geheugen van de server. De monitor telt per wijk, buurt en periode en bewaart "
        "**alleen die aantallen**. BSN's, geboortedata, adressen en cliëntnummers worden nergens opgeslagen. "
        "Kleine aantallen (onder de 5) worden verborgen voordat er iets wordt opgeslagen. "
        f"Een bestand mag hoogstens {st.get_option('server.maxUploadSize')} MB groot zijn."
    )
    st.caption("Laadt u Wmo, jeugd en Participatiewet samen, dan telt de monitor ook huishoudens die hulp krijgen "
               "vanuit meer wetten tegelijk (stapeling). Dat kan alleen als de bestanden samen worden geladen.")


def upload_form(wh: Warehouse) -> None:
    profiles = sorted(p.stem for p in registry.PROFILES_DIR.glob("*.toml"))
    stored = registry.stored_postcodes(wh.settings.warehouse)
    with st.form("registry_upload"):
        files = {law: st.file_uploader(f"Bestand {label}", type=["csv", "txt", "xlsx"], key=f"upload_{law}")
                 for law, label in LAW_LABELS.items()}
        profile = st.selectbox("Kolomprofiel van het bronsysteem", profiles, index=profiles.index("standaard"),
                               help="Een profiel zegt welke kolom welk gegeven bevat. Nieuw systeem? Kopieer "
                                    "data/profiles/standaard.toml en pas de kolomnamen aan.")
        sheet = st.text_input("Tabblad (alleen bij Excel met meer tabbladen)", "")
        postcodes = st.file_uploader("Postcodetabel (postcode naar wijk en buurt)", type=["csv"],
                                     help="Niet nodig als de vorige keer al een tabel is geladen."
                                     if stored else "Verplicht bij de eerste keer laden.")
        reference = st.date_input("Datum van de export", date.today(), format="DD-MM-YYYY",
                                  help="Data na deze datum tellen als fout; de lopende periode is voorlopig.")
        submitted = st.form_submit_button("Controleren en laden", type="primary")
    if not submitted:
        return
    chosen = {law: (f.name, f.getvalue()) for law, f in files.items() if f is not None}
    if not chosen:
        st.warning("Kies eerst minstens één bestand.")
        return
    pc_bytes = postcodes.getvalue() if postcodes is not None else stored
    if pc_bytes is None:
        st.warning("Voeg de postcodetabel toe: zonder die tabel weet de monitor niet in welke wijk iemand woont.")
        return
    try:
        with st.spinner("Controleren en tellen..."):
            report = load_uploads(wh, chosen, pc_bytes, profile=profile, sheet=sheet.strip() or None,
                                  reference=reference, role=session.current_role(), user=session.current_user())
    except registry.ExtractRefused as exc:
        st.error(f"Niet geladen. Er is niets veranderd.\n\n{exc}")
        _problems(exc.problems)
        return
    st.success(f"Geladen: {report.observations:,} cijfers.".replace(",", ".") + " Er zijn geen persoonsgegevens "
               "bewaard. De pagina's tonen de nieuwe cijfers vanaf nu.")
    for law in report.rows:
        st.write(f"**{LAW_LABELS[law]}**: {report.rows[law]:,} rijen gelezen, {report.skipped[law]:,} overgeslagen "
                 "vanwege fouten.".replace(",", "."))
        _problems(report.problems[law])


def load_uploads(wh: Warehouse, files: dict[str, tuple[str, bytes]], postcodes: bytes, *, profile: str,
                 sheet: str | None, reference: date, role, user: str) -> registry.LoadReport:
    """Check the role on the server (a hidden button is not a permission), then load and log."""
    require(role, "upload_registry")
    for name, data in files.values():
        registry.check_size(len(data), name)
    extracts = [registry.Extract(law, name, data, profile, sheet) for law, (name, data) in files.items()]
    report = registry.load(extracts, postcodes, gemeente=wh.gemeente or None, warehouse=wh.settings.warehouse,
                           reference_date=reference)
    audit.record("upload", user, ", ".join(f"{law}: {n} rijen" for law, n in report.rows.items()), role=role)
    return report


def _problems(problems: list[tuple[int | None, str, str]]) -> None:
    if not problems:
        return
    st.caption("Meldingen per rij (rij 1 is de kopregel). Waarden uit het bestand worden niet getoond.")
    st.dataframe(pl.DataFrame(problems[:1000], schema=["rij", "kolom", "reden"], orient="row"), hide_index=True)
