"""Typed settings of the decision stage: cause types and hot spots, client scores, the response policy.

Part of :mod:`flows.settings` (each class is one config file or section); kept apart so that module stays
about loading. Every ``rules()`` / ``policy()`` turns a validated section into the plain dataclass the
matching transform takes.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from transforms import source_spec

RESPONSE_NAMES = source_spec.RESPONSES  # the canonical vocabularies of the complaint schema
REACTIONS = source_spec.REACTIONS
FIX_STATUSES = ("none", "in_progress", "done")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class EventSettings(_Strict):
    name: str
    start: date
    end: date
    region: str | None = None


class HotspotSettings(_Strict):
    min_complaints: int = Field(20, ge=1, description="a person / branch named in fewer is never a hot spot")
    min_ratio: float = Field(5.0, gt=1, description="named complaints / the median of the peers named at all")
    top_causes: int = Field(5, ge=1)
    event_min_complaints: int = Field(50, ge=1)
    event_min_region_lift: float = Field(2.0, gt=1)

    def rules(self, owners: dict[str, str]):
        from transforms.hotspots import HotspotRules

        return HotspotRules(**self.model_dump(), owner=owners.get("human_factor"), event_owner=owners.get("external"))


class CauseTypeSettings(_Strict):
    min_complaints: int = Field(20, ge=1)
    burst_window_days: int = Field(14, ge=1)
    min_burst_share: float = Field(0.6, gt=0, le=1)
    min_burst_region_share: float = Field(0.6, gt=0, le=1)
    events: tuple[EventSettings, ...] = ()
    hotspots: HotspotSettings = HotspotSettings()
    min_person_share: float = Field(0.3, gt=0, le=1)
    min_person_concentration: float = Field(5.0, gt=1)
    min_named: int = Field(10, ge=1)
    top_clients: int = Field(3, ge=1)
    min_top_clients_share: float = Field(0.6, gt=0, le=1)
    min_request_share: float = Field(0.3, gt=0, le=1)
    min_request_segment_lift: float = Field(0.0, ge=0)
    request_cues: dict[str, tuple[str, ...]] = Field(default_factory=dict)
    owners: dict[str, str] = Field(default_factory=dict)

    def rules(self):
        from transforms.cause_types import CauseTypeRules, Event

        values = self.model_dump(exclude={"events", "request_cues", "hotspots"})
        return CauseTypeRules(**values, events=tuple(Event(**e.model_dump()) for e in self.events),
                              request_cues=frozenset(w.lower() for ws in self.request_cues.values() for w in ws))


class SignalSettings(_Strict):
    threshold: float = Field(ge=0)
    weight: float = Field(ge=0, le=1)


class TierSettings(_Strict):
    value_weights: dict[str, float] = Field(default_factory=lambda: {"revenue": 0.6, "shipments": 0.25,
                                                                     "tenure": 0.15})
    a_bounds: tuple[float, float, float] = (0.9, 0.8, 0.7)
    b_bounds: tuple[float, float] = (0.5, 0.25)
    c_cost_ratio: float = Field(0.5, gt=0)
    d_overdue_share: float = Field(0.1, gt=0)


class UsageSettings(_Strict):
    min_requests: int = Field(3, ge=1)
    min_request_share: float = Field(0.1, gt=0, le=1)
    min_group_clients: int = Field(5, ge=1)


class OurSideSettings(_Strict):
    min_cause_clients: int = Field(5, ge=1)
    max_client_share_of_cause: float = Field(0.2, gt=0, le=1)


class ValueDestroyerSettings(_Strict):
    min_complaints: int = Field(10, ge=1)
    max_our_side_share: float = Field(0.5, ge=0, le=1)
    min_score: float = Field(0.5, gt=0)
    signals: dict[str, SignalSettings] = Field(default_factory=dict)
    abusive_cues: dict[str, tuple[str, ...]] = Field(default_factory=dict)
    misdeclared_cues: dict[str, tuple[str, ...]] = Field(default_factory=dict)

    @field_validator("signals")
    @classmethod
    def _known_signals(cls, signals: dict) -> dict:
        known = {"complaint_rate_ratio", "unfounded_share", "compensation_revenue", "abusive_share",
                 "misdeclared_share"}
        unknown = set(signals) - known
        if unknown:
            raise ValueError(f"unknown signal(s) {', '.join(sorted(unknown))}; known: {', '.join(sorted(known))}")
        return signals


class ClientSettings(_Strict):
    handling_cost_uah: float = Field(150.0, ge=0)
    group_fix_per_segment: int = Field(50, ge=1, description="clients listed per process cause x segment")
    tiers: TierSettings = TierSettings()
    usage: UsageSettings = UsageSettings()
    our_side: OurSideSettings = OurSideSettings()
    value_destroyer: ValueDestroyerSettings = ValueDestroyerSettings()

    def rules(self, request_cues: dict[str, tuple[str, ...]]):
        from transforms.client_scores import ClientRules, Signal

        vd = self.value_destroyer
        signals = {k: Signal(s.threshold, s.weight) for k, s in vd.signals.items()} or ClientRules().signals
        return ClientRules(
            handling_cost_uah=self.handling_cost_uah, value_weights=dict(self.tiers.value_weights),
            a_bounds=self.tiers.a_bounds, b_bounds=self.tiers.b_bounds, c_cost_ratio=self.tiers.c_cost_ratio,
            d_overdue_share=self.tiers.d_overdue_share, **self.usage.model_dump(), **self.our_side.model_dump(),
            min_complaints=vd.min_complaints, max_our_side_share=vd.max_our_side_share, min_score=vd.min_score,
            signals=signals, abusive_cues=_lower_set(vd.abusive_cues), misdeclared_cues=_lower_set(vd.misdeclared_cues),
            request_cues=_lower_set(request_cues))


def _lower_set(cues: dict[str, tuple[str, ...]]) -> frozenset[str]:
    return frozenset(w.lower() for words in cues.values() for w in words)


# condition -> the kind of value it takes in policy.yaml
WHEN_KEYS = {"cause_type": "list", "tier": "list", "usage_group": "list", "channel": "list",
             "significance": "bool_or_list", "severity": "severity", "hotspot": "bool", "event": "bool"}


def _str_list(value: object) -> bool:
    return isinstance(value, list) and all(isinstance(v, str) for v in value)


class PolicyRuleSettings(_Strict):
    name: str
    when: dict[str, Any] = Field(default_factory=dict)
    choices: tuple[str, ...] = Field(min_length=1)
    reason: str
    rank_by_reaction: bool = False
    internal: Literal["training_ticket", "process_fix_ticket"] | None = None

    @field_validator("when")
    @classmethod
    def _known_conditions(cls, when: dict) -> dict:
        unknown = set(when) - set(WHEN_KEYS)
        if unknown:
            raise ValueError(f"unknown condition(s) {', '.join(sorted(unknown))}; "
                             f"known: {', '.join(sorted(WHEN_KEYS))}")
        for key, value in when.items():
            kind = WHEN_KEYS[key]
            ok = (isinstance(value, bool) if kind == "bool"
                  else value in ("high", "normal") if kind == "severity"
                  else isinstance(value, bool) or _str_list(value) if kind == "bool_or_list"
                  else _str_list(value))
            if not ok:
                expected = {"bool": "true or false", "severity": "high or normal",
                            "bool_or_list": "true, false or a list", "list": "a list, e.g. [A1, A2]"}[kind]
                raise ValueError(f"when.{key} is {value!r}; expected {expected}")
        return when

    @field_validator("choices")
    @classmethod
    def _known_responses(cls, choices: tuple[str, ...]) -> tuple[str, ...]:
        unknown = [c for c in choices if c not in RESPONSE_NAMES]
        if unknown:
            raise ValueError(f"unknown response(s) {', '.join(unknown)}; known: {', '.join(RESPONSE_NAMES)}")
        return choices


class BudgetSettings(_Strict):
    period: Literal["month"] = "month"
    amount_uah: float = Field(1_200_000.0, ge=0)


class RankingSettings(_Strict):
    segment: Literal["industry", "client_type", "channel", "tier"] = "industry"  # flows/analyze.py's dimensions
    prior_weight: float = Field(20.0, ge=0)


class CostSettings(_Strict):
    compensation_cap_uah: float = Field(5_000.0, gt=0)
    extra_uah: float = Field(400.0, ge=0)
    default_item_uah: float = Field(1_000.0, ge=0)
    fixed_uah: dict[str, float] = Field(default_factory=lambda: {"promo_code": 100.0, "gift_box": 750.0,
                                                                 "polite_refusal": 0.0},
                                        description="when the tariffs reference has no row for a shipment type")


class PolicySettings(_Strict):
    budget: BudgetSettings = BudgetSettings()
    reaction_ranking: RankingSettings = RankingSettings()
    costs: CostSettings = CostSettings()
    open_social_days: int = Field(14, ge=1, description="social mentions without a decision stay open this long")
    rules: tuple[PolicyRuleSettings, ...] = ()
    significance_cues: dict[str, tuple[str, ...]] = Field(default_factory=dict)
    severity_cues: dict[str, tuple[str, ...]] = Field(default_factory=dict)
    templates: dict[str, dict[str, str]] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _ends_with_a_catch_all(self) -> PolicySettings:
        if not self.rules or self.rules[-1].when:
            raise ValueError("rules: the last rule must have no `when`, so every complaint gets a recommendation")
        return self

    def policy(self):
        from transforms.responses import Policy, Rule

        return Policy(
            rules=tuple(Rule(**r.model_dump()) for r in self.rules), budget_uah=self.budget.amount_uah,
            budget_period=self.budget.period, ranking_segment=self.reaction_ranking.segment,
            prior_weight=self.reaction_ranking.prior_weight, **self.costs.model_dump(),
            significance_cues={k: frozenset(w.lower() for w in ws) for k, ws in self.significance_cues.items()},
            severity_cues=_lower_set(self.severity_cues), templates=self.templates)


def default_policy() -> PolicySettings:
    return PolicySettings(rules=(PolicyRuleSettings(name="everything else", choices=("promo_code",),
                                                    reason="default policy: a promo code"),))
