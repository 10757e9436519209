"""Privacy: extracts with BSNs, names, birth dates and addresses in every column (free-text ones too)
are loaded through the command line and through the upload's code; afterwards no file in the warehouse,
the store or the temp folder holds any of them, nor their sha256, md5 or base64 form."""

from __future__ import annotations

import base64
import hashlib
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import polars as pl

from tests.registry.test_registry import GM, HEADER, POSTCODES, value
from warehouse.releases import current_release

ROOT = Path(__file__).resolve().parents[2]
EXTRA = "naam,adres,telefoon,toelichting"  # columns the profile does not know: dropped unread


def people(n: int, law: str) -> tuple[list[dict], list[str]]:
    out = []
    for i in range(n):
        bsn = f"{183746529 + 7919 * i + (1000 if law == 'jeugd' else 0)}"
        out.append({"bsn": bsn, "name": f"Quirijn{i}{law} Zwavelaar", "address": f"Kwikstaartlaan {17 + i}{law}",
                    "birth": f"{1930 + i % 50}-{1 + i % 12:02d}-{10 + i % 18}" if law == "wmo"
                    else f"{2008 + i % 8}-{1 + i % 12:02d}-{10 + i % 18}", "phone": f"06-{31415926 + i}"})
    return out, [v for p in out for v in p.values()]


def extract(law: str, n: int = 40, *, bad_rows: bool = True) -> tuple[bytes, list[str]]:
    ps, secrets = people(n, law)
    product = "01" if law == "wmo" else "45"
    rows = []
    for p in ps:
        # Identifiers in every column that is free text or an id; the checked columns hold valid codes.
        rows.append(",".join([p["bsn"], p["address"], p["birth"], "1000AA", p["name"], "2024-01-02", "2024-01-10",
                              "maatwerk", product, "2024-01-15", "", f"overleden {p['name']}", "ZIN",
                              f"{p['name']} {p['address']}", f"huisarts {p['name']} {p['bsn']}", "100",
                              p["name"], p["address"], p["phone"], f"{p['name']} woont {p['address']}"]))
    # Rows whose checked columns hold person data: refused per row, never echoed.
    q = ps[0]
    if not bad_rows:
        return ("\n".join([f"{HEADER},{EXTRA}", *rows]) + "\n").encode(), secrets
    rows.append(",".join([q["bsn"], q["address"], q["birth"], q["address"], "", "2024-01-02", "", q["name"],
                          q["bsn"], "2024-01-15", "", "", q["name"], "", "", q["phone"], q["name"], "", "", ""]))
    rows.append(",".join([q["name"], q["bsn"], q["name"], "1000AA", "", q["birth"], "", "", product, q["address"],
                          "", "", "", "", "", "", "", "", "", ""]))
    return ("\n".join([f"{HEADER},{EXTRA}", *rows]) + "\n").encode(), secrets


def forms(secret: str) -> list[str]:
    raw = secret.encode()
    return [secret, hashlib.sha256(raw).hexdigest(), hashlib.sha256(raw).hexdigest().upper(),
            hashlib.md5(raw).hexdigest(), base64.b64encode(raw).decode(), base64.urlsafe_b64encode(raw).decode()]


def scan(folders: list[Path], secrets: list[str]) -> list[tuple[str, str]]:
    needles = {form: s for s in secrets for form in forms(s)}
    found = []
    files = [p for folder in folders if folder.exists() for p in folder.rglob("*") if p.is_file()]
    assert files
    for path in files:
        text = path.read_bytes().decode("latin-1")
        if path.suffix == ".parquet":  # compressed: look at the values themselves
            text += pl.read_parquet(path).cast(pl.String).write_csv()
        found += [(str(path), needles[n]) for n in needles if n in text]
    return found


def test_no_identifier_in_any_form_is_written_anywhere(tmp_path, monkeypatch):
    inputs, wh, store, tmp = tmp_path / "in", tmp_path / "warehouse", tmp_path / "store", tmp_path / "tmp"
    for d in (inputs, store, tmp):
        d.mkdir()
    wmo, s1 = extract("wmo")
    jeugd, s2 = extract("jeugd")
    secrets = s1 + s2
    (inputs / "wmo.csv").write_bytes(wmo)
    (inputs / "jeugd.csv").write_bytes(jeugd)
    (inputs / "pc.csv").write_bytes(POSTCODES)
    env = os.environ | {"TMPDIR": str(tmp), "MSD_STORE_URL": f"sqlite:///{store / 'monitor.sqlite'}",
                        "MSD_MIN_COUNT": "1", "MSD_MIN_DENOMINATOR": "1", "PYTHONDONTWRITEBYTECODE": "1"}
    cli = [sys.executable, "-m", "etl", "registry", "--wmo", str(inputs / "wmo.csv"), "--jeugd",
           str(inputs / "jeugd.csv"), "--postcodes", str(inputs / "pc.csv"), "--gemeente", GM, "--reference-date",
           "2025-12-31", "--warehouse", str(wh)]
    out = subprocess.run([*cli, "--max-errors", "20", "--yes"], cwd=ROOT, env=env, capture_output=True, text=True,
                         timeout=300)
    assert out.returncode == 0, out.stderr
    assert value(current_release(wh).table("observations"), "wmo_reg_clients", GM, "2024JJ00") == 40
    refused = subprocess.run(cli, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)  # over 1%
    assert refused.returncode == 2 and "er is niets geladen" in refused.stderr
    printed = out.stdout + out.stderr + refused.stdout + refused.stderr
    assert "rij 42, kolom product_code" in printed  # rows are named by number, column and reason
    assert not [s for s in secrets if any(f in printed for f in forms(s))]

    # The upload page's code path: staged, previewed, confirmed, audited in the store.
    from components.registry_upload import confirm_upload, load_uploads
    from queries import Warehouse
    from warehouse import releases as warehouse
    from warehouse.preview import preview

    monkeypatch.setenv("MSD_STORE_URL", env["MSD_STORE_URL"])
    monkeypatch.setenv("MSD_MIN_COUNT", "1")
    monkeypatch.setenv("MSD_MIN_DENOMINATOR", "1")
    monkeypatch.setenv("MSD_MAX_EXTRACT_MB", "5")
    wh_app = Warehouse.open(wh)
    clean, _ = extract("wmo", bad_rows=False)
    report = load_uploads(wh_app, {"wmo": ("wmo.csv", clean)}, POSTCODES, profile="standaard", sheet=None,
                          reference=date(2025, 12, 31), role="ambtenaar", user="a.jansen")
    text = "\n".join(preview(wh, warehouse.staged_release(wh, report.release)).lines())
    assert not [s for s in secrets if s in text]
    assert report.problem_counts["wmo"] == 0 and report.other == {"wmo": {"referrer": 40, "end_reason": 40}}  # free text: "overig"
    confirm_upload(wh_app, report.release, role="ambtenaar", user="a.jansen", detail="wmo")

    found = scan([wh, store, tmp], secrets)
    assert not found, found[:5]


def test_the_scan_finds_every_form_of_a_secret(tmp_path):
    """The scan above can fail: each form of a value, plain or inside a Parquet file, is found."""
    secret = "183746529"
    for i, form in enumerate(forms(secret)):
        (tmp_path / f"f{i}.txt").write_text(f"x{form}y")
    pl.DataFrame({"v": [f"huisarts {secret}"]}).write_parquet(tmp_path / "o.parquet", compression="zstd")
    found = scan([tmp_path], [secret])
    assert sorted(Path(p).name for p, _ in found) == sorted([*(f"f{i}.txt" for i in range(6)), "o.parquet"])
