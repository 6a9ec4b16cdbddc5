"""User sync over real sockets in every pagination mode, the 100-request cap, and the
user ↔ extension association (U1–U6)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from ringdesk.flows import users as user_flow
from ringdesk.integrations.context import build_context
from ringdesk.store import users as users_repo
from ringdesk.store.tables import Extension, HelpdeskUser, Integration, TemplateRow
from ringdesk.templates.model import (
    Pagination,
    RequestSpec,
    Template,
    UserAssociation,
    UserMapping,
)
from tests.fakedesk import FakeDesk, make_state
from tests.live import serve_app

MAPPING = UserMapping(
    id="users.#.id",
    first_name="users.#.first_name",
    last_name="users.#.last_name",
    email="users.#.email",
)


def _template(url: str, pagination: Pagination) -> Template:
    return Template(
        user_association=UserAssociation(
            enabled=True, request=RequestSpec(url=url), pagination=pagination, mapping=MAPPING
        )
    )


def _integration(database) -> int:
    with database.session() as session:
        session.add(TemplateRow(id="t1", name="T", xml="<HelpdeskTemplate/>"))
        session.flush()
        row = Integration(template_id="t1", name="Desk", status="connected")
        session.add(row)
        session.flush()
        return row.id


def _ctx(integration_id: int, template: Template):
    return build_context(
        integration_id=integration_id,
        name="Desk",
        template_id="t1",
        template=template,
        fields={},
        secrets={},
        persisted={},
        options={},
        status="connected",
        public_url="http://ringdesk.test",
    )


MODES = [
    ("/none/users", Pagination(type="none"), 1, ["/none/users"]),
    (
        "/page/users",
        Pagination(type="page", page_param="page", page_size_param="per_page", page_size=2),
        3,
        ["page=1", "page=2", "page=3"],
    ),
    (
        "/offset/users",
        Pagination(type="offset", offset_param="offset", limit_param="limit", limit=2),
        3,
        ["offset=0", "offset=2", "offset=4"],
    ),
    (
        "/link/users",
        Pagination(type="link", next_link_path="links.next"),
        3,
        ["/link/users", "cursor=2", "cursor=4"],
    ),
]


@pytest.mark.parametrize(
    ("path", "pagination", "requests", "seen"), MODES, ids=[m[1].type for m in MODES]
)
async def test_sync_pages_through_every_mode(settings, database, path, pagination, requests, seen):
    """covers U1, U2, U4: five users over 2-item pages arrive whole, in each paging style."""
    desk = FakeDesk()
    integration_id = _integration(database)
    state = make_state(settings, database)
    try:
        with serve_app(desk.app()) as base:
            ctx = _ctx(integration_id, _template(base + path, pagination))
            result = await user_flow.sync_users(state, ctx)
    finally:
        await state.aclose()
    assert result.summary() == {"requests": requests, "users": 5, "capped": False}
    assert len(desk.paths) == requests
    assert all(s in p for s, p in zip(seen, desk.paths, strict=True))
    with database.session() as session:
        rows = users_repo.list_users(session, integration_id)
        assert sorted(r.user_id for r in rows) == [f"u{i}" for i in range(1, 6)]
        u1 = next(r for r in rows if r.user_id == "u1")
        assert (u1.first_name, u1.last_name, u1.email) == ("First1", "Last1", "user1@example.com")


async def test_sync_stops_at_the_cap_and_reports_it(settings, database):
    """covers U3: a helpdesk that never runs out of pages gets exactly 100 requests."""
    desk = FakeDesk()
    integration_id = _integration(database)
    state = make_state(settings, database)
    try:
        with serve_app(desk.app()) as base:
            spec = Pagination(type="page", page_size=1)
            ctx = _ctx(integration_id, _template(base + "/endless/users", spec))
            result = await user_flow.sync_users(state, ctx)
    finally:
        await state.aclose()
    assert result.summary() == {"requests": 100, "users": 100, "capped": True}
    assert len(desk.paths) == 100


async def test_resync_keeps_associations_and_prunes_departed_users(settings, database):
    desk = FakeDesk()
    integration_id = _integration(database)
    state = make_state(settings, database)
    try:
        with serve_app(desk.app()) as base:
            ctx = _ctx(integration_id, _template(base + "/none/users", Pagination()))
            await user_flow.sync_users(state, ctx)
            with database.session() as session:
                users_repo.set_extension(session, integration_id, "u2", "1002")
            desk.users = [u for u in desk.users if u["id"] != "u5"]
            desk.users[1]["last_name"] = "Renamed"
            await user_flow.sync_users(state, ctx)
    finally:
        await state.aclose()
    with database.session() as session:
        rows = {r.user_id: r for r in users_repo.list_users(session, integration_id)}
    assert sorted(rows) == ["u1", "u2", "u3", "u4"]
    assert (rows["u2"].extension, rows["u2"].last_name) == ("1002", "Renamed")


def _seed_users(database, integration_id, users):
    with database.session() as session:
        users_repo.store_users(session, integration_id, users, prune=True)


def test_auto_association_matches_email_case_insensitively(database):
    """covers U5: users get the extension whose email matches; taken extensions are kept."""
    integration_id = _integration(database)
    R = user_flow.UserRecord
    _seed_users(
        database,
        integration_id,
        [
            R("a", email="Ada@Example.com"),
            R("b", email="bob@example.com"),
            R("c", email="nobody@example.com"),
            R("d", email=""),
        ],
    )
    with database.session() as session:
        session.add_all(
            [
                Extension(number="1001", email="ada@example.com"),
                Extension(number="1002", email="BOB@example.com"),
                Extension(number="1003", email=""),
            ]
        )
    with database.session() as session:
        users_repo.set_extension(session, integration_id, "d", "1002")  # manual first
    with database.session() as session:
        made = users_repo.auto_associate(session, integration_id)
    assert made == [("a", "1001")]
    with database.session() as session:
        got = dict(session.execute(select(HelpdeskUser.user_id, HelpdeskUser.extension)).all())
        assert got == {"a": "1001", "b": None, "c": None, "d": "1002"}
        assert users_repo.owner_of(session, integration_id, "1001") == "a"  # U6
        assert users_repo.owner_of(session, integration_id, "1003") == ""


def test_manual_association_moves_an_extension(database):
    """covers U5/U6: an extension has one owner; clearing with None works; unknown user fails."""
    integration_id = _integration(database)
    R = user_flow.UserRecord
    _seed_users(database, integration_id, [R("a"), R("b")])
    with database.session() as session:
        users_repo.set_extension(session, integration_id, "a", "1001")
        users_repo.set_extension(session, integration_id, "b", "1001")
        assert users_repo.owner_of(session, integration_id, "1001") == "b"
        users_repo.set_extension(session, integration_id, "b", None)
        assert users_repo.owner_of(session, integration_id, "1001") == ""
        with pytest.raises(LookupError):
            users_repo.set_extension(session, integration_id, "zzz", "1")


@pytest.mark.parametrize(
    ("body", "ids"),
    [
        ('{"users":[{"id":1,"email":"x"},{"email":"no id"},{"id":"b"}]}', ["1", "b"]),
        ('{"users":[]}', []),
        ("", []),
    ],
    ids=["drops-missing-ids", "empty", "no-body"],
)
def test_map_users(body, ids):
    assert [u.user_id for u in user_flow.map_users(MAPPING, body)] == ids
