"""The council prose of each law page, kept in ``data/law_pages/<law>.md`` so a municipality edits text, not code.

A file is a title (``# ...``) and sections (``## ...``). The page shows the first three as "Wat doet de
gemeente?", "Wie betaalt?" and "Wat doet de raad?", and "Vragen die de raad kan stellen" as a list.
"""

from __future__ import annotations

import functools
from pathlib import Path

from domain.laws import LAWS

TEXT_DIR = Path(__file__).resolve().parents[1] / "data" / "law_pages"
SECTIONS = {"what": "Wat doet de gemeente?", "money": "Wie betaalt?", "council": "Wat doet de raad?",
            "questions": "Vragen die de raad kan stellen"}


class LawTextError(ValueError):
    pass


def parse(text: str, where: str) -> dict:
    """``{"title": ..., "what": ..., "money": ..., "council": ..., "questions": [...]}`` from one file."""
    title, current, body = None, None, {}
    for line in text.splitlines():
        if line.startswith("# "):
            title = line[2:].strip()
        elif line.startswith("## "):
            heading = line[3:].strip()
            current = next((k for k, v in SECTIONS.items() if v == heading), None)
            if current is None:
                raise LawTextError(f"{where}: onbekend kopje '{heading}'; toegestaan: {', '.join(SECTIONS.values())}")
            body[current] = []
        elif line.strip() and current:
            body[current].append(line.strip())
    missing = [SECTIONS[k] for k in SECTIONS if not body.get(k)]
    if not title or missing:
        raise LawTextError(f"{where}: " + ("geen titel (# ...)" if not title else "ontbreekt: " + ", ".join(missing)))
    info = {"title": title, **{k: " ".join(body[k]) for k in ("what", "money", "council")}}
    info["questions"] = [q.removeprefix("- ").strip() for q in body["questions"] if q.startswith("- ")]
    return info


@functools.cache
def load(text_dir: Path = TEXT_DIR) -> dict[str, dict]:
    """Every law with a page (all of :data:`domain.laws.LAWS` but ``context``), in the menu's order."""
    return {law: parse((text_dir / f"{law}.md").read_text(encoding="utf-8"), f"data/law_pages/{law}.md")
            for law in LAWS if law != "context"}
