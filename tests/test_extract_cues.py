"""find_cues: cue phrases for the codebook dimensions, each quote exact."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pydantic import ValidationError

from incidents.extract.cues import CueRule, expand_pattern, find_cues, read_rules
from incidents.extract.document import Cue, Doc

SEEDS = Path(__file__).resolve().parents[1] / "data" / "seeds"


def cues_of(text: str) -> set[tuple[str, str, str]]:
    doc = Doc(text)
    return {(doc.quote(s), s.value.dimension, s.value.code) for s in find_cues(doc)}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Tenth round: "airstrike" as one word, a failure named after "coordination", and a
        # misdirected munition as an accidental release.
        (
            "The airstrike was blamed on a communications breakdown.",
            {
                ("airstrike", "mechanism", "air_to_ground"),
                ("communications breakdown", "cause", "coordination_failure"),
            },
        ),
        (
            "Three marines were hit by a misdirected artillery round.",
            {
                ("misdirected artillery round", "fratricide", "accidental"),
                ("artillery", "mechanism", "indirect_fire"),
            },
        ),
        (
            "Russian air defense fired at its own paratroopers undergoing training",
            {
                ("air defense fired", "mechanism", "air_defence"),
                ("fired at its own", "fratricide", "own_forces"),
                ("training", "context", "training"),
            },
        ),
        (
            "a ZU-23-2 anti-aircraft gun operator mistook the exercises for a real landing "
            "of Ukrainian paratroopers and began firing on his own troops.",
            {
                ("anti-aircraft gun", "mechanism", "air_defence"),
                ("mistook the exercises for", "cause", "misidentification"),
                ("mistook", "intent", "unintentional"),
                ("firing on his own", "fratricide", "own_forces"),
            },
        ),
        (
            "two Ukrainian Armed Forces diversion groups mistakenly engaged in combat with "
            "each other.",
            {
                ("engaged in combat with each other", "fratricide", "mutual"),
                ("mistakenly", "intent", "unintentional"),
            },
        ),
        (
            "Russian troops and Wagner mercenaries killed each other in a shootout after "
            "blaming each other for their war failures",
            {
                ("killed each other", "fratricide", "mutual"),
                ("shootout", "mechanism", "direct_fire"),
                ("blaming each other", "cause", "unit_dispute"),
                (
                    "killed each other in a shootout after blaming each other",
                    "intent",
                    "deliberate",
                ),
            },
        ),
        (
            "a fight between Russian Armed Forces and PMC Wagner mercenaries broke out",
            {
                (
                    "fight between Russian Armed Forces and PMC Wagner mercenaries",
                    "fratricide",
                    "mutual",
                )
            },
        ),
        (
            "In December, Russian forces downed its own Su-25 jet in an alleged friendly "
            "fire incident.",
            {
                ("downed its own", "fratricide", "own_forces"),
                ("friendly fire", "fratricide", "explicit"),
                ("downed", "mechanism", "air_defence"),
            },
        ),
        (
            "a Russian jet accidentally bombed occupied Rubizhne in what it described as an "
            "“unscheduled landing of FAB-250 aviation munitions.”",
            {
                ("accidentally bombed", "fratricide", "accidental"),
                (
                    "unscheduled landing of FAB-250 aviation munitions",
                    "mechanism",
                    "accidental_release",
                ),
                ("unscheduled landing", "cause", "technical_malfunction"),
            },
        ),
        (
            "27 Russian soldiers were killed by their own artillery during a chaotic retreat",
            {
                ("by their own artillery", "fratricide", "own_forces"),
                ("artillery", "mechanism", "indirect_fire"),
                ("retreat", "context", "transit"),
            },
        ),
        (
            "A US A-10 mistook a British convoy for Iraqi vehicles",
            {
                ("mistook a British convoy for", "cause", "misidentification"),
                ("convoy", "context", "transit"),
            },
        ),
        (
            "the Canadian soldiers were conducting a night-time live-fire exercise when a US "
            "F-16 dropped a laser-guided bomb",
            {
                ("live-fire", "context", "training"),
                ("exercise", "context", "training"),
                ("dropped a laser-guided bomb", "mechanism", "air_to_ground"),
            },
        ),
        (
            "Soviet troops strayed into their own minefield after a navigation error",
            {
                ("strayed", "cause", "navigation_error"),
                ("own minefield", "cause", "own_minefield"),
                ("minefield", "mechanism", "mine_uxo"),
                ("navigation error", "cause", "navigation_error"),
            },
        ),
        (
            "Blue-on-blue: short rounds from a mortar hit the forward company",
            {
                ("Blue-on-blue", "fratricide", "explicit"),
                ("short rounds", "cause", "weapons_error"),
                ("mortar", "mechanism", "indirect_fire"),
            },
        ),
        (
            "an FPV drone lost to jamming struck the crew",
            {("FPV drone", "mechanism", "drone"), ("jamming", "cause", "ew_spoofing")},
        ),
        # An own aircraft by its designation, as the agent of an attack.
        (
            "the regiment was bombed and strafed by a flight of friendly P40’s",
            {("bombed and strafed by a flight of friendly P40’s", "fratricide", "own_forces")},
        ),
        (
            "the column was hit by friendly F-16s",
            {("hit by friendly F-16s", "fratricide", "own_forces")},
        ),
        (
            "Stephen mistook Wayne’s men as Hessians and ordered several volleys fired at them",
            {("mistook Wayne’s men as", "fratricide", "accidental")},
        ),
        (
            "he was shot in the back by a round fired by one of his friends inside the outpost",
            {("fired by one of his friends", "fratricide", "own_forces")},
        ),
    ],
)
def test_cues(text: str, expected: set[tuple[str, str, str]]) -> None:
    assert expected <= cues_of(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Similar incidents are not unheard of", "recurrent"),
        ("there are seven documented friendly fire incidents", "plural"),
        ("friendly fire deaths that have plagued the campaign", "recurrent"),
        (
            "US forces have suffered seven friendly fire casualties in Afghanistan since "
            "ousting the Taliban in 2001",
            "total",
        ),
        ("There have been more friendly fire incidents lately", "recurrent"),
        ("Russian troops being plagued by friendly fire in Ukraine", "recurrent"),
        ("the Kremlin rarely acknowledges any of these incidents", "recurrent"),
        ("But accounts of Russian friendly fire continued to emerge later", "recurrent"),
        ("fear has prompted Russian troops to “shoot at everything that moves.”", "indiscriminate"),
        ("These units threaten to shoot their own retreating soldiers", "threat"),
    ],
)
def test_generic_cues(text: str, expected: str) -> None:
    assert any(d == "generic" and c == expected for _, d, c in cues_of(text))


@pytest.mark.parametrize(
    "text",
    [
        "Ukraine Fires First Long-Range US Missiles into Russia",  # "range" alone is no cue
        "a fight between Russian and Ukrainian troops near Bakhmut",  # two sides: no mutual
        "He said it was mine.",
        "Ukrainian troops had entered Kupyansk after the Russian forces fled",
        "The bombers were escorted by friendly P-47s.",  # no attack by them
        "He mistook Smith for Jones at the party.",  # a person, not a force
    ],
)
def test_no_fratricide_cue(text: str) -> None:
    found = cues_of(text)
    assert not {c for c in found if c[1] in ("fratricide", "generic")}
    assert ("mine", "mechanism", "mine_uxo") not in found


def test_longest_match_wins_within_a_dimension() -> None:
    found = cues_of("the jet was shot down by a SAM")
    assert ("shot down", "mechanism", "air_defence") in found
    assert ("shot", "mechanism", "direct_fire") not in found
    assert ("SAM", "mechanism", "air_defence") in found
    assert ("sam", "mechanism", "air_defence") not in cues_of("sam said")


@pytest.mark.parametrize("path", sorted(SEEDS.glob("*.txt")), ids=lambda p: p.name[:3])
def test_seed_spans_are_exact(path: Path) -> None:
    doc = Doc(path.read_text(encoding="utf-8"))
    spans = find_cues(doc)
    assert spans == sorted(spans, key=lambda s: (s.start, s.end, s.value.dimension, s.value.code))
    for span in spans:
        quote = doc.quote(span)
        assert quote and quote == quote.strip() and "\n" not in quote
        assert span.label == "cue" and span.stage == "cues"
        assert isinstance(span.value, Cue)


@pytest.mark.parametrize(
    ("name", "fratricide"),
    [("000", True), ("001", True), ("002", False), ("003", False), ("004", True)],
)
def test_seeds_with_and_without_fratricide(name: str, fratricide: bool) -> None:
    (path,) = SEEDS.glob(f"{name}_*.txt")
    found = find_cues(Doc(path.read_text(encoding="utf-8")))
    assert any(s.value.dimension == "fratricide" for s in found) is fratricide


def test_rules_are_validated(tmp_path: Path) -> None:
    with pytest.raises(ValidationError):
        CueRule(dimension="cause", code="bad_luck", patterns=["oops"])
    with pytest.raises(ValidationError):
        CueRule.model_validate({"dimension": "cause", "code": "fear", "patterns": ["x"], "x": 1})
    with pytest.raises(ValidationError):
        CueRule(dimension="generic", code="recurrent", patterns=["(unclosed"])
    path = tmp_path / "cues.yaml"
    path.write_text("cues:\n  - {dimension: intent, code: deliberate, patterns: [on purpose]}\n")
    (rule,) = read_rules(path)
    assert rule.cue == Cue("intent", "deliberate")
    assert rule.regex.search("done on-purpose")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "a number of aircraft bombed short hitting units of First Canadian Army",
            ("bombed short", "fratricide", "accidental"),
        ),
        (
            "soldiers were struck by shrapnel from an artillery round that exploded short of "
            "the intended target",
            ("round that exploded short", "fratricide", "accidental"),
        ),
        (
            "video showing three armed Russian soldiers shooting at seven or more of their "
            "fellows as they ran",
            ("shooting at seven or more of their fellows", "fratricide", "own_forces"),
        ),
        (
            "was killed by friendly fire when a fellow soldier mistakenly identified an Afghan "
            "fighter as enemy",
            ("a fellow soldier mistakenly identified", "fratricide", "own_forces"),
        ),
        (
            "The Saudi-led coalition previously carried out similar air strikes and mistakenly "
            "killed dozens of soldiers",
            ("previously carried out similar air strikes", "generic", "similar"),
        ),
        (
            'documented in a book and a made for TV movie entitled "Friendly Fire."',
            ('entitled "Friendly Fire', "generic", "title"),
        ),
        (
            "In wartime, it would have been “friendly fire.”",
            ("In wartime", "generic", "hypothetical"),
        ),
    ],
)
def test_new_cues(text: str, expected: tuple[str, str, str]) -> None:
    assert expected in cues_of(text)


def test_a_rate_is_generic() -> None:
    text = (
        "The Coalition had few losses, yet nearly one in ten of those were caused by friendly fire."
    )
    assert ("one in ten", "generic", "plural") in cues_of(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "An air force jet bombed the convoy by mistake near the river crossing.",
            ("bombed the convoy by mistake", "fratricide", "accidental"),
        ),
        (
            "A police unit mistakenly opened fire on a patrol of the same force.",
            ("mistakenly opened fire", "fratricide", "accidental"),
        ),
        (
            "In the smoke the rear ranks fired into their own front line.",
            ("fired into their own", "fratricide", "own_forces"),
        ),
        (
            "Army aircraft bombed the army's own headquarters in the town.",
            ("the army's own headquarters", "fratricide", "own_forces"),
        ),
        (
            "The losses fell on their own gunboats, the captain admitted.",
            ("their own gunboats", "fratricide", "own_forces"),
        ),
    ],
)
def test_more_fratricide_phrasings(text: str, expected: tuple[str, str, str]) -> None:
    assert expected in cues_of(text)


def test_by_mistake_needs_a_fire_verb() -> None:
    found = cues_of("The letter was sent to the wrong office by mistake.")
    assert not {c for c in found if c[1] == "fratricide"}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Российский бомбардировщик случайно сбросил бомбу на жилой квартал.",
            ("случайно сбросил", "fratricide", "accidental"),
        ),
        (
            "Артиллеристы по ошибке обстреляли свои позиции.",
            ("обстреляли свои позиции", "fratricide", "own_forces"),
        ),
        (
            "Зенітники помилково збили власний літак.",
            ("помилково збили", "fratricide", "accidental"),
        ),
        # The nominative "огонь" (the stem "огн-" missed it), and "дружеский".
        (
            "Солдат ЦАХАЛа попал под «дружественный огонь».",
            ("дружественный огонь", "fratricide", "explicit"),
        ),
        (
            "Он попал под дружеский огонь.",
            ("дружеский огонь", "fratricide", "explicit"),
        ),
        # "their own military unit", with the weapon between the verb and the unit.
        (
            "Артиллеристы обстреляли из минометов свою воинскую часть.",
            ("обстреляли из минометов свою воинскую часть", "fratricide", "own_forces"),
        ),
        (
            "Артилеристи обстріляли з мінометів свою військову частину.",
            ("обстріляли з мінометів свою військову частину", "fratricide", "own_forces"),
        ),
    ],
)
def test_russian_and_ukrainian_fratricide_phrasings(
    text: str, expected: tuple[str, str, str]
) -> None:
    assert expected in cues_of(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Two errant mortar rounds landed among a platoon during the drill.",
            ("errant mortar rounds", "fratricide", "accidental"),
        ),
        (
            "Coalition jets mistakenly carried out airstrikes on allied militia positions.",
            ("mistakenly carried out airstrikes on", "fratricide", "accidental"),
        ),
        (
            "Ночью зенитчики сбили собственный самолёт над аэродромом.",
            ("сбили собственный самолёт", "fratricide", "own_forces"),
        ),
    ],
)
def test_third_round_fratricide_phrasings(text: str, expected: tuple[str, str, str]) -> None:
    assert expected in cues_of(text)


@pytest.mark.parametrize(
    ("text", "code"),
    [
        # Own-markers with a fire word a few words before, any inflection (RU / UK).
        ("Батарея окупантів завдала вогневого ураження своїм позиціям біля села.", "own_forces"),
        ("Ночью артиллерия накрыла огнём собственные окопы у реки.", "own_forces"),
        # Losses put down to the own side's mistake.
        ("Через помилку власного командування загинули п'ятеро бійців.", "own_forces"),
        ("Из-за ошибки своего штаба погибли два десятка солдат.", "own_forces"),
        ("The men died because of a blunder by their own command.", "own_forces"),
        # Mistaking the people fired on for someone else, in three languages.
        ("The patrol opened fire on the truck, taking them for infiltrators.", "accidental"),
        ("Бойцы обстреляли колонну, приняв её за противника.", "accidental"),
        ("Десантники відкрили вогонь, прийнявши їх за диверсантів.", "accidental"),
        # A fight whose other side is found out afterwards.
        ("The night-long gunfight later turned out to be against a Marine patrol.", "accidental"),
    ],
)
def test_own_marker_and_mistaken_identity_cues(text: str, code: str) -> None:
    assert code in {c for _, dimension, c in cues_of(text) if dimension == "fratricide"}


@pytest.mark.parametrize(
    "text",
    [
        "Солдаты вернулись на свои позиции после обстрела.",  # own positions, no fire on them
        "Они загрязняют окружающую среду своими отходами.",
        "The gunfight turned into a rout of the insurgents.",
    ],
)
def test_own_words_without_fire_on_them_are_no_cue(text: str) -> None:
    assert not {c for _, dimension, c in cues_of(text) if dimension == "fratricide"}


def test_discoordination_is_a_coordination_failure() -> None:
    found = cues_of("The helicopter was hit by a missile because of discoordination of units.")
    assert ("discoordination", "cause", "coordination_failure") in found


def test_a_space_then_question_mark_is_an_optional_space() -> None:
    pattern = re.compile(expand_pattern("air ?strikes"))
    assert pattern.fullmatch("airstrikes") and pattern.fullmatch("air strikes")
    assert pattern.fullmatch("air-strikes")
    assert not pattern.fullmatch("air  xstrikes")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # An own round bursting early, and a memoir's own battery.
        (
            "They had a premature which penetrated a dug out and killed the cook.",
            ("a premature which", "fratricide", "accidental"),
        ),
        (
            "A projectile apparently fired by my battery killed a number of Marines.",
            ("fired by my battery", "fratricide", "own_forces"),
        ),
        # An aircraft dropping its bomb by accident, and a bomb falling short of the front.
        (
            "Російський літак впустив 250-кілограмову авіабомбу на школу.",
            ("впустив 250-кілограмову авіабомбу", "fratricide", "accidental"),
        ),
        (
            "24 листопада ФАБ-500 упала прямо біля житлового будинку.",
            ("ФАБ-500 упала", "fratricide", "accidental"),
        ),
    ],
)
def test_premature_rounds_and_dropped_bombs(text: str, expected: tuple[str, str, str]) -> None:
    assert expected in cues_of(text)


@pytest.mark.parametrize(
    "text", ["It is premature to say what happened.", "The premature baby survived."]
)
def test_premature_as_an_adjective_is_no_cue(text: str) -> None:
    assert not {c for c in cues_of(text) if c[1] == "fratricide"}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Wire copy's misspelling, a stray bullet from a range, an anti-air defence of one's own
        # side, a bomb that fell (verb first).
        (
            "The coalition's fighter jets accidently killed eight government troops.",
            ("accidently killed", "fratricide", "accidental"),
        ),
        (
            "A soldier was killed by a stray bullet from a nearby shooting range.",
            ("stray bullet", "fratricide", "accidental"),
        ),
        (
            "The captain was shot down over Port Stanley by friendly anti-air defences.",
            ("by friendly anti-air defences", "fratricide", "own_forces"),
        ),
        (
            "У Бєлгороді біля дитячого садка впала російська авіабомба.",
            ("впала російська авіабомба", "fratricide", "accidental"),
        ),
    ],
)
def test_misspelling_stray_bullet_anti_air_and_fallen_bomb(
    text: str, expected: tuple[str, str, str]
) -> None:
    assert expected in cues_of(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # One nation's soldiers on both sides of a fight, a hyphenated plural "shoot-outs",
        # and a victim who was the shooter's fellow.
        (
            "Fighting between Somali soldiers has left at least ten people dead.",
            ("Fighting between Somali soldiers", "fratricide", "mutual"),
        ),
        (
            "A soldier was wounded in shoot-outs between troops and police in the town.",
            ("shoot-outs between troops and police", "fratricide", "mutual"),
        ),
        (
            "Chief Constable Toppo shot dead fellow Chief Constable Shekharan.",
            ("shot dead fellow Chief Constable", "fratricide", "own_forces"),
        ),
    ],
)
def test_fights_within_one_force(text: str, expected: tuple[str, str, str]) -> None:
    assert expected in cues_of(text)


def test_fighting_between_soldiers_and_a_named_enemy_is_no_cue() -> None:
    for text in (
        "Fighting between Somali soldiers and al-Shabaab left ten dead.",
        "Clashes between Syrian troops loyal to Assad and rebels killed 20.",
    ):
        assert not {c for c in cues_of(text) if c[1] == "fratricide"}
