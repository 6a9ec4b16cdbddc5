"""Validation of the request building blocks several sections share: pagination (U2, C8),
extra-variable requests and their outputs, duplicate checks."""

from __future__ import annotations

import re

from ringdesk.templates import _checks
from ringdesk.templates import model as m
from ringdesk.templates._context import NAME, Ctx

__all__ = [
    "HEADER_NAME",
    "check_duplicate_check",
    "check_extra_requests",
    "check_pagination",
    "invalid_attrs",
    "uses_variable",
]

HEADER_NAME = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")

_PAGING_REQUIRED = {
    "page": (("pageParam", "page_param"), ("pageSizeParam", "page_size_param")),
    "offset": (("offsetParam", "offset_param"), ("limitParam", "limit_param")),
    "link": (("nextLinkPath", "next_link_path"),),
    "cursor": (("cursorPath", "cursor_path"), ("cursorParam", "cursor_param")),
    "link-header": (),
    "none": (),
}
_PAGINATION_INTS = ("pageStart", "pageSize", "offsetStart", "limit")


def invalid_attrs(c: Ctx, section: str, field: str, loc: str, attrs: tuple[str, ...]) -> None:
    """Attributes whose raw value did not parse (kept in `invalid_values`) are errors."""
    for attr in attrs:
        raw = c.t.invalid_values.get(f"{loc}@{attr}")
        if raw is not None:
            c.error(
                section,
                f"{field}@{attr}",
                f"{loc}@{attr}",
                f"{raw!r} is not a valid value for {attr}",
            )


def uses_variable(text: str, name: str) -> bool:
    """Whether the template `text` reads `.name` anywhere."""
    used = _checks.referenced_variables(text)
    if used is None:  # no engine: a plain textual look is still a useful check
        return re.search(rf"\.{re.escape(name)}\b", text) is not None
    return name in used


def check_pagination(c: Ctx, section: str, field: str, loc: str, p: m.Pagination) -> None:
    """U2/C8: a known type, the attributes it needs, sizes >= 1, paths that parse."""
    invalid_attrs(c, section, field, loc, _PAGINATION_INTS)
    if p.type not in m.PAGINATION_TYPES:
        c.error(
            section,
            f"{field}@type",
            f"{loc}@type",
            f"pagination type {p.type!r} is not one of {', '.join(m.PAGINATION_TYPES)}",
        )
        return
    for attr, name in _PAGING_REQUIRED[p.type]:
        if not getattr(p, name):
            c.error(section, f"{field}@{attr}", loc, f"{p.type} pagination needs {attr}")
    sized = p.type == "page" or (p.type == "cursor" and p.page_size_param)
    if sized and p.page_size < 1:
        c.error(
            section,
            f"{field}@pageSize",
            f"{loc}@pageSize",
            f"pageSize must be at least 1, not {p.page_size}",
        )
    if p.type == "offset" and p.limit < 1:
        c.error(
            section,
            f"{field}@limit",
            f"{loc}@limit",
            f"limit must be at least 1, not {p.limit}",
        )
    paths: dict[str, tuple[tuple[str, str], ...]] = {
        "link": (("nextLinkPath", p.next_link_path),),
        "cursor": (("cursorPath", p.cursor_path), ("hasMorePath", p.has_more_path)),
    }
    for attr, value in paths.get(p.type, ()):
        if value:
            c.gjson(section, f"{field}@{attr}", f"{loc}@{attr}", value)


def check_extra_requests(
    c: Ctx,
    section: str,
    prefix: str,
    loc: str,
    requests: tuple[m.ExtraRequest, ...],
    scenario: str,
) -> list[str]:
    """Check a scenario's `<ExtraRequests>`; returns the names of all their outputs, which
    are variables for the rest of the scenario. Each request knows the outputs of the
    requests before it."""
    names: set[str] = set()
    outputs: list[str] = []
    scenario_variables = set(c.known(scenario))
    for i, q in enumerate(requests):
        qloc, qfield = f"{loc}.ExtraRequests.Request[{i}]", f"{prefix}ExtraRequests[{i}]"
        if not NAME.match(q.name):
            c.error(
                section,
                f"{qfield}@name",
                f"{qloc}@name",
                f"request name {q.name!r} must be a name (letters, digits, _)",
            )
        elif q.name in names:
            c.error(
                section, f"{qfield}@name", f"{qloc}@name", f"request {q.name!r} is defined twice"
            )
        names.add(q.name)
        spec = m.RequestSpec(method=q.method, url=q.url, body=q.body)
        c.request(section, qfield, qloc, spec, scenario, extra=outputs)
        hloc, hfield = f"{qloc}.Headers", f"{qfield}.Headers"
        c.template(section, hfield, hloc, q.headers, scenario, extra=outputs)
        c.json_body(section, hfield, hloc, q.headers, scenario, object_required=True, extra=outputs)
        outputs.extend(_check_outputs(c, section, qfield, qloc, q, outputs, scenario_variables))
    return outputs


def _check_outputs(
    c: Ctx,
    section: str,
    qfield: str,
    qloc: str,
    q: m.ExtraRequest,
    earlier: list[str],
    scenario_variables: set[str],
) -> list[str]:
    found: list[str] = []
    for j, o in enumerate(q.outputs):
        oloc, ofield = f"{qloc}.Outputs.Output[{j}]", f"{qfield}.Outputs[{j}]"
        if not NAME.match(o.name):
            c.error(
                section,
                f"{ofield}@name",
                f"{oloc}@name",
                f"output name {o.name!r} must be a variable name (letters, digits, _)",
            )
        elif o.name in earlier or o.name in found:
            c.error(
                section, f"{ofield}@name", f"{oloc}@name", f"output {o.name!r} is defined twice"
            )
        else:
            if o.name in scenario_variables:
                c.warning(
                    section,
                    f"{ofield}@name",
                    f"{oloc}@name",
                    f"output {o.name!r} replaces the variable of the same name in this scenario",
                )
            found.append(o.name)
        sources = o.sources
        if len(sources) != 1:
            given = ", ".join(sources) or "none"
            c.error(
                section,
                ofield,
                oloc,
                f"an output needs exactly one of path (GJSON), jsonpath or header; given: {given}",
            )
        if o.path:
            c.gjson(section, f"{ofield}@path", f"{oloc}@path", o.path)
        if o.jsonpath:
            c.jsonpath(section, f"{ofield}@jsonpath", f"{oloc}@jsonpath", o.jsonpath)
        if o.header and not HEADER_NAME.match(o.header):
            c.error(
                section,
                f"{ofield}@header",
                f"{oloc}@header",
                f"{o.header!r} is not a valid HTTP header name",
            )
    return found


def check_duplicate_check(
    c: Ctx,
    section: str,
    prefix: str,
    loc: str,
    check: m.DuplicateCheck | None,
    scenario: str,
    *,
    create_body: str,
    extra: list[str],
) -> None:
    """The lookup request, its `idPath`, and a create body that leaves a findable marker."""
    if check is None:
        return
    dloc, dfield = f"{loc}.DuplicateCheck", f"{prefix}DuplicateCheck"
    spec = m.RequestSpec(method=check.method, url=check.url, body=check.body)
    c.request(section, dfield, dloc, spec, scenario, extra=extra)
    if not check.id_path:
        c.error(
            section,
            f"{dfield}@idPath",
            dloc,
            "a duplicate check needs idPath, the GJSON path of the found record's id",
        )
    else:
        c.gjson(section, f"{dfield}@idPath", f"{dloc}@idPath", check.id_path)
    if not uses_variable(create_body, "CallId"):
        c.warning(
            section,
            dfield,
            dloc,
            "the request body does not use {{.CallId}}: without a marker of the call in the "
            "created record the duplicate check can hardly find it",
        )
