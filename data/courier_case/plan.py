"""The complaint plan: who complains, about what, when, on which channel, and how it was resolved.

``plan_complaints`` returns one row per complaint (twins included) before any text exists; everything is
drawn with vectorised numpy from one seed, so 1M rows take seconds. Texts are rendered later per month.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np
import polars as pl

from data.courier_case.scenario import Cause, Scenario

CONTACT_CENTER_CHANNELS = ("phone", "email", "web_form", "branch")
DELIVERY_CAUSES = ("late_delivery", "damaged_parcel", "lost_parcel", "wrong_branch",
                   "florist_fragile_damage", "storm_week_delays")
VD_OTHER_CAUSES = ("late_delivery", "damaged_parcel", "lost_parcel", "wrong_branch")
SIGNIFICANCE_KINDS = ("medical", "child", "wedding", "birthday")
PII_KINDS = ("phone", "email", "card", "address", "person")
PII_P = (0.3, 0.2, 0.15, 0.2, 0.15)
HOUR_P = np.array([1, 1, 1, 1, 1, 2, 4, 7, 9, 10, 10, 9, 8, 8, 8, 8, 8, 8, 8, 8, 7, 6, 4, 2], dtype=float)
FIRST_RESPONSE_MEDIAN_H = {"phone": 0.1, "email": 6.0, "web_form": 8.0, "branch": 24.0}


def exact_counts(total: int, weights: np.ndarray) -> np.ndarray:
    """Split ``total`` into integer counts proportional to ``weights`` (largest remainder)."""
    p = np.asarray(weights, dtype=float)
    raw = p / p.sum() * total
    base = np.floor(raw).astype(np.int64)
    order = np.argsort(-(raw - base), kind="stable")
    base[order[: total - int(base.sum())]] += 1
    return base


def day_weights(scenario: Scenario, cause: Cause) -> np.ndarray:
    """Relative intensity of a cause on each day of the period (its time profile x weekday pattern)."""
    days = np.arange(scenario.days)
    weekday = np.array([(scenario.start + timedelta(days=int(d))).weekday() for d in days])
    base = np.where(weekday == 6, 0.6, np.where(weekday == 5, 0.8, 1.0))
    if cause.profile == "growing":
        shape = np.linspace(0.3, 1.7, scenario.days)
    elif cause.profile == "seasonal":
        shape = 1.0 + 1.2 * np.exp(-(((days - 40) / 22.0) ** 2))  # Black Friday to New Year
    elif cause.profile == "spike":
        start = (cause.spike["start"] - scenario.start).days
        window = (days >= start) & (days < start + int(cause.spike["days"]))
        inside = float(cause.spike["share"])
        shape = np.where(window, inside / window.sum(), (1 - inside) / (~window).sum())
        return shape / shape.sum()  # the spike is exact; no weekday pattern on top of it
    else:
        shape = np.ones(scenario.days)
    w = base * shape
    return w / w.sum()


def plan_complaints(
    scenario: Scenario,
    clients: pl.DataFrame,
    branches: pl.DataFrame,
    employees: pl.DataFrame,
    complaints: int,
    seed: int,
) -> tuple[pl.DataFrame, list[int]]:
    """One row per complaint; also returns the decoy clients' row indices (ground truth)."""
    rng = np.random.default_rng([seed, 10])
    raw = scenario.raw
    causes = list(scenario.causes.values())
    cause_pos = {c.key: i for i, c in enumerate(causes)}
    vd_specs = raw["value_destroyers"]["clients"]
    n_vd_clients = len(vd_specs)
    n_ordinary = clients.height - n_vd_clients

    industry = clients["industry"].to_numpy()
    region = clients["region"].to_numpy()
    shipments = clients["shipments_per_year"].to_numpy().astype(float)
    region_index = {r: i for i, r in enumerate(scenario.regions)}

    # decoys: florists in the route's origin (our process explains their many complaints)
    florists = np.flatnonzero(industry[:n_ordinary] == raw["decoys"].get("industry", "florist"))
    route_origin = scenario.causes[raw["decoys"]["cause"]].focus.get("route", [None])[0]
    preferred = florists[region[florists] == route_origin] if route_origin else florists
    pool = np.concatenate([preferred, np.setdiff1d(florists, preferred)])
    decoys = pool[: int(raw["decoys"]["count"])]
    ordinary_mask = np.ones(clients.height, dtype=bool)
    ordinary_mask[n_ordinary:] = False
    ordinary_mask[decoys] = False
    ordinary = np.flatnonzero(ordinary_mask)

    n_twins = int(round(complaints * raw["twin_share"]))
    n_orig = complaints - n_twins
    n_vd = int(round(complaints * raw["value_destroyers"]["share"]))
    n_decoy_each = max(1, int(round(complaints * raw["decoys"]["complaints_each"])))
    n_plain = n_orig - n_vd - n_decoy_each * len(decoys)

    cause_idx, client_idx, region_idx = [], [], []

    def add(cause_key: str, who: np.ndarray, where: np.ndarray | None = None) -> None:
        cause_idx.append(np.full(len(who), cause_pos[cause_key], dtype=np.int64))
        who = who.astype(np.int64)
        client_idx.append(who)
        region_idx.append(where if where is not None
                          else np.array([region_index[r] for r in region[who]], dtype=np.int64))

    def pick(candidates: np.ndarray, size: int) -> np.ndarray:
        if size == 0:
            return np.empty(0, dtype=np.int64)
        w = np.sqrt(shipments[candidates])
        return rng.choice(candidates, size=size, p=w / w.sum())

    ordinary_causes = scenario.ordinary_causes
    counts = exact_counts(n_plain, np.array([c.share for c in ordinary_causes]))
    for cause, n in zip(ordinary_causes, counts, strict=True):
        focus = cause.focus
        if "industry" in focus:
            cand = ordinary[industry[ordinary] == focus["industry"]]
            in_focus = int(round(n * focus.get("industry_share", 1.0)))
            if "route" in focus:
                origin, dest = focus["route"]
                on_route = int(round(in_focus * focus["route_share"]))
                cand_origin = cand[region[cand] == origin]
                add(cause.key, pick(cand_origin if len(cand_origin) else cand, on_route),
                    np.full(on_route, region_index[dest]))
                add(cause.key, pick(cand, in_focus - on_route))
            else:
                add(cause.key, pick(cand, in_focus))
            add(cause.key, pick(ordinary, n - in_focus))
        elif "region" in focus:
            share = focus.get("region_share", focus.get("employee_share", 1.0))
            in_focus = int(round(n * share))
            cand = ordinary[region[ordinary] == focus["region"]]
            add(cause.key, pick(cand, in_focus))
            add(cause.key, pick(ordinary, n - in_focus))
        else:
            add(cause.key, pick(ordinary, n))

    decoy_cause = raw["decoys"]["cause"]
    dest = scenario.causes[decoy_cause].focus.get("route", [None, None])[1]
    for d in decoys:
        where = np.full(n_decoy_each, region_index[dest]) if dest else None
        add(decoy_cause, np.full(n_decoy_each, d), where)

    own_share = float(raw["value_destroyers"]["own_share"])
    for k, n in enumerate(exact_counts(n_vd, np.ones(n_vd_clients))):
        who = n_ordinary + k
        own = int(round(n * own_share))
        add(vd_specs[k]["archetype"], np.full(own, who))
        others = rng.choice(len(VD_OTHER_CAUSES), size=n - own)
        for j, key in enumerate(VD_OTHER_CAUSES):
            add(key, np.full(int((others == j).sum()), who))

    cause_arr = np.concatenate(cause_idx)
    client_arr = np.concatenate(client_idx)
    region_arr = np.concatenate(region_idx)

    # when: a day from the cause's profile, an hour from the daily rhythm
    day = np.empty(len(cause_arr), dtype=np.int64)
    for i, cause in enumerate(causes):
        rows = np.flatnonzero(cause_arr == i)
        if len(rows):
            day[rows] = rng.choice(scenario.days, size=len(rows), p=day_weights(scenario, cause))
    seconds = (rng.choice(24, size=len(day), p=HOUR_P / HOUR_P.sum()) * 3600
               + rng.integers(0, 3600, size=len(day)))
    kyiv_offset = 2 * 3600  # the carrier works in Kyiv time; stored in UTC
    offset_s = day * 86400 + seconds - kyiv_offset

    # how: channel from the cause's mix
    channel_keys = list(scenario.channels)
    channel = np.empty(len(cause_arr), dtype=object)
    for i, cause in enumerate(causes):
        rows = np.flatnonzero(cause_arr == i)
        mix = scenario.channel_mix(cause)
        keys = list(mix)
        channel[rows] = np.array(keys, dtype=object)[rng.choice(len(keys), size=len(rows), p=list(mix.values()))]

    # twins: the same incident reported again on another channel
    eligible = np.flatnonzero(cause_arr != cause_pos["social_noise"])
    twin_of = np.sort(rng.choice(eligible, size=min(n_twins, len(eligible)), replace=False))
    default_mix = np.array([scenario.channels[k]["share"] for k in channel_keys])
    twin_channel = np.empty(len(twin_of), dtype=object)
    for j, src in enumerate(twin_of):
        p = default_mix * (np.array(channel_keys, dtype=object) != channel[src])
        twin_channel[j] = channel_keys[rng.choice(len(channel_keys), p=p / p.sum())]
    lag = rng.integers(3600, int(raw["twin_lag_hours"]) * 3600, size=len(twin_of))
    end_s = scenario.days * 86400 - kyiv_offset - 60

    n_all = len(cause_arr) + len(twin_of)
    incident = np.concatenate([np.arange(len(cause_arr)), twin_of])
    cause_all = np.concatenate([cause_arr, cause_arr[twin_of]])
    client_all = np.concatenate([client_arr, client_arr[twin_of]])
    region_all = np.concatenate([region_arr, region_arr[twin_of]])
    channel_all = np.concatenate([channel, twin_channel])
    offset_all = np.concatenate([offset_s, np.minimum(offset_s[twin_of] + lag, end_s)])
    is_twin = np.concatenate([np.zeros(len(cause_arr), bool), np.ones(len(twin_of), bool)])

    ttn_orig = _tracking_numbers(rng, len(cause_arr))
    ttn_orig[cause_arr == cause_pos["social_noise"]] = None
    ttn_all = np.concatenate([ttn_orig, ttn_orig[twin_of]])

    branch_numbers = branches["number"].to_numpy()
    branch_region = np.array([region_index[r] for r in branches["region"].to_list()])
    branch_all = np.empty(n_all, dtype=np.int64)
    for r in range(len(scenario.regions)):
        rows = np.flatnonzero(region_all == r)
        options = branch_numbers[branch_region == r]
        branch_all[rows] = options[rng.integers(0, len(options), size=len(rows))]

    employee = _employees_concerned(rng, scenario, causes, cause_all, region_all, employees)
    agents = employees.filter(pl.col("role") == "cc_agent")["employee_id"].to_numpy()
    is_cc = np.isin(channel_all, CONTACT_CENTER_CHANNELS)
    agent = np.where(is_cc, agents[rng.integers(0, len(agents), size=n_all)], None)

    extras = _extras(rng, raw, causes, cause_all, channel_all, scenario)
    text = pl.String
    plan = pl.DataFrame(
        [
            pl.Series("incident_key", incident),
            pl.Series("is_twin", is_twin),
            pl.Series("cause", [causes[i].key for i in cause_all], dtype=text),
            pl.Series("cause_type", [causes[i].type for i in cause_all], dtype=text),
            pl.Series("client_row", client_all),
            pl.Series("region", [scenario.regions[i] for i in region_all], dtype=text),
            pl.Series("region_idx", region_all),
            pl.Series("channel", channel_all.tolist(), dtype=text),
            pl.Series("received_at", np.datetime64(scenario.start, "us")
                      + (offset_all * 1_000_000).astype("timedelta64[us]")),
            pl.Series("tracking_number", ttn_all.tolist(), dtype=text),
            pl.Series("branch_number", branch_all),
            pl.Series("employee_id", employee.tolist(), dtype=text),
            pl.Series("agent_id", agent.tolist(), dtype=text),
            *[pl.Series(name, values.tolist(), dtype=text if values.dtype == object else None)
              for name, values in extras.items()],
        ]
    )
    plan = _resolutions(rng, raw, scenario, plan)
    return plan.sort(["received_at", "incident_key", "is_twin"]), sorted(int(d) for d in decoys)


def _tracking_numbers(rng: np.random.Generator, n: int) -> np.ndarray:
    """Unique 14-digit tracking numbers (Ukrainian carriers' waybills start with 20 or 59)."""
    body = rng.integers(10**11, 10**12, size=n)
    while len(np.unique(body)) < n:  # vanishingly rare; keep them unique all the same
        _, first = np.unique(body, return_index=True)
        dup = np.setdiff1d(np.arange(n), first)
        body[dup] = rng.integers(10**11, 10**12, size=len(dup))
    prefix = np.where(rng.random(n) < 0.7, "20", "59")
    return np.array([p + f"{b:012d}" for p, b in zip(prefix, body, strict=True)], dtype=object)


def _employees_concerned(rng, scenario, causes, cause_all, region_all, employees) -> np.ndarray:
    couriers = employees.filter(pl.col("role") == "courier")
    courier_ids = couriers["employee_id"].to_numpy()
    courier_region = np.array([scenario.regions.index(r) for r in couriers["region"].to_list()])
    agents = employees.filter(pl.col("role") == "cc_agent")["employee_id"].to_numpy()
    out = np.full(len(cause_all), None, dtype=object)
    for i, cause in enumerate(causes):
        rows = np.flatnonzero(cause_all == i)
        if not len(rows):
            continue
        if "courier" in cause.focus or cause.key in DELIVERY_CAUSES:
            share = cause.focus.get("employee_share", 0.0)
            involved = rows if "courier" in cause.focus else rows[rng.random(len(rows)) < 0.4]
            for region in np.unique(region_all[involved]):
                here = involved[region_all[involved] == region]
                local = courier_ids[courier_region == region]
                out[here] = local[rng.integers(0, len(local), size=len(here))]
            if "courier" in cause.focus:
                out[rows[rng.random(len(rows)) < share]] = cause.focus["courier"]
        elif "agent" in cause.focus:
            out[rows] = agents[rng.integers(0, len(agents), size=len(rows))]
            out[rows[rng.random(len(rows)) < cause.focus["employee_share"]]] = cause.focus["agent"]
    return out


def _extras(rng, raw, causes, cause_all, channel_all, scenario) -> dict[str, np.ndarray]:
    """What the text will carry besides the cause: significance cue, personal data, follow-up, length."""
    n = len(cause_all)
    keys = np.array([c.key for c in causes], dtype=object)[cause_all]
    register = np.array([scenario.register_of(ch) for ch in channel_all], dtype=object)
    sig_p = np.where(keys == "pharmacy_night_delivery", 0.25, raw["significance_share"])
    sig_p = np.where(keys == "social_noise", 0.0, sig_p)
    has_sig = rng.random(n) < sig_p
    sig_kind = np.array(SIGNIFICANCE_KINDS, dtype=object)[rng.integers(0, 4, size=n)]
    sig_kind[keys == "pharmacy_night_delivery"] = "medical"
    pii_p = np.where(keys == "social_noise", raw["pii_share"] / 3, raw["pii_share"])
    has_pii = rng.random(n) < pii_p
    pii_kind = np.array(PII_KINDS, dtype=object)[rng.choice(len(PII_KINDS), size=n, p=PII_P)]
    followup_p = np.where(keys == "client_endless_disputes", 0.9, raw["followup_share"])
    return {
        "significance": np.where(has_sig, sig_kind, None),
        "pii_kind": np.where(has_pii, pii_kind, None),
        "followup": rng.random(n) < followup_p,
        "long_text": (register == "formal") & (rng.random(n) < raw["long_text_share"]),
        "register": register,
    }


def _resolutions(rng, raw, scenario: Scenario, plan: pl.DataFrame) -> pl.DataFrame:
    """Status, response times, response, amount and reaction for contact-center complaints."""
    spec = raw["resolution"]
    n = plan.height
    channel = plan["channel"].to_numpy()
    cause = plan["cause"].to_numpy()
    is_cc = np.isin(channel, CONTACT_CENTER_CHANNELS)
    received = plan["received_at"].to_numpy()
    period_end = np.datetime64(datetime.combine(scenario.start, datetime.min.time())
                               + timedelta(days=scenario.days), "us")

    median_h = np.array([FIRST_RESPONSE_MEDIAN_H.get(ch, 0.0) for ch in channel])
    first_h = median_h * rng.lognormal(0.0, 1.0, size=n)
    first = received + (first_h * 3600e6).astype("timedelta64[us]")
    resolve_h = 30.0 * rng.lognormal(0.0, 1.0, size=n)
    resolved = first + (resolve_h * 3600e6).astype("timedelta64[us]")
    closed = is_cc & (rng.random(n) < spec["closed_share"]) & (resolved < period_end)

    response = np.full(n, None, dtype=object)
    for key, mix in spec["by_cause"].items():
        rows = np.flatnonzero(closed & (cause == key))
        options = list(mix)
        response[rows] = np.array(options, dtype=object)[
            rng.choice(len(options), size=len(rows), p=np.array(list(mix.values())) / sum(mix.values()))
        ]
    significant = closed & (plan["significance"].to_numpy() != None) & ~np.char.startswith(  # noqa: E711
        cause.astype(str), "client_")
    response[significant & (rng.random(n) < 0.7)] = spec["significance_response"]

    amount = np.full(n, np.nan)
    base = rng.lognormal(np.log(900), 0.7, size=n)
    inflated = rng.uniform(15_000, 40_000, size=n)
    amount = np.where(response == "standard_compensation",
                      np.where(cause == "client_value_inflation", inflated, base), amount)
    amount = np.where(response == "promo_code", rng.choice([85.0, 120.0, 140.0], size=n), amount)
    amount = np.where(response == "gift_box", 750.0, amount)
    amount = np.where(response == "replacement_plus_extra", base * 1.2 + 400, amount)
    amount = np.where(response == "polite_refusal", 0.0, amount)

    positive_p = np.array([spec["responses"][r]["positive"] if r else 0.0 for r in response])
    roll = rng.random(n)
    reaction = np.where(roll < positive_p, "positive", np.where(rng.random(n) < 0.4, "neutral", "negative"))
    reaction = np.where((response == None) | (rng.random(n) < 0.15), None, reaction)  # noqa: E711

    return plan.with_columns(
        pl.Series("status", np.where(is_cc, np.where(closed, "closed", "open"), None).tolist(),
                  dtype=pl.String),
        pl.Series("first_response_at", np.where(is_cc, first, np.datetime64("NaT")), dtype=pl.Datetime("us")),
        pl.Series("resolved_at", np.where(closed, resolved, np.datetime64("NaT")), dtype=pl.Datetime("us")),
        pl.Series("response_type", response.tolist(), dtype=pl.String),
        pl.Series("amount_uah", np.round(amount, 2), dtype=pl.Float64).fill_nan(None),
        pl.Series("reaction", reaction.tolist(), dtype=pl.String),
    )
