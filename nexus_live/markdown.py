"""The one Markdown renderer: chat messages and board cards become safe HTML here."""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache

import nh3
from markdown_it import MarkdownIt
from markdown_it.common.utils import escapeHtml, unescapeAll
from markdown_it.renderer import RendererHTML
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexer import Lexer
from pygments.lexers import find_lexer_class_by_name, get_all_lexers
from pygments.token import STANDARD_TYPES
from pygments.util import ClassNotFound

URL_SCHEMES = {"http", "https", "mailto"}
LINK_REL = "nofollow noopener noreferrer"
ALLOWED_TAGS = {
    "p", "br", "hr", "h3", "h4", "h5", "h6", "em", "strong", "s", "a", "code", "pre",
    "blockquote", "ul", "ol", "li", "table", "thead", "tbody", "tr", "th", "td",
    "div", "span", "button",
}  # fmt: skip
COPY_BUTTON = '<button type="button" class="copy-code" data-copy-code>Copy</button>'

_SCHEME = re.compile(r"([^/?#]*):")
_FORMATTER = HtmlFormatter(nowrap=True)


def _is_allowed_url(url: str) -> bool:
    """Relative URLs, or absolute ones with an allowed scheme; everything else stays text.

    markdown-it has already decoded entities and percent-encoded whitespace and control
    characters. A colon before the first /, ? or # is read as a scheme even when browsers
    would not (`jav%09ascript:`): such a link is refused rather than argued about.
    """
    match = _SCHEME.match(url.strip())
    return match is None or match.group(1).lower() in URL_SCHEMES


@lru_cache(maxsize=128)
def _lexer_class_for(language: str) -> type[Lexer] | None:
    """The lexer the author named, or None: we never guess a language from the code."""
    if not language:
        return None
    try:
        return find_lexer_class_by_name(language)
    except ClassNotFound:
        return None


def _code_block(code: str, language: str) -> str:
    lexer_class = _lexer_class_for(language.lower())
    if lexer_class is None:
        body, code_class = escapeHtml(code), ""
    else:
        body = highlight(code, lexer_class(), _FORMATTER)
        code_class = f' class="language-{lexer_class.aliases[0]}"'
    return (
        f'<div class="codeblock">{COPY_BUTTON}'
        f'<pre class="highlight"><code{code_class}>{body}</code></pre></div>\n'
    )


def _render_code(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    """Fenced and indented code: highlighted on the server, wrapped for a copy button."""
    token = tokens[idx]
    info = unescapeAll(token.info).split()
    return _code_block(token.content, info[0] if info else "")


def _render_image(
    self: RendererHTML, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
) -> str:
    """Images become a link named by their alt text: no remote <img>, so no tracking pixels."""
    token = tokens[idx]
    alt = escapeHtml(self.renderInlineAsText(token.children, options, env))
    src = escapeHtml(str(token.attrGet("src") or ""))
    if _inside_link(tokens, idx):
        return alt
    return f'<a href="{src}">{alt or src}</a>'


def _inside_link(tokens: Sequence[Token], idx: int) -> bool:
    """A link cannot hold a link: `[![alt](img)](url)` keeps the outer one and the alt text."""
    for token in reversed(tokens[:idx]):
        if token.type in ("link_open", "link_close"):
            return token.type == "link_open"
    return False


def _build_parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "breaks": True})
    md.enable(["table", "strikethrough"])
    md.validateLink = _is_allowed_url  # type: ignore[method-assign]
    md.add_render_rule("fence", _render_code)
    md.add_render_rule("code_block", _render_code)
    md.add_render_rule("image", _render_image)
    return md


def _build_cleaner() -> nh3.Cleaner:
    """The last line: an explicit allow-list, even though markdown-it emits no raw HTML."""
    languages = {f"language-{aliases[0]}" for _, aliases, _, _ in get_all_lexers() if aliases}
    return nh3.Cleaner(
        tags=ALLOWED_TAGS,
        attributes={"a": {"href", "title"}, "ol": {"start"}, "button": {"data-copy-code"}},
        tag_attribute_values={"button": {"type": {"button"}}},
        allowed_classes={
            "div": {"codeblock"},
            "button": {"copy-code"},
            "pre": {"highlight"},
            "code": languages,
            "span": {name for name in STANDARD_TYPES.values() if name},
        },
        url_schemes=URL_SCHEMES,
        link_rel=LINK_REL,
        strip_comments=True,
    )


_PARSER = _build_parser()
_CLEANER = _build_cleaner()


# Plain text: every line starts with a letter and holds only letters, digits, spaces and
# punctuation that Markdown reads as text there (no emphasis, code, links, entities, escapes,
# tables, HTML). Such text renders as its lines joined by <br> in one paragraph, which the
# property tests in tests/test_markdown.py check against the whole pipeline.
_PLAIN_LINE = re.compile(r"[A-Za-z][A-Za-z0-9 ,.?'\"/()%$;:=+#@^{}-]*(?<! )")


def _plain_html(text: str) -> str | None:
    """The HTML of `text` if it is plain (see _PLAIN_LINE), else None: the full pipeline."""
    lines = text.split("\n")
    for line in lines:
        if not _PLAIN_LINE.fullmatch(line):
            return None
    return "<p>" + "<br>\n".join(lines) + "</p>\n"  # nothing to escape: no & < >


def parse_markdown(text: str) -> list[Token]:
    """The tokens of `text` as the renderer reads them (link previews look for links)."""
    return _PARSER.parse(text)


def render_markdown(text: str) -> str:
    """Render Markdown to sanitised HTML; the caller may mark the result safe."""
    plain = _plain_html(text)
    if plain is not None:
        return plain
    return _render_full(text)


def _render_full(text: str) -> str:
    """Markdown-it, then the sanitiser: any text."""
    tokens = _PARSER.parse(text)
    for token in tokens:
        # A message sits inside a page that already has h1/h2: demote, so # reads as h3.
        if token.type in ("heading_open", "heading_close"):
            token.tag = f"h{min(int(token.tag[1]) + 2, 6)}"
    return _CLEANER.clean(_PARSER.renderer.render(tokens, _PARSER.options, {}))
