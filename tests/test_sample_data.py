"""The shipped sample data: every seed incident, loadable on both databases, as documented."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from incidents.exchange.documents import load_file
from tests.conftest import ROOT, Invoke

SAMPLE = ROOT / "data" / "sample_incidents.yaml"


def test_every_quote_is_in_its_source_text() -> None:
    incidents = load_file(SAMPLE)
    assert len(incidents) >= 8
    checked = 0
    for inc in incidents:
        texts = {s.ref: s.text or "" for s in inc.sources}
        for claim in inc.claims:
            text = texts[claim.source or ""]
            for quote in [claim.quote, *claim.hedges, *(f.quote for f in claim.casualties)]:
                if quote:
                    assert quote in text, (inc.id, quote)
                    checked += 1
    assert checked > 20


def test_seed_texts_are_archived_with_their_hash() -> None:
    incidents = load_file(SAMPLE)
    hashes = {s.sha256 for inc in incidents for s in inc.sources}
    assert None not in hashes
    # Five seeds, of which 002 and 003 report no fratricide: three archived articles.
    assert len(hashes) == 3


@pytest.fixture
def sample(cli: Invoke) -> Invoke:
    result = cli("add", str(SAMPLE))
    assert result.exit_code == 0, result.stderr
    return cli


def test_kharkiv_oblast_lists_the_kupiansk_incident(sample: Invoke) -> None:
    rows = json.loads(sample("list", "--region", "Kharkiv Oblast", "--format", "json").stdout)
    assert len(rows) == 1
    assert rows[0]["location"]["gazetteer_id"] == "geonames:703656"
    assert "Kupyansk" in rows[0]["title"]


def test_belgorod_is_one_incident_with_two_sources(sample: Invoke) -> None:
    rows = json.loads(sample("list", "--place", "Белгород", "--format", "json").stdout)
    assert len(rows) == 1
    belgorod = rows[0]
    assert len(belgorod["sources"]) == 2
    assert {s["outlet"] for s in belgorod["sources"]} == {"Kyiv Post", "Business Insider"}
    shown = sample("show", belgorod["id"]).stdout
    assert "Sources (2)" in shown


def test_claims_are_attributed(sample: Invoke) -> None:
    wagner = json.loads(sample("list", "--actor", "PMC Wagner", "--format", "json").stdout)
    assert len(wagner) == 1
    claim = wagner[0]["claims"][0]
    assert "General Staff" in claim["claimant"]
    assert (claim["claimant_side"], claim["affected_side"]) == ("UA", "RU")
    assert claim["claimant_is_adversary"] is True
    assert any("could not independently verify" in h for h in claim["hedges"])
    kupyansk = json.loads(sample("list", "--place", "Kupiansk", "--format", "json").stdout)[0]
    assert kupyansk["claims"][0]["attribution"] == ["Russian security forces", "TASS"]


def test_rerun_with_skip_existing_adds_nothing(sample: Invoke) -> None:
    before = json.loads(sample("list", "--format", "json").stdout)
    again = sample("add", str(SAMPLE), "--skip-existing")
    assert again.exit_code == 0 and again.stdout == ""
    assert json.loads(sample("list", "--format", "json").stdout) == before


def test_quickstart_query(sample: Invoke) -> None:
    rows = json.loads(
        sample("list", "--country", "UA", "--since", "2023-01-01", "--format", "json").stdout
    )
    assert {r["location"]["admin1"] for r in rows} >= {"UA-63", "UA-14", "UA-09"}
    assert all(r["date"]["end"] >= "2023-01-01" for r in rows)


def test_editing_an_incident_with_causes_and_actors(sample: Invoke, tmp_path: Path) -> None:
    doc = sample("show", "FF-2023-0001", "--format", "yaml").stdout
    assert "assessed_causes" in doc and "actors" in doc
    path = tmp_path / "e.yaml"
    path.write_text(
        doc.replace("review_status: reviewed", "review_status: draft"), encoding="utf-8"
    )
    result = sample("edit", "FF-2023-0001", "--file", str(path), "--reason", "recheck")
    assert result.exit_code == 0, result.stderr
    data = json.loads(sample("show", "FF-2023-0001", "--format", "json").stdout)
    assert data["review_status"] == "draft" and data["assessed_causes"]
    again = sample("edit", "FF-2023-0001", "--file", str(path))
    assert "no change" in again.stderr
