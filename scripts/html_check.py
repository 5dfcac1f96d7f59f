#!/usr/bin/python3
"""Checks the dashboard page and its screenshot (called by the Swift tests, DashboardTests).

    html_check.py page.html              valid HTML (html5lib, strict), self-contained, printable
    html_check.py --png shot.png W H     a PNG of W x H pixels that is not blank

Exit 0 when everything holds; 1 with one line per problem; 2 when html5lib is missing
(Debian python3-html5lib, installed by scripts/setup-deps). Run it with the system Python
(/usr/bin/python3), where the Debian package is.
"""
import re
import struct
import sys
import zlib

EXTERNAL = re.compile(r"^\s*(?:[a-z][a-z0-9+.-]*:|//)", re.IGNORECASE)
URL_ATTRIBUTES = {"src", "href", "xlink:href", "srcset", "action", "formaction", "poster", "data", "background"}


def check_html(path):
    try:
        import html5lib
    except ImportError:
        print("html5lib is missing: run scripts/setup-deps (Debian package python3-html5lib)")
        return 2
    with open(path, "rb") as handle:
        data = handle.read()
    problems = []
    parser = html5lib.HTMLParser(strict=True, namespaceHTMLElements=False)
    try:
        document = parser.parse(data)
    except html5lib.html5parser.ParseError as error:
        print(f"{path}: not valid HTML (html5lib, strict): {error}")
        return 1
    for element in document.iter():
        tag = element.tag if isinstance(element.tag, str) else ""
        name = tag.split("}")[-1].lower()
        if name in ("script", "iframe", "object", "embed", "link", "base"):
            problems.append(f"<{name}> is not allowed (no script, no external resource)")
        for attribute, value in element.attrib.items():
            key = attribute.split("}")[-1].lower()
            if key.startswith("on"):
                problems.append(f"<{name} {key}=…>: no event handler (no script)")
            if (key in URL_ATTRIBUTES or key.endswith("href")) and (EXTERNAL.match(value) and not value.startswith("#")):
                problems.append(f"<{name} {key}=\"{value}\">: a reference outside the page")
        if name == "style" and element.text:
            if re.search(r"url\s*\(|@import", element.text, re.IGNORECASE):
                problems.append("the style sheet loads something (url( or @import)")
    text = data.decode("utf-8")
    if "@media print" not in text:
        problems.append("no print style sheet (@media print)")
    if not re.search(r'<html lang="fr"', text):
        problems.append('the page does not say it is French (<html lang="fr">)')
    for problem in problems:
        print(f"{path}: {problem}")
    return 1 if problems else 0


def png_pixels(path):
    """(width, height, rows of RGB(A) bytes) of an 8-bit RGB or RGBA PNG, unfiltered."""
    with open(path, "rb") as handle:
        data = handle.read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG file")
    position, chunks, header = 8, [], None
    while position < len(data):
        length, kind = struct.unpack(">I4s", data[position:position + 8])
        body = data[position + 8:position + 8 + length]
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            chunks.append(body)
        position += 12 + length
    width, height, depth, color, _, _, interlace = header
    if depth != 8 or color not in (2, 6) or interlace != 0:
        raise ValueError(f"unexpected PNG format (depth {depth}, color type {color}, interlace {interlace})")
    channels = 3 if color == 2 else 4
    raw = zlib.decompress(b"".join(chunks))
    stride = width * channels
    rows, previous = [], bytearray(stride)
    for row in range(height):
        start = row * (stride + 1)
        kind, line = raw[start], bytearray(raw[start + 1:start + 1 + stride])
        for i in range(stride):
            left = line[i - channels] if i >= channels else 0
            up = previous[i]
            corner = previous[i - channels] if i >= channels else 0
            if kind == 1:
                line[i] = (line[i] + left) & 0xFF
            elif kind == 2:
                line[i] = (line[i] + up) & 0xFF
            elif kind == 3:
                line[i] = (line[i] + (left + up) // 2) & 0xFF
            elif kind == 4:
                estimate = left + up - corner
                pa, pb, pc = abs(estimate - left), abs(estimate - up), abs(estimate - corner)
                predictor = left if pa <= pb and pa <= pc else (up if pb <= pc else corner)
                line[i] = (line[i] + predictor) & 0xFF
        rows.append(bytes(line))
        previous = line
    return width, height, channels, rows


def check_png(path, width, height):
    try:
        actual_width, actual_height, channels, rows = png_pixels(path)
    except (OSError, ValueError, zlib.error, TypeError) as error:
        print(f"{path}: cannot be read as a PNG: {error}")
        return 1
    if (actual_width, actual_height) != (width, height):
        print(f"{path}: {actual_width}x{actual_height} pixels, expected {width}x{height}")
        return 1
    background = rows[0][:3]
    drawn = 0
    for row in rows[::4]:
        for x in range(0, actual_width * channels, channels * 4):
            if row[x:x + 3] != background:
                drawn += 1
    sampled = len(rows[::4]) * len(range(0, actual_width * channels, channels * 4))
    share = drawn / sampled
    if share < 0.01:
        print(f"{path}: blank ({share:.2%} of the sampled pixels differ from the background)")
        return 1
    print(f"{path}: {actual_width}x{actual_height}, {share:.1%} of the sampled pixels drawn")
    return 0


def main(arguments):
    if len(arguments) == 4 and arguments[0] == "--png":
        return check_png(arguments[1], int(arguments[2]), int(arguments[3]))
    if len(arguments) == 1:
        return check_html(arguments[0])
    print(__doc__)
    return 64


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
