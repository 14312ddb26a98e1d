"""Converse's media content blocks in the stand-in: which models take them, and their tokens.

Which models take which block (README's stand-in table repeats this):

- ``image``: models whose catalog entry lists the IMAGE input modality (ListFoundationModels).
- ``document``: every model but Nova Micro (AWS's Converse feature table: "Document chat"; the
  table does not cover gpt-oss, Qwen and DeepSeek, which the stand-in assumes take them: low).
- ``video``: Nova Lite, Nova Pro and Nova 2 Lite (the Nova user guide); ``audio``: none here.
- ``s3Location`` sources: the same Nova models ("Amazon S3 links for multimedia" in the table);
  the object must exist in the stand-in's S3 (moto), or the call is refused.

Tokens, the same for Converse usage, CountTokens, CloudWatch and the bill:

- image: Anthropic's documented rule, ``width * height / 750`` rounded up, after the image is
  scaled so that its long edge is at most 1568 pixels (high for Anthropic; applied to every
  provider as the stand-in's approximation, low). Width and height are read from the PNG,
  JPEG, GIF or WebP header; an image whose header cannot be read, that has no pixels, or whose
  bytes are another format than the one declared is refused.
- document: text formats (txt, md, csv, html) and ``text``/``content`` sources are counted as
  text; binary formats (pdf, doc, docx, xls, xlsx) as one token per 4 bytes (an approximation).
- video: a flat 1,000 tokens per block (an approximation; AWS publishes no rule).
"""

from __future__ import annotations

import math
import re
import struct
from collections.abc import Callable
from typing import Any

from . import simulate
from .catalog import FoundationModel
from .errors import ValidationException

ReadS3 = Callable[[str, "str | None"], bytes]  # (uri, bucketOwner) -> the object's bytes

NOVA_MEDIA = frozenset({"amazon.nova-lite-v1:0", "amazon.nova-pro-v1:0", "amazon.nova-2-lite-v1:0"})
NO_DOCUMENTS = frozenset({"amazon.nova-micro-v1:0"})
TEXT_FORMATS = frozenset({"txt", "md", "csv", "html"})
LONG_EDGE = 1568  # Anthropic scales larger images down to this before counting
PIXELS_PER_TOKEN = 750
VIDEO_TOKENS = 1000
DOCUMENT_NAME = re.compile(r"[A-Za-z0-9\s\-()\[\]]+")
# the Message.content limits of the API reference (botocore's model); MB read as MiB (assumed)
MAX_IMAGES, MAX_DOCUMENTS = 20, 5
MAX_IMAGE_BYTES, MAX_IMAGE_EDGE = int(3.75 * 1024 * 1024), 8000
MAX_DOCUMENT_BYTES = int(4.5 * 1024 * 1024)


def takes(model: FoundationModel, kind: str) -> bool:
    """Whether the model reads a content block of this kind (module docstring)."""
    if kind == "image":
        return "IMAGE" in model.input_modalities
    if kind == "document":
        return model.model_id not in NO_DOCUMENTS
    if kind == "video":
        return model.model_id in NOVA_MEDIA
    return False


def unsupported(kind: str) -> ValidationException:
    """AWS's refusal of a block the model does not read (public error reports quote it)."""
    return ValidationException(
        f"This model doesn't support the {kind} content block that you provided. Update the "
        "content block and try again."
    )


def source_bytes(
    kind: str, source: dict[str, Any], model: FoundationModel, read_s3: ReadS3
) -> bytes | None:
    """The bytes of a block's source (None for a document's text or content source)."""
    if "bytes" in source:
        data = source["bytes"]
        return data if isinstance(data, bytes) else str(data).encode()
    if "s3Location" in source:
        if model.model_id not in NOVA_MEDIA:
            # AWS's wording is not published (assumed, README says)
            raise ValidationException(
                f"This model doesn't support Amazon S3 locations for the {kind} content block. "
                "Send the content as bytes and try again."
            )
        location = source["s3Location"]
        assert isinstance(location, dict)
        owner = location.get("bucketOwner")
        return read_s3(str(location["uri"]), None if owner is None else str(owner))
    return None


# --- images ---------------------------------------------------------------------------------------
def image_format(data: bytes) -> str | None:
    """The format the bytes' signature shows (Converse's names), or None."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "gif"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    if data[:2] == b"\xff\xd8":
        return "jpeg"
    return None


def image_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) from a PNG, JPEG, GIF or WebP header, or None if it is not one."""
    if data.startswith(b"\x89PNG\r\n\x1a\n") and data[12:16] == b"IHDR":
        width, height = struct.unpack(">II", data[16:24])
        return width, height
    if data[:6] in (b"GIF87a", b"GIF89a"):
        width, height = struct.unpack("<HH", data[6:10])
        return width, height
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return _webp_size(data)
    if data[:2] == b"\xff\xd8":
        return _jpeg_size(data)
    return None


def _webp_size(data: bytes) -> tuple[int, int] | None:
    chunk = data[12:16]
    if chunk == b"VP8 " and len(data) >= 30:
        width, height = struct.unpack("<HH", data[26:30])
        return width & 0x3FFF, height & 0x3FFF
    if chunk == b"VP8L" and len(data) >= 25:
        bits = int.from_bytes(data[21:25], "little")
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    if chunk == b"VP8X" and len(data) >= 30:
        width = int.from_bytes(data[24:27], "little") + 1
        height = int.from_bytes(data[27:30], "little") + 1
        return width, height
    return None


def _jpeg_size(data: bytes) -> tuple[int, int] | None:
    """The frame size from the first start-of-frame marker (SOF0-SOF15 but DHT, JPG, DAC)."""
    at = 2
    while at + 4 <= len(data):
        if data[at] != 0xFF:
            return None
        marker = data[at + 1]
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
            at += 2
            continue
        length = int.from_bytes(data[at + 2 : at + 4], "big")
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            if at + 9 > len(data):
                return None
            height, width = struct.unpack(">HH", data[at + 5 : at + 9])
            return width, height
        at += 2 + length
    return None


def image_tokens(width: int, height: int) -> int:
    """Anthropic's rule: width * height / 750, after scaling the long edge to at most 1568."""
    scale = min(1.0, LONG_EDGE / max(width, height, 1))
    scaled_w, scaled_h = max(1, round(width * scale)), max(1, round(height * scale))
    return math.ceil(scaled_w * scaled_h / PIXELS_PER_TOKEN)


def image_block_tokens(data: bytes, declared: str, where: str) -> int:
    size = image_size(data)
    if size is None or 0 in size:
        # AWS's wording is not published (assumed, README says)
        raise ValidationException(
            f"The image at {where} could not be read as {declared}: the stand-in reads the size "
            "from the PNG, JPEG, GIF or WebP header. Send a valid image and try again."
        )
    if len(data) > MAX_IMAGE_BYTES or max(size) > MAX_IMAGE_EDGE:
        # the limits are AWS's (API reference); the wording is the stand-in's
        raise ValidationException(
            f"The image at {where} is {len(data):,} bytes and {size[0]} x {size[1]} px; an "
            "image can be at most 3.75 MB and 8000 x 8000 px. Send a smaller image."
        )
    found = image_format(data)
    if found != declared:
        # Anthropic's API refuses a media type its bytes do not match; the stand-in does so for
        # every model (wording assumed, README says)
        raise ValidationException(
            f"The image at {where} is declared as {declared} but its bytes are {found}. Set the "
            "format the image really has and try again."
        )
    return image_tokens(*size)


# --- documents ------------------------------------------------------------------------------------
def check_document_name(name: str) -> None:
    """AWS's rule for a document's name (its text, as public error reports quote it)."""
    if not DOCUMENT_NAME.fullmatch(name) or re.search(r"\s\s", name):
        raise ValidationException(
            "The document file name can only contain alphanumeric characters, whitespace "
            "characters, hyphens, parentheses, and square brackets. The name can't contain more "
            "than one consecutive whitespace character."
        )


def document_tokens(block: dict[str, Any], data: bytes | None) -> int:
    """A document's tokens: text counted as text; binary formats one token per 4 bytes."""
    source = block.get("source") or {}
    assert isinstance(source, dict)
    if "text" in source:
        return simulate.count_tokens(str(source["text"]))
    if "content" in source:
        parts = source["content"] or []
        assert isinstance(parts, list)
        return simulate.count_tokens("\n".join(str(p.get("text", "")) for p in parts))
    if data is None:
        return 0
    if block.get("format", "txt") in TEXT_FORMATS:
        return simulate.count_tokens(data.decode("utf-8", errors="replace"))
    return math.ceil(len(data) / 4)


def check_message(role: str, blocks: list[dict[str, Any]], where: str) -> None:
    """The API reference's rules for one message's media: images and documents in user
    messages only, at most 20 images and 5 documents, and a text block beside a document."""
    images = sum(1 for b in blocks if "image" in b)
    documents = sum(1 for b in blocks if "document" in b)
    problem = None
    if role != "user" and images + documents:
        problem = "holds an image or document, which only a user message can hold"
    elif images > MAX_IMAGES:
        problem = f"holds {images} images; a message can hold at most {MAX_IMAGES}"
    elif documents > MAX_DOCUMENTS:
        problem = f"holds {documents} documents; a message can hold at most {MAX_DOCUMENTS}"
    elif documents and not any("text" in b for b in blocks):
        problem = "holds a document but no text block; add a text block beside it"
    if problem:
        # the rules are AWS's (API reference, high); the wording is the stand-in's
        raise ValidationException(f"The message at {where} {problem}.")


def placeholder(tokens: int) -> str:
    """Text that the token rule counts as ``tokens``: how a media block sits in the prompt text.

    One private-use character is one token (simulate.count_tokens counts a non-ASCII character
    as one), so cache points, context limits and counts treat media like the text around it.
    """
    return "\ue000" * tokens


def block_tokens(
    kind: str, block: dict[str, Any], model: FoundationModel, read_s3: ReadS3, where: str
) -> int:
    """A media block's input tokens, once the model is known to read it (else AWS's refusal)."""
    if not takes(model, kind):
        raise unsupported(kind)
    source = block.get("source") or {}
    assert isinstance(source, dict)
    data = source_bytes(kind, source, model, read_s3)
    if kind == "image":
        return image_block_tokens(data or b"", str(block.get("format")), where)
    if kind == "document":
        check_document_name(str(block.get("name", "")))
        if data is not None and len(data) > MAX_DOCUMENT_BYTES:
            raise ValidationException(  # AWS's limit, the stand-in's wording
                f"The document at {where} is {len(data):,} bytes; a document can be at most "
                "4.5 MB. Send a smaller document."
            )
        return document_tokens(block, data)
    return VIDEO_TOKENS
