"""The service answers its probes on both databases."""

from __future__ import annotations


def test_readyz_reports_the_database(client, database_url):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json()["database"] == (
        "sqlite" if database_url.startswith("sqlite") else "postgresql"
    )
