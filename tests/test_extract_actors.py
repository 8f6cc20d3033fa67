"""find_actors: units and forces with side, type and role; weapons; the lexicon files."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from incidents.extract.actors import find_actors, load_lexicon
from incidents.extract.document import ActorMention, Doc, Span
from incidents.names import normalize_name
from incidents.schema import ActorRole, ActorType

SEEDS = sorted((Path(__file__).resolve().parent.parent / "data" / "seeds").glob("*.txt"))
SEED_001 = next(p for p in SEEDS if p.name.startswith("001_"))
RU, UA = "RU", "UA"
Row = tuple[str, str | None, str | None, str, str | None]  # quote, actor, side, type, role


def actors(text: str) -> list[Row]:
    doc = Doc(text)
    rows = []
    for span in find_actors(doc):
        if span.label == "actor":
            v = span.value
            rows.append((doc.quote(span), v.actor, v.side, v.type, v.role))
    return rows


def weapons(text: str) -> list[tuple[str, str]]:
    doc = Doc(text)
    return [(doc.quote(s), s.value) for s in find_actors(doc) if s.label == "weapon"]


ACTOR_CASES: list[tuple[str, list[Row]]] = [
    # seed 001: air defence fires on its own paratroopers
    (
        "Russian air defense fired at its own paratroopers undergoing training at the "
        "Kuzminsky military training range in the Rostov region, killing two soldiers.",
        [
            ("Russian air defense", "Russian air defence", RU, "air_defence", "firing"),
            ("its own paratroopers", "Russian Airborne Forces", RU, "airborne", "hit"),
            ("two soldiers", None, None, "infantry", "hit"),
        ],
    ),
    # the imagined target of "mistook ... for" gets no role; the operator's side is not said
    (
        "According to NEXTA, the incident took place when a ZU-23-2 anti-aircraft gun operator "
        "mistook the exercises for a real landing of Ukrainian paratroopers and began firing "
        "on his own troops.",
        [
            ("a ZU-23-2 anti-aircraft gun operator", None, None, "air_defence", "firing"),
            ("Ukrainian paratroopers", "Ukrainian Air Assault Forces", UA, "airborne", None),
            ("his own troops", None, None, "infantry", "hit"),
        ],
    ),
    # passive: the agent of "by their own X" fires, and X takes the hit side's side
    (
        "In September, 27 Russian soldiers were killed and 34 more were wounded by their own "
        "artillery during a chaotic retreat from the village of Opytne, close to Donetsk's "
        "Sergey Prokofiev International Airport in eastern Ukraine after Russian troops "
        "mistook them for Ukrainians.",
        [
            ("27 Russian soldiers", "Russian Armed Forces", RU, "infantry", "hit"),
            ("their own artillery", "Russian artillery", RU, "artillery", "firing"),
            ("Russian troops", "Russian Armed Forces", RU, "infantry", "firing"),
            ("Ukrainians", "Armed Forces of Ukraine", UA, "unknown", None),
        ],
    ),
    (
        "In December, Russian forces downed its own Su-25 jet in an alleged friendly fire "
        "incident.",
        [
            ("Russian forces", "Russian Armed Forces", RU, "armed_forces", "firing"),
            ("its own Su-25 jet", "Russian Aerospace Forces", RU, "aviation", "hit"),
        ],
    ),
    (
        "Today, a Russian jet accidentally bombed occupied Rubizhne in the Luhansk region with "
        "an FAB-250 bomb in what it described as an “unscheduled landing of FAB-250 aviation "
        "munitions.”",
        [("a Russian jet", "Russian Aerospace Forces", RU, "aviation", "firing")],
    ),
    (
        "In April 2023, a similar incident took place when a Russian Su-34 jet accidentally "
        "dropped a bomb in Belgorod, creating a crater in the city center.",
        [("a Russian Su-34 jet", "Russian Aerospace Forces", RU, "aviation", "firing")],
    ),
    (
        "Poor coordination was also likely to blame, with one Russian soldier casually "
        "discussing in November how poor coordination between units led to Russian artillery "
        "firing on their own positions.",
        [
            ("one Russian soldier", "Russian Armed Forces", RU, "infantry", None),
            ("Russian artillery", "Russian artillery", RU, "artillery", "firing"),
            ("their own positions", "Russian Armed Forces", RU, "unknown", "hit"),
        ],
    ),
    # seed 000: diversion groups of the Armed Forces of Ukraine normalise to the more
    # specific lexicon force, "Ukrainian sabotage and reconnaissance groups"
    (
        "According to sources within Russian security forces, as reported by Tass, two "
        "Ukrainian Armed Forces diversion groups—tasked with infiltrating the strategically "
        "vital city of Kupyansk—mistakenly engaged in combat with each other.",
        [
            ("Russian security forces", "FSB", RU, "security_forces", None),
            (
                "two Ukrainian Armed Forces diversion groups",
                "Ukrainian sabotage and reconnaissance groups",
                UA,
                "sabotage_reconnaissance",
                "both",
            ),
        ],
    ),
    # seed 004: mutual fire, "Russian" shares the head of "Wagner troops"
    (
        "Russian and Wagner troops opened fire on each other in Luhansk over an argument, "
        "Ukraine says.",
        [
            ("Russian", "Russian Armed Forces", RU, "infantry", "both"),
            ("Wagner troops", "Wagner Group", RU, "pmc", "both"),
        ],
    ),
    (
        '"As a result, a fight between Russian Armed Forces and PMC Wagner mercenaries broke '
        'out in the settlement of Stanytsia Luhanska recently."',
        [
            ("Russian Armed Forces", "Russian Armed Forces", RU, "armed_forces", "both"),
            ("PMC Wagner mercenaries", "Wagner Group", RU, "pmc", "both"),
        ],
    ),
    (
        "Russian troops and Wagner mercenaries killed each other in a shootout after blaming "
        "each other for their war failures, Ukrainian government says",
        [
            ("Russian troops", "Russian Armed Forces", RU, "infantry", "both"),
            ("Wagner mercenaries", "Wagner Group", RU, "pmc", "both"),
        ],
    ),
    (
        'British intelligence reported in November that Russia was deploying "blocking units" '
        "behind its soldiers to prevent them from retreating.",
        [
            ("blocking units", None, None, "security_forces", None),
            ("its soldiers", "Russian Armed Forces", RU, "infantry", None),
        ],
    ),
    # other wars
    (
        "A US A-10 attacked a British convoy, killing one soldier.",
        [
            ("A US A-10", "United States Air Force", "US", "aviation", "firing"),
            ("a British convoy", "British Armed Forces", "GB", "unknown", "hit"),
            ("one soldier", None, None, "infantry", "hit"),
        ],
    ),
    (
        "Canadian soldiers were bombed by a US F-16 pilot.",
        [
            ("Canadian soldiers", "Canadian Armed Forces", "CA", "infantry", "hit"),
            ("a US F-16 pilot", "United States Air Force", "US", "aviation", "firing"),
        ],
    ),
    (
        "Syrian rebels clashed with Turkish special forces near the border.",
        [
            ("Syrian rebels", None, "SY", "militia", "both"),
            ("Turkish special forces", None, "TR", "special_forces", "both"),
        ],
    ),
    # nominal acts: "the bombing of A by X", "the killing, by X, of A" (Tarnak Farm)
    (
        "The incident is the killing, by an American Air National Guard pilot, of four "
        "Canadian soldiers.",
        [
            ("an American Air National Guard pilot", None, "US", "aviation", "firing"),
            ("four Canadian soldiers", "Canadian Armed Forces", "CA", "infantry", "hit"),
        ],
    ),
    (
        "It was the bombing of Canadian soldiers by an American F-16 pilot.",
        [
            ("Canadian soldiers", "Canadian Armed Forces", "CA", "infantry", "hit"),
            ("an American F-16 pilot", "United States Air Force", "US", "aviation", "firing"),
        ],
    ),
    # a designation between side and head; the launcher of the missile fired it (Falklands)
    (
        "A British Army Gazelle helicopter was shot down by a Sea Dart missile fired from "
        "the British destroyer HMS Cardiff.",
        [
            ("A British Army Gazelle helicopter", "Royal Air Force", "GB", "aviation", "hit"),
            ("a Sea Dart", None, None, "air_defence", None),
            ("the British destroyer HMS Cardiff", None, "GB", "naval", "firing"),
        ],
    ),
    (
        "A US Marine light armored vehicle was destroyed by a missile fired from a US Air "
        "Force A-10.",
        [("a US Air Force A-10", "United States Air Force", "US", "aviation", "firing")],
    ),
    # a subject far from the verb is not its doer (Dhahran, an enemy Scud)
    (
        "As ambulances took away the wounded, U.S. servicemen stood stunned, as if unable to "
        "believe that a Scud could be launched against such a sprawling city and hit a "
        "building housing American soldiers.",
        [
            ("U.S. servicemen", "United States Armed Forces", "US", "infantry", None),
            ("American soldiers", "United States Armed Forces", "US", "infantry", "hit"),
        ],
    ),
    # titles, ministries and institutions are claimants, not units
    ("Russian President Vladimir Putin said the Russian Defense Ministry was right.", []),
    ("Former Russian FSB Officer Igor Strelkov also confirmed the reporting.", []),
    ("The General Staff of the Armed Forces of Ukraine wrote in its daily briefing.", []),
    ("Russia's Defense Ministry did not immediately respond to requests for comment.", []),
    # The US-led coalition by its lead nation, and Iraq's militias by name. (Not the
    # Saudi-led one: "Yemeni fighters" it hits are as often Houthis as government troops.)
    (
        "The US-led coalition has accidentally bombed members of the Iraqi Popular "
        "Mobilization Units near Tal Afar.",
        [
            ("The US-led coalition", "US-led coalition", "US", "armed_forces", "firing"),
            (
                "the Iraqi Popular Mobilization Units",
                "Popular Mobilization Forces",
                "IQ",
                "militia",
                "hit",
            ),
        ],
    ),
    # Russian-language names of the two armies: "ВСУ", and "е" written for "ё".
    (
        "Бойцы ВСУ обстреляли свои позиции.",
        # "Бойцы" (fighters) is a unit word of its own: the phrase is the army's infantry.
        [("Бойцы ВСУ", "Armed Forces of Ukraine", UA, "infantry", None)],
    ),
    (
        "Вооруженные силы Российской Федерации нанесли удар.",
        [
            (
                "Вооруженные силы Российской Федерации",
                "Russian Armed Forces",
                RU,
                "armed_forces",
                None,
            )
        ],
    ),
]


@pytest.mark.parametrize(("text", "expected"), ACTOR_CASES)
def test_actors(text: str, expected: list[Row]) -> None:
    assert actors(text) == expected


WEAPON_CASES: list[tuple[str, list[tuple[str, str]]]] = [
    ("a ZU-23-2 anti-aircraft gun operator", [("ZU-23-2", "ZU-23-2")]),
    ("an FAB-250 bomb and a ФАБ-500", [("FAB-250", "FAB-250"), ("ФАБ-500", "FAB-500")]),
    (
        "SU-34, Su34, Су-34 and Su-34s",
        [("SU-34", "Su-34"), ("Su34", "Su-34"), ("Су-34", "Su-34"), ("Su-34s", "Su-34")],
    ),
    ("their own Orlan drone", [("Orlan", "Orlan-10")]),
    ("FPV drones and Lancet strikes", [("FPV drones", "FPV drone"), ("Lancet", "Lancet")]),
    ("a Geran-2 and a Shahed-136", [("Geran-2", "Shahed"), ("Shahed-136", "Shahed")]),
    ("a Grad, HIMARS and TOS-1A", [("Grad", "Grad"), ("HIMARS", "HIMARS"), ("TOS-1A", "TOS-1")]),
    ("BMP-2 and BTR-82A", [("BMP-2", "BMP"), ("BTR-82A", "BTR")]),
    (
        "cluster munitions, glide bombs and minefields",
        [
            ("cluster munitions", "cluster munitions"),
            ("glide bombs", "glide bomb"),
            ("minefields", "mine"),
        ],
    ),
    # pronouns and common words are not weapons
    ("the fault is mine, a tor of granite, a grad student, a 10 km march", []),
]


@pytest.mark.parametrize(("text", "expected"), WEAPON_CASES)
def test_weapons(text: str, expected: list[tuple[str, str]]) -> None:
    assert weapons(text) == expected


def test_segment_sentences_are_used() -> None:
    text = "Russian troops fired on\nUkrainian positions"
    assert [row[4] for row in actors(text)] == ["firing", None]  # fallback: split at the line
    doc = Doc(text, spans=[Span(0, len(text), "sentence", None, "segment")])
    roles = [s.value.role for s in find_actors(doc) if s.label == "actor"]
    assert roles == ["firing", "hit"]  # the segment stage's one sentence


def test_stage_is_pure() -> None:
    doc = Doc(SEED_001.read_text("utf-8"))
    first = find_actors(doc)
    assert doc.spans == []
    assert find_actors(doc) == first


# --------------------------------------------------------------------------- lexicons


def test_actor_aliases_unique() -> None:
    # one matching key, one actor (the rule repository.upsert_actor enforces)
    owners: dict[str, set[str]] = {}
    for actor in load_lexicon().actors.values():
        for name in (actor.name, *actor.aliases):
            owners.setdefault(normalize_name(name), set()).add(actor.name)
    assert {key: names for key, names in owners.items() if len(names) > 1} == {}


def test_lexicon_types_and_forces() -> None:
    lex = load_lexicon()
    valid = set(ActorType)
    assert {k.type for k in lex.units.units} <= valid
    assert {w.actor_type for w in lex.weapons.weapons if w.actor_type} <= valid
    for table in lex.units.forces.values():
        for kind, name in table.items():
            assert kind in valid
            assert name in lex.actors


def test_lexicon_patterns_compile() -> None:
    lex = load_lexicon()
    units = lex.units
    for patterns in [*units.sides.values(), *units.countries.values(), *units.peoples.values()]:
        for pattern in patterns:
            re.compile(pattern)
    for kind in units.units:
        for pattern in kind.patterns:
            re.compile(pattern)
    for weapon in lex.weapons.weapons:
        for pattern in weapon.patterns:
            re.compile(pattern)
    assert all(m.table for m in lex.matchers)  # the combined alternations compile


# --------------------------------------------------------------------------- whole seeds


@pytest.mark.parametrize("path", SEEDS, ids=lambda p: p.name[:3])
def test_seed_spans_exact(path: Path) -> None:
    doc = Doc(path.read_text("utf-8"))
    spans = find_actors(doc)
    assert spans
    for span in spans:
        quote = doc.quote(span)
        assert span.stage == "actors"
        assert 0 <= span.start < span.end <= len(doc.text)
        assert quote == quote.strip() and "\n" not in quote
        if span.label == "actor":
            assert isinstance(span.value, ActorMention)
            assert span.value.type in set(ActorType)
            assert span.value.role is None or span.value.role in set(ActorRole)
        else:
            assert span.label == "weapon" and isinstance(span.value, str)


@pytest.mark.parametrize("prefix", ["002_", "003_"])
def test_no_fratricide_roles_in_seeds_without_fratricide(prefix: str) -> None:
    path = next(p for p in SEEDS if p.name.startswith(prefix))
    doc = Doc(path.read_text("utf-8"))
    mentions = [s.value for s in find_actors(doc) if s.label == "actor"]
    firing = {m.side for m in mentions if m.role in ("firing", "both")}
    hit = {m.side for m in mentions if m.role in ("hit", "both")}
    assert len(mentions) > 5
    assert not (firing & hit) - {None}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # fire named by whose it was is the firing side of a passive
        (
            "A Danish soldier was killed by British fire during the patrol.",
            [
                ("A Danish soldier", None, "DK", "infantry", "hit"),
                ("British fire", "British Armed Forces", "GB", "unknown", "firing"),
            ],
        ),
        # historical sides: the Confederacy is a side of its own, the Union is the US
        (
            "Confederate troops fired on Union cavalry crossing the ford.",
            [
                ("Confederate troops", None, "csa", "infantry", "firing"),
                ("Union cavalry", None, "US", "other", "hit"),
            ],
        ),
        # named forces of other wars and armies
        (
            "The Luftwaffe bombed Kriegsmarine destroyers. Later IDF troops shelled Hamas.",
            [
                ("The Luftwaffe", "Luftwaffe", "DE", "aviation", "firing"),
                ("Kriegsmarine destroyers", "Kriegsmarine", "DE", "naval", "hit"),
                ("IDF troops", "Israel Defense Forces", "IL", "infantry", "firing"),
                ("Hamas", "Hamas", "hamas", "militia", "hit"),
            ],
        ),
    ],
)
def test_sides_of_other_wars(text: str, expected: list[Row]) -> None:
    assert actors(text) == expected


def test_a_bare_fire_names_no_actor() -> None:
    assert actors("The crew opened fire and the fire spread.") == []


def test_a_described_bomb_and_its_launcher() -> None:
    # Words describing the bomb do not hide the verb; what it was dropped from is no target.
    text = (
        "A French pilot dropped a GPS-guided 250 kg (550 lb) bomb from his Rafale jet on "
        "Belgian infantry near the river."
    )
    roles = {quote: (side, role) for quote, _, side, _, role in actors(text)}
    assert roles["A French pilot"] == ("FR", "firing")
    assert roles["Belgian infantry"] == ("BE", "hit")
    assert all(role is None for quote, (_, role) in roles.items() if "jet" in quote)


def test_a_weapon_one_state_fields_or_a_ships_prefix_gives_the_side() -> None:
    rows = actors("An Iron Dome missile nearly shot down an Israeli F-15 fighter jet.")
    assert ("An Iron Dome", None, "IL", "air_defence", "firing") in rows
    assert ("an Israeli F-15 fighter jet", None, "IL", "aviation", "hit") in rows
    # A warship's prefix names its navy; "sunk by" is a passive of fire.
    rows = actors("USS Seawolf, under the command of LCDR Bontier, was sunk by U.S. forces.")
    assert ("USS Seawolf", None, "US", "naval", "hit") in rows
    assert [r for r in rows if r[0] == "U.S. forces"][0][2:] == ("US", "armed_forces", "firing")
    assert ("HMS Sheffield", "Royal Navy ship") in weapons("HMS Sheffield was hit.")
    # "US" followed by a name is no ship.
    assert not [w for w in weapons("US Army troops fired.") if w[1] == "US Navy ship"]


def test_gunfire_from_a_launcher_names_the_firer() -> None:
    rows = actors(
        "Three soldiers of the Afghan National Army were wounded after being hit by gunfire "
        "from a U.S. Apache helicopter gunship."
    )
    firing = [r for r in rows if r[4] == "firing"]
    assert [(r[0], r[2]) for r in firing] == [("a U.S. Apache helicopter gunship", "US")]


def test_came_under_fire_from_names_the_firer_after_from() -> None:
    rows = actors("Two Nigerian soldiers came under fire from police officers on Friday.")
    assert ("Two Nigerian soldiers", None, "NG", "infantry", "hit") in rows
    assert ("police officers", None, None, "security_forces", "firing") in rows


def test_russian_and_ukrainian_shootouts_between_own_units() -> None:
    rows = actors("Під Маріуполем кадирівці влаштували перестрілку з російськими військовими.")
    assert ("кадирівці", "Akhmat", "RU", "security_forces", "both") in rows
    assert ("російськими військовими", "Russian Armed Forces", "RU", "infantry", "both") in rows
