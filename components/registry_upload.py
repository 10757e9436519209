"""The upload of a registry extract: the same load as ``python -m etl registry``, all in memory.

A load is staged: it is checked and counted, the page shows what would change, and only the
"Publiceren" button makes it current (docs/loading-safely.md).

In a region an extract is one member's: the member the page is about (``wh.gemeente``), which for an
ambtenaar of one member must be its own (checked on the server when the load is checked and again when it
is published).
"""

from __future__ import annotations

from datetime import date

import polars as pl
import streamlit as st

from components import pickers, session
from domain.roles import PermissionDenied, require_scope
from etl import registry
from queries import Warehouse, signals
from store import audit
from store.markdown import escape_text
from warehouse import preview as release_preview
from warehouse import publication
from warehouse import releases as etl_warehouse

LAW_LABELS = {"wmo": "Wmo", "jeugd": "Jeugdwet", "participatie": "Participatiewet", "schuldhulp": "Schuldhulp"}
# Extracts that are not one law's provisions (etl.registry.EXTRA_KINDS): one file each, for every law at once.
KIND_LABELS = {"cases": "Klachten, bezwaren en beroepen", "signals": "Vroegsignalering schulden"}
FILE_LABELS = LAW_LABELS | KIND_LABELS
STAGED_KEY = "_msd_staged_upload"
FLASH_KEY = "_msd_upload_flash"


def explanation() -> None:
    st.markdown(
        "Hier laadt u een export uit het eigen systeem (CSV of Excel) met cliënten, aanvragen en voorzieningen. "
        "Het bestand blijft in het geheugen van de server. De monitor telt per wijk, buurt en periode en bewaart "
        "**alleen die aantallen**. BSN's, geboortedata, adressen en cliëntnummers worden nergens opgeslagen. "
        "Kleine aantallen (onder de 5) worden verborgen voordat er iets wordt opgeslagen. "
        f"Een bestand mag hoogstens {st.get_option('server.maxUploadSize')} MB groot zijn."
    )
    st.markdown("Eerst controleert en telt de monitor. U ziet dan wat er verandert. Pas als u op **Publiceren** "
                "klikt, zien anderen de nieuwe cijfers. Een bestand vervangt alleen de periodes die erin staan.")
    st.caption("Laadt u Wmo, jeugd en Participatiewet samen, dan telt de monitor ook huishoudens die hulp krijgen "
               "vanuit meer wetten tegelijk (stapeling). Dat kan alleen als de bestanden samen worden geladen.")
    st.caption("Klachten, bezwaren en beroepen staan voor alle wetten samen in één bestand, met per zaak de wet. "
               "Zo'n bestand heeft geen persoonsgegevens nodig; staat er toch een cliëntnummer in, dan leest de monitor "
               "die kolom niet. Het bestand met signalen van vroegsignalering (huur, zorgverzekering, energie, water) "
               "telt per jaar en per wijk hoeveel signalen er waren en hoe snel er hulp werd aangeboden.")


def upload_form(wh: Warehouse) -> None:
    flash = st.session_state.pop(FLASH_KEY, None)
    if flash:
        st.success(flash)
    if st.session_state.get(STAGED_KEY):
        staged_panel(wh)
        return
    profiles = sorted(p.stem for p in registry.PROFILES_DIR.glob("*.toml"))
    stored = registry.stored_postcodes(wh.settings.warehouse)
    with st.form("registry_upload", enter_to_submit=False):  # no English "Press Enter to submit form"
        files = {law: st.file_uploader(f"Bestand {label}", type=["csv", "txt", "xlsx"], key=f"upload_{law}",
                                       help=pickers.upload_help("Een CSV-, TXT- of Excelbestand."))
                 for law, label in FILE_LABELS.items()}
        profile = st.selectbox("Kolomprofiel van het bronsysteem", profiles, index=profiles.index("standaard"),
                               placeholder="Kies een profiel",
                               help="Een profiel zegt welke kolom welk gegeven bevat. Nieuw systeem? Kopieer "
                                    "data/profiles/standaard.toml en pas de kolomnamen aan.")
        sheet = st.text_input("Tabblad (alleen bij Excel met meer tabbladen)", "")
        postcodes = st.file_uploader("Postcodetabel (postcode naar wijk en buurt)", type=["csv"],
                                     help=pickers.upload_help("Niet nodig als de vorige keer al een tabel is "
                                                              "geladen." if stored else
                                                              "Verplicht bij de eerste keer laden."))
        reference = st.date_input("Datum van de export", date.today(), format="DD-MM-YYYY",
                                  help="Data na deze datum tellen als fout; de lopende periode is voorlopig.")
        submitted = st.form_submit_button("Controleren", type="primary")
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
                                  reference=reference, role=session.current_role(), user=session.current_user(),
                                  scope=session.member_scope())
    except registry.ExtractRefused as exc:
        st.error(f"Niet geladen. Er is niets veranderd.\n\n{exc}")
        _problems(exc.problems, exc.problem_count)
        return
    except etl_warehouse.WarehouseError as exc:
        st.error(f"Niet geladen. Er is niets veranderd.\n\n{exc}")
        return
    except PermissionDenied as exc:
        st.error(f"Niet geladen. Er is niets veranderd.\n\n{escape_text(str(exc))}")
        return
    st.session_state[STAGED_KEY] = {
        "release": report.release, "gemeente": wh.gemeente,
        "files": {law: name for law, (name, _) in chosen.items()},
        "rows": report.rows, "skipped": report.skipped, "problem_counts": report.problem_counts,
        "problems": {law: p[:200] for law, p in report.problems.items()},
        "other": {law: registry.other_lines(report, law) for law in report.rows},
    }
    st.rerun()


def staged_panel(wh: Warehouse) -> None:
    """The preview of a checked load, with the buttons that publish or drop it."""
    info = st.session_state[STAGED_KEY]
    path = wh.settings.warehouse
    staged = etl_warehouse.staged_release(path, info["release"])
    if staged is None:
        st.session_state.pop(STAGED_KEY, None)
        st.warning("De gecontroleerde versie bestaat niet meer (te oud, of intussen is iets anders gepubliceerd). "
                   "Laad het bestand opnieuw.")
        return
    st.subheader("Controle: wat verandert er?")
    for law, n in info["rows"].items():
        st.write(f"**{FILE_LABELS[law]}**: {_n(n)} rijen gelezen, {_n(info['skipped'][law])} overgeslagen vanwege "
                 f"fouten ({_n(info['problem_counts'][law])} meldingen).")
        for line in info["other"].get(law, []):
            st.caption(line)
        _problems(info["problems"][law], info["problem_counts"][law])
    st.markdown(preview_markdown(release_preview.preview(path, staged)))
    st.info("Nog niet gepubliceerd: de pagina's tonen nog de huidige cijfers.")
    cols = st.columns(2)
    if cols[0].button("Publiceren", type="primary", key="upload-confirm"):
        try:
            confirm_upload(wh, info["release"], role=session.current_role(), user=session.current_user(),
                           detail=", ".join(f"{law}: {_n(n)} rijen" for law, n in info["rows"].items()),
                           scope=session.member_scope(), gemeente=info.get("gemeente"))
        except (etl_warehouse.WarehouseError, PermissionDenied) as exc:
            st.session_state.pop(STAGED_KEY, None)
            st.error(escape_text(str(exc)) if isinstance(exc, PermissionDenied) else str(exc))
            return
        st.session_state.pop(STAGED_KEY, None)
        st.session_state[FLASH_KEY] = ("Gepubliceerd. De pagina's tonen de nieuwe cijfers. Er zijn geen "
                                       "persoonsgegevens bewaard. Een beheerder kan de vorige versie terugzetten.")
        st.rerun()
    if cols[1].button("Niet publiceren", key="upload-discard"):
        publication.discard(path, info["release"])
        st.session_state.pop(STAGED_KEY, None)
        st.session_state[FLASH_KEY] = "Niet gepubliceerd. Er is niets veranderd."
        st.rerun()


def load_uploads(wh: Warehouse, files: dict[str, tuple[str, bytes]], postcodes: bytes, *, profile: str,
                 sheet: str | None, reference: date, role, user: str,
                 scope: str | None = None) -> registry.LoadReport:
    """Check the role and the member on the server (a hidden button is not a permission), then check, count
    and stage. The extract is the member's the page is about; an account of one member loads only its own."""
    require_scope(role, scope, wh.gemeente or None, "upload_registry")
    for name, data in files.values():
        registry.check_size(len(data), name)
    extracts = [registry.Extract(law, name, data, profile, sheet) for law, (name, data) in files.items()]
    report = registry.load(extracts, postcodes, gemeente=wh.gemeente or None, warehouse=wh.settings.warehouse,
                           reference_date=reference, stage=True)
    where = f"{wh.gemeente}: " if wh.is_region else ""
    audit.record("upload", user, where + ", ".join(f"{law}: {n} rijen" for law, n in report.rows.items()), role=role)
    return report


def confirm_upload(wh: Warehouse, release_id: str, *, role, user: str, detail: str, scope: str | None = None,
                   gemeente: str | None = None) -> etl_warehouse.Release:
    """Publish a checked upload of member ``gemeente`` (default: the page's); role and member are checked
    again, here on the server."""
    require_scope(role, scope, gemeente or wh.gemeente or None, "upload_registry")
    release = publication.confirm(wh.settings.warehouse, release_id)
    audit.record("load", user, f"registratie gepubliceerd (versie {release_id}): {detail}", role=role)
    signals.after_publish(wh.settings.warehouse)  # once now, not at the first page view of the new release
    return release


def preview_markdown(preview: release_preview.Preview) -> str:
    """The preview's lines as a list; its "- " lines (the large changes) become a nested list."""
    return "\n".join(f"    - {escape_text(line[2:])}" if line.startswith("- ") else f"- {escape_text(line)}"
                     for line in preview.lines())


def _n(x: int) -> str:
    return f"{x:,}".replace(",", ".")


def _problems(problems: list[tuple[int | None, str, str]], total: int | None = None) -> None:
    if not problems:
        return
    more = f" De eerste {_n(len(problems))} van {_n(total)} staan hieronder." if total and total > len(problems) else ""
    st.caption("Meldingen per rij (rij 1 is de kopregel). Waarden uit het bestand worden niet getoond." + more)
    st.dataframe(pl.DataFrame(problems[:1000], schema=["rij", "kolom", "reden"], orient="row"), hide_index=True)
