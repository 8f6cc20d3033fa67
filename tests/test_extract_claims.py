"""find_claims: who says it (claimant spans with a side) and hedge/stance/verification cues."""

from __future__ import annotations

from pathlib import Path

import pytest

from incidents.extract.claims import claimant_side, find_claims
from incidents.extract.document import ClaimantMention, Cue, Doc

SEEDS = Path(__file__).resolve().parents[1] / "data" / "seeds"


def claimants(text: str) -> list[tuple[str, str, str | None]]:
    doc = Doc(text)
    return [
        (doc.quote(s), s.value.name, s.value.side)
        for s in find_claims(doc)
        if s.label == "claimant"
    ]


def cues(text: str) -> set[tuple[str, str, str]]:
    doc = Doc(text)
    return {
        (doc.quote(s), s.value.dimension, s.value.code)
        for s in find_claims(doc)
        if s.label == "cue"
    }


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            # a chain: the original claimant first, then the outlet relaying it
            "According to sources within Russian security forces, as reported by Tass, two "
            "Ukrainian Armed Forces diversion groups mistakenly engaged in combat",
            [
                (
                    "sources within Russian security forces",
                    "sources within Russian security forces",
                    "RU",
                ),
                ("Tass", "Tass", "RU"),
            ],
        ),
        ("According to NEXTA, the incident took place when", [("NEXTA", "NEXTA", None)]),
        (
            'Russian MoD admits its own SU-34 "inadvertently" bombed',
            [("Russian MoD", "Russian MoD", "RU")],
        ),
        (
            "Soldiers from both forces were killed in the shootout in Luhansk, the General "
            "Staff of the Armed Forces of Ukraine wrote in its daily briefing on Sunday.",
            [
                (
                    "General Staff of the Armed Forces of Ukraine",
                    "General Staff of the Armed Forces of Ukraine",
                    "UA",
                )
            ],
        ),
        ("Ukraine said on Sunday that a group of Russian troops", [("Ukraine", "Ukraine", "UA")]),
        (
            "In a rare admission on Friday, Russia's defense ministry said one of its Su-34 jets",
            [("Russia's defense ministry", "Russia's defense ministry", "RU")],
        ),
        (
            "Local authorities said the blast injured two women.",
            [("Local authorities", "Local authorities", None)],
        ),
        (
            '"These units threaten to shoot," the UK Ministry of Defense said.',
            [("UK Ministry of Defense", "UK Ministry of Defense", "GB")],
        ),
        (
            "British intelligence reported in November that",
            [("British intelligence", "British intelligence", "GB")],
        ),
        (
            "almost 30,000 of whom have died, per US officials.",
            [("US officials", "US officials", "US")],
        ),
        (
            "the Royal United Services Institute, a UK think tank, found in November.",
            [("Royal United Services Institute", "Royal United Services Institute", None)],
        ),
        (
            "Head of the Kharkiv Regional Military Administration, Oleh Syniehubov, has confirmed",
            [("Oleh Syniehubov", "Oleh Syniehubov", "UA")],
        ),
        ("Both sides clashed, the update claimed.", [("update", "update", None)]),
        ("Russia has not confirmed Ukraine's Sunday report.", [("Ukraine", "Ukraine", "UA")]),
        ("At approximately 1755 EST, reports began to emerge", []),
        ("“There have been more friendly fire incidents lately,” he said.", []),
        ("The Russian security forces, citing their own intelligence assessments, described", []),
    ],
)
def test_claimants(text: str, expected: list[tuple[str, str, str | None]]) -> None:
    assert claimants(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "Russia has not confirmed Ukraine's Sunday report.",
            ("has not confirmed", "hedge", "not_confirmed"),
        ),
        ("Russia has yet to confirm the report", ("has yet to confirm", "hedge", "not_confirmed")),
        (
            "Insider could not independently verify Ukraine's claim about the shootout.",
            ("could not independently verify", "hedge", "not_independently_verified"),
        ),
        (
            "The footage could not be independently verified.",
            ("could not be independently verified", "hedge", "not_independently_verified"),
        ),
        (
            "Russia's Defense Ministry did not immediately respond to Insider's requests for "
            "comment.",
            (
                "did not immediately respond to Insider's requests for comment",
                "hedge",
                "no_comment",
            ),
        ),
        ("In another alleged friendly fire incident", ("alleged", "hedge", "alleged")),
        ("Ukrainian Troops Reportedly Enter Izyum", ("Reportedly", "hedge", "alleged")),
        ("an unverified video", ("unverified", "hedge", "unverified")),
        ("The ministry denied the report", ("denied", "stance", "denies")),
        ("Moscow dismissed the report as fake", ("dismissed the report as", "stance", "denies")),
        ("unconfirmed reports of a strike", ("unconfirmed reports", "stance", "unconfirmed")),
        ("Russian MoD admits its own SU-34", ("admits", "verification", "admitted")),
        (
            "In a rare admission on Friday, Russia's defense ministry said",
            ("In a rare admission", "verification", "admitted"),
        ),
        ("Footage shows the tank burning", ("Footage shows", "verification", "corroborated")),
        (
            "The strike site was geolocated by analysts",
            ("geolocated", "verification", "corroborated"),
        ),
    ],
)
def test_claim_cues(text: str, expected: tuple[str, str, str]) -> None:
    assert expected in cues(text)


@pytest.mark.parametrize(
    "text",
    [
        "though the Kremlin rarely acknowledges any of these incidents.",
        "Two soldiers were admitted to hospital.",
    ],
)
def test_not_an_admission(text: str) -> None:
    assert not {c for c in cues(text) if c[1] == "verification"}


@pytest.mark.parametrize(
    ("name", "side"),
    [
        ("TASS", "RU"),
        ("RIA Novosti", "RU"),
        ("the Kremlin", "RU"),
        ("Ukrainian General Staff", "UA"),
        ("Oleksandr Shtupun", "UA"),
        ("Operational Command South", "UA"),
        ("NEXTA", None),
        ("Business Insider", None),
        ("ISW", None),
        ("UK Ministry of Defence", "GB"),
        ("Belarusian border guards", "BY"),
        ("Russian and Ukrainian officials", None),
        ("Michael Kofman", None),
    ],
)
def test_claimant_side(name: str, side: str | None) -> None:
    assert claimant_side(name) == side


@pytest.mark.parametrize("path", sorted(SEEDS.glob("*.txt")), ids=lambda p: p.name[:3])
def test_seed_spans_are_exact(path: Path) -> None:
    doc = Doc(path.read_text(encoding="utf-8"))
    for span in find_claims(doc):
        quote = doc.quote(span)
        assert quote and quote == quote.strip() and "\n" not in quote
        assert span.stage == "claims"
        if span.label == "claimant":
            assert isinstance(span.value, ClaimantMention)
            assert span.value.name == " ".join(quote.split())
            assert not quote.lower().startswith("the ")
        else:
            assert span.label == "cue" and isinstance(span.value, Cue)
            assert span.value.dimension in ("hedge", "stance", "verification")


def test_seed_004_claimants_in_order() -> None:
    (path,) = SEEDS.glob("004_*.txt")
    names = claimants(path.read_text(encoding="utf-8"))
    sides = {name: side for _, name, side in names}
    assert sides["General Staff of the Armed Forces of Ukraine"] == "UA"
    assert sides["Russia's defense ministry"] == "RU"
    assert sides["UK Ministry of Defense"] == "GB"
    assert sides["Local authorities"] is None
    assert [n for _, n, _ in names].index("Ukrainian intelligence") < [
        n for _, n, _ in names
    ].index("Russia's defense ministry")
