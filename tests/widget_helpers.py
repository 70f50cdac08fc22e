"""Helpers shared by the widget and figure tests: PNG sizes and WCAG contrast."""

from __future__ import annotations

import struct


def png_size(data: bytes) -> tuple[int, int]:
    """Width and height from a PNG's IHDR chunk."""
    assert bytes(data[:8]) == b"\x89PNG\r\n\x1a\n", "not a PNG"
    width, height = struct.unpack(">II", bytes(data[16:24]))
    return width, height


def _linear(channel: int) -> float:
    c = channel / 255
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


def luminance(colour: str) -> float:
    """WCAG 2.x relative luminance of ``#rrggbb``."""
    r, g, b = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * _linear(r) + 0.7152 * _linear(g) + 0.0722 * _linear(b)


def contrast(a: str, b: str) -> float:
    """WCAG 2.x contrast ratio of two colours, from 1 to 21."""
    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)
