"""Reference tables of the courier case: clients, branches, employees, daily shipment volumes, social
handles and compensation tariffs. Each builder is a pure function of the scenario and a seed."""

from __future__ import annotations

import random
from datetime import date, timedelta

import numpy as np
import polars as pl

from data.courier_case import people
from data.courier_case.scenario import Scenario

LANGUAGES = ("uk", "ru", "en")
SHIPMENT_TARIFF_UAH = {"documents": 60.0, "parcel": 85.0, "fragile": 120.0, "perishable": 140.0, "cargo": 390.0}
DAMAGE_FACTOR = {"documents": 0.2, "parcel": 1.0, "fragile": 3.0, "perishable": 2.0, "cargo": 1.5}


def client_count(complaints: int) -> int:
    """Enough ordinary clients for the stated case: at least 1,200, then one per 20 complaints."""
    return max(1_200, complaints // 20)


def build_clients(scenario: Scenario, complaints: int, seed: int) -> pl.DataFrame:
    """One row per client: ordinary clients, then the value destroyers (their ids come last)."""
    rng = np.random.default_rng([seed, 1])
    pyrng = random.Random(seed * 7919 + 1)
    n = client_count(complaints)
    industries = list(scenario.industries)
    shares = np.array([scenario.industries[k].client_share for k in industries])
    industry_idx = rng.choice(len(industries), size=n, p=shares / shares.sum())
    vd_specs = scenario.raw["value_destroyers"]["clients"]
    industry_of = [industries[i] for i in industry_idx] + [spec["industry"] for spec in vd_specs]
    total = len(industry_of)

    region_p = np.array(scenario.region_weights) / sum(scenario.region_weights)
    region_idx = rng.choice(len(scenario.regions), size=total, p=region_p)
    lang_keys = list(scenario.languages)
    lang_p = np.array([scenario.languages[k] for k in lang_keys])
    lang_idx = rng.choice(len(lang_keys), size=total, p=lang_p / lang_p.sum())
    spread = rng.lognormal(0.0, 0.6, size=total)
    tenure_days = rng.integers(30, 8 * 365, size=total)
    handle_roll = rng.random(size=total)

    rows = []
    period_start: date = scenario.start
    for i in range(total):
        ind = scenario.industries[industry_of[i]]
        lang = lang_keys[lang_idx[i]]
        person = people.person_name(pyrng, lang)
        name = people.company_name(pyrng, ind.key) if ind.b2b else person
        types = list(ind.shipment_types)
        shipments = max(1, int(round(ind.shipments * spread[i])))
        if i >= n:  # value destroyers: small but loud accounts
            shipments = max(6, shipments // 4)
        rows.append(
            {
                "client_id": f"CL{i + 1:06d}",
                "name": name,
                "client_type": "B2B" if ind.b2b else "B2C",
                "industry": ind.key,
                "shipment_types": ";".join(types),
                "main_shipment_type": types[0],
                "region": scenario.regions[region_idx[i]],
                "revenue_uah": round(ind.revenue * spread[i] * (0.25 if i >= n else 1.0), 2),
                "shipments_per_year": shipments,
                "contract_start": period_start - timedelta(days=int(tenure_days[i])),
                "language": lang,
                "contact_name": person,
                "phone": people.phone(pyrng),
                "email": people.email(pyrng, person),
                "has_handle": bool(handle_roll[i] < (0.3 if ind.b2b else 0.45) or i >= n),
            }
        )
    return pl.DataFrame(rows).with_columns(overdue_uah=_overdue(rng_seed=seed, revenue=[r["revenue_uah"] for r in rows],
                                                                b2b=[r["client_type"] == "B2B" for r in rows]))


def _overdue(rng_seed: int, revenue: list[float], b2b: list[bool]) -> pl.Series:
    """Unpaid invoices: ~6% of business clients owe 15-80% of a year's revenue (the tier-D "would buy but
    cannot pay" clients); everyone else owes nothing. A separate stream, so the other columns do not move."""
    rng = np.random.default_rng([rng_seed, 11])
    owes = (rng.random(len(revenue)) < 0.06) & np.array(b2b)
    share = rng.uniform(0.15, 0.8, len(revenue))
    return pl.Series("overdue_uah", np.round(np.where(owes, np.array(revenue) * share, 0.0), 2))


def build_branches(scenario: Scenario, seed: int) -> pl.DataFrame:
    rng = np.random.default_rng([seed, 2])
    per_region = int(scenario.raw["staff"]["branches_per_region"])
    rows = []
    number = 0
    for region in scenario.regions:
        for _ in range(per_region):
            number += 1
            rows.append(
                {
                    "branch_id": f"BR{number:04d}",
                    "number": number,
                    "region": region,
                    "city": region,
                    "kind": "parcel_locker" if rng.random() < 0.2 else "branch",
                }
            )
    return pl.DataFrame(rows)


def build_employees(scenario: Scenario, branches: pl.DataFrame, seed: int) -> pl.DataFrame:
    """Couriers (``K-0001``…) in blocks per region, then contact-center agents (``CC-001``…).

    The scenario's focus courier is moved to the region its cause names, so the human-factor cause
    concentrates on one courier in one region.
    """
    rng = np.random.default_rng([seed, 3])
    per_region = int(scenario.raw["staff"]["couriers_per_region"])
    focus = {c.focus["courier"]: c.focus.get("region") for c in scenario.causes.values() if "courier" in c.focus}
    rows = []
    k = 0
    for region in scenario.regions:
        region_branches = branches.filter(pl.col("region") == region)["branch_id"].to_list()
        for _ in range(per_region):
            k += 1
            rows.append({"employee_id": f"K-{k:04d}", "role": "courier", "region": region,
                         "branch_id": region_branches[int(rng.integers(len(region_branches)))]})
    for row in rows:
        if row["employee_id"] in focus and focus[row["employee_id"]]:
            region = focus[row["employee_id"]]
            row["region"] = region
            row["branch_id"] = branches.filter(pl.col("region") == region)["branch_id"][0]
    for a in range(1, int(scenario.raw["staff"]["contact_center_agents"]) + 1):
        rows.append({"employee_id": f"CC-{a:03d}", "role": "cc_agent", "region": None, "branch_id": None})
    hired = rng.integers(60, 6 * 365, size=len(rows))
    for row, days in zip(rows, hired, strict=True):
        row["hired_on"] = scenario.start - timedelta(days=int(days))
    return pl.DataFrame(rows)


def build_shipments_daily(scenario: Scenario, seed: int) -> pl.DataFrame:
    """One row per day x region x segment (client type, industry, shipment type)."""
    rng = np.random.default_rng([seed, 4])
    carrier = scenario.raw["carrier"]
    days = np.arange(scenario.days)
    dates = [scenario.start + timedelta(days=int(d)) for d in days]
    weekday = np.array([d.weekday() for d in dates])
    day_factor = np.where(weekday == 6, 0.45, np.where(weekday == 5, 0.75, 1.1))
    day_of_year = np.array([d.timetuple().tm_yday for d in dates])
    # pre-holiday peak from mid-November to New Year, a quiet January
    season = 1.0 + np.where((day_of_year >= 320) | (day_of_year <= 2), 0.35,
                            np.where(day_of_year <= 31, -0.15, 0.0))
    daily_total = carrier["parcels_per_year"] / scenario.days * day_factor * season
    daily_total = daily_total * (carrier["parcels_per_year"] / daily_total.sum())

    segments = []
    for ind in scenario.industries.values():
        type_shares = [0.6] + [0.4 / (len(ind.shipment_types) - 1)] * (len(ind.shipment_types) - 1) \
            if len(ind.shipment_types) > 1 else [1.0]
        for stype, tshare in zip(ind.shipment_types, type_shares, strict=True):
            segments.append(("B2B" if ind.b2b else "B2C", ind.key, stype, ind.volume_share * tshare))
    seg_share = np.array([s[3] for s in segments])
    seg_share = seg_share / seg_share.sum()
    region_share = np.array(scenario.region_weights) / sum(scenario.region_weights)

    expected = daily_total[:, None, None] * region_share[None, :, None] * seg_share[None, None, :]
    shipments = np.maximum(0, np.round(expected * rng.normal(1.0, 0.04, size=expected.shape))).astype(np.int64)
    damage_rate = (1 - carrier["intact_share"]) * np.array([DAMAGE_FACTOR[s[2]] for s in segments])
    damaged = rng.binomial(shipments, np.broadcast_to(damage_rate[None, None, :], shipments.shape))
    tariff = np.array([SHIPMENT_TARIFF_UAH[s[2]] for s in segments])

    d_idx, r_idx, s_idx = np.meshgrid(days, np.arange(len(scenario.regions)), np.arange(len(segments)),
                                      indexing="ij")
    flat = shipments.ravel()
    return pl.DataFrame(
        {
            "day": pl.Series([dates[i] for i in d_idx.ravel()], dtype=pl.Date),
            "region": [scenario.regions[i] for i in r_idx.ravel()],
            "client_type": [segments[i][0] for i in s_idx.ravel()],
            "industry": [segments[i][1] for i in s_idx.ravel()],
            "shipment_type": [segments[i][2] for i in s_idx.ravel()],
            "shipments": flat,
            "damaged": damaged.ravel(),
            "revenue_uah": np.round(flat * tariff[s_idx.ravel()], 2),
        }
    )


def build_tariffs() -> pl.DataFrame:
    """Compensation tariffs: what each response costs the carrier, by shipment type."""
    rows = []
    for stype, tariff in SHIPMENT_TARIFF_UAH.items():
        rows += [
            {"response": "standard_compensation", "shipment_type": stype, "cost_uah": None,
             "rule": "declared value of the item, up to 5000 UAH without a declared value surcharge"},
            {"response": "promo_code", "shipment_type": stype, "cost_uah": tariff,
             "rule": "one free delivery of the same shipment type"},
            {"response": "gift_box", "shipment_type": stype, "cost_uah": 750.0,
             "rule": "Friendly Box: coffee, eco cup and bag, fitness tracker or tool set"},
            {"response": "replacement_plus_extra", "shipment_type": stype, "cost_uah": None,
             "rule": "purchase of the damaged item plus an extra (toy, flowers, sweets) up to 400 UAH"},
            {"response": "polite_refusal", "shipment_type": stype, "cost_uah": 0.0,
             "rule": "no compensation; a polite, non-apologetic explanation"},
        ]
    return pl.DataFrame(rows)
