"""Bilingual parent-update templates (`locales/updates/`) and their strict renderer.

`index.yml` says what each template is about (`topic`), which values it takes
(`params`, in the order WhatsApp numbers them {{1}}, {{2}}, ...), an example of each
for previews, when its facts were reviewed and whether it may be sent as urgent.
`en.yml` and `yue.yml` hold the wording: per template a title, a body with
{placeholders} and a source URL, plus a shared `footer` (how to unsubscribe) and
`source_line`. One set of values fills both languages, so callers write dates as
numbers ("15/7/2027") and names in both scripts where needed ("Japan / 日本").

The module functions read the default folder once; `load_catalogue(directory=...)`
reads another folder (tests build broken catalogues with it).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache
from pathlib import Path
from types import MappingProxyType
from typing import Any, Mapping

import yaml

from locales import _FOLDED_CJK_SPACE, SUPPORTED, format_date, placeholders

DIRECTORY = Path(__file__).parent / "updates"
TOPICS = ("vpet", "university", "working_holiday", "employment", "parenting")
MAX_VALUE_CHARS = 200
MAX_MESSAGE_CHARS = 900

_PLACEHOLDER = re.compile(r"\{[A-Za-z_][A-Za-z0-9_]*\}")
# A line break in a value could fake a line of the message (a source, a footer),
# and WhatsApp rejects template variables with line breaks or tabs.
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class TemplateError(ValueError):
    """A parent update cannot be sent: unknown template, missing text or bad value."""


@dataclass(frozen=True)
class UpdateTemplate:
    """What one parent-update template is about and which values it takes."""

    id: str
    topic: str
    params: tuple[str, ...]
    examples: Mapping[str, str] = field(hash=False)
    urgent_allowed: bool
    reviewed_on: date
    titles: Mapping[str, str] = field(hash=False)


@dataclass(frozen=True)
class Wording:
    """One template's text in one language."""

    title: str
    body: str
    source: str


def _fields(text: str) -> set[str] | None:
    """Placeholder names in `text`, or None if a brace is not part of a {name}."""
    if "{" in _PLACEHOLDER.sub("", text) or "}" in _PLACEHOLDER.sub("", text):
        return None
    return placeholders(text)


def _clean_values(
    template: UpdateTemplate, params: Mapping[str, str]
) -> dict[str, str]:
    """Stripped values for every param; TemplateError for unknown or unsafe ones."""
    langs = "/".join(SUPPORTED)
    unknown = sorted(set(params) - set(template.params))
    if unknown:
        takes = ", ".join(template.params) or "no params"
        raise TemplateError(
            f"update '{template.id}' ({langs}): unknown param {{{unknown[0]}}} "
            f"(it takes {takes})"
        )
    values = {}
    for name in template.params:
        where = f"update '{template.id}' ({langs}): placeholder {{{name}}}"
        value = params.get(name)
        if not isinstance(value, str) or not value.strip():
            raise TemplateError(f"{where} needs a non-blank value")
        value = value.strip()
        if len(value) > MAX_VALUE_CHARS:
            raise TemplateError(
                f"{where} is {len(value)} characters long (at most {MAX_VALUE_CHARS})"
            )
        if "{" in value or "}" in value:
            raise TemplateError(f"{where} may not contain '{{' or '}}'")
        if _CONTROL.search(value):
            raise TemplateError(f"{where} may not contain line breaks or tabs")
        values[name] = value
    return values


@dataclass(frozen=True, eq=False)
class UpdateCatalogue:
    """The templates of one folder, with their wording in every language."""

    templates: Mapping[str, UpdateTemplate]
    wording: Mapping[str, Mapping[str, Wording]]  # lang -> template id -> wording
    footers: Mapping[str, str]
    source_lines: Mapping[str, str]
    load_problems: tuple[str, ...]

    def get(self, template_id: str) -> UpdateTemplate:
        """The template `template_id`; TemplateError if there is none."""
        template = self.templates.get(template_id)
        if template is None:
            known = ", ".join(self.templates) or "none"
            raise TemplateError(f"no update template '{template_id}' (known: {known})")
        return template

    def render(self, template_id: str, params: Mapping[str, str]) -> dict[str, str]:
        """Full text per language: title line, body, source line and footer."""
        template = self._sendable(template_id)
        values = _clean_values(template, params)
        return {lang: self._text(template, lang, values) for lang in SUPPORTED}

    def preview(self, template_id: str) -> dict[str, str]:
        """`render` filled with the template's example values."""
        return self.render(template_id, self.get(template_id).examples)

    def whatsapp_variables(
        self, template_id: str, params: Mapping[str, str]
    ) -> dict[str, str]:
        """{"1": first param, "2": ...} in index order, after the render checks."""
        template = self._sendable(template_id)
        values = _clean_values(template, params)
        return {str(n): values[name] for n, name in enumerate(template.params, 1)}

    def check(self) -> list[str]:
        """Every problem in the folder's files; [] when every template can be sent."""
        shared = self._shared_problems()
        problems = [*self.load_problems, *shared]
        for template in self.templates.values():
            found = self._index_problems(template) + [
                problem
                for lang in SUPPORTED
                for problem in self._wording_problems(template, lang)
            ]
            # Without a footer or source line no preview renders; say so only once.
            if found or shared:
                problems.extend(found)
            else:
                problems.extend(self._preview_problems(template))
        return problems

    def _sendable(self, template_id: str) -> UpdateTemplate:
        template = self.get(template_id)
        for lang in SUPPORTED:
            shared = [
                f"update '{template_id}': {p}" for p in self._shared_problems(lang)
            ]
            problems = shared + self._wording_problems(template, lang)
            if problems:
                raise TemplateError(problems[0])
        return template

    def _text(
        self, template: UpdateTemplate, lang: str, values: Mapping[str, str]
    ) -> str:
        wording = self.wording[lang][template.id]
        source_line = self.source_lines[lang].format(
            url=wording.source, as_of=format_date(template.reviewed_on, lang)
        )
        body = wording.body.format(**values)
        return f"{wording.title}\n\n{body}\n\n{source_line}\n{self.footers[lang]}"

    def _shared_problems(self, *langs: str) -> list[str]:
        problems = []
        for lang in langs or SUPPORTED:
            footer, source_line = self.footers.get(lang), self.source_lines.get(lang)
            if footer is None or _fields(footer) != set():
                problems.append(f"{lang}.yml: footer must be text, no placeholders")
            if source_line is None or _fields(source_line) != {"url", "as_of"}:
                problems.append(f"{lang}.yml: source_line must use {{url}}, {{as_of}}")
        return problems

    def _index_problems(self, template: UpdateTemplate) -> list[str]:
        where = f"update '{template.id}' (index.yml):"
        problems = []
        if template.topic not in TOPICS:
            problems.append(f"{where} topic '{template.topic}' is not in {TOPICS}")
        if set(template.examples) != set(template.params):
            problems.append(f"{where} examples must give one value per param")
        return problems

    def _wording_problems(self, template: UpdateTemplate, lang: str) -> list[str]:
        wording = self.wording.get(lang, {}).get(template.id)
        if wording is None:
            return [f"update '{template.id}': no {lang} wording in {lang}.yml"]
        where = f"update '{template.id}' ({lang}):"
        problems = []
        if not wording.source.startswith("https://"):
            problems.append(f"{where} source must be an https:// URL")
        if not wording.title.strip() or _fields(wording.title) != set():
            problems.append(f"{where} title must be text, no placeholders")
        used = _fields(wording.body)
        if used is None or not wording.body.strip():
            return [*problems, f"{where} body must be text with {{name}} placeholders"]
        problems.extend(
            f"{where} placeholder {{{name}}} in the body is not in its params"
            for name in sorted(used - set(template.params))
        )
        problems.extend(
            f"{where} param {{{name}}} is declared but not used in the body"
            for name in template.params
            if name not in used
        )
        return problems

    def _preview_problems(self, template: UpdateTemplate) -> list[str]:
        try:
            texts = self.preview(template.id)
        except TemplateError as error:
            return [f"update '{template.id}': examples do not render: {error}"]
        return [
            f"update '{template.id}' ({lang}): preview is {len(text)} characters "
            f"(at most {MAX_MESSAGE_CHARS})"
            for lang, text in texts.items()
            if len(text) > MAX_MESSAGE_CHARS
        ]


def _read(path: Path, problems: list[str]) -> dict[Any, Any]:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        problems.append(f"{path.name}: file is missing")
        return {}
    except yaml.YAMLError as error:
        problems.append(f"{path.name}: not valid YAML ({error})")
        return {}
    if not isinstance(raw, dict):
        problems.append(f"{path.name}: must be a mapping")
        return {}
    return raw


def _unfold(value: Any) -> str:
    """Text with YAML's folding spaces between Chinese characters removed."""
    return _FOLDED_CJK_SPACE.sub("", value) if isinstance(value, str) else ""


def _read_wording(
    raw: Mapping[Any, Any], lang: str, problems: list[str]
) -> dict[str, Wording]:
    templates = raw.get("templates")
    if not isinstance(templates, dict):
        problems.append(f"{lang}.yml: needs a 'templates' mapping")
        return {}
    wordings = {}
    for template_id, entry in templates.items():
        if not isinstance(entry, dict):
            problems.append(f"update '{template_id}' ({lang}): must be a mapping")
            continue
        wordings[str(template_id)] = Wording(
            title=_unfold(entry.get("title")),
            body=_unfold(entry.get("body")),
            source=_unfold(entry.get("source")).strip(),
        )
    return wordings


def _shared(raw: Mapping[str, Mapping[Any, Any]], key: str) -> Mapping[str, str]:
    """`key` (footer, source_line) of each language that has it as text."""
    return MappingProxyType(
        {
            lang: _unfold(file[key])
            for lang, file in raw.items()
            if _unfold(file.get(key))
        }
    )


def _template(
    template_id: str,
    entry: Any,
    wording: Mapping[str, Mapping[str, Wording]],
    problems: list[str],
) -> UpdateTemplate | None:
    """The index entry as a template; None (and a problem) if it cannot be one."""
    where = f"update '{template_id}' (index.yml):"
    if not isinstance(entry, dict):
        problems.append(f"{where} must be a mapping")
        return None
    params, examples = entry.get("params"), entry.get("examples") or {}
    if not isinstance(params, list) or not all(
        isinstance(p, str) and p.isidentifier() for p in params
    ):
        problems.append(f"{where} params must be a list of names")
        return None
    if len(set(params)) != len(params):
        problems.append(f"{where} a param is listed twice")
    if not isinstance(examples, dict) or not all(
        isinstance(v, str) for v in examples.values()
    ):
        problems.append(f"{where} examples must map each param to text")
        examples = {}
    reviewed_on = entry.get("reviewed_on")
    if not isinstance(reviewed_on, date) or isinstance(reviewed_on, datetime):
        problems.append(f"{where} reviewed_on must be a date (YYYY-MM-DD)")
        return None
    if not isinstance(entry.get("urgent_allowed"), bool):
        problems.append(f"{where} urgent_allowed must be true or false")
    titles = {
        lang: wording[lang][template_id].title
        for lang in SUPPORTED
        if template_id in wording[lang]
    }
    return UpdateTemplate(
        id=template_id,
        topic=str(entry.get("topic")),
        params=tuple(params),
        examples=MappingProxyType(dict(examples)),
        urgent_allowed=entry.get("urgent_allowed") is True,
        reviewed_on=reviewed_on,
        titles=MappingProxyType(titles),
    )


def load_catalogue(*, directory: Path = DIRECTORY) -> UpdateCatalogue:
    """Read index.yml and one file per language from `directory`.

    Problems are collected for `check()`, not raised; a template with a problem in
    its wording raises TemplateError when it is rendered.
    """
    problems: list[str] = []
    index = {str(k): v for k, v in _read(directory / "index.yml", problems).items()}
    raw = {lang: _read(directory / f"{lang}.yml", problems) for lang in SUPPORTED}
    wording = {lang: _read_wording(raw[lang], lang, problems) for lang in SUPPORTED}
    problems.extend(
        f"update '{template_id}' ({lang}): not in index.yml"
        for lang in SUPPORTED
        for template_id in sorted(set(wording[lang]) - set(index))
    )
    templates = {}
    for template_id in sorted(index):
        template = _template(template_id, index[template_id], wording, problems)
        if template is not None:
            templates[template_id] = template
    return UpdateCatalogue(
        templates=MappingProxyType(templates),
        wording=MappingProxyType(
            {lang: MappingProxyType(wording[lang]) for lang in SUPPORTED}
        ),
        footers=_shared(raw, "footer"),
        source_lines=_shared(raw, "source_line"),
        load_problems=tuple(problems),
    )


@cache
def _default() -> UpdateCatalogue:
    return load_catalogue()


def update_templates() -> list[UpdateTemplate]:
    """All parent-update templates, sorted by id."""
    return list(_default().templates.values())


def get_template(template_id: str) -> UpdateTemplate:
    """The template `template_id`; TemplateError if there is none."""
    return _default().get(template_id)


def render_update(template_id: str, params: Mapping[str, str]) -> dict[str, str]:
    """{"en": text, "yue": text} for `template_id`; TemplateError if anything is off."""
    return _default().render(template_id, params)


def preview(template_id: str) -> dict[str, str]:
    """Both languages of `template_id`, filled with its example values."""
    return _default().preview(template_id)


def whatsapp_variables(template_id: str, params: Mapping[str, str]) -> dict[str, str]:
    """WhatsApp variables {"1": ..., "2": ...} in index order, after the checks."""
    return _default().whatsapp_variables(template_id, params)


def check_catalogue() -> list[str]:
    """Every problem in locales/updates/; [] when all is well."""
    return _default().check()
