"""Extraction of texts that tell several incidents (lists, round-ups, histories) and of
totals that are no incident: which sentences make an event, and whose figures are whose."""

from __future__ import annotations

from datetime import date

import pytest

from incidents.extract.pipeline import Extractor
from incidents.schema import CasualtyKind, Incident


@pytest.fixture(scope="module")
def extractor() -> Extractor:
    return Extractor()


def _killed(draft: Incident) -> int | None:
    return draft.claims[0].total(CasualtyKind.KILLED)


def test_a_total_dated_by_its_release_is_no_incident(extractor: Extractor) -> None:
    # The day a table of figures came out is not the day anyone was killed.
    text = (
        "At least 30 marines were killed by friendly fire or accidents during the campaign, "
        "according to figures released by the navy on Monday."
    )
    assert extractor.extract(text, published=date(2021, 3, 3)).drafts == []
    # A date of the event itself still makes the same kind of sentence an event.
    event = (
        "Three marines were killed by friendly fire near Fallujah on Monday, according to the navy."
    )
    (draft,) = extractor.extract(event, published=date(2021, 3, 3)).drafts
    assert draft.date.start == date(2021, 3, 1)


def test_a_history_moves_from_one_war_to_the_next(extractor: Extractor) -> None:
    # Each paragraph opens with an undated friendly-fire sentence and dates its scene in
    # the next sentence: three events, not one.
    text = (
        "Officials fear that some of the six sailors killed last week near the port were "
        "hit by friendly fire.\n\n"
        "In the Boer War, for instance, a British colonel died from friendly fire. "
        "Near the river on 11 December 1899, his column was fired on by its own pickets.\n\n"
        "The worst case in the regiment's history came in the Second World War. "
        "On 8 August 1944, in preparation for the breakout, bombers struck the Allied "
        "start line. But the bombs fell short, killing 65 men.\n\n"
        "In the spring of 1951, our company lost many men when a friendly artillery barrage "
        "came in short."
    )
    drafts = extractor.extract(text, published=date(1991, 3, 4)).drafts
    starts = sorted(d.date.start for d in drafts)
    assert starts == [date(1899, 12, 11), date(1944, 8, 8), date(1951, 3, 1), date(1991, 2, 25)]
    short = next(d for d in drafts if d.date.start.year == 1944)
    assert _killed(short) == 65


def test_a_dated_aside_between_two_events_splits_them(extractor: Extractor) -> None:
    # One paragraph: a yearless range dated by the year written later, then a citation
    # dated a month later sets the scene of the second, undated, mistake.
    text = (
        "The heavy bombers had already hit their own troops on 12-13 June, causing 40 "
        "deaths. For the second operation, medium bombers were to strike enemy batteries "
        "before the advance. (Corps Order No. 7, July 1944). Though the support went "
        "well, several aircraft mistakenly bombed short, hitting units of the Polish "
        "division. In total, 65 soldiers were killed and 180 wounded by the short bombing."
    )
    drafts = extractor.extract(text).drafts
    assert [(d.date.start, d.date.end) for d in drafts] == [
        (date(1944, 6, 12), date(1944, 6, 13)),
        (date(1944, 7, 1), date(1944, 7, 31)),
    ]
    assert [_killed(d) for d in drafts] == [40, 65]


def test_fire_on_what_was_taken_for_the_enemy_is_an_incident(extractor: Extractor) -> None:
    text = (
        "On 14 May 2007, a Dutch patrol in Uruzgan wounded five Afghan police officers after "
        "calling in artillery on what they thought was an insurgent ambush."
    )
    (draft,) = extractor.extract(text).drafts
    assert draft.date.start == date(2007, 5, 14)
    assert draft.claims[0].total(CasualtyKind.WOUNDED) == 5
    # Without the mistaken belief it is an ordinary report of fire on another force.
    plain = "On 14 May 2007, a Dutch patrol in Uruzgan fired on an insurgent ambush."
    assert extractor.extract(plain).drafts == []
