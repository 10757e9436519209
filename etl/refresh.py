"""``python -m etl refresh``: load what CBS changed since the last load, for a scheduler.

It checks the ``Modified`` stamp of every CBS table in the catalogue (and of the loaded "Gebieden in
Nederland" table) against the release stamp kept in the warehouse, and loads only the tables that
changed, for the same municipality and peers as before (every member of a region, its region), in one new
release.

Exit codes (for systemd, cron or any other scheduler):

====  =====================================================================================
0     new figures loaded: a new release is live
1     nothing new: every table is as last loaded; the warehouse is unchanged
2     bad input (no warehouse yet, the demo, a catalogue or table id CBS does not know, ...);
      a person must act; the warehouse is unchanged
3     the source is unreachable (network, CBS errors after every retry, or CBS asking to wait
      longer than MSD_HTTP_RETRY_AFTER_MAX); try again later; the warehouse is unchanged
130   interrupted
====  =====================================================================================
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path

import settings
from etl import cbs, gebieden
from etl.odata import DEFAULT_V3_BASE, DEFAULT_V4_BASE, Client, Unreachable
from warehouse.releases import WarehouseError, current_release, members_of, region_of

EXIT_LOADED, EXIT_NOTHING_NEW, EXIT_BAD_INPUT, EXIT_UNREACHABLE = 0, 1, 2, 3


@dataclass
class Outcome:
    loaded: list[str] = field(default_factory=list)  # table ids loaded anew
    unchanged: list[str] = field(default_factory=list)
    skipped: dict[str, str] = field(default_factory=dict)

    @property
    def exit_code(self) -> int:
        return EXIT_LOADED if self.loaded else EXIT_NOTHING_NEW


def refresh(warehouse: Path, *, catalogue_path: Path | None = None, base_url: str = DEFAULT_V3_BASE,
            v4_base_url: str = DEFAULT_V4_BASE, client: Client | None = None) -> Outcome:
    """Load every changed table; raises Unreachable when CBS cannot be reached, WarehouseError on bad input."""
    release = current_release(warehouse)
    if release is None:
        raise WarehouseError("Er is nog geen warehouse om te verversen: laad eerst CBS-gegevens "
                             "(python -m etl cbs --gemeente GMxxxx --peers ...)")
    if release.meta.get("demo"):
        raise WarehouseError("Dit warehouse is de demo; verversen gaat alleen over CBS-gegevens "
                             "(laad eerst python -m etl cbs --gemeente GMxxxx)")
    own = client is None
    client = client or Client()
    try:
        members, peers = members_of(release.meta), release.meta.get("peers") or ()
        by_member = peers if isinstance(peers, dict) else None  # peers chosen per member: all of them are read
        flat = dict.fromkeys(p for ps in by_member.values() for p in ps) if by_member else peers
        report = cbs.run_load(cbs.Options(
            warehouse=warehouse, catalogue=catalogue_path, gemeente=members[0] if members else None,
            members=tuple(members[1:]), region=region_of(release.meta), peers=tuple(flat), peers_by_member=by_member,
            base_url=base_url, v4_base_url=v4_base_url), client)
        outcome = Outcome(list(report.loaded), list(report.unchanged), dict(report.skipped))
        areas = gebieden.loaded_table(warehouse)
        if areas is not None and areas[0] != "demo":
            table, modified = areas
            stamp = cbs.read_stamp_v3(client, base_url, table)
            if str(stamp.get("Modified") or "") != modified:
                gebieden.load(warehouse, table=table, base_url=base_url, catalogue_path=catalogue_path,
                              client=client)
                outcome.loaded.append(table)
            else:
                outcome.unchanged.append(table)
        return outcome
    finally:
        if own:
            client.close()


def register(sub, common) -> None:
    p = sub.add_parser("refresh", parents=[common],
                       help="laad alleen de CBS-tabellen die veranderd zijn (exitcode 0 nieuw, 1 niets nieuw, "
                            "2 foute invoer, 3 bron onbereikbaar)")
    p.add_argument("--base-url", default=None, help=f"CBS OData v3 (standaard {DEFAULT_V3_BASE} of $MSD_CBS_BASE_URL)")
    p.add_argument("--v4-base-url", default=None,
                   help=f"CBS OData v4 (standaard {DEFAULT_V4_BASE} of $MSD_CBS_V4_BASE_URL)")
    p.set_defaults(func=run)


def run(args) -> int:
    try:
        outcome = refresh(
            settings.load(args.warehouse).warehouse, catalogue_path=args.catalogue,
            base_url=(args.base_url or settings.text("MSD_CBS_BASE_URL")).rstrip("/"),
            v4_base_url=(args.v4_base_url or settings.text("MSD_CBS_V4_BASE_URL")).rstrip("/"))
    except Unreachable as exc:
        print(f"Bron onbereikbaar: {exc}", file=sys.stderr)
        print("Het warehouse is niet veranderd; probeer het later opnieuw.", file=sys.stderr)
        return EXIT_UNREACHABLE
    done = f"Nieuw geladen: {', '.join(outcome.loaded)}" if outcome.loaded else None
    cbs.print_outcome(done, outcome.unchanged, outcome.skipped)
    return outcome.exit_code
