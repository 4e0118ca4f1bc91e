"""Message text for the thread: WhatsApp's formatting and links, in linear time.

Texts come from strangers. Every piece of their text is escaped as it is written
out and the only markup is a fixed set of tags, so no input can create markup of
its own. Links open without referrer or opener and are nofollow.

Markers follow WhatsApp: *bold*, _italic_, ~strike~, `code` and ```monospace```;
the text between two markers neither starts nor ends with a space, styles stay on
one line and spans nest but never cross. Matching is by position lists, not by
lazy regular expressions: `(.+?)` scans to the line's end from every opener
without a closer, so "*_~a " * 12000 took seconds (quadratic) and held the GIL.
Here each marker is looked at a constant number of times per pass.
"""

import re
from typing import NamedTuple

from markupsafe import Markup, escape

# Beyond this many characters a message shows "mehr anzeigen" and the rest plain.
# WhatsApp's own limit for a text is 4096, so real messages are never cut.
FORMAT_CAP = 4096
CUT_WINDOW = 200  # cut at a space or line break this close to the cap
URL = re.compile(r"\bhttps?://[^\s<>\"'`]+", re.IGNORECASE)
TRAILING = ".,;:!?)]}"  # punctuation after a link belongs to the sentence
FENCE = "```"
# Inline code first (nothing is formatted inside it), then the styles in order.
MARKERS = (("`", "code"), ("*", "strong"), ("_", "em"), ("~", "s"))
FINDERS = {marker: re.compile(re.escape(marker)) for marker, _tag in MARKERS}


class Span(NamedTuple):
    start: int  # the opening marker's position in the line
    end: int  # the closing marker's position
    tag: str


def whatsapp_format(text: str | None) -> Markup:
    """Escape text and render WhatsApp's formatting and links as fixed HTML tags."""
    if not text:
        return Markup("")
    out, position = [], 0
    for start, end in fences(text):
        out.append(links_and_styles(text[position:start]))
        out.append(f"<code>{escape(text[start + 3 : end])}</code>")
        position = end + 3
    out.append(links_and_styles(text[position:]))
    return Markup("".join(out))


def whatsapp_parts(text: str | None, cap: int = FORMAT_CAP) -> tuple[Markup, str]:
    """The formatted head of a text and the rest beyond the cap (plain, maybe empty)."""
    text = text or ""
    if len(text) <= cap:
        return whatsapp_format(text), ""
    window = max(0, cap - CUT_WINDOW)
    cut = max(text.rfind(" ", window, cap), text.rfind("\n", window, cap))
    cut = cut + 1 if cut > 0 else cap  # the space stays with the head
    return whatsapp_format(text[:cut]), text[cut:]


def fences(text: str):
    """(start, end) of each ```monospace``` block: the first fence after an opener."""
    position = 0
    while (start := text.find(FENCE, position)) != -1:
        end = text.find(FENCE, start + 4)  # at least one character inside
        if end == -1:
            return  # no later opener can be closed either
        yield start, end
        position = end + 3


def links_and_styles(text: str) -> str:
    """Links stay as they are; styles apply to the text around them."""
    out, start = [], 0
    for match in URL.finditer(text):
        url, tail = match.group(0), ""
        while url and url[-1] in TRAILING:
            url, tail = url[:-1], url[-1] + tail
        out.append(styled(text[start : match.start()]))
        out.append(link(url))
        start = match.start() + len(url)
    out.append(styled(text[start:]))
    return "".join(out)


def link(url: str) -> str:
    href = escape(url)  # & becomes &amp;: safe inside the quoted attribute
    return f'<a href="{href}" rel="noopener noreferrer nofollow" target="_blank">{href}</a>'


def styled(text: str) -> str:
    return "\n".join(styled_line(line) for line in text.split("\n"))


def styled_line(line: str) -> str:
    spans: list[Span] = []
    for marker, tag in MARKERS:
        spans += find_spans(line, marker, tag, spans)
    if not spans:
        return str(escape(line))
    tags = {span.start: f"<{span.tag}>" for span in spans}
    tags.update({span.end: f"</{span.tag}>" for span in spans})
    out, position = [], 0
    for index in sorted(tags):
        out.append(escape(line[position:index]))
        out.append(tags[index])
        position = index + 1
    out.append(escape(line[position:]))
    return "".join(out)


def find_spans(line: str, marker: str, tag: str, spans: list[Span]) -> list[Span]:
    """The marker's spans in one pass: each opener takes the first closer after it.

    Markers already used by `spans` count as neither word nor space, as the tag
    that replaces them; a span must close inside the span it opened in.
    """
    used = {span.start for span in spans} | {span.end for span in spans}
    candidates = [m.start() for m in FINDERS[marker].finditer(line)]
    candidates = [p for p in candidates if p not in used]
    parents = enclosing(spans, candidates)
    free = [p for p in candidates if parents[p] is None or parents[p].tag != "code"]
    closers = [p for p in free if closes(line, p, marker, used)]
    found, after, next_closer = [], -1, 0
    for index, position in enumerate(free):
        if position <= after or not opens(line, position, marker, used):
            continue
        if tag == "code":  # nothing inside code, not even another backtick
            end = free[index + 1] if index + 1 < len(free) else None
            end = end if end in closers and end >= position + 2 else None
        else:
            while next_closer < len(closers) and closers[next_closer] < position + 2:
                next_closer += 1
            if next_closer == len(closers):
                break  # no later opener can be closed either
            end = closers[next_closer]
        if end is not None and parents[position] is parents[end]:
            found.append(Span(position, end, tag))
            after = end
    return found


def enclosing(spans: list[Span], positions: list[int]) -> dict[int, Span | None]:
    """The innermost span around each position (spans nest, so a stack suffices)."""
    ordered = sorted(spans, key=lambda span: span.start)
    found: dict[int, Span | None] = {}
    stack: list[Span] = []
    index = 0
    for position in positions:
        while index < len(ordered) and ordered[index].start < position:
            while stack and stack[-1].end < ordered[index].start:
                stack.pop()
            stack.append(ordered[index])
            index += 1
        while stack and stack[-1].end < position:
            stack.pop()
        found[position] = stack[-1] if stack else None
    return found


def opens(line: str, position: int, marker: str, used: set[int]) -> bool:
    """Not after a word character or the same marker, and not before a space."""
    after = position + 1
    if after == len(line) or (after not in used and line[after].isspace()):
        return False
    return neutral(line, position - 1, marker, used)


def closes(line: str, position: int, marker: str, used: set[int]) -> bool:
    """Not after a space, and not before a word character or the same marker."""
    before = position - 1
    if before < 0 or (before not in used and line[before].isspace()):
        return False
    return neutral(line, position + 1, marker, used)


def neutral(line: str, position: int, marker: str, used: set[int]) -> bool:
    """The line's edge, a used marker, or a character that is no word and no marker."""
    if position < 0 or position >= len(line) or position in used:
        return True
    character = line[position]
    return not (character.isalnum() or character == "_" or character == marker)
