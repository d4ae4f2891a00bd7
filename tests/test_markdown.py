"""render_markdown: what chat messages and board cards look like, and that none of it can run."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from nexus_live.markdown import _plain_html, _render_full, render_markdown
from tests.xss_corpus import XSS_PAYLOADS, unsafe_parts

REL = 'rel="nofollow noopener noreferrer"'


@pytest.mark.parametrize("payload", XSS_PAYLOADS)
def test_it_neutralises_xss_payload(payload: str) -> None:
    html = render_markdown(payload)
    assert unsafe_parts(html) == [], html


def test_the_corpus_is_big_enough() -> None:
    assert len(XSS_PAYLOADS) >= 40
    assert len(set(XSS_PAYLOADS)) == len(XSS_PAYLOADS)


@pytest.mark.parametrize(
    "html",
    [
        "<script>x</script>",
        "<p><img src=x></p>",
        "<svg></svg>",
        '<a href="https://ok" onclick="x">a</a>',
        '<p style="color:red">a</p>',
        '<a href=" jav&#x09;ascript:alert(1)">a</a>',
        '<a href="DATA:text/html,x">a</a>',
        '<a href="java\u200bscript:x">a</a>',
    ],
)
def test_the_safety_check_catches_unsafe_html(html: str) -> None:
    assert unsafe_parts(html) != []


def test_it_highlights_fenced_python() -> None:
    html = render_markdown('```python\nimport os\nprint("x<y")\n```')
    assert '<div class="codeblock">' in html
    assert '<button type="button" class="copy-code" data-copy-code="">Copy</button>' in html
    assert '<pre class="highlight"><code class="language-python">' in html
    assert '<span class="kn">import</span>' in html
    assert "&quot;x&lt;y&quot;" in html or '"x&lt;y"' in html


def test_it_leaves_unknown_languages_plain() -> None:
    html = render_markdown("```no-such-language\nlet <x> = 1\n```")
    assert '<pre class="highlight"><code>let &lt;x&gt; = 1\n</code></pre>' in html
    assert "<span" not in html


def test_it_does_not_guess_a_language() -> None:
    html = render_markdown("```\nimport os\ndef f(): pass\n```")
    assert "<span" not in html
    assert "data-copy-code" in html


def test_it_wraps_indented_code_for_copying_too() -> None:
    html = render_markdown("    SELECT 1;")
    assert '<div class="codeblock">' in html
    assert "SELECT 1;" in html


def test_it_renders_inline_code() -> None:
    assert render_markdown("run `manage.py <cmd>` now") == (
        "<p>run <code>manage.py &lt;cmd&gt;</code> now</p>\n"
    )


def test_it_adds_rel_to_links_and_no_target() -> None:
    html = render_markdown('[docs](https://example.com/a?b=1&c=2 "The docs")')
    assert html == (
        f'<p><a href="https://example.com/a?b=1&amp;c=2" title="The docs" {REL}>docs</a></p>\n'
    )
    assert "target" not in html


def test_it_keeps_autolinks_mailto_and_relative_links() -> None:
    html = render_markdown("<https://example.com> [me](mailto:a@example.com) [card](/boards/1/)")
    assert f'<a href="https://example.com" {REL}>https://example.com</a>' in html
    assert f'<a href="mailto:a@example.com" {REL}>me</a>' in html
    assert f'<a href="/boards/1/" {REL}>card</a>' in html


def test_it_does_not_linkify_bare_urls() -> None:
    assert "<a" not in render_markdown("see https://example.com")


@pytest.mark.parametrize(
    "text",
    ["[x](javascript:alert(1))", "[x](data:text/html,hi)", "[x](vbscript:x)", "[x](ftp://x)"],
)
def test_it_leaves_links_with_other_schemes_as_text(text: str) -> None:
    html = render_markdown(text)
    assert "<a" not in html
    assert html.startswith("<p>[x](")


def test_it_renders_images_as_links_named_by_alt_text() -> None:
    html = render_markdown("![a *cat*](https://example.com/cat.png)")
    assert html == f'<p><a href="https://example.com/cat.png" {REL}>a cat</a></p>\n'


def test_it_names_an_image_without_alt_text_by_its_address() -> None:
    html = render_markdown("![](https://example.com/p.gif)")
    assert f"{REL}>https://example.com/p.gif</a>" in html


def test_it_keeps_one_link_for_an_image_inside_a_link() -> None:
    html = render_markdown("[![logo](https://example.com/l.png)](https://example.com)")
    assert html == f'<p><a href="https://example.com" {REL}>logo</a></p>\n'


def test_it_renders_lists_and_quotes() -> None:
    html = render_markdown("- one\n- two\n\n3. three\n\n> said *so*")
    assert "<ul>\n<li>one</li>\n<li>two</li>\n</ul>" in html
    assert '<ol start="3">\n<li>three</li>\n</ol>' in html
    assert "<blockquote>\n<p>said <em>so</em></p>\n</blockquote>" in html


def test_it_renders_emphasis_strikethrough_and_line_breaks() -> None:
    html = render_markdown("**bold** _it_ ~~gone~~\nnext line")
    assert html == ("<p><strong>bold</strong> <em>it</em> <s>gone</s><br>\nnext line</p>\n")


def test_it_demotes_headings_below_the_page_headings() -> None:
    html = render_markdown("# One\n## Two\n#### Four")
    assert html == "<h3>One</h3>\n<h4>Two</h4>\n<h6>Four</h6>\n"


def test_it_renders_tables_without_inline_styles() -> None:
    html = render_markdown("| a | b |\n|:--|--:|\n| 1 | 2 |")
    assert "<th>a</th>" in html
    assert "<td>2</td>" in html
    assert "style" not in html


def test_it_escapes_raw_html() -> None:
    assert render_markdown("<b>hi</b>") == "<p>&lt;b&gt;hi&lt;/b&gt;</p>\n"


def test_it_is_deterministic() -> None:
    text = "# T\n\n```python\nx = 1\n```\n\n[a](https://example.com) ![i](https://e.x/i.png)"
    assert render_markdown(text) == render_markdown(text)


def test_it_renders_empty_text_as_nothing() -> None:
    assert render_markdown("") == ""


MARKDOWN_PIECES = st.sampled_from(
    [
        "[", "]", "(", ")", "<", ">", "!", "`", "```", "~~~", "*", "_", "#", "> ", "- ",
        "1. ", "|", "\n", "\n\n", "&", "&#", ";", '"', "'", ":", "javascript:", "data:",
        "https://x.example/", "mailto:", "<script>", "<img src=x onerror=alert(1)>",
        "onerror=", "style=", "<svg", "<!--", "-->", "&#x09;", "\t", "\u200b", "python",
    ]
)  # fmt: skip
MARKDOWNISH = st.lists(MARKDOWN_PIECES | st.text(max_size=8), max_size=40).map("".join)


@settings(max_examples=300, deadline=None, database=None)
@given(st.text() | MARKDOWNISH)
def test_any_text_renders_to_safe_html(text: str) -> None:
    html = render_markdown(text)
    assert isinstance(html, str)
    assert unsafe_parts(html) == [], html


# --- The plain-text fast path gives what the whole pipeline gives ------------------------------
PLAIN_PIECES = st.sampled_from(
    [
        "a", "Z", "word", " ", "  ", "0", "42", ".", ",", "?", "'", '"', "/", "(", ")", "%", "$",
        ";", ":", "=", "+", "#", "# ", "@", "^", "{", "}", "-", "- ", "1.", "1)", "\n", "\n\n",
        "\t", "*", "_", "`", "~", "|", "<", ">", "&", "\\", "[", "]", "!", "===", "---", "é",
        "\u00a0", "\u200b", "😄", "http://x.example/", "  \n", "    ",
    ]
)  # fmt: skip
PLAIN_LINE = r"[A-Za-z][A-Za-z0-9 ,.?'\"/()%$;:=+#@^{}-]{0,30}[A-Za-z0-9.?)]"
PLAINISH = st.lists(PLAIN_PIECES, min_size=1, max_size=30).map("".join)


@settings(max_examples=1000, deadline=None, database=None)
@given(PLAINISH | st.text(max_size=40))
def test_the_fast_path_renders_what_the_pipeline_renders(text: str) -> None:
    fast = _plain_html(text)
    if fast is not None:
        assert fast == _render_full(text)


@settings(max_examples=300, deadline=None, database=None)
@given(
    st.lists(
        st.from_regex(PLAIN_LINE, fullmatch=True),
        min_size=1,
        max_size=4,
    ).map("\n".join)
)
def test_plain_messages_take_the_fast_path(text: str) -> None:
    fast = _plain_html(text)
    assert fast is not None
    assert fast == _render_full(text) == render_markdown(text)
