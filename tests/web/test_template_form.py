"""The editor's form ⇄ model conversion (pure): every built-in template survives
model → form → model, and problems land on the input they name (I5)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from pydantic import BaseModel

import ringdesk.templates
from ringdesk.templates import load_xml, validate
from ringdesk.templates.model import General, Logo, Template
from ringdesk.web import template_form as tf

BUILTIN = sorted((Path(ringdesk.templates.__file__).parent / "builtin").glob("*.xml"))
CORPUS = Path(__file__).parents[1] / "templates" / "corpus" / "valid"
# Corpus templates that use the elements of issue 13 (schemes, scopes, extra requests,
# outputs, duplicate checks, match modes, phone forms, cursor and Link-header paging).
ISSUE_13 = [
    CORPUS / f"{name}.xml"
    for name in (
        "r_request_tracker",
        "a_bearer_scheme_token",
        "a_oauth2_scheme_zammad",
        "a_url_field_base",
        "h_applies_to",
        "c_match_phone_paged",
        "c_phone_forms",
        "l_extra_requests_outputs",
        "t_duplicate_check",
    )
]


def _bool_keys(cls: type[BaseModel], prefix: str = "") -> set[str]:
    """Dotted keys of the checkbox inputs (numeric list indexes as `*`)."""
    keys: set[str] = set()
    for name, info in cls.model_fields.items():
        kind, sub = tf._unwrap(info.annotation)
        if kind == "model":
            keys |= _bool_keys(sub, f"{prefix}{name}.")
        elif kind == "list":
            keys |= _bool_keys(sub, f"{prefix}{name}.*.")
        elif info.annotation is bool:
            keys.add(prefix + name)
    return keys


BOOLS = _bool_keys(Template)


def _form_pairs(view: Any, prefix: str = "") -> list[tuple[str, str]]:
    """What a browser submits for the editor rendered from `view` (unchecked boxes omitted)."""
    pairs: list[tuple[str, str]] = []
    if isinstance(view, dict):
        for k, v in view.items():
            pairs += _form_pairs(v, f"{prefix}{k}.")
    elif isinstance(view, list):
        for i, v in enumerate(view):
            pairs += _form_pairs(v, f"{prefix}{i}.")
    elif view is not None:
        key = prefix.rstrip(".")
        pattern = ".".join("*" if p.isdigit() else p for p in key.split("."))
        if pattern in BOOLS:
            if view in ("on", True):
                pairs.append((key, "on"))
        else:
            pairs.append((key, str(view)))
    return pairs


def _round_trip(template: Template) -> Template | None:
    pairs = _form_pairs(tf.view(tf.from_template(template)))
    rebuilt, problems = tf.to_template(tf.nest(pairs))
    assert problems == []
    return rebuilt


@pytest.mark.parametrize("path", BUILTIN + ISSUE_13, ids=[p.stem for p in BUILTIN + ISSUE_13])
def test_templates_survive_the_form(path):
    """covers I5: every element, the issue-13 ones included, has its inputs in the form."""
    template = load_xml(path.read_text())
    assert _round_trip(template) == template


def test_logo_and_blank_rows():
    """The logo rides in hidden inputs; blank rows the admin added are dropped."""
    logo = Logo(content_type="image/png", data=b"\x89PNG fake bytes")
    template = Template(general=General(name="X", max_concurrent_requests=2, logo=logo))
    raw = tf.from_template(template)
    tf.add_row(raw, "headers")
    tf.add_row(raw, "authentication.fields")
    assert len(tf.view(raw)["headers"]) == 1
    assert _round_trip(template) == template
    rebuilt, _ = tf.to_template(tf.nest(_form_pairs(tf.view(raw))))
    assert rebuilt == template


def test_row_limits():
    raw: dict[str, Any] = {}
    for _ in range(30):
        tf.add_row(raw, "headers")
        tf.add_row(raw, "authentication.fields")
    assert len(raw["headers"]) == 20  # H1
    assert len(raw["authentication"]["fields"]) == 5  # A2
    tf.remove_row(raw, "headers.3")
    assert len(raw["headers"]) == 19


@pytest.mark.parametrize(
    ("form", "key"),
    [
        ({"general.max_concurrent_requests": "five"}, "general.max_concurrent_requests"),
        (
            {"user_association.enabled": "on", "user_association.pagination.page_size": "x"},
            "user_association.pagination.page_size",
        ),
    ],
    ids=["general-number", "pagination-number"],
)
def test_bad_numbers_point_at_their_input(form, key):
    template, problems = tf.to_template(tf.nest(form.items()))
    assert template is None
    assert [p.key for p in problems] == [key]


def test_validation_problems_land_on_their_input():
    template = load_xml((BUILTIN[0]).read_text())
    broken = template.model_copy(
        update={"general": template.general.model_copy(update={"max_concurrent_requests": 0})}
    )
    filled = tf.view(tf.from_template(broken))
    matched = tf.match_problems(validate(broken), filled)
    assert "general.max_concurrent_requests" in matched.by_key
    assert matched.has_errors


def test_switched_off_untouched_section_is_absent():
    template, problems = tf.to_template(
        tf.nest(
            [
                ("general.name", "X"),
                ("general.max_concurrent_requests", "1"),
                ("call_log.request.method", "POST"),
                ("ticket.request.method", "POST"),
            ]
        )
    )
    assert problems == []
    assert template is not None
    assert template.call_log is None
    assert template.ticket is None
