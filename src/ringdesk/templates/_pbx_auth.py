"""The PBX's AuthMethod scenario → ringdesk's `<Authentication>` (pure): the method
(AuthMethod or the root's AuthType), Basic, OAuth2 with its refresh option, a fixed Bearer
token, and what has no equivalent (the token-error map, unknown options). The connect fields
themselves are read in `pbx_convert`, once every URL is known."""

from __future__ import annotations

from collections.abc import Mapping

from ringdesk.templates import model as m
from ringdesk.templates._pbx_ctx import Ctx, flag
from ringdesk.templates.pbx_model import PbxParameter
from ringdesk.templates.pbx_vocabulary import (
    AUTH,
    AUTH_PARAMETERS,
    FATHER_AUTH_OPTION,
    FATHER_FIELDS,
    FATHER_HEADERS,
    FATHER_TOKEN_ERRORS,
    NO_REFRESH,
)

__all__ = ["authentication", "field_parameters", "refresh_body"]


def _method(c: Ctx) -> str:
    """AuthMethod (the parameter) or AuthType (the root attribute): none/basic/oauth2/bearer."""
    scenario = c.doc.scenario(AUTH)
    parameter = scenario.parameter("AuthMethod") if scenario else None
    attr = c.doc.attrs.get("AuthType", "")
    raw = parameter.value if parameter is not None and parameter.value else attr
    method = raw.strip().lower() or "none"
    keys = [parameter.key] if parameter is not None else []
    if "AuthType" in c.doc.attrs:
        keys.append("Information@AuthType")
    if method not in m.AUTH_METHODS:
        for key in keys:
            c.ledger.unmapped(key, f"unknown authentication {raw!r}; none is used")
        return "none"
    for key, value in (("Information@AuthType", attr), (parameter.key if parameter else "", raw)):
        if value and value.strip().lower() != method:
            c.ledger.changed(key, f"{value!r} differs from AuthMethod {raw!r}, which is used")
        elif value and value != method:
            c.ledger.changed(key, f"{value!r} is written {method!r}")
    c.ledger.mapped(*keys)
    return method


def authentication(c: Ctx) -> m.Authentication:
    method = _method(c)
    scenario = c.doc.scenario(AUTH)
    plain: dict[str, PbxParameter] = {}
    for p in scenario.parameters if scenario else ():
        if p.duplicate:
            c.ledger.unmapped(p.key, "appears twice; the first one is used")
        elif p.father == "" and p.name in AUTH_PARAMETERS:
            plain[p.name] = p
        elif p.father == FATHER_TOKEN_ERRORS:
            c.ledger.unmapped(
                p.key,
                f"ringdesk renews a token after an HTTP 401 only; an error text "
                f"({p.value!r}) in an answer is not recognised",
            )
        elif p.father not in (FATHER_FIELDS, FATHER_HEADERS, FATHER_AUTH_OPTION):
            c.ledger.unmapped(p.key, "not a parameter ringdesk knows")
        for stray in p.strays:
            c.ledger.unmapped(stray.key, f"unknown {stray.what}")
    if "AuthMethod" in plain:
        c.ledger.mapped(plain["AuthMethod"].key)
    used = {"AuthMethod"}
    auth = m.Authentication(method=method)
    if method == "basic":
        used |= {"CredentialType", "Base64EncodedCredential"}
        auth = auth.model_copy(update={"basic": _basic(c, plain)})
    elif method == "oauth2" or (method == "bearer" and _value(plain, "TokenEndPoint")):
        used |= {"TokenType", "AuthEndPoint", "TokenEndPoint", "AdditionalQueryString", "Scope"}
        if method == "bearer":
            c.ledger.changed(
                plain["AuthMethod"].key if "AuthMethod" in plain else "Information@AuthType",
                "a Bearer token got from a token endpoint is ringdesk's oauth2 method "
                "(ringdesk's bearer is a fixed token)",
            )
        auth = m.Authentication(method="oauth2", oauth2=_oauth2(c, plain))
    elif method == "bearer":
        used |= {"TokenType", "AccessToken"}
        auth = auth.model_copy(update={"bearer": _bearer(c, plain)})
    for name, p in plain.items():
        if name not in used:
            if p.value:
                c.ledger.unmapped(p.key, f"ignored with AuthMethod {method!r}")
            else:
                c.ledger.empty(p.key)
    return auth


def _value(plain: Mapping[str, PbxParameter], name: str) -> str:
    p = plain.get(name)
    return p.value if p is not None else ""


def _text(c: Ctx, plain: Mapping[str, PbxParameter], name: str) -> str:
    """A parameter's value in ringdesk's dialect ("" and marked empty when it has none)."""
    p = plain.get(name)
    if p is None:
        return ""
    if not p.value:
        c.ledger.empty(p.key)
        return ""
    return c.parameter_text(p, "auth").strip()


def _scheme(c: Ctx, plain: Mapping[str, PbxParameter]) -> str:
    p = plain.get("TokenType")
    if p is None or not p.value:
        if p is not None:
            c.ledger.empty(p.key)
        return m.DEFAULT_AUTH_SCHEME
    c.ledger.mapped(p.key)
    return p.value


def _basic(c: Ctx, plain: Mapping[str, PbxParameter]) -> m.Basic:
    p = plain.get("CredentialType")
    credential = "username_password"
    if p is not None and p.value:
        folded = p.value.lower().replace("_", "").replace(" ", "")
        credential = {"apikey": "api_key", "usernamepassword": "username_password"}.get(folded, "")
        if not credential:
            c.ledger.unmapped(p.key, f"unknown credential type {p.value!r}; username_password")
            credential = "username_password"
        elif credential != p.value:
            c.ledger.changed(p.key, f"written {credential!r}")
        c.ledger.mapped(p.key)
    elif p is not None:
        c.ledger.empty(p.key)
    return m.Basic(credential_type=credential, format=_text(c, plain, "Base64EncodedCredential"))


def _scopes(c: Ctx, plain: Mapping[str, PbxParameter]) -> str:
    p = plain.get("Scope")
    if p is None or not p.value.strip():
        if p is not None:
            c.ledger.empty(p.key)
        return ""
    parts = p.value.split(",") if "," in p.value else p.value.split()
    scopes = ",".join(s.strip() for s in parts if s.strip())
    if scopes != p.value:
        c.ledger.changed(p.key, f"written as the comma-separated list {scopes!r}")
    c.ledger.mapped(p.key)
    return scopes


def refresh_body(field_names: set[str]) -> str:
    """The standard refresh grant, with the client's credentials when fields hold them."""
    body = "grant_type=refresh_token&refresh_token={{.RefreshToken}}"
    for name in ("client_id", "client_secret"):
        if name in field_names:
            body += f"&{name}={{{{.{name}}}}}"
    return body


def _oauth2(c: Ctx, plain: Mapping[str, PbxParameter]) -> m.OAuth2:
    token_url = _text(c, plain, "TokenEndPoint")
    oauth = m.OAuth2(
        scheme=_scheme(c, plain),
        authorize_url=_text(c, plain, "AuthEndPoint"),
        token_url=token_url,
        scopes=_scopes(c, plain),
        extra_query=_text(c, plain, "AdditionalQueryString"),
    )
    c.urls += [oauth.authorize_url, token_url]
    option = _auth_option(c)
    if option is not None and flag(option.value):
        c.ledger.changed(
            option.key,
            "ringdesk never renews the token on a schedule, but still tries once after an HTTP 401",
        )
        c.ledger.mapped(option.key)
        # the fields are known only later: the body is completed in `_with_fields`
        return oauth.model_copy(update={"refresh": m.Refresh(interval_minutes=0, url=token_url)})
    if option is not None:
        if flag(option.value) is None and option.value:
            c.ledger.unmapped(option.key, f"{option.value!r} is not 0 or 1; the token is renewed")
        else:
            c.ledger.mapped(option.key)
    return oauth


def _auth_option(c: Ctx) -> PbxParameter | None:
    scenario = c.doc.scenario(AUTH)
    found = None
    for p in scenario.parameters if scenario else ():
        if p.father != FATHER_AUTH_OPTION or p.duplicate:
            continue
        if p.name == NO_REFRESH:
            found = p
        else:
            c.ledger.unmapped(p.key, f"unknown authentication option {p.name!r}")
    return found


def _bearer(c: Ctx, plain: Mapping[str, PbxParameter]) -> m.Bearer:
    scheme = _scheme(c, plain)
    token = _text(c, plain, "AccessToken")
    if not token:
        secrets = [f for f in field_parameters(c) if f.editor.lower() == "password"]
        if len(secrets) == 1:
            name = secrets[0].field_key or secrets[0].name
            token = f"{{{{.{name}}}}}"
            c.ledger.changed(
                secrets[0].key,
                f"no AccessToken parameter: the token is taken to be this field, {token}",
            )
    return m.Bearer(scheme=scheme, token=token)


def field_parameters(c: Ctx) -> list[PbxParameter]:
    scenario = c.doc.scenario(AUTH)
    return [
        p
        for p in (scenario.parameters if scenario else ())
        if p.father == FATHER_FIELDS and not p.duplicate
    ]
