"""The laws of the social domain and the words the monitor uses for them: labels and registry products.

One place for this vocabulary, so the catalogue, the registry load and the suppression of linked figures agree."""

LAWS = {
    "wmo": "Wmo",
    "jeugd": "Jeugd",
    "participatie": "Participatie en inkomen",
    "schuldhulp": "Schuldhulp",
    "veiligheid": "Veiligheid en jeugdbescherming",
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
