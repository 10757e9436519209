"""``python -m etl regio``: make the installation's municipalities a region (name, code, members).

The region lives in the release's meta (``members``, ``member_names``, ``region``; see
:func:`warehouse.releases.members_of`); its totals are recomputed by every publication
(:mod:`warehouse.region_totals`), so this command only stages a release with the new meta, previewed and
confirmed like any load. ``python -m etl cbs --gemeente A,B,C --regio-naam ...`` does the same while loading.
The helpers here are shared with :mod:`etl.cbs` (several ``--gemeente`` codes, ``--regio-*``).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Protocol

import polars as pl

import settings
from warehouse import catalogue as catalogue_mod
from warehouse.publication import publish
from warehouse.releases import WarehouseError, current_release, members_of


class _Own(Protocol):  # etl.cbs.Options, without importing it (cbs imports this module)
    gemeente: str | None
    members: tuple[str, ...]
    peers: tuple[str, ...]
    region: dict | None
    peers_by_member: dict | None


def parse_region(name: str | None, code: str | None) -> dict | None:
    """``--regio-naam`` and ``--regio-code`` as the release's ``region``; an own code RG0001 when none is given."""
    if not name and not code:
        return None
    code = (code or "RG0001").strip().upper()
    if not re.fullmatch(r"JZ\d{2}|RG\d{4}", code):
        raise WarehouseError(f"--regio-code: '{code}' is geen regiocode; gebruik de CBS-code van de jeugdregio "
                             "(zoals JZ13) of een eigen code RG0001 tot RG9999")
    return {"code": code, "name": (name or "").strip() or code}


def check_members(warehouse: Path, opts: _Own) -> None:
    """Refuse a CBS load for only some members of a region (a CBS table replaces the figures of every member),
    and a region of fewer than two municipalities."""
    prev = current_release(warehouse)
    before = members_of(prev.meta) if prev is not None else []
    own = [opts.gemeente, *opts.members] if opts.gemeente else []
    if len(before) > 1 and own and (missing := [m for m in before if m not in own]):
        raise WarehouseError(
            f"--gemeente: dit warehouse houdt de gemeenten {', '.join(before)} samen; een CBS-tabel vervangt de "
            f"cijfers van alle gemeenten, dus {', '.join(missing)} ontbreekt. Geef --gemeente {','.join(before)} "
            "(een gemeente erbij: zet haar achteraan), of laad een andere indeling in een nieuw warehouse.")
    if opts.region and len(own) < 2:
        raise WarehouseError("--regio-naam/--regio-code: een regio heeft minstens twee gemeenten; "
                             "geef ze met --gemeente GM0001,GM0002")


def release_meta(opts: _Own, regions: pl.DataFrame) -> dict:
    """The release's own municipality (the first), its members with their names, the peers and the region."""
    own = [opts.gemeente, *opts.members]
    found = dict(zip(regions["region_code"], regions["name"], strict=True))
    names = {code: found.get(code) or code for code in own}
    peers = dict(opts.peers_by_member) if opts.peers_by_member else list(opts.peers)
    meta = {"demo": False, "gemeente": opts.gemeente, "peers": peers, "gemeente_name": names[opts.gemeente]}
    if opts.members:
        meta |= {"members": own, "member_names": names}
    if opts.region:
        meta["region"] = dict(opts.region)
    return meta


def parse_members(text: str | None) -> list[str]:
    codes = [c.strip().upper() for c in (text or "").split(",") if c.strip()]
    if bad := [c for c in codes if not re.fullmatch(r"GM\d{4}", c)]:
        raise WarehouseError(f"--leden: {', '.join(bad)} is geen gemeentecode (voorbeeld: GM0995)")
    if len(set(codes)) < 2 or len(set(codes)) < len(codes):
        raise WarehouseError(f"--leden: geef minstens twee verschillende gemeenten, komma-gescheiden "
                             f"(nu: {text or 'niets'})")
    return codes


def set_region(warehouse: Path, *, name: str, code: str | None, members: list[str],
               catalogue_path: Path | None = None):
    """Publish (staged inside the command line) the current release with this region and these members.

    The home municipality stays first when it is a member; every code must be a municipality of the
    warehouse. Returns the release."""
    release = current_release(warehouse)
    if release is None:
        raise WarehouseError("Er is nog geen warehouse: laad eerst CBS-gegevens "
                             "(python -m etl cbs --gemeente GM0001,GM0002 --regio-naam ...)")
    regions = release.table("regions").filter(pl.col("level") == "gemeente")
    names = dict(zip(regions["region_code"], regions["name"], strict=True))
    if unknown := [m for m in members if m not in names]:
        raise WarehouseError(f"--leden: {', '.join(unknown)} is geen gemeente in dit warehouse ({warehouse}); "
                             "laad die eerst, bijvoorbeeld met python -m etl cbs --gemeente "
                             f"{','.join(members_of(release.meta) + unknown)}")
    region = parse_region(name, code)
    home = release.meta.get("gemeente")
    ordered = [home, *(m for m in members if m != home)] if home in members else list(members)
    meta = {"gemeente": ordered[0], "gemeente_name": names[ordered[0]], "members": ordered,
            "member_names": {m: names[m] for m in ordered}, "region": region}
    return publish(warehouse, indicators=catalogue_mod.load(catalogue_path).to_frame(), meta=meta)


def register(sub, common) -> None:
    p = sub.add_parser("regio", parents=[common],
                       help="maak van gemeenten in het warehouse een regio (naam, code, leden); het regiototaal "
                            "wordt bij elke publicatie opnieuw berekend")
    p.add_argument("--naam", required=True, help="naam van de regio, bijv. 'Regio Achterhoek'")
    p.add_argument("--code", default=None, help="CBS-code van de jeugdregio (JZ13) of een eigen code (standaard RG0001)")
    p.add_argument("--leden", required=True, help="de gemeenten, komma-gescheiden (GM0197,GM1859,GM0294)")
    p.set_defaults(func=run)


def run(args) -> int:
    members = parse_members(args.leden)
    path = settings.load(args.warehouse).warehouse
    release = set_region(path, name=args.naam, code=args.code, members=members, catalogue_path=args.catalogue)
    region = release.meta["region"]
    print(f"Regio {region['name']} ({region['code']}) met {len(members)} gemeenten: "
          f"{', '.join(release.meta['member_names'][m] for m in release.meta['members'])}.")
    without = [m for m in members if not release.table("regions").filter(pl.col("gemeente_code") == m)
               .filter(pl.col("level") == "wijk").height]
    if without:
        named = ", ".join(release.meta["member_names"][m] for m in without)
        print(f"Let op: van {named} staan geen wijken in het warehouse; laad ze met python -m etl cbs "
              f"--gemeente {','.join(release.meta['members'])}", flush=True)
    return 0
