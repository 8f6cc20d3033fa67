"""The dates stage: offsets, resolution against the publication date, and the guards."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from incidents.extract.dates import find_dates
from incidents.extract.document import Doc, Span
from incidents.schema import IncidentDate

SEEDS = Path(__file__).resolve().parents[1] / "data" / "seeds"
PUBLISHED = {
    "000": date(2025, 11, 22),
    "001": date(2024, 1, 9),
    "002": date(2024, 11, 26),
    "003": date(2022, 9, 10),
    "004": date(2023, 4, 23),
}


def seed(prefix: str) -> str:
    (path,) = SEEDS.glob(f"{prefix}_*.txt")
    return path.read_text(encoding="utf-8")


def at(text: str, context: str, phrase: str) -> tuple[int, int]:
    """Offsets of ``phrase`` inside the one place ``context`` occurs in ``text``."""
    assert text.count(context) == 1, context
    start = text.index(context) + context.index(phrase)
    return start, start + len(phrase)


def spans_at(spans: list[Span], start: int, end: int) -> list[Span]:
    return [s for s in spans if s.start < end and start < s.end]


# (seed or text, published, context, phrase, start, end, precision)
DATE_CASES = [
    ("001", None, "In September, 27 Russian", "In September", "2023-09-01", "2023-09-30", "month"),
    (
        "001",
        None,
        "In December, Russian forces",
        "In December",
        "2023-12-01",
        "2023-12-31",
        "month",
    ),
    ("001", None, "Today, a Russian jet", "Today", "2024-01-09", "2024-01-09", "day"),
    ("001", None, "In April 2023, a similar", "In April 2023", "2023-04-01", "2023-04-30", "month"),
    ("001", None, "discussing in November how", "in November", "2023-11-01", "2023-11-30", "month"),
    (
        "000",
        None,
        "declared on November 21st,",
        "on November 21st",
        "2025-11-21",
        "2025-11-21",
        "day",
    ),
    ("004", None, "Ukraine said on Sunday that", "on Sunday", "2023-04-23", "2023-04-23", "day"),
    ("004", None, "admission on Friday, Russia", "on Friday", "2023-04-21", "2023-04-21", "day"),
    ("004", None, "Putin, in March complained", "in March", "2023-03-01", "2023-03-31", "month"),
    (
        "004",
        None,
        "think tank, found in November.",
        "in November",
        "2022-11-01",
        "2022-11-30",
        "month",
    ),
    ("004", None, "And in December, Ukrainian", "in December", "2022-12-01", "2022-12-31", "month"),
    (
        "Fighting raged between 3 and 5 May 2022 near Izium.",
        None,
        "between 3 and 5 May 2022",
        "between 3 and 5 May 2022",
        "2022-05-03",
        "2022-05-05",
        "range",
    ),
    (
        "The convoy was shelled from 28 February to 2 March 2022.",
        None,
        "from 28 February to 2 March 2022",
        "from 28 February to 2 March 2022",
        "2022-02-28",
        "2022-03-02",
        "range",
    ),
    (
        "Last week a Su-34 dropped a FAB-250 on its own positions.",
        date(2024, 1, 9),
        "Last week a",
        "Last week",
        "2024-01-01",
        "2024-01-07",
        "week",
    ),
    (
        "Earlier this month, two T-72 tanks fired on each other.",
        date(2024, 1, 9),
        "Earlier this month,",
        "Earlier this month",
        "2024-01-01",
        "2024-01-09",
        "range",
    ),
    (
        "Yesterday a drone hit its own trench.",
        date(2024, 1, 9),
        "Yesterday a",
        "Yesterday",
        "2024-01-08",
        "2024-01-08",
        "day",
    ),
    (
        "It happened in 2022, when 27 killed were reported.",
        None,
        "in 2022,",
        "in 2022",
        "2022-01-01",
        "2022-12-31",
        "year",
    ),
    (
        "The battalion was hit in the first week of May 2023.",
        None,
        "in the first week of May 2023",
        "in the first week of May 2023",
        "2023-05-01",
        "2023-05-07",
        "week",
    ),
    (
        "Це сталося 21 листопада 2023 року під Куп'янськом.",
        None,
        "21 листопада 2023",
        "21 листопада 2023",
        "2023-11-21",
        "2023-11-21",
        "day",
    ),
]


@pytest.mark.parametrize(
    ("source", "published", "context", "phrase", "start", "end", "prec"), DATE_CASES
)
def test_date(
    source: str,
    published: date | None,
    context: str,
    phrase: str,
    start: str,
    end: str,
    prec: str,
) -> None:
    text = seed(source) if source in PUBLISHED else source
    doc = Doc(text, published or (PUBLISHED[source] if source in PUBLISHED else None))
    begin, stop = at(text, context, phrase)
    (span,) = spans_at(find_dates(doc), begin, stop)
    assert (span.start, span.end, span.label, span.stage) == (begin, stop, "date", "dates")
    value = span.value
    assert isinstance(value, IncidentDate)
    assert (value.start.isoformat(), value.end.isoformat()) == (start, end)
    assert (value.precision.value, value.phrase, doc.quote(span)) == (prec, phrase, phrase)


# (seed, context, phrase, label, value)
STAMP_CASES = [
    ("001", "(@Gerashchenko_en) November 3, 2023", "November 3, 2023", "timestamp", "2023-11-03"),
    ("001", "(@PulseOfUkraine) January 8, 2024", "January 8, 2024", "timestamp", "2024-01-08"),
    ("001", "(@christogrozev) April 21, 2023", "April 21, 2023", "timestamp", "2023-04-21"),
    ("003", "Update (1039 EST):", "Update (1039 EST)", "timestamp", "2022-09-10"),
    ("002", " date 2024-11-26 Ukrainian", "2024-11-26", "published", "2024-11-26"),
]


@pytest.mark.parametrize(("source", "context", "phrase", "label", "value"), STAMP_CASES)
def test_stamps_are_never_dates(
    source: str, context: str, phrase: str, label: str, value: str
) -> None:
    text = seed(source)
    begin, stop = at(text, context, phrase)
    (span,) = spans_at(find_dates(Doc(text, PUBLISHED[source])), begin, stop)
    assert (span.start, span.end, span.label) == (begin, stop, label)
    assert span.value == date.fromisoformat(value)


def test_printed_publication_date_without_published() -> None:
    text = "Published 12 March 2023\nYesterday two ZU-23-2 gunners fired on their own."
    published, yesterday = find_dates(Doc(text))
    assert (published.label, published.value, text[published.start : published.end]) == (
        "published",
        date(2023, 3, 12),
        "12 March 2023",
    )
    assert isinstance(yesterday.value, IncidentDate)
    assert yesterday.value.start == date(2023, 3, 11)
    assert yesterday.value.resolved_against == date(2023, 3, 12)


# (seed, context that must hold no "date" span)
NOT_DATES = [
    ("001", "27 Russian soldiers were killed and 34 more"),
    ("001", "its own Su-25 jet"),
    ("001", "with an FAB-250 bomb"),
    ("001", "of FAB-250 aviation munitions"),
    ("001", "a ZU-23-2 anti-aircraft gun"),
    ("001", "Russian Su-34 jet"),
    ("003", "At approximately 0135 EST"),
    ("003", "At 0245 the Russian"),
    ("003", "at 0330 EST"),
    ("003", "at 0700 EST"),
    ("003", "Update (1039 EST)"),
    ("003", "3,000-5,000 Ukrainian troops"),
    ("003", "for the last 24 hours"),
    ("003", "intact T-72 tanks"),
    ("002", "for the second day"),
    ("004", "almost 30,000 of whom"),
    ("004", "Stanytsia Luhanska recently"),
]


@pytest.mark.parametrize(("source", "context"), NOT_DATES)
def test_not_a_date(source: str, context: str) -> None:
    text = seed(source)
    begin, stop = at(text, context, context)
    spans = find_dates(Doc(text, PUBLISHED[source]))
    assert [s for s in spans_at(spans, begin, stop) if s.label == "date"] == []


def test_beginning_of_march_is_never_a_wrong_year() -> None:
    text = seed("003")
    begin, stop = at(text, "since the beginning of March", "the beginning of March")
    for span in spans_at(find_dates(Doc(text, PUBLISHED["003"])), begin, stop):
        assert isinstance(span.value, IncidentDate)
        assert (span.value.start, span.value.end) == (date(2022, 3, 1), date(2022, 3, 31))


def test_relative_phrases_need_a_publication_date() -> None:
    text = "In September, Today, on Sunday, last week and in 2022 the S-300 fired on 3 May 2022."
    found = {s.value.phrase for s in find_dates(Doc(text)) if isinstance(s.value, IncidentDate)}
    assert found == {"in 2022", "on 3 May 2022"}


def test_guards_and_resolution_details() -> None:
    text = "In December 27 Russian soldiers died; Russia Today said it happened recently."
    (span,) = find_dates(Doc(text, date(2024, 1, 9)))
    assert (text[span.start : span.end], span.confidence) == ("In December", 0.6)


@pytest.mark.parametrize(
    ("text", "confidence"),
    [("on 21 November 2023", 0.9), ("in April 2023", 0.8), ("in 2022", 0.8), ("today", 0.6)],
)
def test_confidence(text: str, confidence: float) -> None:
    (span,) = find_dates(Doc(text, date(2024, 1, 9)))
    assert span.confidence == confidence


@pytest.mark.parametrize("text", ["", "   ", "ёжик ЇЄ ☃ 🇺🇦 ü ß", "Куп'янськ, Купянськ 2023"])
def test_odd_text(text: str) -> None:
    assert all(s.end <= len(text) for s in find_dates(Doc(text, date(2024, 1, 9))))
    assert find_dates(Doc("", date(2024, 1, 9))) == []


@pytest.mark.parametrize("prefix", sorted(PUBLISHED))
def test_every_seed_span_quotes_its_phrase(prefix: str) -> None:
    doc = Doc(seed(prefix), PUBLISHED[prefix])
    spans = find_dates(doc)
    assert spans == sorted(spans, key=lambda s: s.start)
    for span in spans:
        assert span.stage == "dates" and doc.quote(span).strip() == doc.quote(span)
        if span.label == "date":
            assert isinstance(span.value, IncidentDate)
            assert span.value.phrase == doc.quote(span)
            assert span.value.start <= PUBLISHED[prefix]
        else:
            assert isinstance(span.value, date)


def _dates(text: str, published: date | None = None) -> list[tuple[str | None, date, date, str]]:
    doc = Doc(text, published)
    return [
        (s.value.phrase, s.value.start, s.value.end, s.value.precision.value)
        for s in find_dates(doc)
        if isinstance(s.value, IncidentDate)
    ]


def test_yearless_dates_take_the_year_of_the_scene() -> None:
    # A historical text without a publication date: "July 11" is July 1943.
    text = (
        "The Allied invasion of Sicily began in July 1943. A second drop started on the "
        "night of July 11 with C-47s."
    )
    assert ("July 11", date(1943, 7, 11), date(1943, 7, 11), "day") in _dates(text)
    # A publication decades later does not pull the scene into its own year.
    late = _dates(text, date(2014, 5, 2))
    assert ("July 11", date(1943, 7, 11), date(1943, 7, 11), "day") in late
    # A recent year is no scene: "on March 3" is the latest March 3 before publication.
    recent = _dates("In 2023 the war went on. It happened on March 3.", date(2024, 1, 9))
    assert ("on March 3", date(2023, 3, 3), date(2023, 3, 3), "day") in recent


def test_a_day_that_names_an_event_is_no_date() -> None:
    text = "Tillman, inspired by the Sept. 11 attacks to join the Army, was killed on April 22."
    phrases = [d[0] for d in _dates(text, date(2004, 5, 29))]
    assert phrases == ["on April 22"]


def test_years_before_1900_date_historical_events() -> None:
    # Civil War and Nine Years' War dates: the year is part of the date, not dropped.
    text = "Jackson was shot by his own men on May 2, 1863, near Chancellorsville."
    assert ("on May 2, 1863", date(1863, 5, 2), date(1863, 5, 2), "day") in _dates(text)
    fleurus = _dates("The Dutch fired on their own cavalry on 1 July 1690.")
    assert ("on 1 July 1690", date(1690, 7, 1), date(1690, 7, 1), "day") in fleurus
    assert ("in 1471", date(1471, 1, 1), date(1471, 12, 31), "year") in _dates(
        "The battle of Barnet was fought in 1471 in a thick fog."
    )
    # A four-digit count after a number noun stays a count.
    assert _dates("The battery fired 1500 rounds at the ridge.") == []


def test_a_range_whose_first_day_runs_into_the_dash() -> None:
    text = "A force of six German destroyers set out on the night of 21-22nd February 1940."
    assert ("21-22nd February 1940", date(1940, 2, 21), date(1940, 2, 22), "range") in _dates(text)
    # A designation is still no day: "Su-25" has no date in it.
    assert _dates("Two Su-25 jets were lost.") == []


def test_third_round_date_phrasings() -> None:
    doc = Doc("В ночь на 4 марта дрон упал.", date(2026, 3, 5))
    (night,) = [s.value for s in find_dates(doc) if s.label == "date"]
    assert (night.start, night.end, night.precision) == (
        date(2026, 3, 3),
        date(2026, 3, 4),
        "range",
    )
    doc = Doc("Four soldiers died in a 1991 incident near the border.", date(2006, 9, 4))
    (year,) = [s.value for s in find_dates(doc) if s.label == "date"]
    assert (year.start, year.end, year.precision) == (date(1991, 1, 1), date(1991, 12, 31), "year")


def test_a_yearless_date_in_an_undated_history_takes_the_first_year_after_it() -> None:
    # No publication date and no earlier year: the year the text writes later is the guess.
    text = (
        "The gunners had shelled their own lines on 3-4 June, killing nine. "
        "The inquiry, opened on 20 June 1916, blamed worn barrels."
    )
    assert ("on 3-4 June", date(1916, 6, 3), date(1916, 6, 4), "range") in _dates(text)
    # With a publication date, the publication still resolves it.
    published = _dates(text, date(2020, 5, 1))
    assert ("on 3-4 June", date(2019, 6, 3), date(2019, 6, 4), "range") in published


def test_a_season_of_a_year_is_a_range() -> None:
    text = (
        "The battalion was shelled by its own guns in the spring of 1917 and again in winter 1917."
    )
    found = _dates(text)
    assert ("in the spring of 1917", date(1917, 3, 1), date(1917, 5, 31), "range") in found
    assert ("in winter 1917", date(1917, 12, 1), date(1918, 2, 28), "range") in found
    # A season without a year is no date.
    assert _dates("The guns fell silent in the spring.") == []


def test_a_date_opening_a_line_starts_on_that_line() -> None:
    # The phrase must not begin at the newline ending the line before (it would fall
    # outside its sentence).
    text = "Among others:\n\nMay 2004: Two soldiers were killed."
    (span,) = [s for s in find_dates(Doc(text)) if s.label == "date"]
    assert text[span.start : span.end] == "May 2004"


def test_a_year_dating_an_event_noun() -> None:
    text = "The best-known case was the 2007 death of a corporal, not the 2007 troops."
    spans = [s for s in find_dates(Doc(text)) if s.label == "date"]
    assert [text[s.start : s.end] for s in spans] == ["2007"]
    assert spans[0].start == text.index("2007 death")


@pytest.mark.parametrize(
    "text",
    [
        "There were 1900 deaths among the troops.",
        "More than 2000 killings were recorded.",
        "Of 2000 killings recorded, few were investigated.",
        "Officials counted 1998 attack sites.",
    ],
)
def test_a_count_before_an_event_noun_is_no_year(text: str) -> None:
    assert [s for s in find_dates(Doc(text)) if s.label == "date"] == []


def test_a_possessive_year_dates_an_event() -> None:
    text = "Tillman's 2004 death shocked the country."
    spans = [s for s in find_dates(Doc(text)) if s.label == "date"]
    assert [text[s.start : s.end] for s in spans] == ["2004"]


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("Во вторник артиллерия ударила по своим позициям.", date(2021, 6, 1)),
        ("У п'ятницю окупанти обстріляли свої позиції.", date(2021, 5, 28)),
        ("В воскресенье сбили свой самолёт.", date(2021, 5, 30)),
    ],
)
def test_russian_and_ukrainian_weekdays(text: str, day: date) -> None:
    # Published on Thursday 3 June 2021: the weekday is the last one on or before it.
    (span,) = find_dates(Doc(text, date(2021, 6, 3)))
    assert isinstance(span.value, IncidentDate)
    assert (span.value.start, span.value.end) == (day, day)


def test_a_slavic_weekday_needs_its_preposition() -> None:
    assert find_dates(Doc("Заводы загрязняют окружающую среду.", date(2021, 6, 3))) == []


def test_a_photo_captions_year_sets_no_scene() -> None:
    text = (
        "Troops move towards a base on March 19, 2014 in Perevalne. (Getty Images)\n"
        "The exchange of fire on August 6 near Armiansk involved only Russian soldiers."
    )
    spans = find_dates(Doc(text, date(2016, 8, 12)))
    august = next(s for s in spans if s.value.start.month == 8)
    assert august.value.start == date(2016, 8, 6)
