"""Link previews: which links of a message get a card, and fetching what a page says of itself
(Open Graph, Twitter card, <title>, meta description) through the outbound client, bounded in
time and size, with its image made into a small WebP of our own (never hot-linked)."""

import io
import logging
import re
import unicodedata
from dataclasses import dataclass
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit, urlunsplit

import httpx
from django.conf import settings
from django.core.files.base import ContentFile

from chat import files
from nexus_live import outbound
from nexus_live.markdown import parse_markdown

log = logging.getLogger(__name__)

PER_MESSAGE = 3  # links of one message that get a card: the first ones
URL_MAX = 2000
PAGE_MAX_BYTES = 512 * 1024  # of a page: the <head> is in there, or the page is not worth it
IMAGE_MAX_BYTES = 5 * 1024 * 1024
IMAGE_BOX = (200, 200)  # the card's thumbnail, at most
HTML_TYPES = ("text/html", "application/xhtml+xml")
TITLE_MAX, DESCRIPTION_MAX, SITE_MAX = 200, 300, 100
# A bare URL in text: up to whitespace or a character that never ends one in prose.
_BARE_URL = re.compile(r"https?://[^\s<>\"'`]+", re.IGNORECASE)
_TRAILING = ".,;:!?'\"*_~"
_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([A-Za-z0-9_.:-]{1,40})""", re.I)


# --- Which links ---------------------------------------------------------------------------------
def links_in(body: str) -> list[str]:
    """The first PER_MESSAGE distinct http(s) links of a message, as written: Markdown links,
    autolinks and bare URLs in its text, never what is in code (inline or blocks) or an image.
    Addresses the outbound policy refuses by their URL alone (127.0.0.1…) are left out."""
    if "://" not in body:
        return []
    found: list[str] = []
    for block in parse_markdown(body):
        if block.type != "inline" or not block.children:
            continue
        for token in block.children:
            if token.type == "link_open":
                candidates = [str(token.attrGet("href") or "")]
            elif token.type == "text":
                candidates = [_trim(match) for match in _BARE_URL.findall(token.content)]
            else:
                continue  # code_inline, image: not previewed
            for candidate in candidates:
                url = normalise(candidate)
                if url and url not in found:
                    found.append(url)
                    if len(found) == PER_MESSAGE:
                        return found
    return found


def _trim(url: str) -> str:
    """A URL at the end of a sentence or in brackets, without what belongs to the sentence."""
    url = url.rstrip(_TRAILING)
    while url.endswith(")") and url.count(")") > url.count("("):
        url = url[:-1].rstrip(_TRAILING)
    return url


def normalise(url: str) -> str | None:
    """The URL a preview is kept under (no fragment), or None when it is not one to fetch."""
    if len(url) > URL_MAX:
        return None
    try:
        parts = urlsplit(url.strip())
        parts.port  # noqa: B018 (a bad port raises here)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    cleaned = urlunsplit(parts._replace(scheme=parts.scheme.lower(), fragment=""))
    if outbound.refusal(cleaned):
        return None
    return cleaned


# --- What a page says of itself ------------------------------------------------------------------
class _Head(HTMLParser):
    """The <meta> tags and the first <title> of a page (not an SVG's title)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.meta: dict[str, str] = {}
        self.title: str | None = None
        self._title: list[str] | None = None
        self._svg = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "svg":
            self._svg += 1
        elif tag == "meta":
            named = {name: value for name, value in attrs if value is not None}
            key = (named.get("property") or named.get("name") or "").strip().lower()
            if key and "content" in named:
                self.meta.setdefault(key, named["content"])
        elif tag == "title" and self.title is None and self._title is None and not self._svg:
            self._title = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "svg":
            self._svg = max(0, self._svg - 1)
        elif tag == "title" and self._title is not None:
            self.title, self._title = "".join(self._title), None

    def handle_data(self, data: str) -> None:
        if self._title is not None:
            self._title.append(data)


def _text(value: str | None, limit: int) -> str:
    """Untrusted text as one clean line (no control or bidi-override characters), cut at
    `limit`. It is stored as text and escaped wherever it is shown."""
    if not value:
        return ""
    kept = "".join(
        ch if unicodedata.category(ch) not in ("Cc", "Cf", "Co", "Cs") else " " for ch in value
    )
    line = " ".join(kept.split())
    return line if len(line) <= limit else line[: limit - 1].rstrip() + "…"


@dataclass(frozen=True)
class Page:
    title: str
    description: str
    site_name: str
    image_url: str | None


def parse_page(html: str, url: str) -> Page:
    """Open Graph first, then the Twitter card, then <title> and the meta description."""
    head = _Head()
    try:
        head.feed(html)
        head.close()
    except (AssertionError, ValueError):  # what html.parser gives up on: keep what it read
        pass
    if head.title is None and head._title is not None:  # an unclosed <title>
        head.title = "".join(head._title)
    meta = head.meta

    def first(*keys: str) -> str | None:
        return next((meta[key] for key in keys if meta.get(key, "").strip()), None)

    image = first("og:image:secure_url", "og:image:url", "og:image", "twitter:image",
                  "twitter:image:src")  # fmt: skip
    image_url = None
    if image:
        joined = urljoin(url, image.strip())
        if urlsplit(joined).scheme in ("http", "https") and len(joined) <= URL_MAX:
            image_url = joined
    return Page(
        title=_text(first("og:title", "twitter:title") or head.title, TITLE_MAX),
        description=_text(
            first("og:description", "twitter:description", "description"), DESCRIPTION_MAX
        ),
        site_name=_text(first("og:site_name") or urlsplit(url).hostname, SITE_MAX),
        image_url=image_url,
    )


# --- Fetching ------------------------------------------------------------------------------------
class Unusable(Exception):
    """The answer is not something to preview (not HTML, an error status, no image…)."""


@dataclass(frozen=True)
class Fetched:
    page: Page
    thumbnail: ContentFile | None = None
    width: int | None = None
    height: int | None = None


def fetch(url: str) -> Fetched:
    """The page at `url` and its image's thumbnail. Raises outbound.Refused (an address we
    never call, redirects included), httpx.HTTPError (timeouts, too many redirects) or
    Unusable."""
    with outbound.client(follow_redirects=True, agent="LinkPreview") as client:
        body, final_url, charset = _get(client, url, HTML_TYPES, PAGE_MAX_BYTES, accept="text/html")
        page = parse_page(_decode(body, charset), final_url)
        if not page.image_url:
            return Fetched(page)
        try:
            image, _, _ = _get(
                client, page.image_url, ("image/",), IMAGE_MAX_BYTES, accept="image/*"
            )
            thumbnail, width, height = _thumbnail(image)
        except (outbound.Refused, httpx.HTTPError, Unusable) as exc:
            log.info("link preview of %s: no image from %s (%s)", url, page.image_url, exc)
            return Fetched(page)
        return Fetched(page, thumbnail, width, height)


def _get(
    client: httpx.Client, url: str, types: tuple[str, ...], limit: int, *, accept: str
) -> tuple[bytes, str, str | None]:
    """The body (at most `limit` bytes), the URL it came from after redirects, its charset."""
    headers = {"Accept": accept, "Accept-Encoding": "identity"}
    with client.stream("GET", url, headers=headers) as response:
        if response.status_code != 200:
            raise Unusable(f"answered {response.status_code}")
        content_type = response.headers.get("content-type", "")
        mime = content_type.split(";")[0].strip().lower()
        if not any(
            mime == kind or (kind.endswith("/") and mime.startswith(kind)) for kind in types
        ):
            raise Unusable(f"not {' or '.join(types)} but {mime or 'no type'}")
        declared = response.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > limit and types != HTML_TYPES:
            raise Unusable(
                f"{declared} bytes"
            )  # an image is whole or useless; a page's head will do
        body = outbound.read_limited(response, limit, seconds=settings.OUTBOUND_TIMEOUT_SECONDS)
        if types != HTML_TYPES and len(body) >= limit:
            raise Unusable(f"over {limit} bytes")
        return body, str(response.url), response.charset_encoding


def _decode(body: bytes, charset: str | None) -> str:
    """The page as text: the charset its header says, else its <meta charset>, else UTF-8."""
    if charset is None and (found := _CHARSET.search(body[:4096])):
        charset = found.group(1).decode("ascii")
    try:
        return body.decode(charset or "utf-8", "replace")
    except LookupError:  # a charset Python does not know
        return body.decode("utf-8", "replace")


def _thumbnail(data: bytes) -> tuple[ContentFile, int, int]:
    """A WebP of at most IMAGE_BOX from the page's image: PNG, JPEG, GIF or WebP only (never
    SVG), fully decoded by Pillow under the same limits as an upload."""
    image = files.open_image(io.BytesIO(data))
    if image is None or (image.format or "") not in files.IMAGE_KINDS:
        raise Unusable("not an image we read")
    return files.thumbnail(image, IMAGE_BOX)
