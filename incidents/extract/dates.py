"""The dates stage: every date expression in an article, resolved against its publication.

Candidates come from our own patterns (month names in English, Russian and Ukrainian,
weekdays, "today", "last week", ranges, ...); ``dateparser`` only turns a matched
day-month-year into a calendar date. Nothing that is not shaped like a date reaches it,
so "Su-25", "27 killed" or "0135 EST" can never become dates.

Labels: ``date`` (an ``IncidentDate``: could be when something happened), ``timestamp``
(tweet and update stamps) and ``published`` (a publication date printed in the text).
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

from incidents.extract.document import Doc, Span
from incidents.schema import DatePrecision, IncidentDate

STAGE = "dates"
_LEXICON = Path(__file__).parent / "lexicons" / "dates.yaml"
_NUMBERS = "one two three four five six seven eight nine ten".split()


class MonthNames(BaseModel):
    """One month's names per language."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    en: list[str] = Field(min_length=1)
    ru: list[str] = Field(default_factory=list)
    uk: list[str] = Field(default_factory=list)


class DateLexicon(BaseModel):
    """The words of ``lexicons/dates.yaml``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    months: dict[int, MonthNames]
    weekdays: list[str] = Field(min_length=7, max_length=7)
    weekdays_slavic: list[list[str]] = Field(min_length=7, max_length=7)
    count_nouns: list[str]
    cues: list[str]

    @model_validator(mode="after")
    def _twelve(self) -> DateLexicon:
        if sorted(self.months) != list(range(1, 13)):
            raise ValueError("months: give exactly the keys 1..12")
        return self


@dataclass(frozen=True, slots=True)
class _Rules:
    patterns: tuple[tuple[str, re.Pattern[str]], ...]
    leads: dict[str, re.Pattern[str]]  # words before a match that belong to the phrase
    month_of: dict[str, int]  # lower-cased name -> month number
    weekday_of: dict[str, int]
    counts: re.Pattern[str]
    cues: frozenset[str]


def _alt(names: list[str]) -> str:
    # Longest first, so "September" wins over "Sep".
    return "|".join(re.escape(n) for n in sorted(set(names), key=len, reverse=True))


@cache
def load_lexicon() -> DateLexicon:
    """The shipped date lexicon, validated strictly (read once, on first use)."""
    return DateLexicon.model_validate(yaml.safe_load(_LEXICON.read_text(encoding="utf-8")))


@cache
def _rules() -> _Rules:
    """Load the lexicon and compile the patterns, once per process."""
    lex = load_lexicon()
    months = lex.months.values()
    cyr = [n for m in months for n in (*m.ru, *m.uk)]
    # Patterns start with a literal or a digit (no optional prefix, no inline flags), so
    # the regex engine can skip ahead; "in", "on Sunday," etc. are picked up by ``leads``.
    names = [n for m in months for n in m.en] + cyr + [n.capitalize() for n in cyr]
    mon, wd = rf"(?:{_alt(names)})\b(?:\.(?=\s*\d))?", _alt(lex.weekdays)
    slavic = _alt([n for forms in lex.weekdays_slavic for n in forms])
    day = r"[0-3]?\d(?:st|nd|rd|th)?(?![\w-])"
    # The first day of a range runs into its dash: "the night of 21-22 February 1940".
    first_day = r"[0-3]?\d(?:st|nd|rd|th)?(?!\w)"
    # Historical texts date events from 1000 on ("May 2, 1863", "in 1690").
    year = r"(?:1\d|20)\d\d(?![\w-])"
    to = r"(?:\s*[-–—]\s*|\s+(?:and|to|until|till)\s+)"
    of_month, opt_year = rf"\s+(?:of\s+)?(?P<m>{mon})", rf"(?:,?\s+(?P<y>{year}))?"
    # One alternative per pattern: a top-level "|" would stop the engine skipping ahead.
    patterns = [
        ("range", rf"(?P<d1>{first_day}){to}(?P<d2>{day}){of_month}{opt_year}"),
        ("range", rf"(?P<m>{mon})\s+(?P<d1>{first_day}){to}(?P<d2>{day}){opt_year}"),
        ("day", rf"(?P<d>{day}){of_month}{opt_year}"),
        ("day", rf"(?P<m>{mon})\s+(?P<d>{day}){opt_year}"),
        ("iso", r"(?:19|20)\d\d-[01]\d-[0-3]\d(?![\w-])"),
        ("iso", rf"[0-3]?\d\.[01]?\d\.{year}"),
        ("week", rf"the\s+(?P<nth>first|second|third|fourth|last)\s+week\s+of{of_month}{opt_year}"),
        ("month", rf"(?P<m>{mon}),?\s+(?P<y>{year})"),
        (
            "season",
            rf"(?P<s>[Ss]pring|[Ss]ummer|[Aa]utumn|[Ff]all|[Ww]inter)\s+(?:of\s+)?(?P<y>{year})",
        ),
        ("month", rf"(?P<m>{_alt([m.en[0] for m in months])})\b"),
        ("year", rf"(?P<y>{year})"),
        ("weekday", rf"(?P<wd>{wd})\b"),
        ("weekday", rf"(?:[Вв]о?|[Уу])\s+(?P<wd>{slavic})(?!\w)"),
        (
            "relative",
            r"\b(?:[Tt]he\s+day\s+before\s+yesterday|[Ee]arlier\s+today|[Yy]esterday"
            r"|[Tt]oday|[Tt]onight|[Tt]his\s+(?:morning|afternoon|evening)|[Ll]ast\s+night"
            r"|(?:[Ee]arlier\s+)?[Tt]his\s+(?:week|month|year)|[Ll]ast\s+(?:week|month|year))\b",
        ),
        ("relative", rf"(?P<n>\b\d{{1,2}}|{'|'.join(_NUMBERS)})\s+days?\s+ago\b"),
        ("update", r"\bUpdated?\s*\(\s*\d{3,4}\s*(?:[A-Z]{2,4}\s*)?\)"),
    ]
    prep = r"(?:\b(?:[Ii]n|[Oo]n|[Dd]uring)\s+)?"
    mod = r"(?:\b(?:[Ee]arly|[Mm]id|[Ll]ate)[-\s]+|\bthe\s+(?:beginning|start|middle|end)\s+of\s+)?"
    leads = {
        "range": rf"{prep}(?:\b(?:[Bb]etween|[Ff]rom)\s+)?",
        "day": rf"{prep}(?:\b(?:{wd}),?\s+)?(?:\bthe\s+)?",
        "iso": prep,
        "week": prep,
        "month": prep + mod,
        "season": rf"{prep}(?:\bthe\s+)?(?:\b(?:[Ee]arly|[Ll]ate)\s+)?",
        "year": prep + mod,
        "weekday": rf"{prep}(?:\b(?:[Ll]ast|[Tt]his|[Pp]ast)\s+)?",
    }
    return _Rules(
        patterns=tuple((kind, re.compile(p)) for kind, p in patterns),
        # \Z, not $: "$" also matches before a final newline, so a date opening a line
        # would start at the newline that ends the line before, outside its sentence.
        leads={kind: re.compile(rf"{lead}\Z") for kind, lead in leads.items()},
        month_of={n.lower(): i for i, m in lex.months.items() for n in (*m.en, *m.ru, *m.uk)},
        weekday_of={
            **{name.lower(): i for i, name in enumerate(lex.weekdays)},
            **{name: i for i, forms in enumerate(lex.weekdays_slavic) for name in forms},
        },
        counts=re.compile(rf"\s+(?:[A-Za-z-]+\s+){{0,2}}(?:{_alt(lex.count_nouns)})\b"),
        cues=frozenset(lex.cues),
    )


@cache
def _parser() -> Any:
    # Imported lazily: dateparser takes a noticeable time to import.
    from dateparser.date import DateDataParser  # type: ignore[import-untyped]

    return DateDataParser(
        languages=["en", "ru", "uk"],
        settings={"PARSERS": ["custom-formats", "absolute-time"], "DATE_ORDER": "DMY"},
    )


@lru_cache(maxsize=4096)
def _parse_day(words: str) -> date | None:
    """An absolute day phrase ("21 листопада 2023", "2024-11-26") as a date, or None."""
    found = _parser().get_date_data(words)
    if found.date_obj is None or found.period != "day":
        return None
    parsed: date = found.date_obj.date()
    return parsed


@dataclass(frozen=True, slots=True)
class _Value:
    start: date
    end: date
    precision: DatePrecision
    relative: bool  # resolved against the publication date
    exact: bool = False  # both ends are days the text names


def _month_value(year: int, month: int, relative: bool) -> _Value:
    last = calendar.monthrange(year, month)[1]
    return _Value(date(year, month, 1), date(year, month, last), DatePrecision.MONTH, relative)


def _year_for(month: int, day: int, anchor: date) -> int:
    # The most recent such month (or day) not after the anchor.
    return anchor.year if (month, day) <= (anchor.month, anchor.day) else anchor.year - 1


def _g(m: re.Match[str], name: str) -> str | None:
    # A group that the match's pattern may not have.
    return m.groupdict().get(name)


def _day(rules: _Rules, m: re.Match[str], d: str, anchor: date | None) -> _Value | None:
    """Resolve day group ``d`` of the match, taking the year from the text or the anchor."""
    month_word = (_g(m, "m") or "").rstrip(".")
    year, day = _g(m, "y"), int(re.sub(r"\D", "", _g(m, d) or ""))
    if year is None:
        month = rules.month_of[month_word.lower()]
        if anchor is None or not 1 <= day <= 31:
            return None
        year = str(_year_for(month, day, anchor))
    found = _parse_day(f"{day} {month_word} {year}")
    if found is None:
        return None
    return _Value(found, found, DatePrecision.DAY, _g(m, "y") is None, exact=True)


def _relative(words: str, n: str | None, anchor: date) -> _Value:
    """Resolve "today", "yesterday", "last week", "this month", "3 days ago", ..."""
    monday = anchor - timedelta(days=anchor.weekday())
    if n is not None:
        back = int(n) if n.isdigit() else _NUMBERS.index(n.lower()) + 1
    elif "before yesterday" in words:
        back = 2
    elif "yesterday" in words or "night" in words:
        back = 1
    elif words.endswith("last week"):
        return _Value(monday - timedelta(7), monday - timedelta(1), DatePrecision.WEEK, True)
    elif words.endswith("this week"):
        return _Value(monday, anchor, DatePrecision.WEEK, True)
    elif words.endswith("last month"):
        previous = anchor.replace(day=1) - timedelta(days=1)
        return _month_value(previous.year, previous.month, True)
    elif words.endswith("last year"):
        last_year = anchor.year - 1
        return _Value(date(last_year, 1, 1), date(last_year, 12, 31), DatePrecision.YEAR, True)
    elif words.endswith(("this month", "this year")):
        first = anchor.replace(day=1) if words.endswith("month") else date(anchor.year, 1, 1)
        precision = DatePrecision.DAY if first == anchor else DatePrecision.RANGE
        return _Value(first, anchor, precision, True)
    else:  # today, tonight, this morning, ...
        back = 0
    day = anchor - timedelta(days=back)
    return _Value(day, day, DatePrecision.DAY, True)


@dataclass(frozen=True, slots=True)
class _Hit:
    kind: str
    m: re.Match[str]
    start: int  # where the phrase starts: the match plus its lead ("in", "on Sunday,")
    label: str = "date"


def _resolve(rules: _Rules, hit: _Hit, anchor: date | None) -> _Value | None:
    """The dates a candidate stands for, or None when it cannot be resolved."""
    kind, m = hit.kind, hit.m
    if kind == "iso":
        found = _parse_day(m[0])
        return None if found is None else _Value(found, found, DatePrecision.DAY, False, True)
    if kind == "day":
        return _day(rules, m, "d", anchor)
    if kind == "range":
        first, last = _day(rules, m, "d1", anchor), _day(rules, m, "d2", anchor)
        if first is None or last is None or first.start >= last.start:
            return None
        return _Value(first.start, last.end, DatePrecision.RANGE, last.relative, True)
    if kind == "season":
        # Meteorological seasons of the northern hemisphere; winter runs into the next year.
        year, opens = int(m["y"]), _SEASON_START[m["s"].lower()]
        closes = (year + 1, 2) if opens == 12 else (year, opens + 2)
        end = date(*closes, calendar.monthrange(*closes)[1])
        return _Value(date(year, opens, 1), end, DatePrecision.RANGE, False)
    if kind == "year":
        year = int(m["y"])
        return _Value(date(year, 1, 1), date(year, 12, 31), DatePrecision.YEAR, False)
    if kind in ("month", "week"):
        month, year_word = rules.month_of[(_g(m, "m") or "").rstrip(".").lower()], _g(m, "y")
        if year_word is None and anchor is None:
            return None
        relative = year_word is None
        year = _year_for(month, 1, anchor) if anchor and relative else int(year_word or 0)
        if kind == "month":
            return _month_value(year, month, relative)
        days = calendar.monthrange(year, month)[1]
        nth = {"first": 1, "second": 8, "third": 15, "fourth": 22}.get(_g(m, "nth") or "", days - 6)
        start = date(year, month, nth)
        return _Value(start, start + timedelta(days=6), DatePrecision.WEEK, relative)
    if anchor is None:  # everything below is relative to the publication date
        return None
    if kind == "weekday":
        back = (anchor.weekday() - rules.weekday_of[m["wd"].lower()]) % 7
        if back == 0 and m.string[hit.start : m.start()].lower().startswith(("last", "past")):
            back = 7
        day = anchor - timedelta(days=back)
        return _Value(day, day, DatePrecision.DAY, True)
    if kind == "relative":
        return _relative(m[0].lower(), _g(m, "n"), anchor)
    return _Value(anchor, anchor, DatePrecision.DAY, True)  # "Update (1039 EST)"


_SEASON_START = {"spring": 3, "summer": 6, "autumn": 9, "fall": 9, "winter": 12}
_STAMP = re.compile(r"(?:\(@\w+\)|pic\.twitter\.com/\S+|\bUpdated?:?)\s*$")
_PUBLISHED = re.compile(r"(?i)(?:^\s*date|\b(?:published|posted)(?:\s+on)?)\s*:?\s*$")
# Russian "в ночь на 4 марта", Ukrainian "у ніч на 4 березня": the night into that day.
_NIGHT_BEFORE = re.compile(r"(?i)\b(?:в|у)\s+(?:ночь|ніч)\s+на\s+$")
_CONNECTOR = re.compile(r"\s*(?:and|to|until|till|through|[-–—])\s*")
_OPENER = re.compile(r"\b(?:[Bb]etween|[Ff]rom)\s+$")
_PREVIOUS_WORD = re.compile(r"([A-Za-z]+)\s+$")
# "the 2004 death of", "Tillman's 2004 death": a year dating one event. Singular nouns only,
# after "the" or a possessive: "1900 deaths", "2000 killings" are counts.
_DATED_EVENT = re.compile(
    r"[^\S\n]+(?:death|killing|incident|attack|strike|airstrike|shooting|"
    r"shootdown|downing|bombing|raid|ambush|clash|shelling)\b",
    re.I,
)
_DETERMINER = re.compile(r"(?:\b[Tt]he|\w['’]s?)[^\S\n]+$")
_NAMED_DAY = re.compile(r"\s+(?:attacks?|anniversary|commission|memorial|hijackers?)\b")
# A historical text: a year this many years before publication sets the year of the
# yearless dates that follow it.
_HISTORICAL_YEARS = 2


def _label(text: str, kind: str, start: int) -> str:
    """``timestamp`` for tweet/update stamps, ``published`` for a printed dateline."""
    if kind == "update":
        return "timestamp"
    if kind not in ("day", "iso"):
        return "date"
    line = text[text.rfind("\n", 0, start) + 1 : start]
    if _STAMP.search(line):
        return "timestamp"
    return "published" if _PUBLISHED.search(line) else "date"


def _hit(rules: _Rules, text: str, kind: str, m: re.Match[str]) -> _Hit | None:
    """The candidate with its lead words, or None when a guard rejects it."""
    lead = rules.leads.get(kind)
    found = lead.search(text, max(0, m.start() - 40), m.start()) if lead else None
    start = found.start() if found else m.start()
    if kind != "relative" and start and (text[start - 1].isalnum() or text[start - 1] in "_-,."):
        return None  # inside a word or number: "Su-25", "3,000", "FAB-2023"
    before = _PREVIOUS_WORD.search(text, max(0, start - 20), start)
    previous = before[1].lower() if before else ""
    if kind == "year" or (kind == "month" and _g(m, "y") is None):
        # A bare "March" or "2022" needs a cue: "in March", "since 2022", "late March", or
        # an event it dates: "the 2004 death of Pat Tillman".
        first = re.split(r"[\s-]", text[start : m.end()], maxsplit=1)[0].lower()
        dated = (
            kind == "year"
            and _DETERMINER.search(text, max(0, start - 40), start)
            and _DATED_EVENT.match(text, m.end())
        )
        if not {first, previous} & rules.cues and first != "the" and not dated:
            return None
    if ((kind == "day" and _g(m, "y") is None) or kind == "year") and rules.counts.match(
        text, m.end()
    ):
        return None  # "December 27 soldiers", "in 2022 troops": a count, not a day
    if kind == "day" and _NAMED_DAY.match(text, m.end()):
        return None  # "the Sept. 11 attacks": a day that names an event, not a date
    if kind == "relative" and previous in ("russia", "usa"):
        return None  # the outlets "Russia Today", "USA Today"
    return _Hit(kind, m, start, _label(text, kind, start))


def _candidates(rules: _Rules, text: str) -> list[_Hit]:
    """Non-overlapping plausible matches, the longest at each place, in text order."""
    found = [
        hit
        for kind, pattern in rules.patterns
        for m in pattern.finditer(text)
        if (hit := _hit(rules, text, kind, m)) is not None
    ]
    found.sort(key=lambda h: (h.start, -h.m.end()))
    kept: list[_Hit] = []
    for hit in found:
        if not kept or hit.start >= kept[-1].m.end():
            kept.append(hit)
    return kept


def _merge(rules: _Rules, text: str, a: _Hit, b: _Hit, anchor: date | None) -> _Value | None:
    """Join "between 3 May and 5 June 2022" / "from March to May" into one range."""
    if a.kind not in ("day", "month", "year") or b.kind not in ("day", "month", "year", "iso"):
        return None
    if not (a.label == b.label == "date" and _CONNECTOR.fullmatch(text, a.m.end(), b.start)):
        return None
    last, first = _resolve(rules, b, anchor), _resolve(rules, a, anchor)
    if last is not None and (first is None or first.relative):
        first = _resolve(rules, a, last.end)  # the year comes from the end
    if first is None or last is None or first.start >= last.end:
        return None
    exact = first.exact and last.exact
    return _Value(first.start, last.end, DatePrecision.RANGE, last.relative, exact)


def _span(doc: Doc, start: int, end: int, label: str, value: _Value, anchor: date | None) -> Span:
    if label != "date":
        return Span(start, end, label, value.start, STAGE, 0.9)
    when = IncidentDate(
        start=value.start,
        end=value.end,
        precision=value.precision,
        phrase=doc.text[start:end],
        resolved_against=anchor if value.relative else None,
    )
    confidence = 0.6 if value.relative else 0.9 if value.exact else 0.8
    return Span(start, end, "date", when, STAGE, confidence)


# A photo caption pasted with the article: "... on March 19, 2014 in Perevalne, Ukraine.
# (Getty Images)". Its date is the photo's, not the time the article is about.
_CAPTION = re.compile(
    r"^[^\n]*\((?:Getty Images|AP Photo|AFP|Reuters|EPA|Photo|File photo|Image)[^()\n]{0,60}\)"
    r"[^\S\n]*$",
    re.M | re.I,
)


def _explicit_years(hits: list[_Hit], text: str) -> list[tuple[int, int]]:
    """(offset, year) of every date that writes its year out, in text order, except in
    photo captions."""
    captions = [(m.start(), m.end()) for m in _CAPTION.finditer(text)]
    out = []
    for hit in hits:
        year = _g(hit.m, "y")
        if hit.kind == "iso":
            year = re.search(r"(?:19|20)\d\d", hit.m[0])[0]  # type: ignore[index]
        if any(a <= hit.start < b for a, b in captions):
            continue
        if year and hit.label == "date":
            out.append((hit.start, int(year)))
    return out


def _scene_anchor(
    text: str, hit: _Hit, years: list[tuple[int, int]], anchor: date | None
) -> date | None:
    """What a yearless date is resolved against: the publication, unless the text is
    about another time: "A second drop started on the night of July 11" takes 1943 from
    "July 1943" before it. The nearest year written out before the date is the scene's
    year when there is no publication date or it lies years before publication; with
    neither a publication date nor an earlier year, a day takes the first year written after
    it (a bare month stays unresolved)."""
    if _g(hit.m, "y") is not None or hit.kind not in ("day", "range", "month", "week"):
        return anchor
    before = [y for at, y in years if at < hit.start]
    year = before[-1] if before else None
    if year is None and anchor is None and hit.kind in ("day", "range"):
        # An undated history that writes its year only later ("on 24-25 July ... the
        # report of 25 August 1944"): the first year it writes out is the best guess.
        after = [y for at, y in years if at > hit.start]
        year = after[0] if after else None
    if year is None:
        return anchor
    if anchor is not None and year > anchor.year - _HISTORICAL_YEARS:
        return anchor
    return date(year, 12, 31)


def find_dates(doc: Doc) -> list[Span]:
    """Every date expression in ``doc.text`` as ``date``, ``timestamp`` or ``published`` spans.

    Relative phrases ("today", "in September", "on Sunday") are resolved against
    ``doc.published``, or failing that a publication date printed in the text; with
    neither they are left out. "Recently" and the like are never dates.
    """
    rules, text = _rules(), doc.text
    hits = _candidates(rules, text)
    anchor = doc.published
    for hit in hits:
        if anchor is None and hit.label == "published":
            printed = _resolve(rules, hit, None)
            anchor = printed.start if printed else None
    spans: list[Span] = []
    years, base = _explicit_years(hits, text), anchor
    i = 0
    while i < len(hits):
        hit = hits[i]
        scene = _scene_anchor(text, hit, years, base)
        if i + 1 < len(hits):
            opener = _OPENER.search(text, max(0, hit.start - 10), hit.start)
            merged = opener and _merge(rules, text, hit, hits[i + 1], scene)
            if opener and merged:
                spans.append(_span(doc, opener.start(), hits[i + 1].m.end(), "date", merged, scene))
                i += 2
                continue
        value = _resolve(rules, hit, scene)
        if value is not None:
            start = hit.start
            night = _NIGHT_BEFORE.search(text, max(0, start - 16), start)
            if night and hit.kind == "day" and value.precision == DatePrecision.DAY:
                # "в ночь на 4 марта": the night running into the 4th, from the 3rd.
                start = night.start()
                value = _Value(
                    value.start - timedelta(days=1),
                    value.end,
                    DatePrecision.RANGE,
                    value.relative,
                    value.exact,
                )
            spans.append(_span(doc, start, hit.m.end(), hit.label, value, scene))
        i += 1
    return spans
