"""The planted scenario (``scenario.yaml``) as typed records, with the derived numbers the generator needs."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

import yaml

SCENARIO_FILE = Path(__file__).with_name("scenario.yaml")


@dataclass(frozen=True)
class Cause:
    key: str
    type: str
    share: float
    profile: str
    items: str
    focus: dict[str, Any] = field(default_factory=dict)
    channels: dict[str, float] = field(default_factory=dict)
    spike: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Industry:
    key: str
    client_share: float
    b2b: bool
    shipment_types: tuple[str, ...]
    shipments: int
    revenue: float
    volume_share: float


@dataclass(frozen=True)
class Scenario:
    raw: dict[str, Any]
    start: date
    days: int
    languages: dict[str, float]
    channels: dict[str, dict[str, Any]]
    regions: tuple[str, ...]
    region_weights: tuple[float, ...]
    industries: dict[str, Industry]
    causes: dict[str, Cause]

    @property
    def ordinary_causes(self) -> list[Cause]:
        """Causes anyone can hit (everything but the value destroyers' own)."""
        return [c for c in self.causes.values() if c.type != "client_driven"]

    @property
    def client_driven_causes(self) -> list[Cause]:
        return [c for c in self.causes.values() if c.type == "client_driven"]

    def channel_mix(self, cause: Cause) -> dict[str, float]:
        mix = cause.channels or {k: v["share"] for k, v in self.channels.items()}
        total = sum(mix.values())
        return {k: v / total for k, v in mix.items()}

    def register_of(self, channel: str) -> str:
        return self.channels[channel]["register"]

    def export_of(self, channel: str) -> str:
        return self.channels[channel]["export"]


@cache
def load_scenario(path: Path = SCENARIO_FILE) -> Scenario:
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    causes = {}
    for key, spec in raw["causes"].items():
        causes[key] = Cause(
            key=key,
            type=spec["type"],
            share=float(spec.get("share", 0.0)),
            profile=spec.get("profile", "steady"),
            items=spec.get("items", "general"),
            focus=dict(spec.get("focus", {})),
            channels=dict(spec.get("channels", {})),
            spike=dict(spec.get("spike", {})),
        )
    industries = {
        key: Industry(
            key=key,
            client_share=float(spec["client_share"]),
            b2b=bool(spec["b2b"]),
            shipment_types=tuple(spec["shipment_types"]),
            shipments=int(spec["shipments"]),
            revenue=float(spec["revenue"]),
            volume_share=float(spec["volume_share"]),
        )
        for key, spec in raw["industries"].items()
    }
    return Scenario(
        raw=raw,
        start=raw["period"]["start"],
        days=int(raw["period"]["days"]),
        languages=dict(raw["languages"]),
        channels=dict(raw["channels"]),
        regions=tuple(r["name"] for r in raw["regions"]),
        region_weights=tuple(float(r["weight"]) for r in raw["regions"]),
        industries=industries,
        causes=causes,
    )
