"""The places stage on phrasings it must read (or leave alone), with the real gazetteer."""

from __future__ import annotations

from datetime import date

import pytest

from incidents.extract.document import Doc
from incidents.extract.evaluate import place_key
from incidents.extract.pipeline import Extractor
from incidents.extract.places import make_find_places
from incidents.extract.registry import Stage
from incidents.gazetteer import default_gazetteer


@pytest.fixture(scope="module")
def find_places() -> Stage:
    return make_find_places(default_gazetteer())


def places(find_places: Stage, text: str) -> dict[str, str | None]:
    """Words -> gazetteer id, else admin1:, else country: key."""
    doc = Doc(text)
    out: dict[str, str | None] = {}
    for span in find_places(doc):
        v = span.value
        key = v.gazetteer_id or (f"admin1:{v.admin1}" if v.admin1 else f"country:{v.country}")
        out[doc.quote(span)] = key
    return out


def test_bare_region_after_a_locative(find_places: Stage) -> None:
    found = places(find_places, "The Allied invasion of Sicily began with German aircraft.")
    assert found.get("Sicily") == "admin1:IT-82"
    # A town of the region's own country keeps the name ("Kharkiv" the city).
    kharkiv = places(find_places, "Russian shells hit Kharkiv in Ukraine.")["Kharkiv"]
    assert kharkiv is not None and kharkiv.startswith("geonames:")


def test_lower_case_state_is_a_region(find_places: Stage) -> None:
    text = "insurgents in the Kaga Local Government Area of Borno state, Nigeria"
    assert places(find_places, text).get("Borno state") == "admin1:NG-BO"


def test_sea_and_city_names(find_places: Stage) -> None:
    found = places(find_places, "An F/A-18 was shot down over the Red Sea by USS Gettysburg.")
    assert "Red" not in found and "Red Sea" not in found
    found = places(find_places, "they were killed Friday in the Gaza City area of Shijaiyah")
    assert "Gaza" not in found or found["Gaza"] != "country:PS"


def test_no_town_in_a_name_or_a_generic_word(find_places: Stage) -> None:
    found = places(find_places, "Friendly Fire by Donald J. Taylor, on War Games in Korea")
    assert "Taylor" not in found and "War" not in found


def test_a_place_in_a_unit_name_is_no_place(find_places: Stage) -> None:
    text = (
        "The battalion was under command of the 138th (Lincoln and Leicester) Infantry "
        "Brigade. American aircraft bombed the Argyll and Sutherland Highlanders near Basra."
    )
    found = places(find_places, text)
    assert {"Lincoln", "Leicester", "Argyll", "Sutherland"}.isdisjoint(found)
    assert (found.get("Basra") or "").startswith("geonames:")


def test_a_town_spelled_one_step_differently(find_places: Stage) -> None:
    text = (
        "An Indian air defence missile was fired before the crash of the Mi-17 at Budgam "
        "near Srinagar, India."
    )
    assert places(find_places, text).get("Budgam") == "geonames:1277997"  # Badgām
    # A letter dropped at the front is another town: "Pocheon" is not "Ocheon".
    korea = "Bombs fell near Pocheon, South Korea, during a South Korean air force drill."
    assert "Pocheon" not in places(find_places, korea)
    # Another word form is no spelling: "Kuzminsky" is not "Kuz'minskoye".
    rostov = "They trained at Kuzminsky training range in Russia's Rostov region."
    assert "Kuzminsky" not in places(find_places, rostov)


def test_a_town_of_that_very_name_beats_an_alternate_name(find_places: Stage) -> None:
    # GeoNames lists "Gela" among the alternate names of Gera, Germany, a bigger town.
    found = places(find_places, "Paratroopers dropped near Gela at dawn.")
    assert found.get("Gela") == "geonames:2524653"


def test_a_region_named_outright_sets_the_country(find_places: Stage) -> None:
    # Rafah is in Gaza and in Egypt; an Egyptian governorate named outright says which.
    text = "Troops were hit in Rafah. Their unit came from the Ismailia Governorate."
    found = places(find_places, text)
    assert found.get("Ismailia Governorate") == "admin1:EG-IS"
    assert found.get("Rafah") == "geonames:350350"
    # With no region, the more populous Gaza town stays first.
    assert places(find_places, "Troops were hit in Rafah.").get("Rafah") == "geonames:281102"


def test_a_town_after_near_in_an_unnamed_country(find_places: Stage) -> None:
    # Nothing in the sentence says Syria, yet "near Tabqa" is a place.
    found = places(find_places, "Six fighters were killed by an airstrike near Tabqa on Friday.")
    assert found.get("Tabqa") == "geonames:172374"
    # A village that small is not trusted without its country being named.
    assert "Souchez" not in places(find_places, "The unit was hit near Souchez on Friday.")


@pytest.mark.parametrize(
    ("text", "words", "key"),
    [
        ("positions in Afghanistan's Helmand province", "Helmand province", "admin1:AF-HEL"),
        ("a strike on an army camp in Shabwa province", "Shabwa province", "admin1:YE-SH"),
    ],
)
def test_region_phrases_after_a_possessive_or_spelled_differently(
    find_places: Stage, text: str, words: str, key: str
) -> None:
    assert places(find_places, text).get(words) == key


@pytest.mark.parametrize(
    ("text", "words", "key"),
    [
        ("Артиллерия ударила по позициям под Кременной.", "Кременной", "geonames:704138"),
        ("Взрыв прогремел в Белгороде утром.", "Белгороде", "geonames:578072"),
        ("Колонна попала под огонь у Авдеевки.", "Авдеевки", "geonames:713122"),
        # Genitive of a soft-sign noun, in Ukrainian and Russian: no ending rule covers it.
        ("Літак збили над морем біля Севастополя.", "Севастополя", "geonames:694423"),
        ("Самолёт сбит возле Севастополя.", "Севастополя", "geonames:694423"),
    ],
)
def test_cyrillic_towns_in_an_oblique_case(
    find_places: Stage, text: str, words: str, key: str
) -> None:
    assert places(find_places, text).get(words) == key


def test_a_cyrillic_surname_in_the_genitive_is_no_town(find_places: Stage) -> None:
    assert "Путина" not in places(find_places, "Заявление Путина прозвучало вечером.")


def test_normal_forms_put_place_names_first_and_leave_out_persons() -> None:
    from incidents.extract.places import normal_forms

    assert normal_forms("Кременной")[0] == "кременная"
    assert normal_forms("Бахмуте")[0] == "бахмут"
    assert "путин" not in normal_forms("Путина")


def test_a_region_after_a_comma_picks_the_homonym(find_places: Stage) -> None:
    found = places(
        find_places, "American recruits trained at a camp near Springfield, Illinois, last year."
    )
    assert found.get("Springfield") == "geonames:4250542"
    assert found.get("Illinois") == "admin1:US-IL"


def test_a_world_city_beats_small_namesakes_in_the_articles_country(
    find_places: Stage,
) -> None:
    text = (
        "American officials said the American crews erred; the U.S. command in London confirmed it."
    )
    assert places(find_places, text).get("London") == "geonames:2643743"


def test_acronyms_and_peoples_are_no_towns(find_places: Stage) -> None:
    text = "US officials said US jets hit SDF fighters, according to reports in the Arab media."
    found = places(find_places, text)
    assert "Arab" not in found
    assert "SDF" not in found


def test_battle_of_names_a_place(find_places: Stage) -> None:
    text = "French and German infantry met in the Battle of Bertrix that August."
    assert places(find_places, text).get("Bertrix") == "geonames:2802106"


@pytest.mark.parametrize(
    ("text", "words", "key"),
    [
        ("Вертолёт упал в Ростовской области ночью.", "Ростовской области", "admin1:RU-ROS"),
        ("Обстрел произошёл в Белгородской области.", "Белгородской области", "admin1:RU-BEL"),
    ],
)
def test_cyrillic_regions_in_an_oblique_case(
    find_places: Stage, text: str, words: str, key: str
) -> None:
    assert places(find_places, text).get(words) == key


def test_a_final_s_is_part_of_the_name(find_places: Stage) -> None:
    # Only a possessive ending is dropped: "Lens" is not looked up as "Len".
    found = places(find_places, "French troops held the city of Lens that spring.")
    assert found.get("Lens") == "geonames:3003093"


def test_a_preposition_opening_the_sentence_is_no_part_of_the_name(find_places: Stage) -> None:
    found = places(find_places, "In Sangin Province, Afghan and British patrols met at dusk.")
    assert found.get("Sangin") == "geonames:1127547"
    assert places(find_places, "Near Basra, British tanks fired.").get("Basra") == "geonames:99532"
    # "Крім того" (besides) is not Krim, Crimea.
    assert places(find_places, "Крім того, три ФАБ впали з літаків.") == {}


def test_a_war_or_an_organisation_is_no_place(find_places: Stage) -> None:
    found = places(
        find_places,
        "American and British troops fought in the Gulf War; the Royal Navy and Central "
        "Command lost men on Jan. 18.",
    )
    assert not {"Gulf", "Royal", "Central", "Jan"} & set(found)


def test_a_county_after_a_town_stays_in_the_towns_country(find_places: Stage) -> None:
    found = places(
        find_places,
        "British and American airmen at Marham, Norfolk, were named by the RAF.",
    )
    assert found.get("Marham") == "geonames:2643041"
    norfolk = found.get("Norfolk")
    assert norfolk is None or not norfolk.startswith("geonames:4")  # never a US Norfolk


def test_a_rank_title_or_nickname_makes_a_person(find_places: Stage) -> None:
    found = places(
        find_places,
        "U.S. officials said Gen. Austin Miller ordered an inquiry after American troops were "
        "hit. An American memoir of Thomas (Tom) Jackson describes the shelling.",
    )
    assert not {"Austin", "Thomas", "Jackson"} & set(found)


def test_a_countrys_war_is_no_place(find_places: Stage) -> None:
    found = places(find_places, "It was the Afghanistan war's worst day for the Marines.")
    assert "Afghanistan" not in found


def test_arabic_article_forms_of_a_town(find_places: Stage) -> None:
    found = places(
        find_places,
        "Iraqi and Syrian officers said shells fell on troops in al-Qaim, near Deir ez-Zor "
        "and in Qamishli.",
    )
    assert found.get("al-Qaim") == "geonames:92138"
    assert found.get("Deir ez-Zor") == "geonames:170794"
    assert found.get("Qamishli") == "geonames:173377"


def test_a_dateline_agency_is_no_nickname(find_places: Stage) -> None:
    found = places(find_places, "KABUL (AP) Two Afghan soldiers were killed.")
    assert found.get("KABUL") == "geonames:1138958"


def test_a_country_or_town_naming_a_valley_or_a_war_is_no_place(find_places: Stage) -> None:
    found = places(find_places, "Two soldiers were killed in the Jordan Valley in 1999.")
    assert found.get("Jordan") is None
    found = places(find_places, "There were incidents of friendly fire in the Basra war.")
    assert "Basra" not in found
    # The same names on their own are places.
    found = places(find_places, "Two soldiers were killed in Jordan and later in Basra.")
    assert found.get("Jordan") == "country:JO"
    assert (found.get("Basra") or "").startswith("geonames:")


# --- Region names of every country and town recall (2026-11-24) ---------------------------


@pytest.mark.parametrize(
    ("text", "phrase", "code"),
    [
        # Merged provinces keep each part as a name: Bà Rịa–Vũng Tàu, Sistan and Baluchestan.
        ("mortar rounds fell on a Marine outpost in Ba Ria Province", "Ba Ria Province", "VN-43"),
        ("two border guards were shot in Sistan Province", "Sistan Province", "IR-11"),
        # pycountry writes the Arabic article ("Al Muthanná", "Al Ḩasakah"); English drops it.
        ("an airstrike on a checkpoint in Muthanna province", "Muthanna province", "IQ-MU"),
        ("Kurdish fighters in Hasakah Governorate were hit", "Hasakah Governorate", "SY-HA"),
        ("a drone struck a convoy in Hodeidah Governorate", "Hodeidah Governorate", "YE-HU"),
    ],
)
def test_region_phrases_of_any_country(
    find_places: Stage, text: str, phrase: str, code: str
) -> None:
    assert places(find_places, text).get(phrase) == f"admin1:{code}"


def test_a_region_word_after_a_spanish_or_generic_word(find_places: Stage) -> None:
    # "El Oued" is not "Oued": only the Arabic article of Arabic-speaking countries drops.
    found = places(find_places, "Troops were shelled in the Oued region and in Raqqa Governorate.")
    assert "admin1:DZ-39" not in found.values()
    assert found.get("Raqqa Governorate") == "admin1:SY-RA"


def test_a_name_followed_by_town_is_a_town(find_places: Stage) -> None:
    found = places(find_places, "The firing took place at a checkpoint in restive Sopore town.")
    assert found.get("Sopore") == "geonames:1255714"
    # Without the settlement word an unknown country's small town needs "in" / "near".
    assert "Sopore" not in places(find_places, "Restive Sopore mourned the dead.")


def test_a_doubled_letter_written_once_in_the_gazetteer(find_places: Stage) -> None:
    found = places(find_places, "Indian troops fired on Indian police near Baramulla.")
    assert found.get("Baramulla") == "geonames:1277085"  # Bāramūla


# --- Which place is the event's (assemble._pick_place) ------------------------------------


@pytest.fixture(scope="module")
def extractor() -> Extractor:
    return Extractor()


def event_place(extractor: Extractor, text: str) -> str | None:
    """The place key of the one draft the text gives."""
    drafts = extractor.extract(text, published=date(2024, 3, 1)).drafts
    assert len(drafts) == 1, [d.title for d in drafts]
    return place_key(drafts[0])


def test_a_capitalised_dateline_with_a_dash_is_no_event_place(extractor: Extractor) -> None:
    text = (
        "AMMAN - Two Jordanian soldiers were killed on Tuesday when a Jordanian helicopter "
        "mistakenly fired on their patrol in southern Syria."
    )
    assert event_place(extractor, text) == "country:SY"


def test_whose_zone_is_not_where(extractor: Extractor) -> None:
    text = (
        "Three Turkish soldiers were killed on Monday when Turkish jets mistakenly bombed "
        "their position during an operation in Turkey's buffer zone in north Iraq."
    )
    assert event_place(extractor, text) == "country:IQ"


def test_a_border_a_war_or_a_flight_is_no_event_place(extractor: Extractor) -> None:
    text = (
        "A Nigerien pilot was killed on 3 May when Nigerien troops mistakenly shot down his "
        "jet as it flew back to Mali from a mission over Burkina Faso. The loss near the "
        "Mali-Niger border was the first of the war against the jihadists."
    )
    assert event_place(extractor, text) is None


def test_a_memorial_is_no_event_place(extractor: Extractor) -> None:
    text = (
        "On 14 August 1944 Allied bombers mistakenly bombed Canadian troops in Normandy, "
        "killing 65 of them, among them Brigadier John Doe. Camp Doe, in Kingston, Ontario, "
        "is named in his honor."
    )
    assert event_place(extractor, text) == "admin1:FR-NOR"


def test_the_text_says_where_the_incident_took_place(extractor: Extractor) -> None:
    text = (
        "Two Indian soldiers were killed after troops from another unit mistakenly opened "
        "fire on their patrol in Indian-controlled territory, officials said on Friday.\n\n"
        "The incident took place late on Thursday near a mosque in Kulgam town, police said."
    )
    assert event_place(extractor, text) == "geonames:1265734"


def test_the_country_is_the_one_the_text_is_about(extractor: Extractor) -> None:
    text = (
        "Nigerian jets kill 7 Nigerian soldiers\n\n"
        "A Nigerian Air Force jet mistakenly bombed a Nigerian army position on 2 February, "
        "killing seven soldiers in the northeast of the country, a Nigerian officer said."
    )
    assert event_place(extractor, text) == "country:NG"


def test_the_articles_country_sets_an_unplaced_incident(extractor: Extractor) -> None:
    text = (
        "Somali forces have fought al-Shabaab across southern Somalia for months.\n\n"
        "On 12 January, two Somali soldiers were killed when an allied drone mistakenly "
        "struck their unit, officials said. Another soldier died in a crash near the Kenya "
        "border."
    )
    assert event_place(extractor, text) == "country:SO"


def test_an_earlier_incident_recalled_takes_no_setting(extractor: Extractor) -> None:
    text = (
        "French troops ended their mission in Mali in 2022.\n\n"
        "Two soldiers were killed in a 2013 friendly fire incident when a French jet "
        "bombed them by mistake."
    )
    assert event_place(extractor, text) is None


def test_russian_prepositions_are_no_towns(find_places: Stage) -> None:
    # "По" is a spelling of Pau and "У" of several towns; here they are prepositions.
    found = places(find_places, "По данным штаба, у Бахмута шли бои. По словам офицера, всё тихо.")
    assert "По" not in found
    assert "у" not in found


def test_between_two_places_is_what_they_share(find_places: Stage) -> None:
    # Two regions of one country: the country, not either region.
    found = places(find_places, "The strike hit between the western Taiz and Lahj provinces.")
    assert found == {"Taiz and Lahj": "country:YE"}
    # Two towns of one region: that region.
    found = places(find_places, "Ukrainian shells fell on a road between Kupiansk and Izium.")
    assert found["Kupiansk and Izium"] == "admin1:UA-63"
    # Without "between" the two regions stay apart.
    found = places(find_places, "Fighting has spread to the Taiz and Lahj provinces.")
    assert found == {"Taiz": "admin1:YE-TA", "Lahj": "admin1:YE-LA"}


def test_a_persons_or_a_bases_name_keeps_its_sense(find_places: Stage) -> None:
    text = (
        "Capt. R. J. Merced led the patrol from FSB Denton. Later Merced radioed "
        "the gunners at Denton to stop firing."
    )
    found = places(find_places, text)
    assert "Merced" not in found and "Denton" not in found
    # A feature's name shortened to its head is still the feature.
    found = places(find_places, "The boat left Pearl Harbor at dawn and made it back to Pearl.")
    assert "Pearl" not in found


def test_only_an_alternate_name_inside_a_longer_name_is_no_town(find_places: Stage) -> None:
    # "Basic" is an alternate name of Henderson, Nevada; "Basic Training" is no place.
    found = places(find_places, "Shells hit an American Basic Training base in the south.")
    assert not any(key == "geonames:5505411" for key in found.values())


def test_arabic_article_and_one_letter_spellings(find_places: Stage) -> None:
    found = places(find_places, "The attack took place in al-Mokha area on the coast.")
    assert found.get("al-Mokha") == "geonames:78751"  # Mocha, Yemen
    # A text naming no country takes the one town so spelled ("Surankōt").
    found = places(find_places, "Two soldiers died at a camp in Surankote area on Friday.")
    assert found.get("Surankote") == "geonames:10593072"


def test_a_surname_after_a_title_and_given_name_is_a_person(find_places: Stage) -> None:
    found = places(find_places, "said Wing Commander Mike Oldham, speaking in London.")
    assert "Oldham" not in found and found.get("London") is not None


def test_a_two_word_name_the_gazetteer_writes_as_one(find_places: Stage) -> None:
    found = places(find_places, "US aircraft killed eight Afghan soldiers near Tarin Kot.")
    assert found.get("Tarin Kot") == "geonames:1122747"  # Tarinkot, Afghanistan
    assert "Tarin" not in found  # not Tallinn by an alternate name


def test_the_region_word_before_the_name(find_places: Stage) -> None:
    text = "A jet bombed their vehicle in Yemen's northeastern province of al-Jawf, east of Sanaa."
    assert places(find_places, text).get("al-Jawf") == "admin1:YE-JA"
    # Al Jawf is also a Saudi region: the country written just before decides.
    text = (
        "Border guards were hit in Saudi Arabia's province of Al Jawf, near the Jordanian border."
    )
    assert places(find_places, text).get("Al Jawf") == "admin1:SA-12"


def test_near_a_name_is_a_town_of_the_articles_country(find_places: Stage) -> None:
    text = (
        "The coalition in Syria may have hit allied Syrian rebels. Coalition aircraft struck "
        "IS vehicles near Ma'ra, north of Aleppo."
    )
    assert places(find_places, text).get("Ma'ra") == "geonames:167245"  # not Tanzania's Mara
    # "in Normandy" stays the region when the article speaks of Americans.
    text = "American bombers hit American troops in Normandy. Many American soldiers died."
    assert places(find_places, text).get("Normandy") == "admin1:FR-NOR"


def test_a_village_does_not_outweigh_a_namesake_of_unknown_population(
    find_places: Stage,
) -> None:
    # Ma'ra is a Turkish village of 359 (by an alternate name) and a Syrian one of
    # population 0 in GeoNames (unknown): the name nearest Aleppo decides, not the count.
    text = (
        "Syrian rebels were hit in Syria by coalition jets near Ma'ra, north of Aleppo, "
        "along the border with Turkey. Turkey said its border posts were not hit."
    )
    assert places(find_places, text).get("Ma'ra") == "geonames:167245"
    # A town of 18,000 still outweighs a namesake of unknown size.
    text = "Four Yemeni soldiers were killed east of Al Hazm, far from Aden."
    assert places(find_places, text).get("Al Hazm") == "geonames:79455"


def test_a_town_the_next_sentences_put_the_story_in(extractor: Extractor) -> None:
    story = (
        "An Iraqi drone strike mistakenly killed nine members of a pro-government Iraqi "
        "militia on Tuesday.\n\nThe militiamen were part of the Popular Mobilization Forces, "
        "an umbrella group of militias.\n\nA spokesman for the militia said the fighters were "
        "responding to an attack near the city of Tikrit."
    )
    assert event_place(extractor, story) == "geonames:90150"
    # A sentence with a time of its own tells another scene, not the incident's place.
    other_time = story.replace("A spokesman", "Last year, a spokesman")
    assert event_place(extractor, other_time) != "geonames:90150"


def test_a_town_in_an_oblique_case_before_its_region(find_places: Stage) -> None:
    found = places(find_places, "В окупованій Макіївці Донецької області ФАБ-500 упала.")
    assert found.get("Макіївці") == "geonames:702320"
    assert found.get("Донецької області") == "admin1:UA-14"
    # A designation after the name ends it.
    assert places(find_places, "В Макіївці ФАБ-500 упала.").get("Макіївці") == "geonames:702320"


def test_a_street_named_after_a_town_is_no_town(find_places: Stage) -> None:
    found = places(
        find_places, "У Донецькій області ФАБ-500 упала біля будинку на вулиці Орджонікідзе."
    )
    assert "Орджонікідзе" not in found  # Yenakiieve's old name
    found = places(find_places, "In Israel, a rocket hit a bus on Haifa Street in Tel Aviv.")
    assert "Haifa" not in found and found.get("Tel Aviv") == "geonames:293397"
    # The town itself still is one.
    assert "Haifa" in places(find_places, "Rockets fell in Haifa overnight.")


def test_a_town_said_to_lie_in_a_country_lies_there(find_places: Stage) -> None:
    found = places(find_places, "She carried supplies to Samar, in the central Philippines.")
    assert "Samar" not in found  # Samara, Russia, has Samar as an alternate name
    assert found.get("Philippines") == "country:PH"
    found = places(find_places, "A bomb fell on Kandahar, in southern Afghanistan.")
    assert found.get("Kandahar") == "geonames:1138336"


def test_where_a_cited_book_was_printed_is_no_place(find_places: Stage) -> None:
    found = places(
        find_places,
        "Two Union regiments in the United States fired on each other. Chronicles of the "
        "Rebellion (Philadelphia, PA: A. Winch, 1867), 13; A Diary (New York: G.P.Putnam, "
        "1861), III: 37.",
    )
    assert "Philadelphia" not in found and "New York" not in found
    # A place in brackets that is no imprint stays one.
    assert "Kherson" in places(find_places, "Shelling (in Kherson) killed two soldiers.")
