"""The segment stage: hard-wrapped prose is joined, real line breaks are kept."""

from __future__ import annotations

from incidents.extract.document import Doc
from incidents.extract.segment import segment, unwrap


def sentences(text: str) -> list[str]:
    doc = Doc(text)
    return [doc.text[s.start : s.end] for s in segment(doc) if s.label == "sentence"]


def test_hard_wrapped_sentence_is_one_sentence() -> None:
    text = (
        "     At approximately 0250 hours on 18 February 1970, soldiers in Co. C were struck\n"
        "by shrapnel from an artillery round that exploded short of the intended target.  Two\n"
        "soldiers were killed."
    )
    found = sentences(text)
    assert len(found) == 2
    assert found[0].endswith("intended target.") and "struck\nby shrapnel" in found[0]
    assert len(unwrap(text)) == len(text) and "\n" not in unwrap(text)


def test_line_per_paragraph_stays_apart() -> None:
    text = "Friendly fire kills five US soldiers in Afghanistan\nKabul: Five US soldiers died."
    assert sentences(text) == [
        "Friendly fire kills five US soldiers in Afghanistan",
        "Kabul: Five US soldiers died.",
    ]


def test_date_labelled_list_lines_stay_apart() -> None:
    # A line that opens with "<date>:" is the next entry, even though it starts with a digit.
    text = "6 May: Dutch convoy attacked by German jet\n2 May: Dutch tank fires on Dutch tank, 2 killed"
    assert sentences(text) == [
        "6 May: Dutch convoy attacked by German jet",
        "2 May: Dutch tank fires on Dutch tank, 2 killed",
    ]
    # A wrapped figure still continues its sentence.
    assert len(sentences("Two soldiers were killed and seven\n12 others were wounded.")) == 1
