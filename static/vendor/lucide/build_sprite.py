"""Build sprite.svg from lucide-static's single icons (see README in this folder).

Usage: python build_sprite.py <unpacked lucide-static>/package  (writes sprite.svg here)
"""

import re
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from xml.sax.saxutils import quoteattr

HERE = Path(__file__).parent
SVG = "http://www.w3.org/2000/svg"
# Lucide draws with strokes: keep its drawing attributes on each symbol, so an
# icon looks right wherever it is used (its colour follows `currentColor`).
DRAWING = (
    'fill="none" stroke="currentColor" stroke-width="2" '
    'stroke-linecap="round" stroke-linejoin="round"'
)


def symbol(package: Path, name: str) -> str:
    root = ET.parse(package / "icons" / f"{name}.svg").getroot()
    shapes = []
    for child in root:
        tag = child.tag.removeprefix(f"{{{SVG}}}")
        attributes = " ".join(f"{k}={quoteattr(v)}" for k, v in child.attrib.items())
        shapes.append(f"<{tag} {attributes}/>")
    return (
        f'<symbol id="{name}" viewBox="0 0 24 24" {DRAWING}>{"".join(shapes)}</symbol>'
    )


def main(package: Path) -> None:
    version = re.search(
        r'"version":\s*"([^"]+)"', (package / "package.json").read_text()
    )
    names = [
        line.strip()
        for line in (HERE / "ICONS").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    symbols = "\n".join(symbol(package, name) for name in names)
    (HERE / "sprite.svg").write_text(
        f"<!-- Lucide icons (lucide-static {version[1]}, ISC licence: LICENSE). "
        "Built by build_sprite.py from the names in ICONS. -->\n"
        f'<svg xmlns="{SVG}">\n{symbols}\n</svg>\n'
    )
    print(f"{len(names)} icons from lucide-static {version[1]}")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
