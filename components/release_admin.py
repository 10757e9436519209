"""Versions of the warehouse for the administrator: which release is current, and going back one."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from components.registry_upload import preview_markdown
from domain.roles import require
from store import audit
from store.notes import format_when
from warehouse import publication
from warehouse import releases as etl_warehouse
from warehouse.preview import preview

FLASH = "_msd_release_flash"


def restore_previous(warehouse_dir: Path, *, role, user: str) -> etl_warehouse.Release:
    """Make the previous release current again (administrator only, checked on the server)."""
    require(role, "run_load")
    current = etl_warehouse.current_release(warehouse_dir)
    restored = publication.restore(warehouse_dir)
    audit.record("release_restored", user, f"versie {current.id} vervangen door {restored.id}", role=role)
    return restored


def versions_panel(warehouse_dir: Path, *, role, user: str) -> None:
    flash = st.session_state.pop(FLASH, None)
    if flash:
        st.success(flash)
    current = etl_warehouse.current_release(warehouse_dir)
    if current is None:
        st.info("Er is nog geen versie gepubliceerd.")
        return
    st.write(f"Huidige versie: **{current.id}**, gemaakt {format_when(current.meta.get('created_at', ''))}"
             + (" (demo)" if current.meta.get("demo") else "") + ".")
    try:
        target = publication.restore_target(warehouse_dir)
    except etl_warehouse.WarehouseError as exc:
        st.caption(str(exc))
        return
    st.write(f"Vorige versie: **{target.id}**, gemaakt {format_when(target.meta.get('created_at', ''))}. "
             "Terugzetten verandert dit:")
    st.markdown(preview_markdown(preview(warehouse_dir, target)))
    st.caption("Er wordt niets gewist: de versie die nu actueel is, blijft bewaard en kan daarna weer worden "
               "teruggezet (python -m etl restore --to ...).")
    if st.button("Vorige versie terugzetten", type="primary", key="beheer-restore"):
        try:
            restored = restore_previous(warehouse_dir, role=role, user=user)
        except etl_warehouse.WarehouseError as exc:
            st.error(str(exc))
            return
        st.cache_data.clear()
        st.session_state[FLASH] = f"Versie {restored.id} is weer de huidige versie."
        st.rerun()
