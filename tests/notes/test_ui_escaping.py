"""User text on the Duiding page is not Markdown: a saver's name in the conflict warning and in a refusal."""

from __future__ import annotations

from tests.notes.conftest import content
from tests.notes.test_ui import open_page
from tests.support.signin import fake_browser, fast_hashes, signed_in_page  # noqa: F401  (autouse fixtures)

EVIL = "[klik](https://evil.example) **baas**"


def test_the_newer_version_warning_escapes_the_savers_name(ui_store):  # noqa: F811
    n = ui_store.create(content(title="Mijn duiding"), role="ambtenaar", user="anna")
    ui_store.update(n.note_id, 1, content(title="Mijn duiding, anders"), role="ambtenaar", user=EVIL)
    from tests.notes.test_ui import ROOT

    at = signed_in_page(ROOT / "app_pages" / "duiding.py", "ambtenaar")
    at.session_state[f"base-{n.note_id}"] = 1  # this person started from version 1; someone saved version 2
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    warning = next(w.value for w in at.warning if "nieuwere versie" in w.value)
    assert r"\[klik\](https://evil.example) \*\*baas\*\*" in warning
    assert "[klik](" not in warning


def test_a_conflict_message_naming_the_saver_is_escaped(ui_store):  # noqa: F811
    n = ui_store.create(content(title="Mijn duiding"), role="ambtenaar", user="anna")
    at = open_page("ambtenaar")  # sees version 1
    ui_store.update(n.note_id, 1, content(title="Intussen"), role="ambtenaar", user=EVIL)
    next(b for b in at.button if b.label == "Klaarzetten voor controle").click().run()
    error = next(e.value for e in at.error if "Iemand anders" in e.value)
    assert r"\[klik\]" in error and "[klik](" not in error
