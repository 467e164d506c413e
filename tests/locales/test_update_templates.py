"""Parent-update templates: the real catalogue is complete, and the renderer is strict."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
import yaml

import locales
from locales import update_templates as updates
from locales.update_templates import TemplateError

IDS = [template.id for template in updates.update_templates()]
EN_FOOTER = "Reply STOP to stop these updates."
YUE_FOOTER = "回覆『停止』即可取消訂閱。"
CJK = r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]"
JUPAS_DATES = {"open_date": "4/10/2027", "close_date": "3/12/2027"}


def _raw(lang: str) -> dict:
    path = updates.DIRECTORY / f"{lang}.yml"
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _message(error: pytest.ExceptionInfo[TemplateError]) -> str:
    return str(error.value)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A copy of the real catalogue that a test may break."""
    for file in updates.DIRECTORY.glob("*.yml"):
        shutil.copy(file, tmp_path / file.name)
    return tmp_path


def _edit(folder: Path, name: str, change) -> updates.UpdateCatalogue:
    path = folder / name
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return updates.load_catalogue(directory=folder)


# --- the real files ---------------------------------------------------------------


def test_real_catalogue_has_no_problems():
    assert updates.check_catalogue() == []


def test_templates_are_sorted_by_id_and_cover_the_required_topics():
    ids = [t.id for t in updates.update_templates()]
    assert ids == sorted(ids)
    assert len(ids) >= 8
    assert {t.topic for t in updates.update_templates()} == set(updates.TOPICS)


def test_at_least_two_parenting_templates_take_no_params():
    no_params = [
        t.id
        for t in updates.update_templates()
        if t.topic == "parenting" and not t.params
    ]
    assert len(no_params) >= 2


def test_only_results_day_may_be_sent_as_urgent():
    urgent = [t.id for t in updates.update_templates() if t.urgent_allowed]
    assert urgent == ["dse_results_day"]


def test_template_describes_itself():
    template = updates.get_template("jupas_applications_open")
    assert (template.topic, template.params, dict(template.examples)) == (
        "university",
        ("open_date", "close_date"),
        JUPAS_DATES,
    )
    assert dict(template.titles) == {
        "en": "JUPAS applications are open",
        "yue": "大學聯招（JUPAS）開始報名",
    }


def test_template_mappings_are_read_only():
    template = updates.get_template("jupas_applications_open")
    with pytest.raises(TypeError):
        template.examples["open_date"] = "tomorrow"  # type: ignore[index]


def test_languages_have_the_same_template_ids():
    assert set(_raw("en")["templates"]) == set(_raw("yue")["templates"]) == set(IDS)


@pytest.mark.parametrize("template_id", IDS)
def test_languages_have_the_same_placeholders(template_id):
    def used(lang):
        return locales.placeholders(_raw(lang)["templates"][template_id]["body"])

    assert used("en") == used("yue") == set(updates.get_template(template_id).params)


@pytest.mark.parametrize("lang", locales.SUPPORTED)
@pytest.mark.parametrize("template_id", IDS)
def test_preview_is_a_complete_message(template_id, lang):
    text = updates.preview(template_id)[lang]
    template = updates.get_template(template_id)
    source = _raw(lang)["templates"][template_id]["source"]
    footer = {"en": EN_FOOTER, "yue": YUE_FOOTER}[lang]
    assert ("{" in text, "}" in text) == (False, False)
    assert text.splitlines()[0] == template.titles[lang]
    assert source in text
    assert text.endswith(footer)
    assert len(text) < updates.MAX_MESSAGE_CHARS


@pytest.mark.parametrize("template_id", IDS)
def test_preview_fills_every_example(template_id):
    texts = updates.preview(template_id)
    examples = updates.get_template(template_id).examples
    for lang in locales.SUPPORTED:
        assert [v for v in examples.values() if v not in texts[lang]] == []


@pytest.mark.parametrize("template_id", IDS)
def test_chinese_text_has_no_folding_spaces_between_cjk_characters(template_id):
    text = updates.preview(template_id)["yue"]
    assert re.findall(f"{CJK} +{CJK}", text) == []


@pytest.mark.parametrize(
    ("lang", "line"),
    [
        ("en", "(as of {day})"),
        ("yue", "（截至 {day}）"),
    ],
)
def test_source_line_shows_the_review_date_in_each_language(lang, line):
    template = updates.get_template("dse_results_day")
    day = locales.format_date(template.reviewed_on, lang)
    source_line = updates.preview("dse_results_day")[lang].splitlines()[-2]
    assert source_line.endswith(line.format(day=day))


# --- rendering rules ------------------------------------------------------------


def test_render_strips_values():
    padded = {name: f"  {value}\u3000" for name, value in JUPAS_DATES.items()}
    assert updates.render_update("jupas_applications_open", padded) == (
        updates.render_update("jupas_applications_open", JUPAS_DATES)
    )


def test_render_fills_the_same_values_in_both_languages():
    texts = updates.render_update("jupas_applications_open", JUPAS_DATES)
    assert [("4/10/2027" in t, "3/12/2027" in t) for t in texts.values()] == [
        (True, True),
        (True, True),
    ]


def test_unknown_template_is_refused():
    with pytest.raises(TemplateError) as error:
        updates.get_template("jupas_opens")
    assert _message(error).startswith("no update template 'jupas_opens' (known: ")


@pytest.mark.parametrize("value", [None, "", "   "])
def test_unfilled_or_blank_placeholder_is_refused(value):
    params = {**JUPAS_DATES, "close_date": value}
    if value is None:
        del params["close_date"]
    with pytest.raises(TemplateError) as error:
        updates.render_update("jupas_applications_open", params)
    assert _message(error) == (
        "update 'jupas_applications_open' (en/yue): placeholder {close_date} "
        "needs a non-blank value"
    )


def test_extra_param_is_refused():
    with pytest.raises(TemplateError) as error:
        updates.render_update("jupas_applications_open", {**JUPAS_DATES, "fee": "460"})
    assert _message(error) == (
        "update 'jupas_applications_open' (en/yue): unknown param {fee} "
        "(it takes open_date, close_date)"
    )


def test_template_without_params_refuses_any_param():
    with pytest.raises(TemplateError, match=r"unknown param \{date\}"):
        updates.render_update("talking_about_choices", {"date": "1/1/2027"})


def test_value_of_200_characters_is_accepted_and_201_refused():
    long_place = "x" * updates.MAX_VALUE_CHARS
    params = {"event_date": "16/1/2027", "registration_url": "https://www.vtc.edu.hk/"}
    updates.render_update("vtc_info_day", {**params, "place": long_place})
    with pytest.raises(TemplateError) as error:
        updates.render_update("vtc_info_day", {**params, "place": long_place + "x"})
    assert _message(error) == (
        "update 'vtc_info_day' (en/yue): placeholder {place} is 201 characters long "
        "(at most 200)"
    )


@pytest.mark.parametrize("value", ["{close_date}", "3/12 {x", "3/12}"])
def test_value_with_braces_cannot_inject_a_placeholder(value):
    with pytest.raises(TemplateError, match=r"\{open_date\} may not contain"):
        updates.render_update(
            "jupas_applications_open", {**JUPAS_DATES, "open_date": value}
        )


@pytest.mark.parametrize("value", ["4/10\nSource: https://example.com", "4/10\t2027"])
def test_value_with_line_breaks_or_tabs_is_refused(value):
    with pytest.raises(TemplateError, match="line breaks or tabs"):
        updates.render_update(
            "jupas_applications_open", {**JUPAS_DATES, "open_date": value}
        )


def test_value_must_be_text():
    with pytest.raises(TemplateError, match="needs a non-blank value"):
        updates.render_update(
            "jupas_applications_open", {**JUPAS_DATES, "open_date": 2027}
        )


# --- WhatsApp variables ---------------------------------------------------------


def test_whatsapp_variables_follow_the_index_order():
    params = {
        "registration_url": "https://www.vtc.edu.hk/",
        "place": " Online / 網上 ",
        "event_date": "16/1/2027",
    }
    assert updates.whatsapp_variables("vtc_info_day", params) == {
        "1": "16/1/2027",
        "2": "Online / 網上",
        "3": "https://www.vtc.edu.hk/",
    }


def test_whatsapp_variables_of_a_template_without_params_are_empty():
    assert updates.whatsapp_variables("results_not_as_hoped", {}) == {}


def test_whatsapp_variables_make_the_same_checks_as_render():
    with pytest.raises(TemplateError, match=r"placeholder \{close_date\} needs"):
        updates.whatsapp_variables(
            "jupas_applications_open", {"open_date": "4/10/2027", "close_date": " "}
        )


# --- broken catalogues ----------------------------------------------------------


def test_copied_catalogue_has_no_problems(folder):
    assert updates.load_catalogue(directory=folder).check() == []


def test_template_missing_in_yue_cannot_be_rendered(folder):
    catalogue = _edit(folder, "yue.yml", lambda d: d["templates"].pop("yetp_intake"))
    with pytest.raises(TemplateError) as error:
        catalogue.render("yetp_intake", {"intake_date": "1/2/2027"})
    assert _message(error) == "update 'yetp_intake': no yue wording in yue.yml"
    with pytest.raises(TemplateError, match="no yue wording"):
        catalogue.whatsapp_variables("yetp_intake", {"intake_date": "1/2/2027"})
    assert catalogue.check() == ["update 'yetp_intake': no yue wording in yue.yml"]


def test_wording_not_in_the_index_is_reported(folder):
    catalogue = _edit(folder, "index.yml", lambda d: d.pop("yetp_intake"))
    assert catalogue.check() == [
        "update 'yetp_intake' (en): not in index.yml",
        "update 'yetp_intake' (yue): not in index.yml",
    ]


def test_body_placeholder_not_in_params_is_reported_and_refused(folder):
    def add_deadline(data):
        body = data["templates"]["yetp_intake"]["body"]
        data["templates"]["yetp_intake"]["body"] = body + " Apply by {deadline}."

    catalogue = _edit(folder, "en.yml", add_deadline)
    problem = (
        "update 'yetp_intake' (en): placeholder {deadline} in the body is not in "
        "its params"
    )
    assert catalogue.check() == [problem]
    with pytest.raises(TemplateError) as error:
        catalogue.render("yetp_intake", {"intake_date": "1/2/2027"})
    assert _message(error) == problem


def test_param_declared_but_unused_is_reported(folder):
    def add_param(data):
        data["yetp_intake"]["params"].append("venue")
        data["yetp_intake"]["examples"]["venue"] = "Mong Kok"

    catalogue = _edit(folder, "index.yml", add_param)
    assert catalogue.check() == [
        f"update 'yetp_intake' ({lang}): param {{venue}} is declared but not used "
        "in the body"
        for lang in locales.SUPPORTED
    ]


def test_bad_topic_and_missing_example_are_reported(folder):
    def break_index(data):
        data["yetp_intake"]["topic"] = "jobs"
        data["yetp_intake"]["examples"] = {}

    catalogue = _edit(folder, "index.yml", break_index)
    assert catalogue.check() == [
        f"update 'yetp_intake' (index.yml): topic 'jobs' is not in {updates.TOPICS}",
        "update 'yetp_intake' (index.yml): examples must give one value per param",
    ]


def test_missing_source_is_reported_and_refused(folder):
    catalogue = _edit(
        folder, "yue.yml", lambda d: d["templates"]["yetp_intake"].pop("source")
    )
    problem = "update 'yetp_intake' (yue): source must be an https:// URL"
    assert catalogue.check() == [problem]
    with pytest.raises(TemplateError, match=re.escape(problem)):
        catalogue.preview("yetp_intake")


def test_stray_brace_in_a_body_is_reported(folder):
    def add_brace(data):
        data["templates"]["talking_about_choices"]["body"] += " {oops"

    catalogue = _edit(folder, "yue.yml", add_brace)
    assert catalogue.check() == [
        "update 'talking_about_choices' (yue): body must be text with {name} "
        "placeholders"
    ]


def test_missing_footer_is_reported_and_refused(folder):
    catalogue = _edit(folder, "yue.yml", lambda d: d.pop("footer"))
    assert catalogue.check() == ["yue.yml: footer must be text, no placeholders"]
    with pytest.raises(TemplateError, match="'results_not_as_hoped': yue.yml: footer"):
        catalogue.preview("results_not_as_hoped")


def test_missing_language_file_is_reported(folder):
    (folder / "yue.yml").unlink()
    problems = updates.load_catalogue(directory=folder).check()
    assert problems[:2] == [
        "yue.yml: file is missing",
        "yue.yml: needs a 'templates' mapping",
    ]
    assert f"update '{IDS[0]}': no yue wording in yue.yml" in problems
