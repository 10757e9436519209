"""Sanitising user Markdown with real XSS payloads (OWASP XSS filter evasion cheat sheet and friends)."""

from __future__ import annotations

import re

import pytest
from markdown_it import MarkdownIt

from store.markdown import is_safe_url, link_markdown, plain_text, render_safe_markdown, to_safe_html

PAYLOADS = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=http://xss.rocks/xss.js></SCRIPT>",
    "<img src=x onerror=alert(1)>",
    '<IMG SRC="javascript:alert(\'XSS\');">',
    "<IMG SRC=JaVaScRiPt:alert('XSS')>",
    "<IMG SRC=&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;&#97;&#108;&#101;&#114;&#116;&#40;&#39;&#88;&#83;&#83;&#39;&#41;>",
    "[x](javascript:alert(1))",
    "[x](JaVaScRiPt:alert(1))",
    "[x](&#106;avascript:alert(1))",
    "[x](&#x6A;&#x61;&#x76;&#x61;&#x73;&#x63;&#x72;&#x69;&#x70;&#x74;&#x3A;alert(1))",
    "[x](jav&#x09;ascript:alert(1))",
    "[x](java\\script:alert(1))",
    "[x]( javascript:alert(1) )",
    "[x](<javascript:alert(1)>)",
    "[x](vbscript:msgbox(1))",
    "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[x][ref]\n\n[ref]: javascript:alert(1)",
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">klik</a>',
    '<a href="javascript:alert(1)">klik</a>',
    "<svg onload=alert(1)>",
    "<svg/onload=alert('XSS')>",
    '<iframe src="javascript:alert(1)"></iframe>',
    "<iframe src=https://evil.example></iframe>",
    "<javascript:alert(1)>",
    "<JAVASCRIPT:alert(1)>",
    "<vbscript:msgbox(1)>",
    "<data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==>",
    '<BODY ONLOAD=alert("XSS")>',
    "<style>body{background:url(javascript:alert(1))}</style>",
    "<math><mi xlink:href=\"javascript:alert(1)\">x</mi></math>",
    "<details open ontoggle=alert(1)>",
    '<div style="background-image: url(javascript:alert(1))">x</div>',
    "<!--<img src=x onerror=alert(1)>-->",
    "![x](javascript:alert(1))",
    '![x](https://evil.example/pixel.png "x")',
    "`<script>alert(1)</script>`",
    "```html\n<script>alert(1)</script>\n```",
]

SAFE_LINK = re.compile(r"\]\((https?://[^)\s]+)\)")


def _links_in_markdown(md: str) -> list[str]:
    """What st.markdown would turn into links: parse our output again as CommonMark (HTML on, worst case)."""
    tokens = MarkdownIt("commonmark").parse(md)
    hrefs = []
    for t in tokens:
        for child in t.children or []:
            if child.type in ("link_open", "image"):
                hrefs.append(str(child.attrs.get("href") or child.attrs.get("src")))
    return hrefs


def _html_of_markdown(md: str) -> str:
    """Our Markdown rendered by a full CommonMark renderer WITH raw HTML allowed: nothing may come through."""
    return MarkdownIt("commonmark", {"html": True}).render(md)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_markdown_output_has_no_html_no_script_and_only_http_links(payload):
    md = render_safe_markdown(payload)
    html = _html_of_markdown(md).lower()
    assert "<script" not in html and "<img" not in html and "<svg" not in html and "<iframe" not in html
    assert "<a " not in html or all(h.startswith(("http://", "https://")) for h in _links_in_markdown(md))
    assert not re.search(r"<[^>]+\son\w+\s*=", html)  # no real tag carries an event handler
    for href in _links_in_markdown(md):
        assert is_safe_url(href), href
    assert "javascript:" not in md.lower() and "vbscript:" not in md.lower()
    assert "data:text/html" not in md.lower()


@pytest.mark.parametrize("payload", PAYLOADS)
def test_html_output_is_inert(payload):
    html = to_safe_html(payload).lower()
    for tag in ("<script", "<img", "<svg", "<iframe", "<style", "<math", "<details", "<body", "<div", "<!--"):
        assert tag not in html, (payload, html)
    assert not re.search(r"<[^>]+\son\w+\s*=", html)
    for href in re.findall(r'<a\s[^>]*href="([^"]*)"', html):  # real tags only, not escaped text
        assert href.startswith(("http://", "https://")), href
    assert "javascript:" not in html and "vbscript:" not in html and "data:text" not in html


def test_ordinary_markdown_survives():
    text = ("Het aantal cliënten steeg **fors** in *2024*.\n\n- meer aanvragen\n- kortere wachttijd\n\n"
            "Zie [de raadsinformatiebrief](https://www.lelystad.nl/rib-2024.pdf) en <https://cbs.nl>.")
    md = render_safe_markdown(text)
    assert "**fors**" in md and "*2024*" in md
    assert "- meer aanvragen" in md
    assert _links_in_markdown(md) == ["https://www.lelystad.nl/rib-2024.pdf", "https://cbs.nl"]
    html = to_safe_html(text)
    assert '<a href="https://www.lelystad.nl/rib-2024.pdf" rel="noopener noreferrer nofollow">' in html
    assert "<strong>fors</strong>" in html and "<li>meer aanvragen</li>" in html


def test_escaped_text_cannot_form_new_markdown():
    # Text that looks like markup after entity decoding must stay text.
    md = render_safe_markdown("&lt;script&gt;alert(1)&lt;/script&gt; &#91;x&#93;&#40;https://a.nl&#41; $x$ :red[y]")
    assert _links_in_markdown(md) == []
    assert "<script" not in _html_of_markdown(md)
    assert "\\$x\\$" in md  # no LaTeX from user text in Streamlit


def test_images_never_load():
    md = render_safe_markdown("![pixel](https://tracker.example/p.png)")
    assert "<img" not in _html_of_markdown(md)
    assert "<img" not in to_safe_html("![pixel](https://tracker.example/p.png)")


@pytest.mark.parametrize("url,ok", [
    ("https://www.gemeente.nl/a", True), ("http://x.nl", True), ("HTTPS://X.NL/", True),
    ("javascript:alert(1)", False), ("JaVaScRiPt:alert(1)", False), (" javascript:alert(1)", False),
    ("data:text/html;base64,xx", False), ("vbscript:x", False), ("//evil.example/x", False), ("/relatief", False),
    ("mailto:a@b.nl", False), ("https://", False), ("java\nscript:alert(1)", False), ("https://a.nl/\x00", False),
])
def test_is_safe_url(url, ok):
    assert is_safe_url(url) is ok


def test_link_markdown_for_council_documents():
    assert link_markdown("Raadsbrief [2024]", "https://x.nl/a(b)") == "[Raadsbrief \\[2024\\]](https://x.nl/a%28b%29)"
    assert link_markdown("Kwaad", "javascript:alert(1)") == "Kwaad"


def test_plain_text_for_tooltips():
    assert plain_text("**Wat** zien [we](https://x.nl)\n\n<b>x</b>", 200) == "Wat zien we <b>x</b>"
    assert plain_text("a" * 300, 10) == "a" * 9 + "…"
