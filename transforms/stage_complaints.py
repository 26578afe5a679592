"""Staging: a file's raw records -> typed, mapped canonical complaints (not yet masked or validated).

Input grain = output grain: one row per record read from a file. Values that do not parse (a date in an
unknown format, an amount that is not a number) become NULL and are listed in ``type_errors``
(``_row``, column, reason) for the validation step to quarantine.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from transforms.source_spec import SourceSpec

ISO_FORMATS = ("%Y-%m-%dT%H:%M:%S%.fZ", "%Y-%m-%dT%H:%M:%SZ", "%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%dT%H:%M:%S%.f",
               "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d")
DATE_FIELDS = ("received_at", "first_response_at", "resolved_at")


@dataclass(frozen=True)
class Staged:
    complaints: pl.DataFrame
    type_errors: pl.DataFrame  # _row, column_name, reason


def stage_records(records: pl.DataFrame, spec: SourceSpec, file_name: str) -> Staged:
    """Typed canonical columns from a :func:`transforms.read_source.read_records` frame."""
    frame = records.with_columns(
        [pl.lit(None, dtype=pl.String).alias(f) for f in spec.fields if f not in records.columns]
    )
    text_cols = [c for c in spec.fields if c not in DATE_FIELDS and c != "amount"]
    frame = frame.with_columns([_clean_text(c) for c in text_cols])
    errors: list[pl.DataFrame] = []

    typed = [pl.col("_row"), pl.col("_raw")]
    for field in DATE_FIELDS:
        if field in spec.fields:
            frame = frame.with_columns(parse_datetimes(frame[field], spec).alias(f"_{field}"))
            errors.append(_unparsed(frame, field, f"_{field}", f"not a date/time in a known format "
                                    f"({', '.join(spec.date_formats) or 'ISO 8601'}) or not a valid "
                                    f"{spec.timezone} local time"))
            typed.append(pl.col(f"_{field}").alias(field))
        else:
            typed.append(pl.lit(None, dtype=pl.Datetime("us")).alias(field))
    if "amount" in spec.fields:
        frame = frame.with_columns(_parse_amount(pl.col("amount"), spec.decimal_comma).alias("_amount"))
        errors.append(_unparsed(frame, "amount", "_amount", "not a number"))
        typed.append(pl.col("_amount").alias("amount"))
    else:
        typed.append(pl.lit(None, dtype=pl.Float64).alias("amount"))

    channel = (pl.lit(spec.channel) if spec.channel else
               pl.col(spec.channel_field).replace_strict(spec.channel_values, default=None, return_dtype=pl.String))
    typed.append(channel.cast(pl.String).alias("channel"))
    for field in ("status", "response_type", "reaction"):
        mapping = spec.values.get(field)
        expr = pl.col(field) if field in spec.fields else pl.lit(None, dtype=pl.String)
        if mapping:
            expr = expr.replace_strict(mapping, default=None, return_dtype=pl.String)
        typed.append(expr.alias(field))
    for field in ("record_id", "text", "client_id", "author_handle", "author_name", "phone", "email",
                  "tracking_number", "branch", "agent_id", "employee_id"):
        typed.append((pl.col(field) if field in spec.fields else pl.lit(None, dtype=pl.String)).alias(field))
    typed += [pl.col(c) for c in frame.columns if c.startswith(("attr_", "keep_"))]

    key = pl.concat_str([pl.col(k).fill_null("") for k in spec.natural_key], separator="|")
    staged = frame.select(typed).with_columns(
        pl.lit(spec.name).alias("source"),
        pl.lit(file_name).alias("file_name"),
        (pl.lit(spec.name + ":") + key).alias("complaint_id"),
        pl.col("branch").str.extract(r"(\d{1,5})").cast(pl.Int32, strict=False).alias("branch_number"),
    )
    type_errors = pl.concat(errors) if errors else _empty_errors()
    return Staged(complaints=staged, type_errors=type_errors)


def _clean_text(column: str) -> pl.Expr:
    """Trim, and treat empty strings and a literal 'nan'/'None' (spreadsheet artefacts) as missing."""
    stripped = pl.col(column).str.strip_chars()
    return pl.when(stripped.is_in(["", "nan", "None", "NULL", "null"])).then(None).otherwise(
        pl.col(column) if column == "text" else stripped).alias(column)


def parse_datetimes(values: pl.Series, spec: SourceSpec) -> pl.Series:
    """UTC timestamps (naive) from text: each configured format, then ISO 8601, the first that parses wins;
    naive ones are in ``timezone``. A format is tried only on the values no earlier one parsed (usually
    none are left after the first)."""
    text = values.str.strip_chars()
    result = pl.Series(values.name, [None] * len(values), dtype=pl.Datetime("us"))
    pending = (text.is_not_null() & (text != "")).arg_true()
    for fmt in [*spec.date_formats, *ISO_FORMATS]:
        if pending.len() == 0:
            break
        parsed = pl.select(_parse_with(pl.lit(text.gather(pending)), fmt, spec.timezone)).to_series()
        ok = parsed.is_not_null()
        result = result.scatter(pending.filter(ok), parsed.filter(ok))
        pending = pending.filter(~ok)
    return result


def _parse_with(value: pl.Expr, fmt: str, timezone: str) -> pl.Expr:
    if "%z" in fmt:
        return value.str.strptime(pl.Datetime("us", "UTC"), fmt, strict=False).dt.replace_time_zone(None)
    local = value.str.strptime(pl.Datetime("us"), fmt, strict=False)
    if fmt.endswith("Z"):
        return local
    return (local.dt.replace_time_zone(timezone, ambiguous="earliest", non_existent="null")
            .dt.convert_time_zone("UTC").dt.replace_time_zone(None))


def _parse_amount(value: pl.Expr, decimal_comma: bool) -> pl.Expr:
    cleaned = value.str.strip_chars().str.replace_all(r"[\s\u00a0]", "").str.replace_all(r"(грн|UAH|\$)", "")
    if decimal_comma:
        cleaned = cleaned.str.replace_all(r"\.", "").str.replace(",", ".")
    return pl.when(cleaned == "").then(None).otherwise(cleaned).cast(pl.Float64, strict=False)


def _unparsed(frame: pl.DataFrame, column: str, parsed: str, reason: str) -> pl.DataFrame:
    bad = frame.filter(pl.col(column).is_not_null() & (pl.col(column).str.strip_chars() != "")
                       & pl.col(parsed).is_null())
    return bad.select(
        "_row",
        pl.lit(column).alias("column_name"),
        (pl.lit(f"{column} {reason}: '") + pl.col(column).str.slice(0, 60) + pl.lit("'")).alias("reason"),
    )


def _empty_errors() -> pl.DataFrame:
    return pl.DataFrame(schema={"_row": pl.Int64, "column_name": pl.String, "reason": pl.String})

