"""The demo shows what the product is for: comparison groups on Vergelijken (issue 17, point 8), and
dossier templates that compare like with like."""

from __future__ import annotations

from tests.test_app import open_page


def test_vergelijken_in_the_demo_shows_a_peer_group_and_offers_the_demo_regions(app_env, demo_warehouse):
    app_env(demo_warehouse)
    at = open_page("app_pages/vergelijken.py")
    assert at.subheader[0].value == "De 5 meest vergelijkbare gemeenten"
    members = at.dataframe[0].value
    assert len(members) == 5 and members["Waarom vergelijkbaar"].str.startswith("lijkt vooral in").all()
    assert {"Vaste vergelijkingsgroep", "Provincie Middenland (demo)", "COROP-gebied Rivierstreek (demo)",
            "Jeugdregio Rivierstreek-Oost (demo)", "Arbeidsmarktregio Werkregio Middenland (demo)"} <= set(
        at.selectbox(key="groep").options)
    at.selectbox(key="groep").set_value("JZ99").run()
    assert at.subheader[0].value == "Jeugdregio Rivierstreek-Oost (demo)"
    assert len(at.dataframe[0].value) == 5  # the demo's youth region: five of the peers
    assert at.query_params["groep"] == "JZ99"


def test_no_template_draws_a_count_beside_its_wijken_or_other_places():
    """The whole municipality's count beside a wijk's draws the wijken as flat lines near zero."""
    from components import dossier_document
    from warehouse import catalogue

    cat = catalogue.load().to_frame()
    counts = set(cat.filter(cat["unit"] == "count")["id"].to_list())
    for template in dossier_document.load_templates():
        for section in template["section"]:
            compared = section.get("areas") == "wijken" or section.get("comparison", "geen") != "geen"
            assert not (compared and counts & set(section.get("indicators", []))), (template["id"], section["title"])
