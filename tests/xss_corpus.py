"""XSS payloads and the check every rendered body must pass; chat and board tests reuse both."""

from __future__ import annotations

import re
from html.parser import HTMLParser

SAFE_SCHEMES = {"http", "https", "mailto"}
FORBIDDEN_TAGS = {
    "script", "iframe", "object", "embed", "svg", "math", "style", "img", "template",
    "frame", "frameset", "base", "link", "meta", "form", "input", "video", "audio", "source",
}  # fmt: skip
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "srcset", "data", "poster"}

# Browsers ignore these inside a URL's scheme; zero-width and bidi marks are stripped too.
_INVISIBLE = re.compile(r"[\x00-\x20\x7f\u00ad\u200b-\u200f\u202a-\u202e\u2060\ufeff]")
_SCHEME = re.compile(r"([^/?#]*):")

XSS_PAYLOADS: list[str] = [
    # script tags
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    "<scr<script>ipt>alert(1)</script>",
    "<<script>script>alert(1)<</script>/script>",
    "`<script>alert(1)</script>`",
    "```html\n<script>alert(1)</script>\n```",
    "```<script>\nalert(1)\n```",
    '```" onmouseover="alert(1)\nx\n```',
    # images, svg, frames, objects
    "<img src=x onerror=alert(1)>",
    '<img src="x" onerror="alert(1)"/>',
    "<img/src/onerror=alert(1)>",
    "<svg onload=alert(1)>",
    "<svg/onload=alert(1)//",
    "<svg><script>alert(1)</script></svg>",
    '<iframe src="javascript:alert(1)"></iframe>',
    '<iframe srcdoc="<script>alert(1)</script>"></iframe>',
    '<object data="javascript:alert(1)"></object>',
    '<embed src="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">',
    '<video><source onerror="alert(1)"></video>',
    '<form action="javascript:alert(1)"><button>go</button></form>',
    '<base href="javascript:alert(1)//">',
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    "<link rel=stylesheet href=javascript:alert(1)>",
    # markdown links and autolinks with bad schemes
    "[x](javascript:alert(1))",
    "[x](JaVaScRiPt:alert(1))",
    "[x]( javascript:alert(1) )",
    "[x](<javascript:alert(1)>)",
    "<javascript:alert(1)>",
    "[x](vbscript:msgbox(1))",
    "[x](file:///etc/passwd)",
    "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[x](DaTa:text/html,<script>alert(1)</script>)",
    "![x](data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+)",
    "![x](javascript:alert(1))",
    "[x]: javascript:alert(1)\n\nsee [x]",
    "[x][ref]\n\n[ref]: <vbscript:msgbox(1)> 'title'",
    # entity-encoded and whitespace-split schemes
    "[x](&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1))",
    "[x](&#x6A;avascript:alert(1))",
    "[x](javascript&colon;alert(1))",
    "[x](jav&#x09;ascript:alert(1))",
    "[x](<jav\tascript:alert(1)>)",
    "[x](<java\nscript:alert(1)>)",
    '<a href="jav&#x09;ascript:alert(1)">x</a>',
    '<a href="javascript&colon;alert(1)">x</a>',
    '<a href="  javascript:alert(1)">x</a>',
    '<a href="data:text/html,<script>alert(1)</script>">x</a>',
    # style and expression()
    '<div style="background:url(javascript:alert(1))">x</div>',
    '<p style="width: expression(alert(1))">x</p>',
    "<style>@import 'https://evil.example/x.css';</style>",
    # event handlers in every form
    "<body onload=alert(1)>",
    '<div onmouseover="alert(1)">x</div>',
    '<a href="#" ONCLICK=alert(1)>x</a>',
    "<details open ontoggle=alert(1)>",
    "<input autofocus onfocus=alert(1)>",
    "<x onpointerenter=alert(1)>hover</x>",
    "<a href=x onclick\n=alert(1)>x</a>",
    "<a href=x onclick='alert(1)'>x</a>",
    "<a href=x onclick=`alert(1)`>x</a>",
    '<a href="https://ok.example" onclick="alert(1)">ok</a>',
    # link titles and destinations that try to break out of the attribute
    '[x](https://example.com "title\\" onmouseover=\\"alert(1)")',
    "[x](https://example.com 'a\" onclick=\"alert(1)')",
    '[x](https://example.com/"><script>alert(1)</script>)',
    '<https://example.com/"onmouseover="alert(1)>',
    # html comments
    "<!-- <script>alert(1)</script> -->",
    "<!--><img src=x onerror=alert(1)>-->",
    "<!--[if IE]><script>alert(1)</script><![endif]-->",
    # parser-confusion tricks
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "<math href=javascript:alert(1)>x</math>",
    "<template><script>alert(1)</script></template>",
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
    "<svg><style><img src=x onerror=alert(1)></style></svg>",
    # markdown and html nested
    "**<img src=x onerror=alert(1)>**",
    "> <script>alert(1)</script>",
    "- [click](javascript:alert(1))\n- <svg/onload=alert(1)>",
    "[<img src=x onerror=alert(1)>](https://example.com)",
    "![<svg onload=alert(1)>](https://example.com/x.png)",
    "[![x](javascript:alert(1))](javascript:alert(2))",
    "| a |\n|---|\n| <img src=x onerror=alert(1)> |",
    "# <iframe src=javascript:alert(1)>",
    # unicode and zero-width tricks
    "[x](java\u200bscript:alert(1))",
    "[x](\u200bjavascript:alert(1))",
    "[x](&#0;javascript:alert(1))",
    "[x](\x01javascript:alert(1))",
    "[x](\uff4a\uff41\uff56\uff41\uff53\uff43\uff52\uff49\uff50\uff54:alert(1))",
    "\u202e<script>alert(1)</script>",
    "<scr\u0000ipt>alert(1)</scr\u0000ipt>",
    "[x](javascript\ufeff:alert(1))",
]


class _Inspector(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in FORBIDDEN_TAGS:
            self.problems.append(f"<{tag}> element")
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"{name} handler on <{tag}>")
            if name == "style":
                self.problems.append(f"style attribute on <{tag}>")
            if name in URL_ATTRIBUTES and not is_safe_url(value or ""):
                self.problems.append(f"{name}={value!r} on <{tag}>")

    def handle_comment(self, data: str) -> None:
        self.problems.append(f"comment {data!r}")


def is_safe_url(url: str) -> bool:
    """Relative, or http/https/mailto once the characters browsers ignore are gone."""
    match = _SCHEME.match(_INVISIBLE.sub("", url).lower())
    return match is None or match.group(1) in SAFE_SCHEMES


def unsafe_parts(html: str) -> list[str]:
    """Everything in rendered HTML that could run script, load a resource or restyle the page."""
    inspector = _Inspector()
    inspector.feed(html)
    inspector.close()
    return inspector.problems
