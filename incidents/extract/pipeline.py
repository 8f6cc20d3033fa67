"""``extract``: article text in, draft incidents out. The one entry point of the package."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from incidents.errors import InputError
from incidents.extract.assemble import assemble
from incidents.extract.document import Doc
from incidents.extract.places import UserPlace, make_find_places
from incidents.extract.registry import StageSpec, check_order, run_stages, stages
from incidents.limits import MAX_ARTICLE_CHARS
from incidents.schema import Incident, Source

__all__ = ["MAX_ARTICLE_CHARS", "Extraction", "Extractor", "check_article"]


@dataclass(frozen=True, slots=True)
class Extraction:
    """What extraction found: the analysed Doc, the source it became, and the drafts."""

    doc: Doc
    source: Source
    drafts: list[Incident]


class Extractor:
    """A ready pipeline (gazetteer opened, lexicons loaded) to run over many articles."""

    def __init__(self, user_places: Sequence[UserPlace] = ()) -> None:
        from incidents.gazetteer import default_gazetteer

        self.pipeline: list[StageSpec] = stages(make_find_places(default_gazetteer(), user_places))
        check_order(self.pipeline)

    def analyse(self, text: str, published: date | None = None, lang: str | None = "en") -> Doc:
        """Run every stage; the Doc carries every span found."""
        return run_stages(Doc(text, published, lang), self.pipeline)

    def extract(
        self,
        text: str,
        *,
        published: date | None = None,
        url: str | None = None,
        outlet: str | None = None,
        title: str | None = None,
        lang: str | None = None,
    ) -> Extraction:
        """Draft incidents for an article; an article without fratricide gives none."""
        check_article(text)
        doc = self.analyse(text, published, lang or "en")
        if published is None:
            printed = doc.of("published")
            if printed:
                published = printed[0].value
                doc = self.analyse(text, published, lang or "en")
        source = Source(
            outlet=outlet or "unknown outlet",
            url=url,
            headline=title or _headline(text),
            published=published,
            language=lang,
            text=text,
        )
        return Extraction(doc, source, assemble(doc, source))


def check_article(text: str) -> None:
    """Refuse what is not an article: empty, binary or too long to be one."""
    if not text.strip():
        raise InputError("the article is empty")
    if len(text) > MAX_ARTICLE_CHARS:
        raise InputError(
            f"the article has {len(text)} characters; the limit is {MAX_ARTICLE_CHARS} "
            "(split it into articles)"
        )
    if "\x00" in text:
        raise InputError("the article contains NUL characters; is it a binary file?")


def _headline(text: str) -> str | None:
    first = text.strip().split("\n", 1)[0].strip()
    # A first line without a full stop that is not too long reads as a headline.
    if 15 <= len(first) <= 200 and not first.endswith("."):
        return first
    return None
