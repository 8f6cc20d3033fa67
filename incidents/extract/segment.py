"""Paragraphs and sentences: the units incidents are built from.

Rule-based on purpose: news text is short, mostly English, and full of lines (headlines,
bullets, tweets) that a sentence model would glue together.
"""

from __future__ import annotations

import re

from incidents.extract.document import Doc, Span

STAGE = "segment"
# News copy uses a line per paragraph as often as blank lines; a non-empty line is the unit,
# unless the text is hard-wrapped (see ``unwrap``).
_PARAGRAPH = re.compile(r"[^\n]+")
# A line break inside a sentence: no sentence end before it, and the next line goes on in
# lower case or with a figure ("Two soldiers were killed and seven\nother were wounded"),
# but not with a label ending in a colon ("3 April: ..."): that is the next list entry.
_SOFT_BREAK = re.compile(
    r"(?<=[\w,;’'\-])\n(?=[^\S\n]*[a-z0-9(])(?![^\S\n]*\d[^\n:]{0,20}:[^\S\n])"
)
# A sentence ends at . ! ? (with closing quotes/brackets) before whitespace and a capital,
# digit, quote or bullet; the lookbehinds keep abbreviations and initials together.
_ABBREVIATIONS = (
    "Mr Mrs Ms Dr Gen Lt Col Maj Capt Sgt Cpl Pvt Adm Cmdr Gov Sen Rep St Mt No Nos vs etc "
    "Jan Feb Mar Apr Aug Sep Sept Oct Nov Dec Inc Ltd Co Corp Jr Sr approx est U.S U.K U.N "
    # "Sta. Rita, Samar", "Ft. Hood", "Brig. Gen.", "Pte. Smith", "Spc. Jones"
    "Sta Sto Ste Ft Brig Pte Pfc Spc Cpt Lieut Sgts Sqn Bn Bde Div Regt Pres Supt Insp"
).split()
_END = re.compile(r"""[.!?]+["'”’)\]]*(?=\s+["'“‘(\[•\-–—]?[A-ZА-ЯІЇЄҐ0-9])""")


def _is_abbreviation(text: str, dot: int) -> bool:
    word = re.search(r"([A-Za-z.]+)$", text[max(0, dot - 40) : dot])
    if word is None:
        return False
    token = word.group(1).rstrip(".")
    return token in _ABBREVIATIONS or (len(token) == 1 and token.isupper())


def _sentences(text: str, start: int, end: int) -> list[tuple[int, int]]:
    found: list[tuple[int, int]] = []
    for line in re.finditer(r"[^\n]+", text[start:end]):
        cursor = start + line.start()
        line_end = start + line.end()
        for match in _END.finditer(text, cursor, line_end):
            if text[match.start()] == "." and _is_abbreviation(text, match.start()):
                continue
            found.append((cursor, match.end()))
            cursor = match.end()
        found.append((cursor, line_end))
    spans = []
    for s, e in found:
        chunk = text[s:e]
        stripped = chunk.strip()
        if stripped:
            left = s + len(chunk) - len(chunk.lstrip())
            spans.append((left, left + len(stripped)))
    return spans


def unwrap(text: str) -> str:
    """``text`` with the line breaks of hard-wrapped prose turned into spaces.

    One character for one, so offsets into the result are offsets into ``text``.
    """
    return _SOFT_BREAK.sub(" ", text)


def segment(doc: Doc) -> list[Span]:
    """Paragraph spans (non-empty lines, soft wraps joined) and sentence spans within them."""
    spans: list[Span] = []
    text = unwrap(doc.text)
    for para in _PARAGRAPH.finditer(text):
        if not para.group().strip():
            continue
        spans.append(Span(para.start(), para.end(), "paragraph", None, STAGE))
        spans += [
            Span(s, e, "sentence", None, STAGE)
            for s, e in _sentences(text, para.start(), para.end())
        ]
    return spans
