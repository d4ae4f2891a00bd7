"""What a room accepts as a file: the kind read from the content (never from the name or the
Content-Type the browser sent), the size, a clean name, and the thumbnail of an image."""

import io
import re
import struct
import unicodedata
import warnings
import zlib
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import TYPE_CHECKING

import filetype
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.http import FileResponse, Http404
from PIL import Image, ImageOps, UnidentifiedImageError

if TYPE_CHECKING:
    from chat.models import Attachment


class TooLarge(ValidationError):
    """Over ATTACHMENT_MAX_BYTES (HTTP 413)."""


@dataclass(frozen=True)
class Kind:
    content_type: str
    label: str  # what a person calls it
    extensions: tuple[str, ...]
    image: bool = False


# Every kind accepted, keyed by what the content says it is. Never SVG or HTML: both run
# scripts when opened from the site's own origin.
IMAGE_KINDS = {
    "PNG": Kind("image/png", "PNG image", (".png",), image=True),
    "JPEG": Kind("image/jpeg", "JPEG image", (".jpg", ".jpeg"), image=True),
    "GIF": Kind("image/gif", "GIF image", (".gif",), image=True),
    "WEBP": Kind("image/webp", "WebP image", (".webp",), image=True),
}
PDF = Kind("application/pdf", "PDF", (".pdf",))
ZIP = Kind("application/zip", "zip archive", (".zip",))
TEXT = Kind("text/plain; charset=utf-8", "text file", (".txt", ".md", ".log", ".csv"))
KINDS = [*IMAGE_KINDS.values(), PDF, ZIP, TEXT]
ACCEPT = ",".join(extension for kind in KINDS for extension in kind.extensions)
MAX_PIXELS = 50_000_000  # an image larger than this is refused, never decoded
THUMBNAIL_BOX = (480, 360)
NAME_MAX = 120
# Text that a browser would take for markup if it were ever served inline: refused as text.
_MARKUP = re.compile(rb"^\s*<(?:[!?]|[a-z]+[\s/>])", re.IGNORECASE)


def limits_text() -> str:
    """The limits as the composer states them, from what is enforced here."""
    size = human_size(settings.ATTACHMENT_MAX_BYTES)
    return f"Up to {size}: images (PNG, JPEG, GIF, WebP), PDF, zip, text"


def human_size(size: int) -> str:
    if size < 1024:
        return f"{size} bytes"
    if size < 1024 * 1024:
        return f"{size / 1024:.0f} KB"
    return f"{size / 1024 / 1024:.1f} MB".replace(".0 MB", " MB")


def clean_name(name: object) -> str:
    """The file's own name, without any folder, control character or leading dot; cut in the
    middle when long (the extension stays)."""
    text = unicodedata.normalize("NFC", str(name or ""))
    text = PurePosixPath(text.replace("\\", "/")).name
    text = "".join(ch for ch in text if unicodedata.category(ch)[0] != "C").strip().lstrip(".")
    if len(text) > NAME_MAX:
        stem, dot, extension = text.rpartition(".")
        keep = NAME_MAX - len(extension) - 2
        text = f"{stem[:keep]}…{dot}{extension}" if dot and keep > 0 else text[:NAME_MAX]
    return text or "file"


@dataclass(frozen=True)
class Checked:
    name: str
    kind: Kind
    size: int
    width: int | None = None
    height: int | None = None
    thumbnail: ContentFile | None = None
    cleaned: ContentFile | None = None  # stored instead of the upload (metadata removed)


def check_upload(upload: UploadedFile) -> Checked:
    """The upload as a room stores it, or a ValidationError that says why not."""
    name = clean_name(upload.name)
    size = upload.size or 0
    limit = settings.ATTACHMENT_MAX_BYTES
    if size > limit:
        raise TooLarge(
            f"Not attached: {name} is {human_size(size)}; a file is at most {human_size(limit)}."
        )
    if size == 0:
        raise ValidationError(f"Not attached: {name} is empty.")
    upload.seek(0)
    head = upload.read(8192)
    upload.seek(0)
    kind, image = _sniff(upload, head)
    extension = PurePosixPath(name).suffix.lower()
    if kind is None:
        raise ValidationError(
            f"Not attached: {name} is not a kind of file rooms take "
            "(images: PNG, JPEG, GIF, WebP; PDF; zip; plain text)."
        )
    if extension not in kind.extensions:
        said = _kind_for_extension(extension)
        raise ValidationError(
            f"Not attached: {name} is a {kind.label} inside"
            + (f", not a {said.label} as its name says." if said else ".")
            + f" Name it {PurePosixPath(name).stem}{kind.extensions[0]} if that is what it is."
        )
    if image is None:
        return Checked(name, kind, size)
    cleaned = _without_metadata(image, upload)
    size = cleaned.size if cleaned is not None else size
    return Checked(name, kind, size, *image.size, thumbnail=thumbnail(image)[0], cleaned=cleaned)


_ORIENTATION = 0x0112
# What Pillow raises reading an EXIF block that is not what it says (not TIFF, bad offsets,
# values of the wrong type): such a block is left out like any other, never a 500.
_BAD_EXIF = (SyntaxError, ValueError, TypeError, struct.error, OSError, KeyError, IndexError)


def _orientation_of(image: Image.Image) -> int | None:
    """Which way is up (1-8, EXIF's values), or None: none said, or not readable."""
    try:
        found = image.getexif().get(_ORIENTATION)
    except _BAD_EXIF:
        return None
    return found if isinstance(found, int) and 1 <= found <= 8 else None


def _without_metadata(image: Image.Image, upload: UploadedFile) -> ContentFile | None:
    """The image without what a camera or an editor wrote about it (where a photo was taken,
    the phone's serial number, an author, comments), its orientation kept and its pixels, frames
    and transparency untouched. None: nothing to remove (the upload is stored as it is)."""
    if image.format == "JPEG":
        return _jpeg_without_metadata(image)
    if image.format not in ("PNG", "WEBP"):
        return None  # GIF: stored as sent (see decision 017)
    upload.seek(0)
    original = upload.read()
    upload.seek(0)
    orientation = _orientation_of(image)
    strip = _png_without_metadata if image.format == "PNG" else _webp_without_metadata
    cleaned = strip(original, _orientation_exif(orientation))
    if cleaned is None or cleaned == original:
        return None
    # The result must still be the same picture: a file this code cannot rewrite is refused
    # rather than stored with its metadata.
    again = open_image(io.BytesIO(cleaned))
    if again is None or again.format != image.format or again.size != image.size:
        raise ValidationError("Not attached: this image could not be cleaned of its metadata.")
    if getattr(again, "n_frames", 1) != getattr(image, "n_frames", 1):
        raise ValidationError("Not attached: this image could not be cleaned of its metadata.")
    return ContentFile(cleaned)


def _orientation_exif(orientation: int | None) -> bytes | None:
    """A TIFF block that says only which way is up (none when upright), for a chunk."""
    if not orientation or orientation == 1:
        return None
    keep = Image.Exif()
    keep[_ORIENTATION] = orientation
    return keep.tobytes().removeprefix(b"Exif\x00\x00")


def _jpeg_without_metadata(image: Image.Image) -> ContentFile | None:
    """A JPEG without its EXIF and XMP, the orientation kept, the pixels untouched (quality
    "keep": the same quantisation, no visible loss)."""
    if not (image.info.get("exif") or image.info.get("xmp")):
        return None
    keep = Image.Exif()
    if orientation := _orientation_of(image):
        keep[_ORIENTATION] = orientation
    out = io.BytesIO()
    extra = {"icc_profile": image.info["icc_profile"]} if image.info.get("icc_profile") else {}
    try:
        image.save(out, "JPEG", quality="keep", exif=keep.tobytes(), xmp=b"", **extra)
    except (OSError, ValueError):
        image.save(out, "JPEG", quality=95, exif=keep.tobytes(), xmp=b"", **extra)
    return ContentFile(out.getvalue())


_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# Text (comments, authors, XMP is an iTXt), EXIF and the last-modified time. Everything else
# (pixels, palette, transparency, colour, animation frames) is copied byte for byte.
_PNG_DROPPED = {b"tEXt", b"zTXt", b"iTXt", b"eXIf", b"tIME"}


def _png_without_metadata(data: bytes, orientation: bytes | None) -> bytes | None:
    """The PNG's chunks minus the dropped ones; an eXIf of the orientation only, when there
    was one. None when the chunks do not parse (Pillow read it, so this does not happen with
    a PNG any browser shows)."""
    if not data.startswith(_PNG_SIGNATURE):
        return None
    out = [_PNG_SIGNATURE]
    at = len(_PNG_SIGNATURE)
    while at + 12 <= len(data):
        (length,) = struct.unpack(">I", data[at : at + 4])
        kind = data[at + 4 : at + 8]
        end = at + 12 + length
        if end > len(data):
            return None
        if kind == b"IDAT" and orientation is not None:
            out.append(_png_chunk(b"eXIf", orientation))  # before the image data, as required
            orientation = None
        if kind not in _PNG_DROPPED:
            out.append(data[at:end])
        at = end
        if kind == b"IEND":
            return b"".join(out)
    return None


def _png_chunk(kind: bytes, body: bytes) -> bytes:
    crc = zlib.crc32(kind + body) & 0xFFFFFFFF
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)


_WEBP_DROPPED = {b"EXIF", b"XMP "}
_VP8X_EXIF, _VP8X_XMP = 0x08, 0x04


def _webp_without_metadata(data: bytes, orientation: bytes | None) -> bytes | None:
    """The WebP's RIFF chunks minus EXIF and XMP (their VP8X flags cleared), an EXIF of the
    orientation only when there was one; frames (ANIM/ANMF), alpha and colour profile kept."""
    if len(data) < 12 or data[:4] != b"RIFF" or data[8:12] != b"WEBP":
        return None
    chunks: list[tuple[bytes, bytes]] = []
    at = 12
    while at + 8 <= len(data):
        kind = data[at : at + 4]
        (length,) = struct.unpack("<I", data[at + 4 : at + 8])
        body = data[at + 8 : at + 8 + length]
        if len(body) != length:
            return None
        chunks.append((kind, body))
        at += 8 + length + (length & 1)
    kept = [(kind, body) for kind, body in chunks if kind not in _WEBP_DROPPED]
    if kept and kept[0][0] == b"VP8X":
        flags = kept[0][1][0] & ~(_VP8X_EXIF | _VP8X_XMP)
        if orientation is not None:
            flags |= _VP8X_EXIF
            kept.append((b"EXIF", orientation))  # after the image data, as the format says
        kept[0] = (b"VP8X", bytes([flags]) + kept[0][1][1:])
    body = b"WEBP" + b"".join(
        kind + struct.pack("<I", len(chunk)) + chunk + b"\x00" * (len(chunk) & 1)
        for kind, chunk in kept
    )
    return b"RIFF" + struct.pack("<I", len(body)) + body


def _kind_for_extension(extension: str) -> Kind | None:
    return next((kind for kind in KINDS if extension in kind.extensions), None)


def _sniff(upload: UploadedFile, head: bytes) -> tuple[Kind | None, Image.Image | None]:
    """What the bytes are. Images are opened by Pillow (and fully decoded, so a truncated or
    crafted one is refused here, not in someone's browser)."""
    guessed = filetype.guess(head)
    mime = guessed.mime if guessed else None
    if mime in ("image/png", "image/apng", "image/jpeg", "image/gif", "image/webp"):
        image = open_image(upload)
        kind = IMAGE_KINDS.get(image.format or "") if image else None
        return (kind, image) if kind else (None, None)
    if mime == "application/pdf":
        return PDF, None
    if mime == "application/zip":
        return ZIP, None
    if mime is None and _is_text(upload, head):
        return TEXT, None
    return None, None


def open_image(upload: UploadedFile | io.BytesIO) -> Image.Image | None:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(upload)
            if image.width * image.height > MAX_PIXELS:
                return None
            image.load()
        return image
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, Image.DecompressionBombError,
            Image.DecompressionBombWarning):  # fmt: skip
        return None


def _is_text(upload: UploadedFile, head: bytes) -> bool:
    """UTF-8 without NUL or other control bytes, and not markup."""
    if b"\x00" in head or _MARKUP.match(head.removeprefix(b"\xef\xbb\xbf")):
        return False
    upload.seek(0)
    try:
        text = upload.read().decode("utf-8")
    except UnicodeDecodeError:
        return False
    finally:
        upload.seek(0)
    return not any(unicodedata.category(ch) == "Cc" and ch not in "\t\n\r\f" for ch in text)


def thumbnail(
    image: Image.Image, box: tuple[int, int] = THUMBNAIL_BOX
) -> tuple[ContentFile, int, int]:
    """A WebP of at most `box`, turned upright (EXIF), first frame of an animation; its size."""
    image.seek(0)
    try:
        small = ImageOps.exif_transpose(image) or image
    except _BAD_EXIF:  # an EXIF block Pillow cannot read: the picture as it is stored
        small = image
    small = small.convert(
        "RGBA" if "A" in small.getbands() or "transparency" in small.info else "RGB"
    )
    small.thumbnail(box)
    out = io.BytesIO()
    small.save(out, "WEBP", quality=80)
    return ContentFile(out.getvalue(), name="thumbnail.webp"), *small.size


def response_for(attachment: "Attachment", *, thumbnail: bool = False) -> FileResponse:
    """The stored file (or its thumbnail) as the answer to someone allowed to see it: an image
    inline, anything else as a download."""
    if thumbnail:
        return stored_response(
            attachment.thumbnail.name, "image/webp", filename=f"{attachment.name}.webp"
        )
    return stored_response(
        attachment.file.name,
        attachment.content_type,
        filename=attachment.name,
        as_attachment=not attachment.is_image,
    )


def stored_response(
    name: str, content_type: str, *, filename: str, as_attachment: bool = False
) -> FileResponse:
    """A stored file (an attachment, its thumbnail, a link preview's image) as its type and no
    other: whatever the bytes are, a browser takes them for the type said here, and a file
    opened on its own runs nothing (no script, form or plugin)."""
    try:
        handle = default_storage.open(name, "rb")
    except (FileNotFoundError, OSError):
        raise Http404("No such file") from None
    response = FileResponse(
        handle, content_type=content_type, as_attachment=as_attachment, filename=filename
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; sandbox"
    response["Cache-Control"] = "private, max-age=86400"
    response["Vary"] = "Cookie, Authorization"
    return response
