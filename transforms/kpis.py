"""The KPIs managers expect, per day and segment, from complaints, incidents and shipments (pure Polars).

Definitions, targets, owners and segment dimensions live in ``config/kpis.yaml``; ``load_kpi_config`` parses it
into typed settings. ``kpi_daily`` output grain: one row per day x kpi x dimension x segment_value (dimension
'all' with segment_value 'all' is the company-wide row, present for every day of the data), with
``value = scale * numerator / denominator`` (NULL when the denominator is 0). Exceptions: ``quantile`` KPIs
(medians, p90) carry the number of complaints measured as numerator and a NULL denominator; ``per_day`` KPIs
(counts, spend) have denominator 1 a day. ``kpi_definitions`` output grain: one row per KPI.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import datetime, timedelta
from pathlib import Path

import polars as pl
import yaml

from transforms.spike_alerts import SpikeParams

OUTPUT_SCHEMA = {"day": pl.Date, "kpi": pl.String, "dimension": pl.String, "segment_value": pl.String,
                 "value": pl.Float64, "numerator": pl.Float64, "denominator": pl.Float64, "target": pl.Float64,
                 "owner": pl.String}
DIRECTIONS = ("lower_is_better", "higher_is_better")
UNKNOWN = "(unknown)"
COMPLAINT_COLUMNS = ("complaint_id", "received_at", "channel", "client_id", "status", "first_response_at",
                     "resolved_at", "response_type", "compensation_uah", "reaction", "incident_id", "root_cause_id",
                     "value_destroyer", "text_masked")


@dataclass(frozen=True)
class KpiSpec:
    """How a KPI is computed: summed columns of one source frame (see ``_complaint_measures``)."""

    source: str                           # complaints | incidents | shipments
    aggregation: str                      # ratio | quantile | per_day
    numerator: str                        # column summed (for quantiles: the hours measured)
    denominator: str | None
    dimensions: tuple[str, ...]           # the dimensions the KPI may be broken down by
    scale: float = 1.0
    quantile: float | None = None
    denominator_from_shipments: bool = False


SHIPMENT_DIMENSIONS = ("industry", "client_type", "shipment_type", "region")
COMPLAINT_DIMENSIONS = (*SHIPMENT_DIMENSIONS, "channel", "language", "response_type", "cause_type")
KPI_SPECS: dict[str, KpiSpec] = {
    "complaints_per_10k_shipments": KpiSpec("complaints", "ratio", "one", "shipments", COMPLAINT_DIMENSIONS,
                                            scale=10_000, denominator_from_shipments=True),
    "intact_share": KpiSpec("shipments", "ratio", "intact", "shipments", SHIPMENT_DIMENSIONS),
    "first_response_hours_median": KpiSpec("complaints", "quantile", "first_response_hours", None,
                                           COMPLAINT_DIMENSIONS, quantile=0.5),
    "first_response_hours_p90": KpiSpec("complaints", "quantile", "first_response_hours", None,
                                        COMPLAINT_DIMENSIONS, quantile=0.9),
    "resolve_hours_median": KpiSpec("complaints", "quantile", "resolve_hours", None, COMPLAINT_DIMENSIONS,
                                    quantile=0.5),
    "resolve_hours_p90": KpiSpec("complaints", "quantile", "resolve_hours", None, COMPLAINT_DIMENSIONS, quantile=0.9),
    "sla_first_response_share": KpiSpec("complaints", "ratio", "first_response_in_sla", "first_response_sla_known",
                                        COMPLAINT_DIMENSIONS),
    "sla_resolve_share": KpiSpec("complaints", "ratio", "resolve_in_sla", "resolve_sla_known", COMPLAINT_DIMENSIONS),
    "first_contact_resolution": KpiSpec("incidents", "ratio", "closed_single_contact", "closed", COMPLAINT_DIMENSIONS),
    "repeat_complaint_rate": KpiSpec("complaints", "ratio", "repeat", "identified", COMPLAINT_DIMENSIONS),
    "fix_in_progress_share": KpiSpec("incidents", "ratio", "fix_under_way", "has_root_cause", COMPLAINT_DIMENSIONS),
    "compensation_per_complaint": KpiSpec("complaints", "ratio", "answered_cost", "answered", COMPLAINT_DIMENSIONS),
    "compensation_revenue_share": KpiSpec("complaints", "ratio", "cost", "revenue_uah", SHIPMENT_DIMENSIONS,
                                          denominator_from_shipments=True),
    "gift_spend": KpiSpec("complaints", "per_day", "gift_cost", None, COMPLAINT_DIMENSIONS),
    "positive_reaction_rate": KpiSpec("complaints", "ratio", "positive", "reacted", COMPLAINT_DIMENSIONS),
    "value_destroyer_complaint_share": KpiSpec("complaints", "ratio", "from_value_destroyer", "identified",
                                               COMPLAINT_DIMENSIONS),
    "value_destroyer_compensation_share": KpiSpec("complaints", "ratio", "value_destroyer_cost", "cost",
                                                  COMPLAINT_DIMENSIONS),
    "social_mentions": KpiSpec("complaints", "per_day", "social", None, COMPLAINT_DIMENSIONS),
    "social_negative_share": KpiSpec("complaints", "ratio", "social_negative", "social", COMPLAINT_DIMENSIONS),
}


KINDS = {str: "a text", list: "a list", dict: "a mapping", int: "a whole number", bool: "true or false"}


class KpiConfigError(ValueError):
    """A missing or invalid entry of the KPI configuration file."""


@dataclass(frozen=True)
class KpiDefinition:
    key: str
    name: str
    definition: str
    numerator: str
    denominator: str
    unit: str
    direction: str
    target: float
    owner: str
    dimensions: tuple[str, ...]


@dataclass(frozen=True)
class KpiConfig:
    """config/kpis.yaml, validated (see the comments there)."""

    kpis: tuple[KpiDefinition, ...]
    first_response_sla_hours: float
    resolve_sla_hours: float
    repeat_window_days: int
    contact_center_channels: tuple[str, ...]
    social_channels: tuple[str, ...]
    gift_response_types: tuple[str, ...]
    negative_cues: dict[str, tuple[str, ...]]
    assigned_counts_as_negative: bool
    alerts: SpikeParams


def load_kpi_config(path: str | Path) -> KpiConfig:
    """Read and validate ``config/kpis.yaml`` (errors name the file and the key)."""
    path = Path(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise KpiConfigError(f"{path}: cannot be read as YAML ({exc}).") from exc
    return kpi_config_from_dict(raw, source=str(path))


def kpi_config_from_dict(raw: object, source: str = "kpis.yaml") -> KpiConfig:
    """Validate an already parsed KPI configuration; ``source`` names it in errors."""
    def fail(key: str, problem: str) -> KpiConfigError:
        return KpiConfigError(f"{source}: '{key}' {problem}; fix it in the KPI configuration.")

    def get(mapping: dict, key: str, path: str, kind: type | tuple[type, ...]):
        if key not in mapping or mapping[key] is None:
            raise fail(f"{path}{key}", "is missing")
        value = mapping[key]
        if not isinstance(value, kind) or isinstance(value, bool) and kind is not bool:
            raise fail(f"{path}{key}", f"must be {KINDS.get(kind, 'a number')}, got {value!r}")
        return value

    def texts(mapping: dict, key: str, path: str) -> tuple[str, ...]:
        values = get(mapping, key, path, list)
        if not all(isinstance(v, str) and v for v in values):
            raise fail(f"{path}{key}", "must be a list of non-empty strings")
        return tuple(values)

    if not isinstance(raw, dict):
        raise fail("(top level)", "must be a mapping")
    kpis = []
    for key, entry in get(raw, "kpis", "", dict).items():
        path = f"kpis.{key}."
        if key not in KPI_SPECS:
            raise fail(f"kpis.{key}", f"is not a known KPI (known: {', '.join(KPI_SPECS)})")
        if not isinstance(entry, dict):
            raise fail(f"kpis.{key}", "must be a mapping")
        words = {f: get(entry, f, path, str) for f in ("name", "definition", "numerator", "denominator", "unit",
                                                        "direction", "owner")}
        if words["direction"] not in DIRECTIONS:
            raise fail(f"{path}direction", f"must be one of {', '.join(DIRECTIONS)}, got {words['direction']!r}")
        dimensions = texts(entry, "dimensions", path)
        allowed = KPI_SPECS[key].dimensions
        for dimension in dimensions:
            if dimension not in allowed:
                raise fail(f"{path}dimensions", f"has {dimension!r}, not one of {', '.join(allowed)}")
        kpis.append(KpiDefinition(key=key, target=float(get(entry, "target", path, (int, float))),
                                  dimensions=dimensions, **words))
    sla = get(raw, "sla_hours", "", dict)
    social = get(raw, "social_negative", "", dict)
    cues = get(social, "cues", "social_negative.", dict)
    alerts = get(raw, "alerts", "", dict)
    spike = {}
    for f in fields(SpikeParams):
        kind = int if f.type == "int" else (int, float)
        value = get(alerts, f.name, "alerts.", kind)
        if value < 0 or (f.name in ("baseline_days", "min_history_days") and value < 1):
            raise fail(f"alerts.{f.name}", f"must be positive, got {value!r}")
        spike[f.name] = value
    if spike["min_history_days"] > spike["baseline_days"]:
        raise fail("alerts.min_history_days", "must not exceed alerts.baseline_days")
    return KpiConfig(
        kpis=tuple(kpis),
        first_response_sla_hours=float(get(sla, "first_response", "sla_hours.", (int, float))),
        resolve_sla_hours=float(get(sla, "resolve", "sla_hours.", (int, float))),
        repeat_window_days=get(raw, "repeat_window_days", "", int),
        contact_center_channels=texts(raw, "contact_center_channels", ""),
        social_channels=texts(raw, "social_channels", ""),
        gift_response_types=texts(raw, "gift_response_types", ""),
        negative_cues={lang: texts(cues, lang, "social_negative.cues.") for lang in cues},
        assigned_counts_as_negative=get(social, "assigned_counts_as_negative", "social_negative.", bool),
        alerts=SpikeParams(**spike))


def kpi_definitions(config: KpiConfig) -> pl.DataFrame:
    """One row per KPI: kpi, name, definition, numerator/denominator (in words), unit, direction, target, owner,
    dimensions, aggregation ('ratio' | 'quantile' | 'per_day') and scale."""
    rows = [{"kpi": k.key, "name": k.name, "definition": k.definition, "numerator_definition": k.numerator,
             "denominator_definition": k.denominator, "unit": k.unit, "direction": k.direction, "target": k.target,
             "owner": k.owner, "dimensions": list(k.dimensions), "aggregation": KPI_SPECS[k.key].aggregation,
             "scale": KPI_SPECS[k.key].scale} for k in config.kpis]
    return pl.DataFrame(rows, schema={"kpi": pl.String, "name": pl.String, "definition": pl.String,
                                      "numerator_definition": pl.String, "denominator_definition": pl.String,
                                      "unit": pl.String, "direction": pl.String, "target": pl.Float64,
                                      "owner": pl.String, "dimensions": pl.List(pl.String),
                                      "aggregation": pl.String, "scale": pl.Float64})


def kpi_daily(complaints: pl.DataFrame, shipments: pl.DataFrame, incidents: pl.DataFrame,
              cause_fixes: pl.DataFrame, config: KpiConfig, as_of: datetime | None = None) -> pl.DataFrame:
    """One row per day x kpi x dimension x segment_value (see the module docstring for value/numerator/denominator).

    ``as_of`` (default: the latest timestamp in ``complaints``) decides which unanswered / open complaints are
    SLA breaches already. Segment rows exist where the segment has something to measure on the day
    (per-10k and per-day KPIs: every day for each segment value seen); the 'all' rows exist for every day.
    """
    if as_of is None:
        as_of = complaints.select(pl.max_horizontal(pl.col("received_at", "first_response_at", "resolved_at").max())
                                  ).item() if complaints.height else datetime(1970, 1, 1)
    dimensions = {d for k in config.kpis for d in k.dimensions}
    _require(complaints, "complaints", [*COMPLAINT_COLUMNS, *(dimensions & set(COMPLAINT_DIMENSIONS))])
    _require(shipments, "shipments", ["day", "shipments", "damaged", "revenue_uah", *SHIPMENT_DIMENSIONS])
    _require(incidents, "incidents", ["incident_id", "n_complaints"])
    _require(cause_fixes, "cause_fixes", ["root_cause_id", "fix_status"])
    measured = _complaint_measures(complaints, config, as_of)
    per_incident = _incident_measures(measured, incidents, cause_fixes, dimensions & set(COMPLAINT_DIMENSIONS))
    ships = shipments.with_columns(pl.col("shipments", "damaged", "revenue_uah").cast(pl.Float64)).with_columns(
        (pl.col("shipments") - pl.col("damaged")).alias("intact"))
    sources = {"complaints": measured.lazy(), "incidents": per_incident.lazy(), "shipments": ships.lazy()}
    frames = [_aggregate(KPI_SPECS[kpi.key], sources[KPI_SPECS[kpi.key].source], sources["shipments"], dimension)
              .select("day", kpi=pl.lit(kpi.key), dimension=pl.lit(dimension), segment_value="segment_value",
                      value=pl.col("value").cast(pl.Float64), numerator=pl.col("numerator").cast(pl.Float64),
                      denominator=pl.col("denominator").cast(pl.Float64))
              for kpi in config.kpis for dimension in ("all", *kpi.dimensions)]  # lazy: run in parallel at collect
    long = pl.concat(frames).collect() if frames else pl.DataFrame(schema=OUTPUT_SCHEMA).drop("target", "owner")
    long = _every_day_company_wide(long, measured, ships, config)
    meta = kpi_definitions(config).select("kpi", "target", "owner", "aggregation", "scale")
    ratio = pl.col("scale") * pl.col("numerator") / pl.col("denominator")
    return (long.join(meta, on="kpi", how="left")
            .with_columns(pl.when(pl.col("aggregation") == "quantile").then(pl.col("value"))
                          .when(pl.col("denominator") > 0).then(ratio).otherwise(None).alias("value"))
            .select(list(OUTPUT_SCHEMA)).cast(OUTPUT_SCHEMA)
            .sort("kpi", "dimension", "segment_value", "day"))


def _segment(dimension: str) -> pl.Expr:
    if dimension == "all":
        return pl.lit("all").alias("segment_value")
    return pl.col(dimension).cast(pl.String).fill_null(UNKNOWN).alias("segment_value")


def _aggregate(spec: KpiSpec, source: pl.LazyFrame, ships: pl.LazyFrame, dimension: str) -> pl.LazyFrame:
    """One row per day x segment value of ``dimension`` for one KPI: numerator, denominator (value for quantiles)."""
    keys = [pl.col("day"), _segment(dimension)]
    if spec.aggregation == "quantile":
        hours = pl.col(spec.numerator)
        return (source.group_by(keys)
                .agg(hours.quantile(spec.quantile, interpolation="linear").alias("value"),
                     hours.count().alias("numerator"))
                .filter(pl.col("numerator") > 0).with_columns(denominator=pl.lit(None, pl.Float64)))
    if spec.denominator_from_shipments:
        top = source.group_by(keys).agg(pl.col(spec.numerator).sum().alias("numerator"))
        by_segment = dimension in ships.collect_schema().names() or dimension == "all"
        below = ships.group_by(keys if by_segment else ["day"]).agg(pl.col(spec.denominator).sum().alias("denominator"))
        if by_segment:
            both = top.join(below, on=["day", "segment_value"], how="full", coalesce=True)
        else:  # a complaint attribute (channel): every value seen on every shipment day, over all shipments
            both = (below.join(top.select("segment_value").unique(), how="cross")
                    .join(top, on=["day", "segment_value"], how="full", coalesce=True))
        return both.with_columns(pl.col("numerator", "denominator").fill_null(0.0), value=pl.lit(None, pl.Float64))
    if spec.aggregation == "per_day":  # every day with complaints x every value that ever had something
        grouped = source.group_by(keys).agg(pl.col(spec.numerator).sum().alias("numerator"))
        values = grouped.filter(pl.col("numerator") > 0).select("segment_value").unique()
        grouped = (source.select("day").unique().join(values, how="cross")
                   .join(grouped, on=["day", "segment_value"], how="left"))
        return grouped.with_columns(pl.col("numerator").fill_null(0.0), denominator=pl.lit(1.0),
                                    value=pl.lit(None, pl.Float64))
    grouped = source.group_by(keys).agg(pl.col(spec.numerator).sum().alias("numerator"),
                                        pl.col(spec.denominator).sum().alias("denominator"))
    return (grouped.filter((pl.col("numerator") != 0) | (pl.col("denominator") != 0))
            .with_columns(value=pl.lit(None, pl.Float64)))


def _every_day_company_wide(long: pl.DataFrame, measured: pl.DataFrame, ships: pl.DataFrame,
                            config: KpiConfig) -> pl.DataFrame:
    """Add the missing 'all' rows, so that every KPI has a company-wide row on every day of the data."""
    days = pl.concat([measured.select("day"), ships.select(pl.col("day").cast(pl.Date))])["day"]
    if days.is_null().all() or not config.kpis:
        return long
    calendar = pl.DataFrame({"day": pl.date_range(days.min(), days.max(), timedelta(days=1), eager=True)})
    grid = calendar.join(pl.DataFrame({"kpi": [k.key for k in config.kpis]}), how="cross").with_columns(
        dimension=pl.lit("all"), segment_value=pl.lit("all"))
    missing = grid.join(long, on=["day", "kpi", "dimension", "segment_value"], how="anti")
    per_day = [k for k, s in KPI_SPECS.items() if s.aggregation == "per_day"]
    quantile = [k for k, s in KPI_SPECS.items() if s.aggregation == "quantile"]
    filler = missing.with_columns(
        value=pl.lit(None, pl.Float64), numerator=pl.lit(0.0),
        denominator=pl.when(pl.col("kpi").is_in(per_day)).then(1.0)
        .when(pl.col("kpi").is_in(quantile)).then(None).otherwise(0.0))
    return pl.concat([long, filler.select(long.columns)])


def _require(frame: pl.DataFrame, name: str, columns) -> None:
    missing = sorted(set(columns) - set(frame.columns))
    if missing:
        raise ValueError(f"kpi_daily: the {name} frame lacks column(s) {', '.join(missing)}; add them upstream.")


def _hours(since: str, until: str | pl.Expr) -> pl.Expr:
    until = pl.col(until) if isinstance(until, str) else until
    return (until - pl.col(since)).dt.total_seconds(fractional=True) / 3600


def _complaint_measures(complaints: pl.DataFrame, config: KpiConfig, as_of: datetime) -> pl.DataFrame:
    """One row per complaint with ``day`` and the 0/1 flags, costs and durations the KPIs sum (Float64)."""
    cc = pl.col("channel").is_in(config.contact_center_channels)
    social = pl.col("channel").is_in(config.social_channels)
    answer, resolve, age = _hours("received_at", "first_response_at"), _hours("received_at", "resolved_at"), \
        _hours("received_at", pl.lit(as_of))
    identified, cost = pl.col("client_id").is_not_null(), pl.col("compensation_uah").fill_null(0.0)
    destroyer = identified & pl.col("value_destroyer").fill_null(False)
    cues = sorted({v for words in config.negative_cues.values() for w in words
                   for v in (w.lower(), w.capitalize(), w.upper())})  # any language's cue, as written in a text
    negative = pl.when(social).then(pl.col("text_masked")).str.contains_any(cues) if cues else pl.lit(False)
    if config.assigned_counts_as_negative:
        negative = negative | pl.col("root_cause_id").is_not_null()
    incident = pl.struct("client_id", pl.coalesce(pl.col("incident_id"), pl.col("complaint_id"))).hash()
    client = pl.col("client_id").hash().alias("_client")
    starts = (complaints.filter(identified).group_by(client, incident.alias("_incident"))
              .agg(pl.col("received_at").min().alias("_start")).sort("_client", "_start")
              .with_columns(((pl.col("_start") - pl.col("_start").shift(1).over("_client"))
                             <= timedelta(days=config.repeat_window_days)).fill_null(False).alias("repeat"))
              .select("_incident", "repeat"))  # 64-bit hashes of (client, incident): far faster joins than strings
    flags = {
        "one": pl.lit(True), "contact_center": cc,
        "first_response_in_sla": cc & (answer <= config.first_response_sla_hours),
        "first_response_sla_known": cc & (pl.col("first_response_at").is_not_null()
                                          | (age >= config.first_response_sla_hours)),
        "resolve_in_sla": cc & (resolve <= config.resolve_sla_hours),
        "resolve_sla_known": cc & (pl.col("resolved_at").is_not_null() | (age >= config.resolve_sla_hours)),
        "answered": pl.col("response_type").is_not_null(), "reacted": pl.col("reaction").is_not_null(),
        "positive": pl.col("reaction") == "positive", "identified": identified, "from_value_destroyer": destroyer,
        "social": social, "social_negative": social & negative, "repeat": pl.col("repeat"),
    }
    return (complaints.with_columns(incident.alias("_incident")).join(starts, on="_incident", how="left")
            .with_columns(*[e.fill_null(False).cast(pl.Float64).alias(k) for k, e in flags.items()],
                          pl.col("received_at").dt.date().alias("day"), cost.alias("cost"),
                          pl.when(pl.col("response_type").is_not_null()).then(cost).otherwise(0.0).alias("answered_cost"),
                          pl.when(pl.col("response_type").is_in(config.gift_response_types)).then(cost).otherwise(0.0)
                          .alias("gift_cost"),
                          pl.when(destroyer).then(cost).otherwise(0.0).alias("value_destroyer_cost"),
                          pl.when(cc & (answer >= 0)).then(answer).alias("first_response_hours"),
                          pl.when(cc & (resolve >= 0)).then(resolve).alias("resolve_hours")))


def _incident_measures(measured: pl.DataFrame, incidents: pl.DataFrame, cause_fixes: pl.DataFrame,
                       dimensions: set[str]) -> pl.DataFrame:
    """One row per incident with complaints: day and segment values of its first complaint, and the flags
    closed (every contact-center complaint closed, at least one), closed_single_contact, has_root_cause and
    fix_under_way (its root cause, that of its first assigned complaint, has a fix in_progress or done)."""
    cc, assigned = pl.col("contact_center") > 0, pl.col("root_cause_id").is_not_null()
    first = [pl.col(d).first() for d in sorted(dimensions - {"cause_type"})]  # rows keep their order in a group
    if "cause_type" in dimensions:
        first.append(pl.col("cause_type").filter(assigned).first())
    per = (measured.filter(pl.col("incident_id").is_not_null()).sort("received_at").group_by("incident_id")
           .agg(pl.col("day").first(), *first, pl.len().alias("_contacts"),
                pl.col("root_cause_id").filter(assigned).first(),
                ((cc.sum() > 0) & ((cc & (pl.col("status") == "closed")).sum() == cc.sum())).alias("closed")))
    fixes = cause_fixes.select("root_cause_id", "fix_status").unique("root_cause_id")
    contacts = pl.coalesce(pl.col("n_complaints").cast(pl.Int64), pl.col("_contacts").cast(pl.Int64))
    flags = {"closed": pl.col("closed"), "closed_single_contact": pl.col("closed") & (contacts == 1),
             "has_root_cause": pl.col("root_cause_id").is_not_null(),
             "fix_under_way": pl.col("fix_status").is_in(["in_progress", "done"])}
    return (per.join(incidents.select("incident_id", "n_complaints").unique("incident_id"), on="incident_id",
                     how="left")
            .join(fixes, on="root_cause_id", how="left")
            .with_columns(*[e.fill_null(False).cast(pl.Float64).alias(k) for k, e in flags.items()]))
