"""Small sample files for injected media and the phone page's image button."""

import struct
import zlib

SAMPLE_BYTES = {
    "audio": b"ID3\x03\x00\x00\x00\x00\x00\x00LeadGate emulator sample audio",
    "voice": b"OggS\x00\x02LeadGate emulator sample voice note",
    "video": b"\x00\x00\x00\x18ftypmp42LeadGate emulator sample video",
    "document": b"%PDF-1.4\n% LeadGate emulator sample document\n%%EOF\n",
    "sticker": b"RIFF\x1a\x00\x00\x00WEBPVP8 LeadGate emulator sticker",
}


def _chunk(kind: bytes, data: bytes) -> bytes:
    crc = zlib.crc32(kind + data) & 0xFFFFFFFF
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)


def sample_png(width: int = 64, height: int = 48) -> bytes:
    """A real PNG: a teal picture with a lighter stripe, built without Pillow."""
    rows = b""
    for y in range(height):
        colour = (
            b"\xcc\xfb\xf1" if height // 3 <= y < 2 * height // 3 else b"\x0f\x76\x6e"
        )
        rows += b"\x00" + colour * width  # filter byte 0, then RGB pixels
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(rows))
        + _chunk(b"IEND", b"")
    )


def sample_bytes(kind: str) -> bytes:
    return sample_png() if kind == "image" else SAMPLE_BYTES[kind]
