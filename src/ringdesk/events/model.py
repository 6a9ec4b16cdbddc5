"""The normalised call event every PBX adapter produces (api.md "Call event")."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["EVENT_TYPES", "MAX_DURATION_SECONDS", "MAX_TIMESTAMP", "CallEvent", "Party"]

EVENT_TYPES = ("call.ringing", "call.answered", "call.ended")
# Bounds that keep times computable (datetime stops at year 9999; 1e23 is no time at all):
# a timestamp before 2100-01-01, and call durations under 30 days.
MAX_TIMESTAMP = 4_102_444_800
MAX_DURATION_SECONDS = 30 * 86_400


class Party(BaseModel):
    """One end of a call: a number and, when the PBX sends it, a display name."""

    model_config = ConfigDict(frozen=True)

    number: str = ""
    name: str = ""


class CallEvent(BaseModel):
    """A call changed state. `call.ended` carries the CDR fields (status, talk time...).

    Unknown fields are kept in `model_extra`, never refused (api.md).
    """

    model_config = ConfigDict(frozen=True, extra="allow", populate_by_name=True)

    type: Literal["call.ringing", "call.answered", "call.ended"]
    call_id: str = Field(min_length=1, max_length=200)
    direction: Literal["inbound", "outbound", "internal"] = "inbound"
    from_: Party = Field(default_factory=Party, alias="from")
    to: Party = Field(default_factory=Party)
    extension: str = ""
    timestamp: int = Field(ge=0, lt=MAX_TIMESTAMP)
    status: Literal["answered", "missed", "no_answer", "busy", "failed", "voicemail"] | None = None
    talk_seconds: int | None = Field(default=None, ge=0, le=MAX_DURATION_SECONDS)
    ring_seconds: int | None = Field(default=None, ge=0, le=MAX_DURATION_SECONDS)
    recording_url: str | None = None
    queue: str | None = None
    agents_rung: list[str] = Field(default_factory=list)
    answered_by: str | None = None

    def external_number(self) -> str:
        """The other party's number as seen from the PBX user: caller on inbound calls."""
        return self.to.number if self.direction == "outbound" else self.from_.number

    def as_payload(self) -> dict[str, Any]:
        """JSON-ready dict in the wire format (with `from`, extras kept)."""
        return self.model_dump(by_alias=True, mode="json")
