"""Registry loads in a region: which member a load is for, its source ids and the shared postcode table.

In a region (a release whose meta names ``members``) every member loads its own extracts. A load for one
member must never replace another member's figures, so the source ids carry the member: the home member
(meta ``gemeente``) keeps ``registry:<law>`` (a single installation is unchanged), every other member gets
``registry:<GMcode>:<law>`` (the same for the stapeling, cases and signals sources).

The postcode table kept beside the warehouse and in the release holds the postcodes of all members. A
member's new table replaces only that member's rows (by ``gemeente_code``; a table without that column is
the loading member's).
"""

from __future__ import annotations

import io

import polars as pl

from etl.registry_read import ExtractRefused
from warehouse.releases import members_of

PREFIX = "registry"


def check_member(meta: dict | None, gemeente: str) -> None:
    """Refuse a load for a municipality that is not one of the release's members (when it names them)."""
    meta = meta or {}
    if not meta.get("members"):
        return  # a single installation: as before
    members = members_of(meta)
    if gemeente not in members:
        names = meta.get("member_names") or {}
        listed = ", ".join(f"{m} ({names[m]})" if names.get(m) else m for m in members)
        raise ExtractRefused(f"Gemeente {gemeente} hoort niet bij deze monitor. Kies met --gemeente een van de "
                             f"gemeenten van de regio: {listed}")


def source_prefix(meta: dict | None, gemeente: str) -> str:
    """``registry`` for the home member (or a single installation), ``registry:<GMcode>`` for another member."""
    home = (meta or {}).get("gemeente")
    return PREFIX if not home or gemeente == home else f"{PREFIX}:{gemeente}"


def kind_of(source_id: str) -> str:
    """The law or group of a registry source id: ``wmo`` of ``registry:wmo`` and of ``registry:GM9991:wmo``."""
    return source_id.rsplit(":", 1)[-1]


def member_of(source_id: str) -> str | None:
    """The member a registry source id names (``GM9991`` of ``registry:GM9991:wmo``), None for the home's."""
    parts = source_id.split(":")
    return parts[1] if len(parts) == 3 else None


def member_postcodes(pc: pl.DataFrame, gemeente: str) -> pl.DataFrame:
    """The rows of a (read) postcode table that belong to ``gemeente``: its own rows and rows without a code.
    A table of one municipality comes back whole."""
    return pc.filter(pl.col("gemeente_code").is_null() | (pl.col("gemeente_code") == gemeente))


def _frame(data: bytes) -> pl.DataFrame:
    pc = pl.read_csv(io.BytesIO(data), infer_schema=False)
    if "gemeente_code" not in pc.columns:
        pc = pc.with_columns(pl.lit(None, pl.String).alias("gemeente_code"))
    return pc


def merge_postcodes(old: bytes | None, new: bytes, *, gemeente: str | None = None, home: str | None = None) -> bytes:
    """One postcode table for all members: ``new`` replaces the rows of the municipalities it holds (rows
    without a code are ``gemeente``'s) and keeps every other member's rows of ``old`` (whose rows without a
    code are the ``home`` member's). Without another municipality's rows to keep, ``new`` comes back as is."""
    if not old:
        return new
    fresh, kept = _frame(new), _frame(old)
    if gemeente:
        fresh = fresh.with_columns(pl.col("gemeente_code").fill_null(gemeente))
    if home:
        kept = kept.with_columns(pl.col("gemeente_code").fill_null(home))
    replaced = set(fresh["gemeente_code"].drop_nulls().to_list())
    if not replaced:
        return new
    kept = kept.filter(pl.col("gemeente_code").is_not_null() & ~pl.col("gemeente_code").is_in(sorted(replaced)))
    if kept.height == 0:
        return new
    merged = pl.concat([kept, fresh], how="diagonal_relaxed")
    return merged.sort("gemeente_code", maintain_order=True).write_csv().encode()
