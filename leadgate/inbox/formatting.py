"""Message text for the thread: escaped first, then WhatsApp's formatting and links.

Texts come from strangers. Escaping happens before anything else, and every
later step only wraps already-escaped text in fixed tags, so no input can create
markup of its own. Links open without referrer or opener and are nofollow.
"""

import re

from markupsafe import Markup, escape

# On escaped text: a link ends before an escaped quote or angle bracket.
URL = re.compile(
    r"\bhttps?://(?:(?!&(?:#34|#39|lt|gt|quot);)[^\s<>\"'])+", re.IGNORECASE
)
TRAILING = ".,;:!?)]}"  # punctuation after a link belongs to the sentence
# WhatsApp's markers: the text between them must not start or end with a space.
STYLES = (
    (re.compile(r"(?<![\w*])\*(?=\S)(.+?)(?<=\S)\*(?![\w*])"), "strong"),
    (re.compile(r"(?<![\w_])_(?=\S)(.+?)(?<=\S)_(?![\w_])"), "em"),
    (re.compile(r"(?<![\w~])~(?=\S)(.+?)(?<=\S)~(?![\w~])"), "s"),
)
MONO = re.compile(r"(```.+?```)", re.DOTALL)


def _link(match: re.Match) -> str:
    url = match.group(0)
    tail = ""
    while url and url[-1] in TRAILING:
        url, tail = url[:-1], url[-1] + tail
    # `url` is escaped text already (& became &amp;): safe inside the attribute.
    return (
        f'<a href="{url}" rel="noopener noreferrer nofollow" target="_blank">{url}</a>'
        f"{tail}"
    )


def _styled(text: str) -> str:
    for pattern, tag in STYLES:
        text = pattern.sub(lambda m, tag=tag: f"<{tag}>{m.group(1)}</{tag}>", text)
    return text


def _links_and_styles(text: str) -> str:
    """Links stay as they are; styles apply to the text around them."""
    out, start = [], 0
    for match in URL.finditer(text):
        out.append(_styled(text[start : match.start()]))
        out.append(_link(match))
        start = match.end()
    out.append(_styled(text[start:]))
    return "".join(out)


def whatsapp_format(text: str | None) -> Markup:
    if not text:
        return Markup("")
    parts = MONO.split(str(escape(text)))
    for index, part in enumerate(parts):
        if index % 2:  # ```monospace```: no links or styles inside
            parts[index] = f"<code>{part[3:-3]}</code>"
        else:
            parts[index] = _links_and_styles(part)
    return Markup("".join(parts))
