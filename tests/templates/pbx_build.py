"""Builders of small PBX template documents for the conversion tables, and the table row:
the document, what part of the converted template to look at, its expected value, and the
exact findings `(kind, element)` the report must hold."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest

from ringdesk.templates import model as m

__all__ = ["AUTH", "Case", "cases", "field_param", "out", "param", "pbx", "request", "scenario"]

AUTH = "Scenario[AuthMethod]/Parameter"


def pbx(auth: str = "", scenarios: str = "", root: str = ' MaxConcurrentRequest="3"') -> str:
    """A document with an AuthMethod scenario holding `auth`, then `scenarios`."""
    return (
        f'<Information Provider="helpdesk" Name="T"{root}><Parameters/><Scenarios>'
        f'<Scenario Id="AuthMethod" Type="AUTH"><Parameters>{auth}</Parameters></Scenario>'
        f"{scenarios}</Scenarios></Information>"
    )


def param(name: str, value: str = "", **attrs: str) -> str:
    extra = "".join(f' {k}="{v}"' for k, v in attrs.items())
    return f'<Parameter Name="{name}" Value="{value}"{extra}/>'


def field_param(name: str, editor: str = "string", value: str = "", title: str = "T") -> str:
    return (
        f'<Parameter Father="CustomFieldList" Name="{name}" Value="{value}" '
        f'Editor="{editor}" Title="{title}" Key="{name}"/>'
    )


def scenario(sid: str, requests: str = "", params: str = "") -> str:
    return (
        f'<Scenario Id="{sid}" Type="REST"><Parameters>{params}</Parameters>'
        f"<Requests>{requests}</Requests></Scenario>"
    )


def request(
    name: str,
    url: str,
    outputs: str = "",
    *,
    body: str = "",
    method: str = "GET",
    nxt: str = "",
    params: str = "",
) -> str:
    data = f'<Parameter Name="Data" Type="Body" Value="{body}"/>' if body else ""
    attr = f' Next="{nxt}"' if nxt else ""
    return (
        f'<Request Name="{name}" Method="{method}" ResponseType="application/json" '
        f'URLFormat="{url}"><Parameters>{data}{params}</Parameters>'
        f"<Outputs{attr}>{outputs}</Outputs></Request>"
    )


def out(name: str, path: str) -> str:
    return f'<Output Name="{name}" Path="{path}"/>'


@dataclass(frozen=True)
class Case:
    """One row: `pick(template)` must equal `expected`, and the report must hold exactly
    `findings`, a set of (kind, element)."""

    id: str
    text: str
    pick: Callable[[m.Template], Any]
    expected: Any
    findings: set[tuple[str, str]] = field(default_factory=set)


def cases(rows: list[Case]) -> Any:
    return pytest.mark.parametrize("case", rows, ids=[row.id for row in rows])
