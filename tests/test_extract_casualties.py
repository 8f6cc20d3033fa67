"""The casualties stage: figures, their bounds and population, and the words they came from."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from pydantic import ValidationError

from incidents.extract.casualties import (
    LABEL,
    STAGE,
    CasualtyLexicon,
    find_casualties,
    load_lexicon,
    parse_number,
)
from incidents.extract.document import Doc
from incidents.schema import CasualtyFigure, CasualtyKind, Population

SEEDS = Path(__file__).resolve().parent.parent / "data" / "seeds"
K, W, M = CasualtyKind.KILLED, CasualtyKind.WOUNDED, CasualtyKind.MISSING
MIL, CIV, UNK = Population.MILITARY, Population.CIVILIAN, Population.UNKNOWN

# (quote, kind, population, low, best, high)
Row = tuple[str, CasualtyKind, Population, int | None, int | None, int | None]


def figures(text: str) -> list[Row]:
    """What the stage reads in ``text``, as comparable rows."""
    doc = Doc(text)
    rows: list[Row] = []
    for span in find_casualties(doc):
        fig = span.value
        assert isinstance(fig, CasualtyFigure)
        rows.append((doc.quote(span), fig.kind, fig.population, fig.low, fig.best, fig.high))
    return rows


def seed(prefix: str) -> str:
    """The text of the seed article whose name starts with ``prefix``."""
    (path,) = SEEDS.glob(f"{prefix}_*.txt")
    return path.read_text(encoding="utf-8")


CASES: list[tuple[str, list[Row]]] = [
    # From the seed articles.
    (
        "Russian air defense fired at its own paratroopers undergoing training at the "
        "Kuzminsky military training range in the Rostov region, killing two soldiers.",
        [("killing two soldiers", K, MIL, 2, 2, 2)],
    ),
    (
        "In September, 27 Russian soldiers were killed and 34 more were wounded by their own "
        "artillery during a chaotic retreat from the village of Opytne",
        [
            ("27 Russian soldiers were killed", K, MIL, 27, 27, 27),
            ("34 more were wounded", W, MIL, 34, 34, 34),
        ],
    ),
    (
        "The incident, which resulted in five Ukrainian fatalities and three wounded, "
        "highlights the precarious balance of forces in the region",
        [
            ("five Ukrainian fatalities", K, MIL, 5, 5, 5),
            ("three wounded", W, MIL, 3, 3, 3),
        ],
    ),
    (
        "creating a massive crater and damaging residential buildings "
        "(says no civilian casualties) pic.twitter.com/8AnVEYioCl",
        [
            ("no civilian casualties", K, CIV, 0, 0, 0),
            ("no civilian casualties", W, CIV, 0, 0, 0),
        ],
    ),
    (
        "Local authorities said the blast injured two women and damaged four apartments.",
        [("injured two women", W, CIV, 2, 2, 2)],
    ),
    ("Soldiers from both forces were killed in the shootout in Luhansk", []),
    (
        "Wagner has been deploying poorly trained Russian convicts in Ukraine, "
        "almost 30,000 of whom have died, per US officials.",
        [("almost 30,000 of whom have died", K, UNK, None, 30000, None)],
    ),
    (
        "He stated that if Russian groups consisting of nearly eight to ten soldiers are "
        "attempting to cross the Oskil River, only two to three of them make it to the shore.",
        [],
    ),
    (
        "after several reports saying 3,000-5,000 Ukrainian troops were massing outside "
        "the city for the last 24 hours.",
        [],
    ),
    ("In December, Russian forces downed its own Su-25 jet in a friendly fire incident.", []),
    ("a Russian jet accidentally bombed occupied Rubizhne with an FAB-250 bomb", []),
    ("a ZU-23-2 anti-aircraft gun operator began firing on his own troops", []),
    ("two Ukrainian Armed Forces diversion groups mistakenly engaged each other", []),
    ("Russia's defense ministry said one of its Su-34 jets accidentally bombed Belgorod.", []),
    ("— Anton Gerashchenko (@Gerashchenko_en) November 3, 2023", []),
    ("At 0245 the administration began announcing the full evacuation of civilians", []),
    # General constructions.
    (
        "Dozens of soldiers were wounded.",
        [("Dozens of soldiers were wounded", W, MIL, 24, None, None)],
    ),
    (
        "At least 12 people were killed, including three children.",
        [("At least 12 people were killed", K, CIV, 12, None, None)],
    ),
    (
        "Three British soldiers were killed and two injured by a US A-10.",
        [
            ("Three British soldiers were killed", K, MIL, 3, 3, 3),
            ("two injured", W, MIL, 2, 2, 2),
        ],
    ),
    ("Last week an F-16 pilot was killed.", [("an F-16 pilot was killed", K, MIL, 1, 1, 1)]),
    ("Officials said no one was injured.", [("no one was injured", W, UNK, 0, 0, 0)]),
    ("No one was hurt.", [("No one was hurt", W, UNK, 0, 0, 0)]),
    ("Eight to ten were killed.", [("Eight to ten were killed", K, UNK, 8, None, 10)]),
    ("8-10 soldiers were killed", [("8-10 soldiers were killed", K, MIL, 8, None, 10)]),
    ("Up to 10 civilians died.", [("Up to 10 civilians died", K, CIV, None, None, 10)]),
    ("About 30 troops were wounded", [("About 30 troops were wounded", W, MIL, None, 30, None)]),
    (
        "More than 20 servicemen were killed",
        [("More than 20 servicemen were killed", K, MIL, 20, None, None)],
    ),
    (
        "Twenty-seven soldiers were killed",
        [("Twenty-seven soldiers were killed", K, MIL, 27, 27, 27)],
    ),
    ("A dozen fighters went missing", [("A dozen fighters went missing", M, MIL, 12, 12, 12)]),
    ("Several soldiers were killed", [("Several soldiers were killed", K, MIL, 3, None, None)]),
    (
        "The unit withdrew without casualties.",
        [("without casualties", K, UNK, 0, 0, 0), ("without casualties", W, UNK, 0, 0, 0)],
    ),
    ("12 casualties were reported", []),
    ("The strike killed 2 days ago", []),
    ("the death toll rose to 14", [("death toll rose to 14", K, UNK, 14, 14, 14)]),
    (
        "two soldiers from the 3rd brigade were reportedly killed",
        [("two soldiers from the 3rd brigade were reportedly killed", K, MIL, 2, 2, 2)],
    ),
    (
        "killing two and injuring five",
        [("killing two", K, UNK, 2, 2, 2), ("injuring five", W, UNK, 5, 5, 5)],
    ),
    (
        "between 5 and 7 soldiers were killed",
        [("between 5 and 7 soldiers were killed", K, MIL, 5, None, 7)],
    ),
    # nominal acts, also with the agent put in between (Tarnak Farm, Wikipedia)
    (
        "the killing, by an American Air National Guard pilot, of four Canadian soldiers and "
        "the injury of eight others",
        [
            (
                "killing, by an American Air National Guard pilot, of four Canadian soldiers",
                K,
                MIL,
                4,
                4,
                4,
            ),
            ("injury of eight others", W, UNK, 8, 8, 8),
        ],
    ),
    ("the deaths of five soldiers", [("deaths of five soldiers", K, MIL, 5, 5, 5)]),
    # those aboard an aircraft
    (
        "shot down by a Sea Dart missile, killing all four occupants",
        [("killing all four occupants", K, UNK, 4, 4, 4)],
    ),
]


# A second verb starts its own figure; the first group is not added to it.
CASES += [
    (
        "The shelling killed four soldiers and wounded nine other troops near the bridge.",
        [
            ("killed four soldiers", K, MIL, 4, 4, 4),
            ("wounded nine other troops", W, MIL, 9, 9, 9),
        ],
    ),
    # A figure after "the" is still the count.
    (
        "A missile hit the patrol boat, killing the three Dutch sailors aboard.",
        [("killing the three Dutch sailors", K, MIL, 3, 3, 3)],
    ),
    # "out of 200" is how many there were, not a toll.
    (
        "At least 30 sailors out of 200 died when the ship sank.",
        [],
    ),
    # "no further casualties" says nobody more, not nobody at all; a plain zero still counts.
    (
        "The convoy recovered the bodies with no further casualties.",
        [],
    ),
    (
        "The convoy came under fire but there were no casualties.",
        [("no casualties", K, UNK, 0, 0, 0), ("no casualties", W, UNK, 0, 0, 0)],
    ),
    # Thousands over years are no toll of one event ("ten", read without its scale).
    ("За последние три года погибло более 10 тысяч человек.", []),
    # A side named by its stance, lower case before the hyphen; militias counted by name.
    (
        "Initial reports were that four counter-ISIL personnel may have been killed.",
        [("four counter-ISIL personnel may have been killed", K, MIL, 4, 4, 4)],
    ),
    (
        "Assadi said 14 militiamen were also wounded.",
        [("14 militiamen were also wounded", W, MIL, 14, 14, 14)],
    ),
]


@pytest.mark.parametrize(("text", "expected"), CASES, ids=[c[0][:40] for c in CASES])
def test_figures(text: str, expected: list[Row]) -> None:
    assert figures(text) == expected


def test_confidence_by_pattern_strength() -> None:
    strong = find_casualties(Doc("27 Russian soldiers were killed"))
    loose = find_casualties(Doc("two soldiers from the 3rd brigade were reportedly killed"))
    assert [s.confidence for s in strong] == [0.9]
    assert [s.confidence for s in loose] == [0.7]


@pytest.mark.parametrize(
    ("words", "value"),
    [
        ("27", 27),
        ("30,000", 30000),
        ("twenty-seven", 27),
        ("a dozen", 12),
        ("two hundred and five", 205),
    ],
)
def test_parse_number(words: str, value: int) -> None:
    assert parse_number(words) == value


@pytest.mark.parametrize("path", sorted(SEEDS.glob("*.txt")), ids=lambda p: p.name[:3])
def test_seed_spans_point_into_text(path: Path) -> None:
    doc = Doc(path.read_text(encoding="utf-8"))
    for span in find_casualties(doc):
        assert (span.label, span.stage) == (LABEL, STAGE)
        assert 0 <= span.start < span.end <= len(doc.text)
        assert doc.quote(span) == doc.text[span.start : span.end] and doc.quote(span).strip()
        CasualtyFigure.model_validate(span.value.model_dump())


def test_seeds_without_casualties() -> None:
    assert figures(seed("002")) == []
    assert figures(seed("003")) == []


def test_seed_001_figures() -> None:
    assert [(q, k, p) for q, k, p, *_ in figures(seed("001"))] == [
        ("killing two soldiers", K, MIL),
        ("27 Russian soldiers were killed", K, MIL),
        ("34 more were wounded", W, MIL),
        ("no civilian casualties", K, CIV),
        ("no civilian casualties", W, CIV),
    ]


def test_stage_is_pure() -> None:
    doc = Doc("killing two soldiers")
    find_casualties(doc)
    assert doc.spans == []


def test_lexicon_is_strict() -> None:
    raw = yaml.safe_load(
        Path(__file__)
        .resolve()
        .parent.parent.joinpath("incidents/extract/lexicons/casualties.yaml")
        .read_text(encoding="utf-8")
    )
    assert CasualtyLexicon.model_validate(raw) == load_lexicon()
    with pytest.raises(ValidationError):
        CasualtyLexicon.model_validate({**raw, "typo": []})


# Phrasings added for the development texts (d2-*, g*), each a sentence from a real report.
MORE_CASES: list[tuple[str, list[Row]]] = [
    (  # an aside between the count and its verb
        "At least seven people, including six security forces personnel, reportedly died "
        "when the helicopter crashed.",
        [
            (
                "At least seven people, including six security forces personnel, reportedly died",
                K,
                UNK,
                7,
                None,
                None,
            )
        ],
    ),
    (
        "a training accident in which 15 people, five of them Korean soldiers, were injured",
        [("15 people, five of them Korean soldiers, were injured", W, UNK, 15, 15, 15)],
    ),
    (  # an aside between dashes
        "The three deceased—all young men in their 20s—were killed Friday in Shijaiyah.",
        [("The three deceased—all young men in their 20s—were killed", K, UNK, 3, 3, 3)],
    ),
    (  # two groups sharing one verb are added up
        "Five US Special Operations service members and at least one Afghan soldier were "
        "killed when a B-1 bomber struck their position.",
        [
            (
                "Five US Special Operations service members and at least one Afghan soldier "
                "were killed",
                K,
                MIL,
                6,
                None,
                None,
            )
        ],
    ),
    (  # ... or kept apart when they are different populations
        "Two soldiers and three civilians were killed.",
        [
            ("Two soldiers and three civilians were killed", K, CIV, 3, 3, 3),
            ("Two soldiers and three civilians were killed", K, MIL, 2, 2, 2),
        ],
    ),
    (
        "The F-15 pilots fired on both helicopters, killing all 26 military and civilians aboard.",
        [("killing all 26 military", K, MIL, 26, 26, 26)],
    ),
    (
        "fired on them, killing Arno Voigt along with two Rangers and wounding an additional "
        "twenty Rangers.",
        [
            ("killing Arno Voigt along with two Rangers", K, UNK, 3, 3, 3),
            ("wounding an additional twenty Rangers.", W, UNK, 20, 20, 20),
        ],
    ),
    (  # a named person with an apposition and an adverb before the verb
        "Pat Tillman, the football player who joined the Army, apparently was killed by "
        "friendly fire",
        [
            (
                "Pat Tillman, the football player who joined the Army, apparently was killed",
                K,
                UNK,
                1,
                1,
                1,
            )
        ],
    ),
    (
        "The Army said Tillman’s April 22 death in Afghanistan did not result from enemy fire",
        [("Tillman’s April 22 death", K, UNK, 1, 1, 1)],
    ),
    (
        "saying the two crew members ejected safely, with one sustaining minor injuries.",
        [("ejected safely", K, UNK, 0, 0, 0)],
    ),
    (  # a hard-wrapped line: the figure runs over the soft line break
        "Two soldiers were killed and seven\nother were wounded.",
        [
            ("Two soldiers were killed", K, MIL, 2, 2, 2),
            ("seven\nother were wounded", W, MIL, 7, 7, 7),
        ],
    ),
]


@pytest.mark.parametrize(("text", "expected"), MORE_CASES, ids=[c[0][:40] for c in MORE_CASES])
def test_more_phrasings(text: str, expected: list[Row]) -> None:
    assert figures(text) == expected


def test_no_figure_across_a_paragraph_break() -> None:
    # A line that ends a sentence is a real break: no figure spans it.
    assert figures("Two soldiers were moved.\nSeven were wounded in Kyiv.") == [
        ("Seven were wounded", W, UNK, 7, 7, 7)
    ]
    assert figures("Russia's death toll rose") == []


def test_over_a_figure_is_bounded_at_the_figure() -> None:
    # "over 30" bounds the toll at 30 as written; n + 1 claims a precision never given.
    assert figures("Over 30 civilians were wounded in the shelling.") == [
        ("Over 30 civilians were wounded", W, CIV, 30, None, None)
    ]


def test_police_and_guards_are_counted() -> None:
    assert figures("The patrol wounded 9 Iraqi police officers and killed two border guards.") == [
        ("wounded 9 Iraqi police officers", W, MIL, 9, 9, 9),
        ("killed two border guards", K, MIL, 2, 2, 2),
    ]
    assert figures("Three policemen were killed.") == [
        ("Three policemen were killed", K, MIL, 3, 3, 3)
    ]


def test_casualties_besides_the_dead_are_the_wounded() -> None:
    assert figures("The shelling caused 40 deaths and an additional 112 casualties.") == [
        ("40 deaths", K, UNK, 40, 40, 40),
        ("an additional 112 casualties", W, UNK, 112, 112, 112),
    ]
    # The connector runs up to the figure, however spaced; other words between break it.
    assert figures("The shelling caused 40 deaths,   and another 112 casualties.")[1:] == [
        ("another 112 casualties", W, UNK, 112, 112, 112),
    ]
    assert figures("The shelling caused 40 deaths and another day of 112 casualties.") == [
        ("40 deaths", K, UNK, 40, 40, 40)
    ]
    # Without "additional" / "another", casualties may include the dead: no split.
    assert figures("The shelling caused 40 deaths and 112 casualties.") == [
        ("40 deaths", K, UNK, 40, 40, 40)
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("В результате обстрела погибли 14 военнослужащих.", [("погибли 14", K, 14)]),
        (
            "Один боєць загинув, ще трьох поранено.",
            [("Один боєць загинув", K, 1), ("трьох поранено", W, 3)],
        ),
        ("Четверо бойцов получили ранения.", [("Четверо бойцов получили ранения", W, 4)]),
        # A year or a day before the verb is no count; the count after it is.
        ("В 2019 году погибли 6 морпехов.", [("погибли 6", K, 6)]),
        ("12 марта погибли двое.", [("погибли двое", K, 2)]),
        # A date after the verb is no count either, nor its year.
        ("Солдаты погибли 3 марта при обстреле позиций.", []),
        ("Военнослужащие погибли 24 февраля 2022 года.", []),
        ("Бійці загинули 5 травня 2023 року.", []),
        ("Погибли 3 военнослужащих в марте.", [("Погибли 3", K, 3)]),
        # No count, but an explicit zero.
        ("Погибших нет.", [("Погибших нет", K, 0)]),
    ],
)
def test_russian_and_ukrainian_figures(
    text: str, expected: list[tuple[str, CasualtyKind, int]]
) -> None:
    assert [(quote, kind, best) for quote, kind, _, _, best, _ in figures(text)] == expected


def test_a_crew_that_ejected_successfully_is_a_zero_killed() -> None:
    rows = figures("The two pilots successfully ejected before the jet crashed.")
    assert [(kind, best) for _, kind, _, _, best, _ in rows] == [(K, 0)]


def test_the_death_of_a_named_person_is_one_killed() -> None:
    rows = figures("This followed the death of Sergeant Tom Miller at the end of 2006.")
    assert rows == [("the death of Sergeant Tom Miller", K, MIL, 1, 1, 1)]
    # A death of people not named is no count of one.
    assert figures("It was the death of British soldiers that shocked them.") == []


def test_as_many_others_repeats_the_count_for_the_other_kind() -> None:
    rows = figures("Two army soldiers were killed and as many others injured in a camp.")
    assert rows == [
        ("Two army soldiers were killed", K, MIL, 2, 2, 2),
        ("as many others injured", W, MIL, 2, 2, 2),
    ]
    # Without a count before it, "as many" says nothing.
    assert figures("As many others were injured, officials said.") == []


def test_lowercase_service_words_between_count_and_noun() -> None:
    assert figures("Three navy sailors died.") == [("Three navy sailors died", K, MIL, 3, 3, 3)]


def test_a_rank_grade_is_no_count() -> None:
    # "Police Officer 1" is a rank; the six before it are the count.
    rows = figures("six police personnel with the rank of Police Officer 1 were killed")
    assert [r[3] for r in rows if r[1] is K] == []
    assert figures("Officer 1 was injured.") == []


def test_russian_toll_in_two_groups_and_the_injured_as_a_noun() -> None:
    text = "Погибли двое офицеров и шестеро солдат. Еще двое пострадавших в госпитале."
    rows = figures(text)
    assert [(r[0], r[1], r[4]) for r in rows] == [
        ("Погибли двое офицеров и шестеро", K, 8),
        ("двое пострадавших", W, 2),
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("В обох випадках ніхто не постраждав.", {(K, 0), (W, 0)}),
        ("Пострадавших нет.", {(K, 0), (W, 0)}),
        ("Обошлось без жертв.", {(K, 0), (W, 0)}),
        ("Никто не погиб.", {(K, 0)}),
        ("Погибли 3 военных, раненых нет.", {(K, 3), (W, 0)}),
        # Nothing known is no zero.
        ("Информации о погибших и раненых нет.", set()),
    ],
)
def test_russian_and_ukrainian_explicit_zeros(
    text: str, expected: set[tuple[CasualtyKind, int]]
) -> None:
    assert {(kind, best) for _, kind, _, _, best, _ in figures(text)} == expected


def test_firefighters_and_journalists_are_civilians() -> None:
    for text in (
        "Soldiers shot and killed four Iraqi firemen.",
        "A tank shell killed two journalists.",
    ):
        assert [population for _, _, population, _, _, _ in figures(text)] == [CIV]


def test_the_death_of_a_counted_person() -> None:
    rows = figures("Two soldiers came under fire, resulting in the death of one of the servicemen.")
    assert [(quote, kind, best) for quote, kind, _, _, best, _ in rows] == [
        ("death of one of the servicemen", K, 1)
    ]
    assert [best for *_, best, _ in figures("The recent death of a soldier near a range.")] == [1]


@pytest.mark.parametrize(
    "text",
    [
        "The incident, which wounded or killed 11 soldiers, occurred in clear light.",
        "150 soldiers were killed or wounded in the barrage.",
        "The shelling killed or injured 40 troops.",
    ],
)
def test_killed_or_wounded_together_cannot_be_split(text: str) -> None:
    assert figures(text) == []


def test_none_killed_or_wounded_is_a_zero_of_both() -> None:
    rows = figures("No soldiers were killed or wounded.")
    assert {(kind, best) for _, kind, _, _, best, _ in rows} == {(K, 0), (W, 0)}
