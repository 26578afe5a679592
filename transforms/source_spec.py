"""The typed shape of a source adapter (``config/sources/*.yaml``) and the canonical complaint fields."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

CANONICAL_FIELDS: tuple[str, ...] = (
    "record_id", "received_at", "text", "channel", "client_id", "author_handle", "author_name", "phone",
    "email", "tracking_number", "branch", "agent_id", "employee_id", "status", "first_response_at",
    "resolved_at", "response_type", "amount", "reaction",
)
CHANNELS: tuple[str, ...] = ("phone", "email", "web_form", "branch", "twitter", "telegram", "referral", "mail",
                             "fax", "other")
STATUSES = ("open", "closed")
RESPONSES = ("standard_compensation", "promo_code", "gift_box", "replacement_plus_extra", "polite_refusal")
REACTIONS = ("positive", "neutral", "negative")


class SourceSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    glob: str
    format: Literal["csv", "xlsx", "ndjson", "json"]
    encoding: str = "auto"
    delimiter: str = "auto"
    records: str | None = None
    keep_if: dict[str, list[str]] = Field(default_factory=dict)
    channel: Literal[CHANNELS] | None = None  # type: ignore[valid-type]
    channel_field: str | None = None
    channel_values: dict[str, Literal[CHANNELS]] = Field(default_factory=dict)  # type: ignore[valid-type]
    timezone: str = "UTC"
    date_formats: list[str] = Field(default_factory=list)
    decimal_comma: bool = False
    fields: dict[str, str]
    values: dict[str, dict[str, str]] = Field(default_factory=dict)
    required: list[str] = Field(default_factory=lambda: ["record_id", "received_at", "text"])
    natural_key: list[str] = Field(default_factory=lambda: ["record_id"])
    attributes: dict[str, str] = Field(default_factory=dict)
    client_reference: Literal["required", "optional"] = "optional"
    handle_platform: str | None = None  # author handles are looked up in social_handles for this platform

    @model_validator(mode="after")
    def _consistent(self) -> SourceSpec:
        unknown = sorted(set(self.fields) - set(CANONICAL_FIELDS))
        if unknown:
            raise ValueError(f"fields: unknown canonical field(s) {unknown}; known: {list(CANONICAL_FIELDS)}")
        for key in ("record_id", "received_at", "text"):
            if key not in self.fields:
                raise ValueError(f"fields: '{key}' must be mapped")
        if (self.channel is None) == (self.channel_field is None):
            raise ValueError("set exactly one of 'channel' (a constant) or 'channel_field'")
        if self.channel_field and self.channel_field not in self.fields:
            raise ValueError(f"channel_field '{self.channel_field}' is not among the mapped fields")
        for key in self.required + self.natural_key:
            if key not in self.fields:
                raise ValueError(f"'{key}' is required or part of the natural key but not mapped in fields")
        if self.delimiter != "auto" and len(self.delimiter) != 1:
            raise ValueError("delimiter must be 'auto' or a single character")
        if self.format in ("json",) and not self.records:
            raise ValueError("format json needs 'records': the path of the list of records")
        return self
