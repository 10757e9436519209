"""The law pages' prose lives in data/law_pages/*.md; a malformed file is refused with a Dutch message."""

from __future__ import annotations

import re

import pytest

from components import law_texts


def test_every_law_page_has_its_four_sections():
    texts = law_texts.load()
    assert list(texts) == ["wmo", "jeugd", "participatie", "schuldhulp"]
    assert texts["wmo"]["title"] == "Wmo: zelfstandig thuis wonen en meedoen"
    assert texts["schuldhulp"]["council"].endswith("binnen drie werkdagen.")
    for law, info in texts.items():
        assert all(info[k] for k in ("what", "money", "council")), law
        assert len(info["questions"]) >= 4 and all(q.endswith("?") for q in info["questions"]), law


def test_paragraph_lines_are_joined_and_questions_listed():
    info = law_texts.parse("# T\n## Wat doet de gemeente?\nEen\ntwee.\n## Wie betaalt?\nRijk.\n"
                           "## Wat doet de raad?\nKiezen.\n## Vragen die de raad kan stellen\n- Hoe?\n- Waarom?\n", "x.md")
    assert info == {"title": "T", "what": "Een twee.", "money": "Rijk.", "council": "Kiezen.",
                    "questions": ["Hoe?", "Waarom?"]}


@pytest.mark.parametrize("text, message", [
    ("## Wat doet de gemeente?\nx\n", "x.md: geen titel (# ...)"),
    ("# T\n## Wat doet de gemeente?\nx\n", "x.md: ontbreekt: Wie betaalt?, Wat doet de raad?, Vragen die de raad kan stellen"),
    ("# T\n## Kosten\nx\n", "x.md: onbekend kopje 'Kosten'"),
])
def test_a_malformed_file_is_named_with_what_is_wrong(text, message):
    with pytest.raises(law_texts.LawTextError, match=re.escape(message)):
        law_texts.parse(text, "x.md")
