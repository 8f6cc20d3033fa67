"""Places: towns from the offline gazetteer, admin1 regions, countries and user-added sites.

A capitalised name becomes a place only with support: a locative context ("in", "near",
"village of"), a large population, or a country the article is about. Names with several
gazetteer entries keep the others as ``alternatives`` and are resolved towards places
named nearby, never silently.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict

from incidents.extract.document import Doc, PlaceMention, Span
from incidents.gazetteer import Gazetteer, GazetteerPlace
from incidents.geo import haversine_km
from incidents.names import normalize_name
from incidents.regions import Region, find_regions, find_regions_by_head, get_region

STAGE = "places"
# "al-Qaim", "Deir ez-Zor": an Arabic article written in lower case opens a name word.
_ARTICLES = r"(?:al|el|ad|ar|as|ash|az|an|at|ez|ed|ul|ud)"
_WORD = rf"(?:{_ARTICLES}-)?[A-ZА-ЯІЇЄҐ][\w'’\-]*"
_ARTICLE_PREFIX = re.compile(rf"^(?i:{_ARTICLES})-(?=[A-Z]\w{{3}})")
_NAME = re.compile(rf"{_WORD}(?:[ \-]{_WORD}){{0,2}}")
_REGION = re.compile(
    rf"(?:{_WORD}[ \-]){{1,2}}(?:region|Region|oblast|Oblast|province|Province|krai|Krai|"
    r"governorate|Governorate|republic|Republic|State|state)\b|[А-ЯІЇЄҐ]\w+ (?:област[ьиі]|"
    r"областью|кра[йяюе]|краем)\b"
)
# "near X", "outside X": a point on the map, which a town is and a region is not.
_AT_POINT = re.compile(r"\b(?:[Nn]ear|[Oo]utside|[Cc]lose to)\s+$")
# "the province of al-Jawf", "Ukraine's region of Kharkiv": the region word before the name.
_REGION_OF = re.compile(
    rf"\b(?:[Pp]rovince|[Gg]overnorate|[Rr]egion|[Oo]blast)\s+of\s+({_WORD}(?:[ \-]{_WORD})?)"
)
# "the Taiz and Lahj provinces", "Donetsk and Luhansk regions": two regions named at once.
_REGION_PAIR = re.compile(
    rf"({_WORD})(?:,|[^\S\n]+and|[^\S\n]*&)[^\S\n]+({_WORD})[^\S\n]+(?:regions|Regions|"
    r"provinces|Provinces|oblasts|Oblasts|governorates|Governorates|states|States)\b"
)
# "between Kupiansk and Izium", "between the southern Taiz and Lahj provinces": the event
# lies at neither place but somewhere in what the two share.
_BETWEEN_BEFORE = re.compile(
    r"\bbetween[^\S\n]+(?:the[^\S\n]+)?(?:(?:northern|southern|eastern|western|central|"
    r"towns?|cities|villages?|settlements?|of)[^\S\n]+){0,3}$",
    re.I,
)
# "in Surankote area", "Tral town": a word that says the name before it is a place.
_PLACE_WORD_AFTER = re.compile(r"[^\S\n]+(?:area|town|village|district|sector|camp)\b")
_SECOND_OF_PAIR = re.compile(r"\bbetween[^\S\n]+[\w'’-]+(?:[^\S\n]+[\w'’-]+)?[^\S\n]+and[^\S\n]+$")
_AND_BETWEEN = re.compile(r"[^\S\n]+and[^\S\n]+(?:the[^\S\n]+)?$")
# "в Ростовской области", "у Донецькій області": an oblique region phrase and the
# nominative it comes from (adjective ending, noun).
_OBLIQUE_REGION = (
    (re.compile(r"(?:ой|ую|ая) област(?:и|ью|ь)$"), "ая область"),
    (re.compile(r"(?:ій|ої|у|а) област(?:і|ю|ь)$"), "а область"),
    (re.compile(r"(?:ом|ого|ий|ому) кра(?:е|я|ю|ем|й)$"), "ий край"),
)
_LOCATIVE = re.compile(
    r"(?:\b(?:[Ii]n|[Nn]ear|[Aa]t|[Oo]utside|[Aa]round|from|into|to|towards?|over|across|of|"
    r"between|[Ll]ocation:?|"
    r"city|town|village|settlement|hamlet|base|airport|district|"
    r"[Вв]|[Вв]о|[Пп]од|около|возле|близ|над|из|на|[Уу]|[Пп]ід|[Бб]іля|поблизу|неподалік|город|"
    r"села?|посёлк\w*)\s+(?:the\s+)?"
    r"(?:(?:occupied|besieged|embattled|frontline|front-line|eastern|western|northern|"
    r"southern|central|Russian|Ukrainian|Russian-occupied|Ukrainian-held)\s+)?)$"
)
# "at Budgam near Srinagar", "near Qalqilya": a place word that points at a town.
_AT_TOWN = re.compile(r"\b(?:at|near|outside|village of|town of|city of)\s+(?:the\s+)?$")
# "volatile Tral town", "Srinagar city": a name followed by its settlement word is a town.
_TOWN_AFTER = re.compile(r"[^\S\n]+(?:town|city|village)\b(?![^\S\n]+(?:council|hall)\b)")
_VOWELS = "aeiouy"
_SWAPS = {"k": "q", "q": "k", "c": "k"}
_STRONG = re.compile(
    r"\b(?:city|town|village|settlement|hamlet|[Bb]attle|[Ss]iege|[Ll]iberation)\s+of\s+"
    r"(?:the\s+)?$"
)
# A rank, title or nickname before a name makes it a person's ("Gen. Asif Malik",
# "President Lincoln", "Thomas J. (Stonewall) Jackson"), whatever towns share the name.
_PERSON_BEFORE = re.compile(
    r"(?:\b(?:Gen|Lt|Col|Maj|Capt|Sgt|Cpl|Pvt|Pfc|Spc|Adm|Brig|Cmdr|Mr|Mrs|Ms|Dr|Rev|Sen|Rep|"
    r"Gov|Pte|Lance Cpl|LCDR|Lt Cdr|Lt Col|Ens|SSgt|MSgt|SFC|CWO)\.?|\b(?:General|Colonel|Major|Captain|Lieutenant|Sergeant|Corporal|"
    r"Private|Admiral|Commander|President|Minister|Secretary|Senator|Governor|Marshal|"
    r"Field Marshal|spokesman|spokeswoman|Mister|Sir|Lord|Lady)|\b[A-Z][a-z]*\.?\s+\([A-Z][\w'’-]+\))"
    # "Wing Commander Mike Oldham": given names between the title and the surname.
    r"(?:[^\S\n]+[A-Z][a-z]+){0,2}"
    r"[^\S\n]+$"
)
# "Thomas (Tom) Jackson", but not a dateline's "WASHINGTON (AP) On ..." or "(Reuters)".
_NICKNAME_AFTER = re.compile(r"[^\S\n]+\((?!Reuters\))[A-Z][a-z][\w'’-]*\)[^\S\n]+[A-Z]")
# "SDF", "ISIS": an acronym is an organisation, not a town (datelines are longer words).
_ACRONYM = re.compile(r"[A-Z]{2,4}")
_COMMA = re.compile(r",[^\S\n]+")
# "Hamilton, Ontario", "Springfield, Illinois", "Ramadi, Iraq", "Samar, in the central
# Philippines": the region or country after the comma says which of the homonyms is meant.
_QUALIFIER = re.compile(
    r",[^\S\n]+(?P<in>in[^\S\n]+(?:the[^\S\n]+)?(?:(?:north|south|east|west|central|"
    r"north-?east|north-?west|south-?east|south-?west)(?:ern)?[^\S\n]+)?)?"
    rf"(?P<name>{_WORD}(?:[ \-]{_WORD})?)"
)
# "Luhansk, an eastern Ukrainian region": the name is the region, not its capital.
_APPOSITIVE_REGION = re.compile(
    r"^,\s+(?:an?|the)\s+(?:[\w-]+\s+){0,3}(?:region|province|oblast|governorate)\b", re.I
)
_STOP = frozenset(
    "january february march april may june july august september october november december "
    "jan feb mar apr jun jul aug sep sept oct nov dec "
    "monday tuesday wednesday thursday friday saturday sunday today yesterday tomorrow "
    "the a an in on at of and or but if as by for with from this that these those it its "
    "his her their our we you they he she i friendly fire general staff ministry defense "
    "defence president army navy air force forces troops soldiers update video footage "
    "according however meanwhile earlier later join follow read also more war north south "
    "east west center centre royal central national federal imperial special supreme "
    "united joint "
    # Sentence-opening prepositions: "Near Basra, British tanks fired" names Basra.
    "near outside around inside across along after before during when while since until "
    "over under into onto upon between among amid beyond behind toward towards through "
    "throughout within despite "
    # Russian and Ukrainian prepositions and particles: "По данным ..." is not Pau.
    "по в во на с со к ко у о об от до за из при под над для без про через и а но не же "
    "что как это ли по-прежнему під від із зі та але що як це "
    # "Крім того" (besides) reads as Krim, Crimea, once transliterated.
    "крім окрім кроме между среди после перед около возле між серед після біля поблизу".split()
)
_BIG_CITY = 100_000
# A town this size after "in" / "near" is a place even in a country the text never names
# ("fired on Russian soldiers near Bakhmut").
_TOWN = 10_000
_IN_TOWN = re.compile(
    r"\b(?:[Ii]n|[Nn]ear|[Aa]t|[Oo]utside|[Aa]round|[Вв]|[Вв]о|[Пп]од|около|возле|близ|[Уу]|[Пп]ід|"
    r"[Бб]іля|поблизу)\s+(?:the\s+)?$"
)
# "the Red Sea", "the Dogger Bank": a name ending in a feature word is no town, nor is its head.
_FEATURES = (
    r"(?:Sea|Ocean|River|Bay|Gulf|Strait|Straits|Channel|Lake|Mountains?|Hills?|Bank|"
    r"Desert|Valley|Peninsula|Islands?|Coast|Canal|Pass|Airport|Airfield|Base|Farm|Harbou?r|"
    r"Creek|Ridge|Range|Plateau|Forest|Reef|Lagoon|Heights)"
)
_FEATURE = re.compile(rf"[ \-]{_FEATURES}$")
# Water features shortened to their head ("Pearl Harbor ... back to Pearl"); an airfield or
# an airport is named after its town ("Kandahar Airfield"), which stays a town.
_WATER_FEATURE = re.compile(r"[ \-](?:Harbou?r|Sound|Bay|Reef|Lagoon|Creek|Strait|Channel)$")
# "the Jordan Valley", "the Congo River": a country's name that opens a feature's name.
_FEATURE_AFTER = re.compile(rf"[ \-]{_FEATURES}\b")
# "138th (Lincoln and Leicester) Infantry Brigade", "the Leicestershire Regiment": a place
# in a unit's name says where the unit was raised, not where anything happened.
_UNIT_AFTER = re.compile(
    rf"(?:,? and {_WORD})?\)?[ \-](?:(?:Infantry|Light|Rifle|Armou?red|Cavalry|Airborne|"
    r"Mountain|Motor(?:ized|ised)?|Tank|Artillery)\s+)?(?:Brigade|Regiment|Division|Battalion|"
    r"Corps|Fusiliers|Rifles|Guards|Yeomanry|Squadron|Light Infantry|Highlanders)\b"
)
_UNIT_NAME = re.compile(
    r"[ \-](?:Brigade|Regiment|Division|Battalion|Corps|Fusiliers|Rifles|Guards|Yeomanry|"
    r"Squadron|Highlanders)$"
)
# "the Gulf War", "the Korean War", "the Tet Offensive": a name that names an event.
_EVENT_AFTER = re.compile(
    r"[ \-](?:War|Wars|Campaign|Crisis|Offensive|Uprising|Revolution|Massacre|Conference|"
    r"Treaty|Accords?|Agreement)\b"
)
# "the Iraq war's deadliest day", "the Vietnam War": a country naming its war.
_WAR_AFTER = re.compile(r"[ \-](?:[Ww]ars?|[Cc]onflict)\b")
# "на вулиці Орджонікідзе", "on Haifa Street": a street named after a town is no town.
_STREET_BEFORE = re.compile(
    r"\b(?:вулиц[іяею]|вул\.|улиц[еаыу]|ул\.|проспект\w*|просп\.|бульвар\w*|провулк\w*|"
    r"провулок|переулк\w*|переулок)[^\S\n]+$",
    re.I,
)
_STREET_AFTER = re.compile(r"[ \-](?:Street|St\.|Avenue|Boulevard|Lane)\b")
# "(Philadelphia, PA: A. Winch, 1867)", "(New York: G.P.Putnam, 1861)": where a cited book
# was printed, not where anything happened.
_IMPRINT_BEFORE = re.compile(r"\([^\S\n]*$")
_IMPRINT_AFTER = re.compile(r"(?:,[^\S\n]*[A-Z][A-Za-z.]{1,5})?[^\S\n]*:[^\S\n]*[A-Z]")
# An acronym or a designation ("ФАБ-500", "RAF") after a name is no word of that name.
_DESIGNATION = re.compile(r"[A-ZА-ЯІЇЄҐ][A-ZА-ЯІЇЄҐ\d]+(?:-\d+[A-Za-zА-Яа-я]*)?")
# A country word that is part of a town's name ("Gaza City", "Kuwait City").
_CITY_AFTER = re.compile(r"[ \-]City\b")


class _Country(BaseModel):
    model_config = ConfigDict(extra="forbid")
    names: list[str]
    demonyms: list[str]


class _Countries(BaseModel):
    model_config = ConfigDict(extra="forbid")
    countries: dict[str, _Country]


@cache
def _countries() -> dict[str, _Country]:
    raw = files("incidents.extract").joinpath("lexicons/countries.yaml").read_text("utf-8")
    return _Countries.model_validate(yaml.safe_load(raw)).countries


@cache
def _country_names() -> re.Pattern[str]:
    names = sorted(
        {n for c in _countries().values() for n in c.names if len(n) > 2 or n.isupper()},
        key=len,
        reverse=True,
    )
    return re.compile(r"(?<![\w])(?:" + "|".join(re.escape(n) for n in names) + r")(?![\w])")


def country_name(code: str) -> str:
    """The first name the countries lexicon gives a country code (the code if none)."""
    country = _countries().get(code)
    return country.names[0] if country and country.names else code


def _country_of(name: str) -> str | None:
    for code, country in _countries().items():
        if name in country.names:
            return code
    return None


@cache
def _prior_words() -> tuple[re.Pattern[str], dict[str, str]]:
    owner = {
        w.casefold(): code for code, c in _countries().items() for w in (*c.names, *c.demonyms)
    }
    words = sorted(owner, key=len, reverse=True)
    return re.compile(r"(?<!\w)(?:" + "|".join(re.escape(w) for w in words) + ")"), owner


def country_prior(text: str) -> dict[str, int]:
    """Countries the text is about: named or referred to by a demonym, with counts.

    A country mentioned once among many mentions of others is left out, so a passing
    "US officials" does not pull an ambiguous name to America.
    """
    pattern, owner = _prior_words()
    counts: dict[str, int] = {}
    for m in pattern.finditer(text.casefold()):
        code = owner[m.group()]
        counts[code] = counts.get(code, 0) + 1
    top = max(counts.values(), default=0)
    return {c: n for c, n in counts.items() if n >= 2 or n * 5 >= top}


def _bare_region(
    name: str,
    towns: Sequence[GazetteerPlace],
    prior: dict[str, int],
    locative: bool,
    point: bool = False,
) -> PlaceMention | None:
    """A region named without "region"/"province" ("in Sicily", "over Normandy").

    Only when it is one region, the text is about its country or puts it after a
    locative, and no town of that name lies in the region's own country (so "Kharkiv"
    stays the city). ``point``: the name follows "near" or "outside", where a town of an
    article's country beats a foreign region."""
    if len(name) < 4 or not (locative or prior):
        return None
    regions = find_regions(name)
    if len(regions) != 1:
        return None
    region = regions[0]
    if not (locative or region.country in prior):
        return None
    if any(t.country == region.country for t in towns):
        return None
    if any(t.country in prior and t.population >= _BIG_CITY for t in towns):
        return None
    # "near Ma'ra" in an article about Syria: a Syrian village, not Tanzania's Mara region
    # ("in Normandy" is the region, even where the article is about Americans).
    if point and region.country not in prior and any(t.country in prior for t in towns):
        return None
    return _region(region)


def _region_phrase(phrase: str) -> tuple[int, Region] | None:
    """The one region a "<name> province" phrase names, and where its name starts.

    Words before the name are dropped one by one ("Iraq's Duhok province", "the Donetsk
    region"), and a name the region list spells one step differently is accepted when only
    one region answers ("Shabwa province" / Shabwah), as is the first part of a merged
    province's compound name ("Thua Thien Province" / Thừa Thiên-Huế)."""
    for ending, nominative in _OBLIQUE_REGION:
        if ending.search(phrase):
            phrase = ending.sub(nominative, phrase)
            break
    words = phrase.split(" ")
    for k in range(len(words) - 1):
        tail = " ".join(words[k:])
        offset = len(" ".join(words[:k])) + (1 if k else 0)
        head = tail.rsplit(" ", 1)[0]
        # "Thua Thien Province": the first part of a merged province's name (Thừa Thiên-Huế).
        regions = find_regions(tail) or find_regions(head) or find_regions_by_head(head)
        if len(regions) == 1:
            return offset, regions[0]
        if regions or " " in head or len(head) < 5:
            continue
        variants = {r.code: r for v in _spellings(head) for r in find_regions(v)}
        if len(variants) == 1:
            return offset, next(iter(variants.values()))
    return None


def after_locative(text: str, start: int) -> bool:
    """The name at ``start`` follows "in", "near", "at", "the city of" and the like."""
    before = text[max(0, start - 40) : start]
    return bool(_IN_TOWN.search(before) or _AT_TOWN.search(before))


def _exact(name: str, place: GazetteerPlace) -> bool:
    return normalize_name(place.name) == normalize_name(name)


def _by_name(name: str, found: list[GazetteerPlace]) -> list[GazetteerPlace]:
    """Places whose own name is the one written come before those that only list it among
    their alternate names ("Gela" is the Sicilian town, not Gera in Germany), unless the
    alternate-name match is ten times as populous ("Kiev" is Kyiv)."""
    exact = [p for p in found if _exact(name, p)]
    if not exact or _exact(name, found[0]):
        return found
    if found[0].population >= 10 * max(exact[0].population, 1):
        return found
    return exact + [p for p in found if p not in exact]


_POSSESSIVE = re.compile(r"[’'](?:s)?$")


def _bare_name(name: str) -> str:
    """The name without a possessive ending: "Donetsk’s" -> "Donetsk", but "Lens" and
    "Athens" keep their final "s"."""
    return _POSSESSIVE.sub("", name)


def _only_exact(name: str, pool: Sequence[GazetteerPlace]) -> bool:
    """The first entry is the only one whose own name is the name written."""
    name = _bare_name(name)
    return _exact(name, pool[0]) and not any(_exact(name, p) for p in pool[1:])


def _spellings(name: str) -> set[str]:
    """Transliteration variants one step away: a vowel swapped, a final "h" added or
    dropped, a doubled letter written once, "k"/"q" or "c"/"k" exchanged ("Budgam" ->
    "Badgam", "Qalqilya" -> "Qalqilyah")."""
    word = name.lower()
    # "Surankote" / Surankōt: a final "h" or "e" added or dropped.
    out = {word + "h", word + "e", word[:-1] if word.endswith(("h", "e")) else word}
    # "Baramulla" / Bāramūla: a doubled letter written once.
    out.update(word[:i] + word[i + 1 :] for i in range(1, len(word)) if word[i] == word[i - 1])
    for i in range(1, len(word)):  # the first letter stays: "Pocheon" is not "Ocheon"
        letter = word[i]
        swaps = _VOWELS if letter in _VOWELS else _SWAPS.get(letter, "")
        out.update(word[:i] + other + word[i + 1 :] for other in swaps if other != letter)
    out.discard(word)
    return out


def _other_spelling(
    gazetteer: Gazetteer, name: str, prior: dict[str, int], place_word_after: bool = False
) -> list[GazetteerPlace]:
    """A town of a country the text is about, spelled one step differently in the gazetteer
    ("Budgam" / "Badgām", "Qalqilya" / "Qalqīlyah"); only one such town counts. A text
    that names no country ("in Surankote area of Poonch district") takes the one town of
    the world so spelled."""
    if len(name) < 5 or " " in name or not (prior or place_word_after):
        return []
    found = {
        p.gazetteer_id: p
        for variant in _spellings(name)
        for p in gazetteer.lookup(variant, limit=3)
        if not prior or p.country in prior
    }
    return list(found.values()) if len(found) == 1 else []


_CYRILLIC = re.compile(r"[а-яіїєґё]", re.I)
_UKRAINIAN_LETTERS = re.compile(r"[іїєґ]", re.I)
_RUSSIAN_LETTERS = re.compile(r"[ыэёъ]", re.I)
# pymorphy3 tags of a person's name: "Путина" is Putin's, not a town's genitive.
_PERSON_TAGS = frozenset({"Surn", "Name", "Patr"})
# Guesses for names the dictionaries do not know (villages, new spellings): case endings ->
# the nominative endings they come from, each checked against the gazetteer.
_CASE_ENDINGS = (
    ("ой", ("ая", "а")),
    ("ей", ("ая", "я")),
    ("ую", ("ая",)),
    ("ом", ("",)),
    ("ем", ("ь", "")),
    ("ою", ("а",)),
    ("ці", ("ка",)),
    ("ке", ("ка",)),
    ("ки", ("ка",)),
    ("ку", ("ка",)),
    ("е", ("", "а", "я")),
    ("і", ("", "а", "ь")),
    ("и", ("ь", "а", "я")),
    ("у", ("", "а")),
    ("ю", ("ь", "я")),
    ("а", ("",)),
    ("ы", ("а",)),
)


@cache
def _morph(lang: str) -> Any:
    """pymorphy3's analyser for Russian or Ukrainian (loaded on the first Cyrillic name)."""
    import pymorphy3

    return pymorphy3.MorphAnalyzer(lang=lang)


def _languages(word: str) -> tuple[str, ...]:
    if _UKRAINIAN_LETTERS.search(word):
        return ("uk",)
    if _RUSSIAN_LETTERS.search(word):
        return ("ru",)
    return ("ru", "uk")


def normal_forms(word: str) -> list[str]:
    """The nominative forms a Cyrillic word may come from, place names (Geox) first.

    "Кременной" -> кременная, "Севастополя" -> севастополь; readings as a person's name are
    left out, so "Путина" gives no town.
    """
    ranked: list[tuple[bool, bool, str]] = []
    for lang in _languages(word):
        for parse in _morph(lang).parse(word):
            # The Ukrainian dictionary has no Geox grammeme: test the set, not the tag.
            grammemes = parse.tag.grammemes
            place = "Geox" in grammemes
            if parse.tag.POS != "NOUN" or (_PERSON_TAGS & grammemes and not place):
                continue
            ranked.append((not place, not parse.is_known, parse.normal_form))
    forms: list[str] = []
    for _, _, form in sorted(ranked, key=lambda r: (r[0], r[1])):
        if form not in forms:
            forms.append(form)
    return forms


def _nominative(gazetteer: Gazetteer, name: str) -> list[GazetteerPlace]:
    """A Cyrillic town name in an oblique case, looked up in its nominative forms:
    pymorphy3's first, then the ending guesses; the first form that is a town is taken."""
    if len(name) < 5 or " " in name:
        return []
    for form in normal_forms(name):
        if form != name.casefold() and (found := gazetteer.lookup(form, limit=20)):
            return found
    lower = name.lower()
    for ending, replacements in _CASE_ENDINGS:
        if not lower.endswith(ending):
            continue
        stem = name[: -len(ending)]
        for replacement in replacements:
            found = gazetteer.lookup(stem + replacement, limit=20)
            if found:
                return found
    return []


@cache
def _demonyms() -> frozenset[str]:
    """Words for a people, never a town ("Arab" is not Arab, Alabama)."""
    words = {d.casefold() for c in _countries().values() for d in c.demonyms}
    return frozenset(words | _PEOPLES)


# Words after a capitalised word that make it part of an organisation's or unit's name.
_ORG = frozenset(
    "Command Forces Force Navy Army Air Guard Guards Marines Corps Council Ministry Party "
    "Front Committee Agency Service Services Company Group Brigade Regiment Division "
    "Battalion Squadron Fleet Support Intelligence University College News Times Post Press "
    "Television Radio Hospital Airlines Airways Bank Office Department Staff Headquarters "
    "Cross Crescent Nations Network Agency Movement Brigades Militia Operations".split()
)
_PEOPLES = frozenset(
    "arab arabs kurd kurds kurdish muslim muslims christian christians sunni shia shiite "
    "jewish druze pashtun baloch tamil sikh hindu yazidi alawite western allied union "
    "confederate confederacy axis coalition".split()
)


def _world_city(
    found: Sequence[GazetteerPlace], in_prior: Sequence[GazetteerPlace]
) -> list[GazetteerPlace]:
    """A city far bigger than its namesakes in the article's countries ("London" in a
    report about Americans is not London, Ohio): twenty times their size and 100,000+."""
    if not in_prior or not found:
        return []
    top = max(found, key=lambda p: p.population)
    local = max(p.population for p in in_prior)
    if top in in_prior or top.population < _BIG_CITY or top.population < 20 * max(local, 1):
        return []
    return [top, *(p for p in found if p is not top)]


def _qualified(
    text: str, end: int, found: Sequence[GazetteerPlace]
) -> tuple[list[GazetteerPlace], Span | None] | None:
    """The homonyms that lie in the region or country named after a comma ("Hamilton,
    Ontario"), and the region's own span; None when nothing qualifies the name, no homonyms
    when "X, in <country>" names a country where none lies."""
    m = _QUALIFIER.match(text, end)
    if m is None:
        return None
    words = m["name"].split(" ")
    for n in range(len(words), 0, -1):
        name = " ".join(words[:n])
        q_end = m.start("name") + len(name)
        country = _country_of(name)
        if country is not None:
            pool = [p for p in found if p.country == country]
            # "Samar, in the central Philippines" is no Samara in Russia: the text said where.
            return (pool, None) if pool or m["in"] else None
        regions = find_regions(name)
        if not regions:
            continue
        codes = {r.code for r in regions}
        countries = {r.country for r in regions}
        pool = [p for p in found if p.admin1 in codes] or [
            p for p in found if p.country in countries and p.admin1 is None
        ]
        if not pool:
            return None
        region = next((r for r in regions if r.country == pool[0].country), regions[0])
        return pool, Span(m.start("name"), q_end, "place", _region(region), STAGE, 0.8)
    return None


_REGION_WORD = re.compile(
    r"[ \-](?:region|Region|oblast|Oblast|province|Province|krai|Krai|governorate|"
    r"Governorate|State|state)$"
)


def named_regions(text: str, spans: Sequence[Span]) -> dict[str, Span]:
    """The regions an article names outright ("Latakia Province", "Luhansk, an eastern
    region"), by the name without its region word."""
    regions: dict[str, Span] = {}
    for span in spans:
        if span.label == "place" and span.value.precision == "admin1":
            head = _REGION_WORD.sub("", text[span.start : span.end])
            regions.setdefault(normalize_name(head), span)
    return regions


_CITY_PART_BEFORE = re.compile(
    r"\b(?:central|downtown|the centre of|the center of|"
    r"the outskirts of|the suburbs of|the capital|the city of)\s+$",
    re.I,
)


def one_sense(text: str, span: Span, regions: dict[str, Span], spans: Sequence[Span]) -> Span:
    """One name, one place per article: once the text calls a name a region, the bare name
    elsewhere is that region, not its namesake town ("the air base in Latakia" after
    "Syria's Latakia Province"), unless the article also says "the city of X" and so tells
    them apart."""
    if span.value.precision != "town":
        return span
    region = regions.get(normalize_name(_bare_name(text[span.start : span.end])))
    if region is None or region.value.country != span.value.country:
        return span
    if _CITY_PART_BEFORE.search(text, max(0, span.start - 30), span.start):
        return span  # "over central Kiev": the city
    if any(
        s.label == "place"
        and s.value.precision == "town"
        and s.value.gazetteer_id == span.value.gazetteer_id
        and s.confidence >= 0.9
        for s in spans
    ):
        return span
    return Span(span.start, span.end, "place", region.value, STAGE, 0.7)


@dataclass(frozen=True, slots=True)
class UserPlace:
    """A place a user added, with every name it goes by."""

    names: tuple[str, ...]
    mention: PlaceMention


def _distance_km(a: GazetteerPlace, b: GazetteerPlace) -> float:
    return haversine_km(a.latitude, a.longitude, b.latitude, b.longitude)


def _mention(place: GazetteerPlace, alternatives: Sequence[GazetteerPlace]) -> PlaceMention:
    return PlaceMention(
        name=place.name,
        gazetteer_id=place.gazetteer_id,
        country=place.country,
        admin1=place.admin1,
        latitude=place.latitude,
        longitude=place.longitude,
        precision="town",
        alternatives=tuple(p.gazetteer_id for p in alternatives if p != place),
    )


# "FSB Jackson", "Forward Operating Base Ramrod", "LZ X-Ray": a base named for someone or
# something, not the town of that name.
_BASE_WORDS = (
    r"FSB|FOB|LZ|COP|PB|Firebase|Fire Support Base|Fire Base|Forward Operating Base|"
    r"Landing Zone|Combat Outpost|Patrol Base|Camp"
)
_BASE_BEFORE = re.compile(rf"\b(?:{_BASE_WORDS})\)?[^\S\n]+$")
_BASE_NAME = re.compile(rf"^(?:{_BASE_WORDS})[ \-]")


def _not_a_town(text: str, start: int, end: int) -> bool:
    """A name written as a person's or a base's; the article keeps that sense throughout."""
    return _is_person(text, start, end) or bool(
        _BASE_BEFORE.search(text, max(0, start - 30), start) or _BASE_NAME.match(text[start:end])
    )


def _is_person(text: str, start: int, end: int) -> bool:
    """A name written as a person's: after an initial ("Donald J. Taylor"), a rank or title
    ("Gen. Asif Malik", "LCDR Anderson") or before a nickname ("Thomas (Stonewall) Jackson")."""
    return bool(
        re.search(r"\b[A-Z]\.\s$", text[max(0, start - 4) : start])
        or _PERSON_BEFORE.search(text, max(0, start - 40), start)
        or _NICKNAME_AFTER.match(text, end)
    )


def _region(region: Region) -> PlaceMention:
    return PlaceMention(
        region.english_name, None, region.country, region.code, None, None, "admin1"
    )


def _shared(a: PlaceMention, b: PlaceMention) -> PlaceMention | None:
    """What two places have in common: their region, else their country, else nothing."""
    if a.admin1 and a.admin1 == b.admin1:
        region = get_region(a.admin1)
        if region is not None:
            return _region(region)
    if a.country and a.country == b.country:
        return PlaceMention(country_name(a.country), None, a.country, None, None, None, "country")
    return None


def _between(text: str, spans: list[Span]) -> list[Span]:
    """ "between A and B" names one place: what A and B share (one span over both)."""
    spans = sorted(spans, key=lambda s: s.start)
    out: list[Span] = []
    k = 0
    while k < len(spans):
        a = spans[k]
        b = spans[k + 1] if k + 1 < len(spans) else None
        if (
            b is not None
            and _BETWEEN_BEFORE.search(text, max(0, a.start - 60), a.start)
            and _AND_BETWEEN.fullmatch(text, a.end, b.start)
            and a.value != b.value
        ):
            shared = _shared(a.value, b.value)
            if shared is not None:
                out.append(Span(a.start, b.end, "place", shared, STAGE, 0.7))
                k += 2
                continue
        out.append(a)
        k += 1
    return out


def _covered(start: int, end: int, taken: list[tuple[int, int]]) -> bool:
    return any(start < e and s < end for s, e in taken)


def make_find_places(
    gazetteer: Gazetteer, user_places: Sequence[UserPlace] = ()
) -> Callable[[Doc], list[Span]]:
    """Build the places stage over a gazetteer and the user's own places."""

    def find_places(doc: Doc) -> list[Span]:
        text = doc.text
        spans: list[Span] = []
        taken: list[tuple[int, int]] = []
        for user in user_places:
            for name in user.names:
                pattern = r"\s+".join(re.escape(w) for w in name.split())
                for m in re.finditer(rf"(?<!\w){pattern}(?!\w)", text, re.IGNORECASE):
                    if not _covered(m.start(), m.end(), taken):
                        spans.append(Span(m.start(), m.end(), "place", user.mention, STAGE, 0.95))
                        taken.append((m.start(), m.end()))
        for m in _REGION_PAIR.finditer(text):
            pair = [find_regions(m.group(k)) for k in (1, 2)]
            if all(len(r) == 1 for r in pair) and not _covered(m.start(), m.end(), taken):
                for k, (region,) in zip((1, 2), pair, strict=True):
                    spans.append(Span(m.start(k), m.end(k), "place", _region(region), STAGE, 0.9))
                taken.append((m.start(), m.end()))
        for m in _REGION.finditer(text):
            found_region = _region_phrase(m.group())
            if found_region is not None and not _covered(m.start(), m.end(), taken):
                offset, region = found_region
                spans.append(
                    Span(m.start() + offset, m.end(), "place", _region(region), STAGE, 0.9)
                )
                taken.append((m.start(), m.end()))
        text_prior = country_prior(text)
        for m in _REGION_OF.finditer(text):
            # Two regions share the name (Al Jawf of Yemen and of Saudi Arabia): the one of
            # a country the article is about.
            named = find_regions(m.group(1))
            if len(named) > 1:
                # "Yemen's northeastern province of al-Jawf": the country just before it.
                written = {
                    _country_of(c.group())
                    for c in _country_names().finditer(text, max(0, m.start() - 60), m.start())
                }
                named = [r for r in named if r.country in written] or [
                    r for r in named if r.country in text_prior
                ]
            if len(named) == 1 and not _covered(m.start(1), m.end(1), taken):
                spans.append(Span(m.start(1), m.end(1), "place", _region(named[0]), STAGE, 0.9))
                taken.append((m.start(1), m.end(1)))
        for m in _country_names().finditer(text):
            code = _country_of(m.group())
            if (
                _CITY_AFTER.match(text, m.end())
                or _WAR_AFTER.match(text, m.end())
                or _FEATURE_AFTER.match(text, m.end())
            ):
                # "Kuwait City" is a town; "the Iraq war" names a war and "the Jordan
                # Valley" a valley, not the country
                continue
            if code and not _covered(m.start(), m.end(), taken):
                mention = PlaceMention(m.group(), None, code, None, None, None, "country")
                spans.append(Span(m.start(), m.end(), "place", mention, STAGE, 0.6))
                taken.append((m.start(), m.end()))

        prior = dict(text_prior)
        # A region named outright ("Sicily", "Helmand province") says which country the
        # article is about as surely as the country's name.
        for span in spans:
            if span.value.precision == "admin1":
                prior[span.value.country] = prior.get(span.value.country, 0) + 2
        pending: list[tuple[int, int, list[GazetteerPlace], float]] = []
        persons: set[str] = set()
        for m in _NAME.finditer(text):
            if _not_a_town(text, *m.span()):
                persons.add(m.group().split(" ")[-1])
            if " " in m.group() and _WATER_FEATURE.search(m.group()):
                # "Pearl Harbor ... back to Pearl": a water feature shortened to its head.
                persons.add(m.group().split(" ")[0])
        for m in _NAME.finditer(text):
            start, end, name = m.start(), m.end(), m.group()
            # Longest name first, then its shorter heads ("Stanytsia Luhanska" before "Stanytsia").
            words = name.split(" ")
            while len(words) > 1 and words[0].casefold() in _STOP:
                # "In Sangin Province" at a sentence start: the name begins after "In".
                start += len(words[0]) + 1
                words = words[1:]
                name = " ".join(words)
            if _is_person(text, start, end):
                continue
            if words[-1] in persons and not (
                _QUALIFIER.match(text, end) or _STRONG.search(text, max(0, start - 40), start)
            ):
                # "LCDR W. L. Anderson ... Anderson decided to submerge", "FSB Jackson ...
                # the commander at Jackson": once a name is a person's or a base's, it keeps
                # that sense in the article, unless written as a town's.
                continue
            if (
                _FEATURE.search(name)
                or _UNIT_NAME.search(name)
                or _UNIT_AFTER.match(text, end)
                or _EVENT_AFTER.match(text, end)
                or _EVENT_AFTER.search(name)
                or _WAR_AFTER.match(text, end)  # "the Gaza war": a war, not the town
                or (
                    _IMPRINT_BEFORE.search(text, max(0, start - 3), start)
                    and _IMPRINT_AFTER.match(text, end)
                )
                or _STREET_BEFORE.search(text, max(0, start - 20), start)
                or _STREET_AFTER.match(text, end)
                or _STREET_AFTER.search(name)
            ):
                taken.append((start, end))
                continue
            for n in range(len(words), 0, -1):
                candidate = " ".join(words[:n])
                c_end = start + len(candidate)
                if candidate.casefold() in _STOP or _covered(start, c_end, taken):
                    continue
                if candidate.casefold() in _demonyms() or (
                    _ACRONYM.fullmatch(candidate) and text[start - 1 : start] not in ("", "\n")
                ):
                    continue  # "Arab media", "Kurdish units", "the SDF": no town
                if n < len(words) and (len(candidate) <= 3 or _bare_name(words[n]) in _ORG):
                    continue  # "Central Command", "Royal Navy", "Chu Lai": part of a name
                if _APPOSITIVE_REGION.match(text[c_end : c_end + 60]):
                    regions = find_regions(candidate)
                    if len(regions) == 1:
                        spans.append(Span(start, c_end, "place", _region(regions[0]), STAGE, 0.8))
                        taken.append((start, c_end))
                        break
                found = gazetteer.lookup(_bare_name(candidate), limit=20)
                if not found and n == 2 and not _CYRILLIC.search(candidate):
                    # "Tarin Kot" is Tarinkot: a two-word name the gazetteer writes as one.
                    found = gazetteer.lookup("".join(words[:2]), limit=20)
                before = text[max(0, start - 40) : start]
                # "between Kupiansk and Izium": the second name is as much a place as the first.
                locative = bool(_LOCATIVE.search(before) or _SECOND_OF_PAIR.search(before))
                respelled = False
                if (
                    not found
                    and n == len(words)
                    and (_AT_TOWN.search(before) or _IN_TOWN.search(before))
                ):
                    found = _other_spelling(
                        gazetteer, candidate, prior, bool(_PLACE_WORD_AFTER.match(text, c_end))
                    )
                    respelled = bool(found)
                inflected = False
                if not found and _CYRILLIC.search(candidate):
                    found = _nominative(gazetteer, candidate)
                    inflected = bool(found)
                if not found and locative and not _CYRILLIC.search(candidate):
                    # "in Qamishli" is Al Qāmishlī: English often drops the Arabic article.
                    found = list(gazetteer.lookup(f"Al {candidate}", limit=3))
                article = _ARTICLE_PREFIX.match(candidate)
                if not found and article:
                    # "al-Mokha" is Mokha (Mocha): the gazetteer lists it without the article.
                    found = list(gazetteer.lookup(candidate[article.end() :], limit=3))
                if not found and _CYRILLIC.search(candidate) and n == 1:
                    # "на Херсонщині": a region's own name in an oblique case.
                    oblique = {
                        r.code: r for form in normal_forms(candidate) for r in find_regions(form)
                    }
                    if len(oblique) == 1:
                        (region,) = oblique.values()
                        spans.append(Span(start, c_end, "place", _region(region), STAGE, 0.8))
                        taken.append((start, c_end))
                        break
                point = bool(_AT_POINT.search(before))
                bare = _bare_region(candidate, found, prior, locative, point)
                if bare is not None:
                    spans.append(Span(start, c_end, "place", bare, STAGE, 0.7))
                    taken.append((start, c_end))
                    break
                if not found:
                    continue
                if len(candidate) <= 3 and not any(_exact(candidate, p) for p in found):
                    continue  # "Jan." is no alternate name of Jackson, Mississippi
                if candidate.endswith(("'s", "’s")) and not locative:
                    continue  # "Moscow's troops" names an actor, not a place
                after_town = (
                    pending[-1][2][0]
                    if pending and _COMMA.fullmatch(text, pending[-1][1], start)
                    else None
                )
                if after_town is not None:
                    # "Marham, Norfolk": the county or state of the town before the comma,
                    # which lies in that town's country or is no town at all.
                    found = [p for p in found if p.country == after_town.country]
                    if not found:
                        continue
                strong = bool(_STRONG.search(before) or _TOWN_AFTER.match(text, c_end))
                if (
                    n < len(words)
                    and not (strong or _REGION_WORD.search(f" {words[n]}"))
                    and not any(_exact(_bare_name(candidate), p) for p in found)
                    # "в окупованій Макіївці Донецької області": a town in an oblique case
                    # before its region is the town, its case ending the only difference.
                    and not (inflected and _covered(c_end + 1, end, taken))
                    # "В Макіївці ФАБ-500 упала": a designation after a name ends it.
                    and not _DESIGNATION.fullmatch(words[n])
                ):
                    # "an ARVN Basic Training base", "near Tarin Kot": the head of a longer
                    # capitalised name that is only some town's alternate name is a word of
                    # that name (Tarin is no Tallinn).
                    continue
                found = _by_name(candidate, found)
                in_prior = [p for p in found if p.country in prior]
                pool = _world_city(found, in_prior) or in_prior or found
                qualified = _qualified(text, c_end, found)
                if qualified is not None:
                    pool, region_span = qualified
                    if not pool:
                        break
                    strong = True
                    if region_span is not None:
                        spans.append(region_span)
                        taken.append((region_span.start, region_span.end))
                biggest = max(p.population for p in pool)
                # Outside the countries the article is about, only a big city, an explicit
                # "village of X" or a town after "in" / "near" is trusted; inside them, a
                # locative or a sizeable town.
                supported = (
                    strong
                    or respelled
                    or (locative and (in_prior or biggest >= 5 * _BIG_CITY))
                    or (in_prior and biggest >= _BIG_CITY / 2)
                    or (bool(_IN_TOWN.search(before)) and biggest >= _TOWN)
                )
                if not supported:
                    continue
                confidence = 0.9 if strong else 0.8 if locative else 0.6
                pending.append((start, c_end, pool, confidence))
                taken.append((start, c_end))
                break

        # A name is settled when it has one entry or one far more populous than the rest;
        # an unsettled one goes to the entry nearest the closest settled name in the text.
        settled = [
            (start, pool[0])
            for start, end, pool, _ in pending
            if len(pool) == 1
            or (
                pool[0].population >= 10 * max(pool[1].population, 1)
                # GeoNames writes 0 for an unknown population: a village does not outweigh
                # a namesake of unknown size, a town does.
                and (pool[1].population > 0 or pool[0].population >= _TOWN)
            )
            or _only_exact(text[start:end], pool)
        ]
        for start, end, pool, confidence in pending:
            choice = pool[0]
            if len(pool) > 1 and (start, pool[0]) not in settled:
                confidence = min(confidence, 0.5)
                others = [(abs(s - start), p) for s, p in settled if s != start]
                if others:
                    anchor = min(others, key=lambda o: o[0])[1]
                    choice = min(pool, key=lambda p: _distance_km(p, anchor))
            spans.append(Span(start, end, "place", _mention(choice, pool), STAGE, confidence))
        return _between(text, spans)

    return find_places
