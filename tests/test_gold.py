"""The gold set is well formed: anchors in their texts, valid dates, known places."""

from __future__ import annotations

from collections import Counter

import pycountry

from incidents.extract.evaluate import load_gold
from incidents.gazetteer import default_gazetteer
from incidents.regions import get_region
from tests.conftest import ROOT

GOLD = ROOT / "data" / "gold" / "gold.yaml"


def test_gold_set_is_well_formed() -> None:
    gold = load_gold(GOLD)
    splits = Counter(t.split for t in gold.texts)
    assert splits["seed"] == 5 and splits["test"] >= 25 and splits["dev"] >= 10
    assert len({t.id for t in gold.texts}) == len(gold.texts)
    gazetteer = default_gazetteer()
    for item in gold.texts:
        text = (GOLD.parent / item.file).read_text(encoding="utf-8")
        for inc in item.incidents:
            assert inc.anchor in text, (item.id, inc.anchor[:40])
            if inc.date:
                assert inc.date.start <= inc.date.end
                if item.published:
                    assert inc.date.start <= item.published, item.id
            if inc.place and inc.place.startswith("geonames:"):
                assert gazetteer.get(inc.place) is not None, (item.id, inc.place)
            elif inc.place and inc.place.startswith("admin1:"):
                code = inc.place[7:]
                known = get_region(code) or pycountry.subdivisions.get(code=code)  # type: ignore[no-untyped-call]
                assert known, inc.place
    shapes = Counter(min(len(t.incidents), 2) for t in gold.texts if t.split != "seed")
    assert shapes[0] >= 8 and shapes[1] >= 8 and shapes[2] >= 5
