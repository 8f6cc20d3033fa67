"""extract, review, eval and schema through the CLI, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import jsonschema
import pytest
import yaml

from incidents.dedupe import similarity
from incidents.extract.pipeline import Extractor
from tests.conftest import ROOT, Invoke

SEEDS = ROOT / "data" / "seeds"
S000 = next(SEEDS.glob("000_*.txt"))
S001 = next(SEEDS.glob("001_*.txt"))
S002 = next(SEEDS.glob("002_*.txt"))
S004 = next(SEEDS.glob("004_*.txt"))


def test_extract_prints_quotes_offsets_and_confidence(cli: Invoke) -> None:
    result = cli("extract", str(S001), "--published", "2024-01-09")
    assert result.exit_code == 0, result.stderr
    out = result.stdout
    assert "Draft 1/" in out and "27 Russian soldiers were killed" in out
    assert "In September" in out and "1952-1964" in out


def test_extract_without_incident(cli: Invoke) -> None:
    result = cli("extract", str(S002), "--published", "2024-11-26")
    assert result.exit_code == 0 and "no incident found" in result.stdout
    assert cli("extract", str(S002), "--json").stdout.strip() == "[]"


def test_json_follows_the_published_schema(cli: Invoke) -> None:
    schema = json.loads(cli("schema").stdout)
    drafts = json.loads(cli("extract", str(S001), "--published", "2024-01-09", "--json").stdout)
    assert len(drafts) >= 5
    for draft in drafts:
        jsonschema.validate(draft, schema)
    assert (ROOT / "docs" / "incident.schema.json").read_text() == cli("schema").stdout


def test_yaml_drafts_are_accepted_by_add_unchanged(cli: Invoke, tmp_path: Path) -> None:
    result = cli(
        "extract", str(S001), "--published", "2024-01-09", "--outlet", "Kyiv Post", "--yaml"
    )
    path = tmp_path / "draft.yaml"
    path.write_text(result.stdout, encoding="utf-8")
    added = cli("add", str(path))
    assert added.exit_code == 0, added.stderr
    ids = added.stdout.split()
    assert len(ids) == len(yaml.safe_load(result.stdout))
    rows = json.loads(cli("list", "--place", "Opytne", "--format", "json").stdout)
    assert len(rows) == 1
    evidence = rows[0]["evidence"]
    assert {e["status"] for e in evidence} == {"suggested"}
    assert any(e["field"] == "claims.0.casualties.0" and "27" in e["quote"] for e in evidence)
    # One archived article for every draft.
    assert (
        len(
            {
                s["sha256"]
                for r in json.loads(cli("list", "--format", "json").stdout)
                for s in r["sources"]
            }
        )
        == 1
    )


def test_extract_from_stdin(cli: Invoke) -> None:
    text = (
        "Today, Russian artillery fired on its own positions near Kupiansk, killing three soldiers."
    )
    result = cli("extract", "-", "--published", "2024-03-01", "--json", input=text)
    drafts = json.loads(result.stdout)
    assert len(drafts) == 1 and drafts[0]["date"]["start"] == "2024-03-01"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary file"),
        ("Купянськ".encode("cp1251"), "not UTF-8"),
        (b"word " * 60_000, "limit"),
    ],
    ids=["empty", "binary", "non-utf8", "huge"],
)
def test_extract_bad_files(cli: Invoke, tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "article.txt"
    path.write_bytes(content)
    result = cli("extract", str(path))
    assert result.exit_code == 2
    assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1


def _review_input(accept_fields: int = 14, *answers: str) -> str:
    return "\n".join(["y", *answers, *[""] * (accept_fields - len(answers)), "n", ""]) + "\n"


def test_review_saves_a_reviewed_incident_with_provenance(cli: Invoke) -> None:
    # Accept every suggestion but change the killed figure.
    fields = [""] * 10 + ["military:6"] + [""] * 3
    stdin = "\n".join(["y", *fields, "n"]) + "\n"
    result = cli("review", str(S000), "--published", "2025-11-22", "--outlet", "Test", input=stdin)
    assert result.exit_code == 0, result.stderr + result.stdout
    public_id = result.stdout.strip().splitlines()[-1]
    data = json.loads(cli("show", public_id, "--format", "json").stdout)
    assert data["review_status"] == "reviewed"
    killed = [f for f in data["claims"][0]["casualties"] if f["kind"] == "killed"]
    assert killed[0]["best"] == 6
    statuses = {e["field"]: e["status"] for e in data["evidence"]}
    assert statuses["location"] == "accepted"
    assert statuses["claims.0.casualties.0"] == "edited"
    assert "Kupyansk" in result.stdout  # the article was shown
    # The same article again is refused with a pointer to the stored source.
    again = cli("review", str(S000), "--published", "2025-11-22", input=stdin)
    assert again.exit_code == 4 and public_id in again.stderr


def test_review_reject_and_add_missed(cli: Invoke) -> None:
    stdin = (
        "\n".join(
            ["n", "y", "Second clash near Kupiansk", "2025-11", "Kupiansk", "military:2", "", "n"]
        )
        + "\n"
    )
    result = cli("review", str(S000), "--published", "2025-11-22", input=stdin)
    assert result.exit_code == 0, result.stderr
    rows = json.loads(cli("list", "--format", "json").stdout)
    assert [r["title"] for r in rows] == ["Second clash near Kupiansk"]
    assert rows[0]["location"]["gazetteer_id"] == "geonames:703656"


def test_review_attaches_a_second_report_to_the_same_incident(cli: Invoke) -> None:
    extractor = Extractor()
    d004 = extractor.extract(S004.read_text(), published=date(2023, 4, 23)).drafts
    keep_belgorod = ["y" if "Belgorod" in d.title else "n" for d in d004]
    stdin = "\n".join(
        sum(([k, *([""] * 14)] if k == "y" else [k] for k in keep_belgorod), []) + ["n"]
    )
    first = cli(
        "review",
        str(S004),
        "--published",
        "2023-04-23",
        "--outlet",
        "Business Insider",
        input=stdin + "\n",
    )
    assert first.exit_code == 0, first.stderr
    belgorod_id = first.stdout.strip().splitlines()[-1]

    d001 = extractor.extract(S001.read_text(), published=date(2024, 1, 9)).drafts
    answers: list[str] = []
    for d in d001:
        answers += ["y", *[""] * 14] if "Belgorod" in d.title else ["n"]
    answers += ["n", "1"]  # no missed incident; attach to duplicate #1
    second = cli(
        "review",
        str(S001),
        "--published",
        "2024-01-09",
        "--outlet",
        "Kyiv Post",
        input="\n".join(answers) + "\n",
    )
    assert second.exit_code == 0, second.stderr
    assert "Possible duplicates" in second.stdout and belgorod_id in second.stdout
    data = json.loads(cli("show", belgorod_id, "--format", "json").stdout)
    assert {s["outlet"] for s in data["sources"]} == {"Business Insider", "Kyiv Post"}
    assert len(data["claims"]) == 2
    assert len(json.loads(cli("list", "--format", "json").stdout)) == 1
    history = json.loads(cli("history", belgorod_id, "--format", "json").stdout)
    assert history[-1]["reason"].startswith("attached report")


def test_belgorod_reports_are_duplicates_and_others_are_not() -> None:
    extractor = Extractor()
    d001 = extractor.extract(S001.read_text(), published=date(2024, 1, 9)).drafts
    d004 = extractor.extract(S004.read_text(), published=date(2023, 4, 23)).drafts
    b1 = next(d for d in d001 if "Belgorod" in d.title)
    b4 = next(d for d in d004 if "Belgorod" in d.title)
    score, reasons = similarity(b1, b4)
    assert score >= 0.5 and any("same place" in r for r in reasons)
    for other in d001:
        if other is not b1:
            assert similarity(other, b4)[0] < 0.5, other.title


def test_eval_reports_scores(cli: Invoke) -> None:
    result = cli("eval", str(ROOT / "data" / "gold" / "gold.yaml"), "--split", "seed", "--json")
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["texts"] == 5
    rows = {r["field"]: r for r in data["scores"]}
    assert set(rows) == {"incident detection", "date", "place", "killed", "wounded"}
    assert data["false_on_empty"] == 0
    assert rows["incident detection"]["f1"] >= 0.8


def test_user_places_take_part_in_matching(cli: Invoke) -> None:
    added = cli(
        "places",
        "add",
        "Kuzminsky military training range",
        "--lat",
        "47.4",
        "--lon",
        "40.1",
        "--country",
        "RU",
        "--region",
        "Rostov region",
    )
    assert added.exit_code == 0
    drafts = json.loads(cli("extract", str(S001), "--published", "2024-01-09", "--json").stdout)
    kuzminsky = next(d for d in drafts if "paratroopers undergoing training" in d["title"])
    assert kuzminsky["location"]["gazetteer_id"] == "user:kuzminsky-military-training-range"
    assert kuzminsky["location"]["precision"] == "exact_site"


def test_ambiguous_places_are_flagged(cli: Invoke) -> None:
    drafts = json.loads(cli("extract", str(S001), "--published", "2024-01-09", "--json").stdout)
    opytne = next(d for d in drafts if d["location"].get("name") == "Opytne")
    assert "ambiguous" in opytne["notes"] and "geonames:810695" in opytne["notes"]
    place_evidence = next(e for e in opytne["evidence"] if e["field"] == "location")
    assert place_evidence["confidence"] <= 0.5
