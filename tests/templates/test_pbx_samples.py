"""The PBX samples under tests/templates/pbx/: each converts to a template that validates
without errors, reports exactly what it could not map, and survives PBX → ringdesk → PBX:
importing the export gives an equal ringdesk template, and every PBX element the import
mapped comes back with the same value (issue 15, item 4)."""

from __future__ import annotations

from pathlib import Path

import pytest

from ringdesk.templates import dump_xml
from ringdesk.templates.importing import import_xml
from ringdesk.templates.pbx_read import read_pbx
from ringdesk.templates.pbx_write import export_pbx
from ringdesk.templates.report import check_file

SAMPLES = Path(__file__).parent / "pbx"
NAMES = sorted(p.name for p in SAMPLES.glob("*.xml"))
AUTH_METHODS = {
    "none_apikey.xml": "none",
    "basic_desk.xml": "basic",
    "oauth2_desk.xml": "oauth2",
    "bearer_token.xml": "bearer",
    "chained_next.xml": "bearer",
    "unmappable_parts.xml": "oauth2",
}


def _import(name: str):
    imported = import_xml((SAMPLES / name).read_bytes())
    assert imported.format == "pbx"
    assert imported.template is not None, imported.problems
    assert imported.conversion is not None
    return imported


def test_there_is_a_sample_per_auth_method_plus_chaining_and_unmappable_parts():
    assert set(NAMES) == set(AUTH_METHODS)
    assert {"none", "basic", "oauth2", "bearer"} <= set(AUTH_METHODS.values())


@pytest.mark.parametrize("name", NAMES)
def test_sample_converts_to_a_template_that_validates(name):
    """`ringdesk template validate` on the converted XML reports no error."""
    imported = _import(name)
    assert imported.template.authentication.method == AUTH_METHODS[name]
    errors, lines = check_file(name, dump_xml(imported.template).encode())
    assert errors == 0, lines


@pytest.mark.parametrize("name", [n for n in NAMES if n != "unmappable_parts.xml"])
def test_clean_samples_lose_nothing(name):
    """Written from the published format, they map fully: the only findings are changes
    ringdesk makes on purpose (a base-URL field becomes a url field, variables renamed)."""
    imported = _import(name)
    findings = imported.conversion.findings
    assert [f for f in findings if f.kind == "unmapped"] == []
    assert all(
        "url field" in f.message or "renamed; the same value" in f.message for f in findings
    ), findings
    assert "unmapped" not in set(imported.conversion.statuses.values())


def test_the_unmappable_sample_reports_each_part_with_its_line():
    """covers item 4's report: element, line and column, why — nothing dropped silently."""
    report = {
        (f.kind, f.element): (f.line, f.column, f.message)
        for f in _import("unmappable_parts.xml").conversion.findings
    }
    expected = {
        ("unmapped", "Information@Logo"): 8,
        ("unmapped", "Information@Key"): 8,
        ("unmapped", "Information@Version"): 8,
        ("changed", "Scenario[AuthMethod]/Parameter[Scope]"): 19,
        ("changed", "Scenario[AuthMethod]/Parameter[AuthOption/NoNeedRefreshAccessToken]"): 20,
        ("unmapped", "Scenario[AuthMethod]/Parameter[TokenErrorMap/TokenInvalid]"): 21,
        ("changed", "Scenario[AuthMethod]/Parameter[CustomFieldList/base_url]"): 24,
        ("changed", "Scenario[AuthMethod]/Parameter[CustomFieldList/tenant]"): 25,
        ("unmapped", "Scenario[SyncContactAuto]/Presets/Preset"): 36,
        ("unmapped", "Scenario[SyncContactAuto]/Parameter[URLFormat]"): 40,
        ("unmapped", "Scenario[SyncContactAuto]/Parameter[BusinessNumberEnable]#2"): 47,
        ("unmapped", "Scenario[SyncContactAuto]/Request[People]@Cache"): 50,
        ("unmapped", "Scenario[SyncContactAuto]/Request[People]/Outputs@Next"): 52,
        ("unmapped", "Scenario[SyncContactAuto]/Request[People]/Output[MobileNumber]"): 56,
        ("unmapped", "Scenario[SyncContactAuto]/Request[People]/Output[Remark]"): 57,
        ("unmapped", "Scenario[SearchContact]/Request[SearchContact_People]"): 66,
        ("unmapped", "Scenario[UserAssociation]/Request[UserAssociation]/Output[Department]"): 85,
        (
            "changed",
            "Scenario[CreateNewTicket]/Parameter[CustomScenarioParameter/DepartmentId]",
        ): 97,
        ("changed", "Scenario[CreateNewTicket]/Request[CreateNewTicket]/Parameter[Data]"): 102,
        ("unmapped", "Scenario[CreateNewTicket]/Request[CreateNewTicket]/Output[TicketId]"): 105,
        ("unmapped", "Scenario[CreateNewTicket]/Request[TagTicket]"): 108,
        ("changed", "Scenario[CallJournal]/Parameter[Subject]"): 120,
        ("unmapped", "Scenario[CallJournal]/Parameter[TicketId]"): 125,
        ("changed", "Scenario[CallJournal]/Request[CallJournal]/Parameter[Data]"): 130,
        ("unmapped", "Scenario[ChatJournal]"): 136,
        ("unmapped", "Scenario[ChatJournal]/Request[ChatJournal]"): 142,
        ("unmapped", "Request[PersonPhones]"): 149,
        ("unmapped", "Scenario[Common]/Request[Unused]"): 155,
    }
    assert {key: report[key][0] for key in report} == expected
    assert all(column is not None and column > 0 for _, column, _ in report.values())
    ticket_body = report[
        ("changed", "Scenario[CreateNewTicket]/Request[CreateNewTicket]/Parameter[Data]")
    ]
    assert "ToUpper" in ticket_body[2]
    source_line = (SAMPLES / "unmappable_parts.xml").read_text().splitlines()[ticket_body[0] - 1]
    assert source_line[ticket_body[1] - 1 :].startswith("ToUpper")  # the column is exact


@pytest.mark.parametrize("name", NAMES)
def test_round_trip_keeps_every_mapped_element(name):
    """PBX → ringdesk → PBX → ringdesk: equal templates, and each PBX element the first
    import mapped is in the export with the same value."""
    first = _import(name)
    exported = export_pbx(first.template)
    second = import_xml(exported.xml)
    assert second.template == first.template
    original = read_pbx((SAMPLES / name).read_bytes()).elements()
    again = read_pbx(exported.xml).elements()
    mapped = [k for k, s in first.conversion.statuses.items() if s == "mapped"]
    assert len(mapped) >= 25
    assert {k: original[k].value for k in mapped} == {
        k: again[k].value if k in again else None for k in mapped
    }


@pytest.mark.parametrize("name", NAMES)
def test_the_export_of_a_sample_loses_nothing_more(name):
    """What the import carried over, the PBX format can hold: the export reports nothing."""
    assert export_pbx(_import(name).template).findings == ()
