"""How ``incidents eval`` pairs extracted incidents with gold ones."""

from __future__ import annotations

from datetime import date

from incidents.extract.evaluate import GoldDate, GoldIncident, match_incidents
from incidents.extract.pipeline import Extractor
from incidents.schema import DatePrecision

TEXT = (
    "6 April 2003: a Kurdish convoy was bombed by mistake by a US jet, killing 18.\n"
    "\n"
    "Witnesses later described the burning trucks on the road."
)
ANCHOR = "Witnesses later described the burning trucks"


def _gold(day: date | None, place: str | None = None) -> GoldIncident:
    when = GoldDate(start=day, end=day, precision=DatePrecision.DAY) if day else None
    return GoldIncident(anchor=ANCHOR, date=when, place=place)


def test_a_draft_elsewhere_in_the_text_matches_by_the_same_date() -> None:
    (draft,) = Extractor().extract(TEXT, published=date(2003, 4, 8)).drafts
    assert draft.date.start == date(2003, 4, 6)
    # The anchor's paragraph has no sentence of the draft: the date ties them.
    assert match_incidents(TEXT, [_gold(date(2003, 4, 6))], [draft], "t") == {0: 0}
    # Another day and no place: another event.
    assert match_incidents(TEXT, [_gold(date(2003, 4, 7))], [draft], "t") == {}
    # An undated gold incident with no place has nothing to tie it by.
    assert match_incidents(TEXT, [_gold(None)], [draft], "t") == {}
