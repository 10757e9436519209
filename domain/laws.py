"""The laws of the social domain and the words the monitor uses for them: labels and registry products.

One place for this vocabulary, so the catalogue, the registry load and the suppression of linked figures agree.
Figures go under the law the council documents file them under: Veilig Thuis (domestic violence) under the Wmo,
jeugdbescherming and jeugdreclassering under the Jeugdwet; early school leaving (education), WW and AO
(paid by UWV) are context."""

LAWS = {
    "wmo": "Wmo",
    "jeugd": "Jeugd",
    "participatie": "Participatie en inkomen",
    "schuldhulp": "Schuldhulp",
    "context": "Inwoners en huishoudens",
}
# Registry product codes per law (domain.md): a row with another code is refused at load.
PRODUCTS = {
    "wmo": {f"{i:02d}" for i in range(1, 19)},
    "jeugd": {str(i) for i in range(40, 56)},
    "participatie": {"bijstand", "reintegratie", "loonkostensubsidie", "beschut_werk", "bijzondere_bijstand", "wsw",
                     "tegenprestatie"},
    "schuldhulp": {"stabilisatie", "budgetbeheer", "schuldregeling", "nazorg"},
}
# Catalogue categories that stand for a group of products.
# The Wsw (closed to newcomers since 2015) and the tegenprestatie are counted on their own, not as re-integration.
PRODUCT_GROUPS = {"reintegratie": ("reintegratie", "loonkostensubsidie", "beschut_werk")}
