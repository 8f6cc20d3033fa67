"""The whole extractor on the seed articles: incidents found, fields right, quotes exact."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from incidents.errors import InputError
from incidents.extract.pipeline import Extraction, Extractor
from incidents.extract.registry import StageSpec, check_order, stages
from incidents.schema import CasualtyKind, Incident
from tests.conftest import ROOT

SEEDS = ROOT / "data" / "seeds"


def _seed(prefix: str) -> str:
    return next(SEEDS.glob(f"{prefix}_*.txt")).read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def extractor() -> Extractor:
    return Extractor()


@pytest.fixture(scope="module")
def seed001(extractor: Extractor) -> Extraction:
    return extractor.extract(_seed("001"), published=date(2024, 1, 9), outlet="Kyiv Post")


def _find(drafts: list[Incident], word: str) -> Incident:
    matches = [
        d for d in drafts if any(word in e.quote for e in d.evidence if e.field == "incident")
    ]
    assert len(matches) == 1, (word, [d.title for d in drafts])
    return matches[0]


def test_seed_001_has_its_incidents(seed001: Extraction) -> None:
    drafts = seed001.drafts
    assert 5 <= len(drafts) <= 7
    kuzminsky = _find(drafts, "paratroopers undergoing training")
    assert kuzminsky.location.admin1 == "RU-ROS"
    assert kuzminsky.claims[0].total(CasualtyKind.KILLED) == 2
    assert kuzminsky.claims[0].claimant == "NEXTA"
    assert kuzminsky.mechanism.value == "air_defence" and kuzminsky.context.value == "training"
    assert "ZU-23-2" in kuzminsky.weapons

    opytne = _find(drafts, "27 Russian soldiers")
    assert (opytne.date.start, opytne.date.end, opytne.date.precision.value) == (
        date(2023, 9, 1),
        date(2023, 9, 30),
        "month",
    )
    assert opytne.location.gazetteer_id == "geonames:9113127"  # the Opytne by Donetsk airport
    assert opytne.claims[0].total(CasualtyKind.KILLED) == 27
    assert opytne.claims[0].total(CasualtyKind.WOUNDED) == 34

    su25 = _find(drafts, "Su-25")
    assert str(su25.date) == "2023-12" and "Su-25" in su25.weapons

    rubizhne = _find(drafts, "Rubizhne")
    assert rubizhne.date.start == rubizhne.date.end == date(2024, 1, 9)
    assert rubizhne.location.gazetteer_id == "geonames:695274"
    assert "FAB-250" in rubizhne.weapons

    belgorod = _find(drafts, "Belgorod")
    assert str(belgorod.date) == "2023-04"
    assert belgorod.location.gazetteer_id == "geonames:578072"
    assert belgorod.verification.value == "admitted"
    zero = [f for f in belgorod.claims[0].casualties if f.population.value == "civilian"]
    assert {(f.kind.value, f.best) for f in zero} == {("killed", 0), ("wounded", 0)}


def test_weapon_names_and_counts_never_become_dates(seed001: Extraction) -> None:
    for draft in seed001.drafts:
        assert draft.date.start.year in (2023, 2024)
    phrases = [e.quote for d in seed001.drafts for e in d.evidence if e.field == "date"]
    assert not any("Su-" in p or "FAB" in p or "27" in p for p in phrases)


def test_every_quote_is_the_text_at_its_offsets(seed001: Extraction) -> None:
    text = seed001.source.text or ""
    evidence = [e for d in seed001.drafts for e in d.evidence]
    assert len(evidence) > 30
    for e in evidence:
        assert text[e.start : e.end] == e.quote
        assert 0 < e.confidence <= 1


@pytest.mark.parametrize("prefix", ["002", "003"])
def test_articles_without_fratricide_give_no_incident(extractor: Extractor, prefix: str) -> None:
    assert extractor.extract(_seed(prefix), published=date(2024, 11, 26)).drafts == []


def test_seed_000_claim_and_attribution(extractor: Extractor) -> None:
    result = extractor.extract(_seed("000"), published=date(2025, 11, 22))
    assert len(result.drafts) == 1
    draft = result.drafts[0]
    assert draft.location.gazetteer_id == "geonames:703656"
    claim = draft.claims[0]
    assert claim.total(CasualtyKind.KILLED) == 5 and claim.total(CasualtyKind.WOUNDED) == 3
    assert claim.claimant_side == "RU" and claim.affected_side == "UA"
    assert claim.claimant_is_adversary is True
    assert draft.same_side is True
    assert "Tass" in claim.attribution


def test_seed_004_wagner_claim_with_hedges(extractor: Extractor) -> None:
    result = extractor.extract(_seed("004"), published=date(2023, 4, 23))
    wagner = _find(result.drafts, "Wagner mercenaries killed each other")
    assert wagner.intent.value == "deliberate"
    assert "unit_dispute" in [c.value for c in wagner.claims[0].claimed_causes]
    hedges = " ".join(wagner.claims[0].hedges)
    assert "could not independently verify" in hedges
    assert wagner.claims[0].claimant_side == "UA"
    assert wagner.verification.value == "single_adversary_claim"


def test_publication_date_printed_in_the_text_is_used(extractor: Extractor) -> None:
    text = "date 2024-11-26 Today, Russian artillery fired on its own positions near Kupiansk."
    result = extractor.extract(text)
    assert result.source.published == date(2024, 11, 26)
    assert result.drafts[0].date.start == date(2024, 11, 26)


@pytest.mark.parametrize(
    ("text", "message"),
    [("", "empty"), ("   \n ", "empty"), ("a\x00b", "NUL"), ("x" * 200_001, "limit")],
)
def test_bad_articles(extractor: Extractor, text: str, message: str) -> None:
    with pytest.raises(InputError, match=message):
        extractor.extract(text)


def test_registry_is_the_one_ordered_list(extractor: Extractor) -> None:
    names = [s.name for s in extractor.pipeline]
    assert names[0] == "segment" and len(set(names)) == len(names)
    check_order(extractor.pipeline)
    bad = [
        StageSpec("late", lambda d: [], frozenset({"nothing"}), frozenset()),
        *stages(lambda d: []),
    ]
    with pytest.raises(ValueError, match="needs"):
        check_order(bad)


def test_stages_are_pure(extractor: Extractor, tmp_path: Path) -> None:
    text = _seed("001")
    first = extractor.analyse(text, date(2024, 1, 9))
    second = extractor.analyse(text, date(2024, 1, 9))
    assert first.spans == second.spans


@pytest.mark.parametrize(
    ("text", "published", "expected"),
    [
        (
            "'Friendly fire' RAF crew are dead\n"
            "An RAF pilot and his navigator were killed when a US Patriot missile battery shot "
            "down their Tornado warplane as it flew back to Kuwait.",
            date(2003, 3, 23),
            [(2, "Patriot")],
        ),
        (
            "At least 20 soldiers were killed by friendly fire or accidents during the ground "
            "operation in the Gaza Strip, the army said.",
            date(2023, 12, 12),
            [],
        ),
        (
            "Sergeant First Class John Smith was killed by friendly fire near Kandahar on "
            "4 June 2010, when a US helicopter mistook his patrol for insurgents.",
            date(2010, 6, 10),
            [(1, None)],
        ),
        (
            "Friendly fire is the term for fire on one's own forces; historians estimate that "
            "it causes up to 20 per cent of casualties.",
            date(2020, 1, 1),
            [],
        ),
    ],
    ids=["headline-lede", "aggregate", "named-soldier", "definition"],
)
def test_general_sentences(
    extractor: Extractor, text: str, published: date, expected: list[tuple[int, str | None]]
) -> None:
    drafts = extractor.extract(text, published=published).drafts
    got = [(d.claims[0].total(CasualtyKind.KILLED), next(iter(d.weapons), None)) for d in drafts]
    assert got == expected


def test_allies_count_as_friendly() -> None:
    from incidents.extract.assemble import friendly

    assert friendly("US", "CA") and friendly("RU", "RU") and friendly("SA", "YE")
    assert not friendly("RU", "UA") and not friendly("US", "IQ")


def test_mistaken_fire_on_a_non_ally_is_no_incident(extractor: Extractor) -> None:
    text = (
        "Azerbaijani troops mistakenly shot down a Russian Mi-24 helicopter over Armenia on "
        "November 9, 2020, killing two crew members."
    )
    assert extractor.extract(text, published=date(2020, 11, 10)).drafts == []
    allied = "A US jet mistakenly bombed British troops near Basra on Friday, killing one soldier."
    assert len(extractor.extract(allied, published=date(2003, 3, 30)).drafts) == 1


def test_scene_date_place_and_toll_come_from_neighbouring_sentences(
    extractor: Extractor,
) -> None:
    text = (
        "On September 10, 1939, several British submarines were patrolling off Norway. "
        "HMS Triton spotted what seemed like a German submarine. Triton launched torpedoes "
        "and sunk it, but the submarine was in fact HMS Oxley; the lethal friendly fire "
        "incident became the Royal Navy's first loss."
    )
    (draft,) = extractor.extract(text).drafts
    assert (draft.date.start, draft.date.precision.value) == (date(1939, 9, 10), "day")
    assert draft.location.country == "NO"


def test_one_event_article_takes_its_later_toll(extractor: Extractor) -> None:
    text = (
        "Three Israeli hostages were mistakenly shot by Israeli troops in the Gaza Strip, an "
        "Israeli military official said Saturday.\n"
        "Anger over the mistaken killings is likely to increase pressure on the government.\n"
        "The three deceased—all young men in their 20s—were killed Friday in the Gaza City "
        "area of Shijaiyah."
    )
    (draft,) = extractor.extract(text, published=date(2023, 12, 16)).drafts
    assert draft.claims[0].total(CasualtyKind.KILLED) == 3
    assert draft.date.start == date(2023, 12, 15)


def test_headline_joins_the_one_event_and_named_person_is_not_counted_twice(
    extractor: Extractor,
) -> None:
    text = (
        "Friendly Fire Kills Three Near Khe Sanh\n"
        "Sergeant First Class Arno J. Voigt was killed by friendly fire near Khe Sanh, "
        "Republic of Vietnam on June 4, 1970. Cobra gunships mistook Arno Voigt and a company "
        "of ARVN Rangers for the enemy and fired on them, killing Arno Voigt along with two "
        "Rangers."
    )
    (draft,) = extractor.extract(text).drafts
    assert draft.claims[0].total(CasualtyKind.KILLED) == 3
    assert draft.date.start == date(1970, 6, 4)


def test_event_dates_next_to_reporting_words(extractor: Extractor) -> None:
    # A date qualifying an event noun dates the event, even after "said".
    tillman = (
        "Pat Tillman was killed by friendly fire in Afghanistan, officials said. The Army "
        "said Tillman's April 22 death did not result from enemy fire."
    )
    (draft,) = extractor.extract(tillman, published=date(2004, 5, 29)).drafts
    assert (draft.date.start, draft.date.precision.value) == (date(2004, 4, 22), "day")
    # ", British officials said" after "downed early on Sunday" reports the downing.
    tornado = (
        "An RAF Tornado was shot down by a US Patriot missile battery. The Tornado was "
        "returning from a mission when it was downed early on Sunday, British officials said."
    )
    (draft,) = extractor.extract(tornado, published=date(2003, 3, 24)).drafts
    assert (draft.date.start, draft.date.end) == (date(2003, 3, 23), date(2003, 3, 23))
    # After a quotation, "told the ANI news agency on Friday" dates the saying.
    quoted = (
        "India's Air Force chief admitted that its Mi-17 chopper, which crashed near Srinagar "
        "on February 27, was hit by its own missile.\n\n"
        '"It was our mistake as our missile had hit our own chopper," the Air Chief Marshal '
        "told the ANI news agency on Friday."
    )
    drafts = extractor.extract(quoted, published=date(2019, 10, 4)).drafts
    assert [d.date.start for d in drafts] == [date(2019, 2, 27)]


def test_places_that_are_not_where_it_happened(extractor: Extractor) -> None:
    # Open water lies in no town: the Sanaa of a later sentence is somewhere else.
    sea = (
        "A US Navy F/A-18 Hornet was mistakenly shot down over the Red Sea by the USS "
        "Gettysburg, injuring one crew member. The downing occurred after the United States "
        "conducted airstrikes against Houthi targets in Yemen's capital, Sanaa."
    )
    (draft,) = extractor.extract(sea, published=date(2024, 12, 22)).drafts
    assert draft.location.gazetteer_id is None and draft.location.country is None
    # Where a statement came from is not the event place.
    marham = (
        "An RAF pilot and his navigator were killed when a US Patriot missile battery shot "
        "down their Tornado. A statement from the RAF base at Marham, Norfolk, said the men "
        "were dead."
    )
    (draft,) = extractor.extract(marham, published=date(2003, 3, 23)).drafts
    assert draft.location.name is None
    # A dateline is not the place; "personnel from" countries are nationalities; the
    # infobox row names the town where the prose gives only the country.
    kabul = (
        "'Friendly fire' kills five US soldiers in Afghanistan\n"
        "Kabul, Afghanistan: Five US Special Operations service members and at least one "
        "Afghan soldier were killed when a US Air Force B-1 bomber mistakenly struck their "
        "position in Zabul province on Monday."
    )
    (draft,) = extractor.extract(kabul, published=date(2014, 6, 10)).drafts
    assert (draft.location.admin1, draft.location.gazetteer_id) == ("AF-ZAB", None)
    # The headline rounds; the body's count (five and one) is the toll.
    assert draft.claims[0].total(CasualtyKind.KILLED) == 6
    infobox = (
        "Location Erbil, Arbil Governorate, Iraq\n"
        "On April 14, 1994, two US F-15 fighters mistakenly shot down two US Army Black Hawk "
        "helicopters over northern Iraq, killing all 26 aboard, including personnel from the "
        "United States, United Kingdom, France and Turkey."
    )
    (draft,) = extractor.extract(infobox).drafts
    assert draft.location.gazetteer_id == "geonames:95446"


def test_lede_zero_and_fire_between_one_side(extractor: Extractor) -> None:
    text = (
        "'Friendly Fire' Incident Injures 15\n"
        "That no one was killed and only two were seriously injured comes as a relief.\n"
        "South Korean fighter jets accidentally dropped bombs on a civilian area of Pocheon, "
        "South Korea, on March 6, 2025, injuring 15 people."
    )
    (draft,) = extractor.extract(text, published=date(2025, 3, 7)).drafts
    assert draft.claims[0].total(CasualtyKind.KILLED) == 0
    assert draft.claims[0].total(CasualtyKind.WOUNDED) == 15  # not 15 + the two of them
    # One side firing on itself needs no "mistakenly": the fire verbs say it.
    wagner = "Wagner fighters opened fire on a Russian army unit near Bakhmut on 2 June 2023."
    (draft,) = extractor.extract(wagner, published=date(2023, 6, 5)).drafts
    assert draft.date.start == date(2023, 6, 2)
    inverted = (
        "The Tarnak Farm incident is the killing, by an American Air National Guard pilot, "
        "of four Canadian soldiers near Kandahar on the night of April 17, 2002."
    )
    (draft,) = extractor.extract(inverted).drafts
    assert draft.claims[0].total(CasualtyKind.KILLED) == 4


def test_a_title_date_sums_up_and_the_body_dates_the_event(extractor: Extractor) -> None:
    text = (
        "Operation Wikinger (20-22 February 1940) - One of the worst friendly fire incidents\n"
        "\nA force of six German destroyers set out on the night of 21-22nd February 1940. "
        "As the force made its way through its own minefield, the German destroyer "
        "Leberecht Maass was bombed by German aircraft and sunk."
    )
    (draft,) = extractor.extract(text).drafts  # overlapping ranges are one event
    assert (draft.date.start, draft.date.end) == (date(1940, 2, 21), date(1940, 2, 22))


def test_shooter_and_shot_systems_named_together_are_one_event(extractor: Extractor) -> None:
    text = (
        "The 1994 Black Hawk shootdown incident was a friendly fire incident over northern "
        "Iraq on April 14, 1994. The pilots of two US Air Force F-15 fighters misidentified "
        "two US Army Black Hawk helicopters as Iraqi Hind helicopters. The F-15 pilots fired "
        "on and destroyed both helicopters, killing all 26 aboard.\n\n"
        "The F-15 pilots were faulted for misidentifying the helicopters as hostile."
    )
    (draft,) = extractor.extract(text).drafts
    assert draft.date.start == date(1994, 4, 14)
    assert draft.claims[0].total(CasualtyKind.KILLED) == 26


def _place_key(draft: Incident) -> str | None:
    loc = draft.location
    return loc.gazetteer_id or (f"admin1:{loc.admin1}" if loc.admin1 else loc.country)


def test_where_a_speaker_sits_is_not_the_event_place(extractor: Extractor) -> None:
    text = (
        "Two Afghan soldiers were killed by friendly fire in Helmand on Sunday, officials "
        "said in Kabul."
    )
    (draft,) = extractor.extract(text, published=date(2011, 5, 2)).drafts
    assert _place_key(draft) == "admin1:AF-HEL"


def test_a_town_placed_near_the_event_town_refines_it(extractor: Extractor) -> None:
    text = (
        "A Pakistani helicopter crashed near Peshawar on Monday after a Pakistani air "
        "defence unit mistakenly shot it down, the army said.\n"
        "The helicopter came down at Charsadda near Peshawar after the launch."
    )
    drafts = extractor.extract(text, published=date(2024, 3, 5)).drafts
    assert [_place_key(d) for d in drafts] == ["geonames:1181439"]


def test_the_lede_between_headline_and_event_belongs_to_it(extractor: Extractor) -> None:
    text = (
        "Air force jet bombs own troops by mistake\n"
        "The strike hit a camp outside the town of Damboa, officials said.\n"
        "Nine soldiers were killed and four wounded in the raid on Tuesday."
    )
    (draft,) = extractor.extract(text, published=date(2021, 4, 8)).drafts
    assert _place_key(draft) == "geonames:2345498"
    assert draft.claims[0].total(CasualtyKind.KILLED) == 9


@pytest.mark.parametrize(
    "text",
    [
        "Seventeen Nigerian soldiers were killed when an air force jet bombed troops by "
        "mistake near Damboa on Sunday.",
        "A Colombian army unit mistakenly opened fire on a Colombian police patrol in Cauca "
        "on Tuesday, killing three officers.",
        "A British paratrooper was shot and killed by British fire in Helmand on 12 May 2008.",
        "Confederate troops fired into their own ranks at dusk on May 2, 1863, killing four.",
    ],
    ids=["by-mistake", "new-side", "side-fire", "historical-side"],
)
def test_more_fratricide_is_found(extractor: Extractor, text: str) -> None:
    assert len(extractor.extract(text, published=date(2024, 5, 1)).drafts) == 1


def test_a_dateline_date_is_when_it_was_filed(extractor: Extractor) -> None:
    text = (
        "Kabul (Example Wire, March 6) — A coalition airstrike mistakenly killed four Afghan "
        "soldiers in Kandahar on Tuesday, officials said."
    )
    (draft,) = extractor.extract(text, published=date(2025, 3, 6)).drafts
    assert draft.date.start == date(2025, 3, 4)


def test_that_day_takes_the_day_named_before(extractor: Extractor) -> None:
    text = (
        "On the war's worst day, April 2, 2003, an ambush near Karbala killed nine soldiers, "
        "according to a report released Friday.\n"
        "Later that day, U.S. jets mistakenly bombed a British convoy, killing two British "
        "soldiers."
    )
    drafts = extractor.extract(text, published=date(2004, 1, 9)).drafts
    convoy = _find(drafts, "mistakenly bombed")
    assert convoy.date.start == date(2003, 4, 2)


def test_a_recount_of_the_same_dead_is_not_added(extractor: Extractor) -> None:
    text = (
        "An army helicopter mistakenly fired on Iraqi soldiers near Ramadi on Monday, killing "
        "six soldiers. Officials first put the death toll at 8 people."
    )
    (draft,) = extractor.extract(text, published=date(2024, 5, 1)).drafts
    assert draft.claims[0].total(CasualtyKind.KILLED) == 6


def test_a_casualtys_home_town_is_not_the_event_place(extractor: Extractor) -> None:
    text = (
        "A Canadian soldier, Cpl. John Doe of Halifax, Nova Scotia, was killed in Afghanistan "
        "today when a U.S. jet mistakenly bombed Canadian troops."
    )
    (draft,) = extractor.extract(text, published=date(2024, 5, 1)).drafts
    assert _place_key(draft) == "AF"


def test_another_such_incident_is_one_more_event(extractor: Extractor) -> None:
    text = (
        "On 3 May 1915 the battalion's own artillery shelled its trenches near Ypres.\n"
        "A similar incident happened on 9 May 1915 near Festubert."
    )
    drafts = extractor.extract(text, published=date(2020, 1, 1)).drafts
    assert sorted(d.date.start for d in drafts) == [date(1915, 5, 3), date(1915, 5, 9)]


def test_headline_and_a_repeated_day_stay_one_event(extractor: Extractor) -> None:
    text = (
        "Dutch soldiers wounded by U.S. F-16 in 'friendly fire'\n"
        "Three Dutch soldiers were wounded in Afghanistan today in a friendly fire incident.\n"
        'A spokesman said: "An aircraft accidentally engaged a Dutch position at dawn this '
        'morning, wounding three soldiers."'
    )
    drafts = extractor.extract(text, published=date(2007, 6, 1)).drafts
    assert len(drafts) == 1


def test_a_list_entry_dated_in_its_paragraph_stays_apart(extractor: Extractor) -> None:
    text = (
        "Corporal Smith was killed on 2 March 2003. An inquiry found his death was due to "
        "friendly fire from American troops.\n"
        "In Basra Province, a U.S. jet mistakenly strafed British troops on 9 July 2005."
    )
    drafts = extractor.extract(text).drafts
    assert sorted(d.date.start for d in drafts) == [date(2003, 3, 2), date(2005, 7, 9)]


def test_a_country_that_says_whose_is_no_place(extractor: Extractor) -> None:
    text = (
        "The U.S. Department of Defense said the pilot mistakenly bombed American troops on "
        "4 June 2004."
    )
    (draft,) = extractor.extract(text).drafts
    assert _place_key(draft) is None


def test_a_name_the_article_calls_a_region_is_the_region(extractor: Extractor) -> None:
    text = (
        "Syria's Idlib province has seen heavy fighting. A Syrian jet mistakenly bombed "
        "Syrian troops at a base in Idlib on Tuesday, killing four soldiers."
    )
    (draft,) = extractor.extract(text, published=date(2024, 3, 5)).drafts
    assert _place_key(draft) == "admin1:SY-ID"


def test_where_the_wounded_were_taken_is_not_the_event_place(extractor: Extractor) -> None:
    text = (
        "Two Dutch soldiers were wounded in southern Afghanistan on Monday when a U.S. jet "
        "mistakenly bombed their position.\n"
        "The wounded were flown to Kandahar for treatment, the ministry said."
    )
    (draft,) = extractor.extract(text, published=date(2024, 3, 5)).drafts
    assert _place_key(draft) == "AF"


def test_a_capital_speaking_for_its_government_is_no_place(extractor: Extractor) -> None:
    text = (
        "Russian gunners mistakenly shelled their own positions in eastern Ukraine on 3 March, "
        "killing six soldiers, claims Kyiv."
    )
    (draft,) = extractor.extract(text, published=date(2024, 3, 5)).drafts
    assert _place_key(draft) == "UA"


def test_the_scene_sentence_gives_its_first_place(extractor: Extractor) -> None:
    text = (
        "The Allied landings in Normandy began on 6 June 1944, when paratroopers were dropped "
        "near Caen. Allied aircraft mistakenly bombed British troops, killing 12 soldiers."
    )
    (draft,) = extractor.extract(text).drafts
    assert _place_key(draft) == "admin1:FR-NOR"
