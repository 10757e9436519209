"""Safe rendering of user-written Markdown (interpretation notes, dossier introductions).

Library choice: markdown-it-py (CommonMark-exact parser, raw HTML switched off, every link destination
checked *after* entity and escape decoding) plus nh3 (Rust ammonia) as a second, independent
allow-list on the HTML output; a hand-written regex sanitiser misses the decoding tricks these catch.

Two outputs from the same parse tree, so screen and print never differ:

- :func:`render_safe_markdown` rebuilds *Markdown* from the parse tree with every piece of user text
  escaped, so ``st.markdown`` (without ``unsafe_allow_html``) sees only constructs we emitted:
  paragraphs, emphasis, lists, quotes, code, and links whose URL is http(s).
- :func:`to_safe_html` renders HTML for the PDF handout, then cleans it with nh3.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import nh3
from markdown_it import MarkdownIt
from markdown_it.tree import SyntaxTreeNode

_CONTROL = re.compile(r"[\x00-\x20\x7f-\x9f]")


def is_safe_url(url: str | None) -> bool:
    """Only absolute http(s) URLs with a host: no javascript:, data:, vbscript:, relative or protocol-relative."""
    if not url or _CONTROL.search(url):
        return False
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.scheme.lower() in ("http", "https") and bool(parts.hostname)


def _parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.disable("image")  # no external images: tracking pixels and layout breakers
    # markdown-it calls this with the destination already entity-decoded and normalised, so
    # "&#106;avascript:" and "JaVaScRiPt:" arrive here as plain "javascript:" and are refused.
    md.validateLink = is_safe_url
    md.core.ruler.push("neutralise_schemes", _neutralise_schemes)
    return md


# A refused link stays as text; drop the scheme word too, so no "javascript:" reaches a reader
# (some viewers and PDF tools linkify text on their own).
_BAD_SCHEME = re.compile(r"(?i)\b(?:java|vb|live)script\s*:|\bdata\s*:(?=\s*[a-z]+/)")


def _neutralise_schemes(state) -> None:
    for token in state.tokens:
        for child in token.children or ():
            if child.type in ("text", "code_inline"):
                child.content = _BAD_SCHEME.sub("", child.content)


_MD = _parser()

# Inline characters that could start a construct in the Markdown we hand to st.markdown
# ($ is Streamlit's LaTeX, ~ strikethrough, | tables, : [ ] its colour/icon directives).
_INLINE_SPECIAL = re.compile(r"([\\`*_\[\]<>&$~|!])")
# Line starts that would become a heading, list, quote, rule or setext underline.
_LINE_START = re.compile(r"^(\s*)([#>+=-]|\d+[.)])")


def escape_text(text: str) -> str:
    return _INLINE_SPECIAL.sub(r"\\\1", text)


def _escape_line_starts(inline: str) -> str:
    return "\n".join(_LINE_START.sub(lambda m: m.group(1) + "\\" + m.group(2), line) for line in inline.split("\n"))


def _code_span(code: str) -> str:
    longest = max((len(run) for run in re.findall(r"`+", code)), default=0)
    fence = "`" * (longest + 1)
    return f"{fence} {code} {fence}"


def _inline(node: SyntaxTreeNode) -> str:
    out: list[str] = []
    for child in node.children:
        t = child.type
        if t == "text":
            out.append(escape_text(child.content))
        elif t == "softbreak":
            out.append("\n")
        elif t == "hardbreak":
            out.append("\\\n")
        elif t == "code_inline":
            out.append(_code_span(child.content))
        elif t == "em":
            out.append(f"*{_inline(child)}*")
        elif t == "strong":
            out.append(f"**{_inline(child)}**")
        elif t == "link":
            href = str(child.attrs.get("href", ""))
            label = _inline(child)
            if is_safe_url(href):
                # Parentheses would end the destination early; the URL is otherwise percent-encoded.
                href = href.replace("(", "%28").replace(")", "%29").replace(" ", "%20")
                out.append(f"[{label}]({href})")
            else:
                out.append(label)
        else:  # anything unexpected: keep its text, never its markup
            out.append(escape_text(child.content or "") if not child.children else _inline(child))
    return "".join(out)


def _indent(text: str, prefix: str, first: str | None = None) -> str:
    lines = text.split("\n")
    first = prefix if first is None else first
    return "\n".join((first if i == 0 else prefix) + line if line or i == 0 else line for i, line in enumerate(lines))


def _blocks(node: SyntaxTreeNode, tight: bool = False) -> str:
    parts: list[str] = []
    for child in node.children:
        parts.append(_block(child))
    return ("\n" if tight else "\n\n").join(p for p in parts if p != "")


def _block(node: SyntaxTreeNode) -> str:
    t = node.type
    if t == "paragraph":
        return _escape_line_starts("".join(_inline(c) for c in node.children))
    if t == "heading":  # headings inside a note section would shout: render them bold
        return "**" + _escape_line_starts("".join(_inline(c) for c in node.children)) + "**"
    if t == "inline":
        return _escape_line_starts(_inline(node))
    if t == "blockquote":
        return _indent(_blocks(node), "> ")
    if t in ("bullet_list", "ordered_list"):
        tight = not any(not getattr(p, "hidden", False) for li in node.children for p in _paragraph_tokens(li))
        start = int(node.attrs.get("start", 1)) if t == "ordered_list" else 1
        items = []
        for n, item in enumerate(node.children):
            marker = f"{start + n}. " if t == "ordered_list" else "- "
            body = _blocks(item, tight=tight) or ""
            items.append(_indent(body, " " * len(marker), marker))
        return ("\n" if tight else "\n\n").join(items)
    if t in ("code_block", "fence"):
        code = node.content.rstrip("\n")
        longest = max((len(run) for run in re.findall(r"`{3,}", code)), default=0)
        fence = "`" * max(3, longest + 1)
        return f"{fence}\n{code}\n{fence}"
    if t == "hr":
        return "---"
    if node.children:
        return _blocks(node)
    return _escape_line_starts(escape_text(node.content or ""))


def _paragraph_tokens(item: SyntaxTreeNode):
    for child in item.children:
        if child.type == "paragraph" and child.nester_tokens:
            yield child.nester_tokens.opening


def render_safe_markdown(text: str | None) -> str:
    """User Markdown rebuilt from its parse tree: all text escaped, links only http(s), no HTML, no images."""
    if not text:
        return ""
    tree = SyntaxTreeNode(_MD.parse(text))
    return _blocks(tree).strip()


_ALLOWED_TAGS = {"p", "br", "em", "strong", "ul", "ol", "li", "blockquote", "code", "pre", "hr", "a",
                 "h1", "h2", "h3", "h4", "h5", "h6"}


def to_safe_html(text: str | None) -> str:
    """HTML for print (the PDF handout): markdown-it without raw HTML, then an nh3 allow-list."""
    if not text:
        return ""
    html = _MD.render(text)
    return nh3.clean(html, tags=_ALLOWED_TAGS, attributes={"a": {"href"}, "ol": {"start"}},
                     url_schemes={"http", "https"}, link_rel="noopener noreferrer nofollow",
                     strip_comments=True)


def link_markdown(title: str, url: str) -> str:
    """One council-document link as safe Markdown; an unsafe URL leaves only the escaped title."""
    label = escape_text(title.replace("\n", " ").strip()) or escape_text(url)
    if not is_safe_url(url):
        return label
    href = _MD.normalizeLink(url).replace("(", "%28").replace(")", "%29")
    return f"[{label}]({href})" if is_safe_url(href) else label


def plain_text(text: str | None, limit: int | None = None) -> str:
    """The readable text of user Markdown, without any markup (for tooltips and labels)."""
    if not text:
        return ""
    tree = SyntaxTreeNode(_MD.parse(text))
    words: list[str] = []

    def walk(node: SyntaxTreeNode) -> None:
        if node.type in ("text", "code_inline", "code_block", "fence"):
            words.append(node.content)
        elif node.type in ("softbreak", "hardbreak"):
            words.append(" ")
        for child in node.children:
            walk(child)
        if node.type in ("paragraph", "heading", "list_item"):
            words.append(" ")

    walk(tree)
    out = re.sub(r"\s+", " ", "".join(words)).strip()
    if limit and len(out) > limit:
        out = out[: limit - 1].rstrip() + "…"
    return out
