"""Files' records -> complaints ready for the warehouse, and everything else to quarantine.

Per file, :func:`stage_file`: source filter (``keep_if``) → staging (types) → in-file duplicates →
identifiers → PII masking → language; then :func:`identify_file`: client → segment fields. Per source,
:func:`validate_files`: the raw and staging Great Expectations suites over all its new files at once. Per
file again, :func:`finish_file`: failing rows and complaints loaded before go to quarantine. Every record
read ends up in exactly one of ``complaints`` and ``quarantine`` (``rows_in`` = both).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

import polars as pl

from transforms import identity, validation
from transforms.language import detect_language
from transforms.masking import MaskingRules, mask_pii
from transforms.read_source import FileRejected, RawBatch, read_records
from transforms.source_spec import SourceSpec
from transforms.stage_complaints import stage_records

QUARANTINE_SCHEMA = {"row_number": pl.Int64, "column_name": pl.String, "reason": pl.String, "kind": pl.String,
                     "raw_row": pl.String}


@dataclass(frozen=True)
class ReferenceData:
    """What staging looks things up in. All frames may be empty (e.g. public data with no client list)."""

    clients: pl.DataFrame  # client_id, client_type, industry, main_shipment_type, region
    branches: pl.DataFrame  # number, branch_id, region
    handles: pl.DataFrame  # platform, handle, client_id
    contacts: pl.DataFrame  # client_id, phone_norm, email_norm
    known_tracking: pl.DataFrame  # tracking_number, client_id
    loaded_ids: pl.DataFrame  # complaint_id of everything already in the warehouse

    @classmethod
    def empty(cls) -> ReferenceData:
        s = pl.String
        return cls(
            clients=pl.DataFrame(schema={"client_id": s, "client_type": s, "industry": s,
                                         "main_shipment_type": s, "region": s}),
            branches=pl.DataFrame(schema={"number": pl.Int32, "branch_id": s, "region": s}),
            handles=pl.DataFrame(schema={"platform": s, "handle": s, "client_id": s}),
            contacts=pl.DataFrame(schema={"client_id": s, "phone_norm": s, "email_norm": s}),
            known_tracking=pl.DataFrame(schema={"tracking_number": s, "client_id": s}),
            loaded_ids=pl.DataFrame(schema={"complaint_id": s}),
        )


@dataclass(frozen=True)
class StagedFile:
    """A file after staging, before the validation suites ran on it (together with its source's files)."""

    file_name: str
    frame: pl.DataFrame  # staged, masked, with language; _file, _row, _raw (+ client, segments: identify_file)
    quarantined: list[pl.DataFrame]
    raw: pl.DataFrame  # row_number, record
    rows_in: int


@dataclass(frozen=True)
class PreparedFile:
    complaints: pl.DataFrame  # the warehouse's `complaints` columns (see _warehouse_shape)
    quarantine: pl.DataFrame  # QUARANTINE_SCHEMA + raw_row_masked
    validation: pl.DataFrame  # suite, expectation, column_name, success, unexpected_count, element_count
    rows_in: int


def stage_export(data: bytes, file_name: str, spec: SourceSpec, rules: MaskingRules,
                 tracking_pattern: str) -> StagedFile | FileRejected:
    """One export file's bytes, read and staged (:func:`stage_file`); the :class:`FileRejected` (returned,
    not raised, so a worker hands it back like any result) when the file cannot be read at all."""
    try:
        batch = read_records(data, file_name, spec)
    except FileRejected as exc:
        return exc
    return stage_file(batch, spec, file_name, rules, tracking_pattern)


def stage_file(batch: RawBatch, spec: SourceSpec, file_name: str, rules: MaskingRules,
               tracking_pattern: str) -> StagedFile:
    """Filter, type, de-duplicate within the file, find identifiers, mask, detect language: everything
    that needs nothing but the file (files of every source are staged at once); :func:`identify_file`
    then looks its clients up."""
    records = batch.records
    quarantined = [batch.problems.with_columns(pl.lit("invalid").alias("kind")).select(list(QUARANTINE_SCHEMA))]

    keep = pl.lit(True)
    for field, allowed in spec.keep_if.items():
        keep = keep & pl.col(f"keep_{field}").is_in(allowed)
    filtered = records.filter(~keep)
    if filtered.height:
        rule = ", ".join(f"{f} in {v}" for f, v in spec.keep_if.items())
        quarantined.append(_quarantine(filtered, pl.lit(next(iter(spec.keep_if))),
                                       pl.lit(f"filtered by the source rule ({rule})"), "filtered"))
    staged = stage_records(records.filter(keep), spec, file_name)
    frame = staged.complaints.with_columns(pl.lit(file_name).alias("_file"))
    if staged.type_errors.height:
        bad = _one_per_row(staged.type_errors)
        quarantined.append(_quarantine(frame.join(bad, on="_row"), pl.col("column_name"), pl.col("reason"),
                                       "invalid"))
        frame = frame.join(bad.select("_row"), on="_row", how="anti")

    frame = frame.with_columns(pl.col("_row").min().over("complaint_id").alias("_first"))
    repeats = frame.filter(pl.col("_row") != pl.col("_first"))
    if repeats.height:
        quarantined.append(_quarantine(repeats, pl.lit("record_id"), pl.lit("duplicate of row ")
                                       + pl.col("_first").cast(pl.String) + pl.lit(" in the same file"),
                                       "duplicate"))
    frame = frame.filter(pl.col("_row") == pl.col("_first")).drop("_first")

    frame = identity.extract_identifiers(frame, tracking_pattern)
    frame = detect_language(mask_pii(frame, rules), column="text_masked")
    return StagedFile(file_name, frame, quarantined,
                      batch.records.select(pl.col("_row").alias("row_number"), pl.col("_raw").alias("record")),
                      batch.rows_in)


def identify_file(staged: StagedFile, spec: SourceSpec, reference: ReferenceData) -> StagedFile:
    """The staged file's clients (field, handle, phone, e-mail or tracking number: ``reference`` holds
    the tracking numbers of the sources staged before), their segment fields, and whether each named
    client is a known one."""
    frame = identity.resolve_clients(staged.frame, reference.handles, reference.contacts,
                                     reference.known_tracking, spec.handle_platform)
    frame = _with_segments(frame, reference)
    if reference.clients.height:
        frame = frame.with_columns(
            pl.when(pl.col("client_id").is_null()).then(None)
            .otherwise(pl.col("client_id").is_in(reference.clients["client_id"].implode())).alias("client_id_known"))
    return replace(staged, frame=frame)


def validate_files(files: list[StagedFile], spec: SourceSpec, check_clients: bool, now: datetime,
                   max_text_chars: int) -> dict[str, tuple[pl.DataFrame, pl.DataFrame]]:
    """Run the raw and staging suites once over all of a source's files (GX has a fixed cost per run).

    Returns, per file name: the failing rows (_row, column_name, reason) and one result row per
    expectation (its unexpected count within that file).
    """
    if not files:
        return {}
    frame = pl.concat([f.frame for f in files], how="diagonal_relaxed").with_row_index("_ix")
    suites = [(f"raw_{spec.name}", validation.raw_suite()),
              (f"stg_{spec.name}", validation.staging_suite(spec, check_clients, now, max_text_chars))]
    failures, expectations = [], []
    for name, suite in suites:
        failures.append(validation.validate(frame, name, suite).with_columns(pl.lit(name).alias("suite")))
        expectations += [(name, e) for e in suite]
    failed = pl.concat(failures).join(frame.select("_ix", "_file", "_row"), on="_ix")
    sizes = dict(frame.group_by("_file").len().iter_rows())
    out = {}
    for f in files:
        mine = failed.filter(pl.col("_file") == f.file_name)
        counts = {(s, c, r): n for s, c, r, n in
                  mine.group_by("suite", "column_name", "reason").len().iter_rows()}
        results = pl.DataFrame([
            {"suite": s, "expectation": e.kind, "column_name": e.reported_column,
             "unexpected_count": counts.get((s, e.reported_column, e.reason), 0),
             "element_count": sizes.get(f.file_name, 0)}
            for s, e in expectations
        ], schema={"suite": pl.String, "expectation": pl.String, "column_name": pl.String,
                   "unexpected_count": pl.Int64, "element_count": pl.Int64}
        ).with_columns((pl.col("unexpected_count") == 0).alias("success"))
        out[f.file_name] = (mine.select("_row", "column_name", "reason"), results)
    return out


def finish_file(staged: StagedFile, failures: pl.DataFrame, validation_results: pl.DataFrame,
                loaded_ids: pl.DataFrame, rules: MaskingRules) -> PreparedFile:
    """Quarantine the rows that failed validation or were loaded before; the rest are complaints."""
    frame, quarantined = staged.frame, list(staged.quarantined)
    invalid = _one_per_row(failures)
    if invalid.height:
        quarantined.append(_quarantine(frame.join(invalid, on="_row"), pl.col("column_name"), pl.col("reason"),
                                       "invalid"))
        frame = frame.join(invalid.select("_row"), on="_row", how="anti")
    # look the file's few ids up in the (large) loaded set, not the other way round
    hits = loaded_ids.filter(pl.col("complaint_id").is_in(frame["complaint_id"].implode()))
    seen = frame.join(hits, on="complaint_id", how="semi")
    if seen.height:
        quarantined.append(_quarantine(seen, pl.lit("record_id"),
                                       pl.lit("duplicate: this complaint was already loaded from an earlier file"),
                                       "duplicate"))
        frame = frame.join(hits, on="complaint_id", how="anti")
    quarantine = pl.concat(quarantined).sort("row_number")
    quarantine = mask_pii(quarantine, rules, column="raw_row", out="raw_row_masked").drop("pii_masked")
    return PreparedFile(complaints=_warehouse_shape(frame), quarantine=quarantine,
                        validation=validation_results, rows_in=staged.rows_in)


def _with_segments(frame: pl.DataFrame, reference: ReferenceData) -> pl.DataFrame:
    clients = reference.clients.select(
        "client_id", "client_type", "industry", pl.col("main_shipment_type").alias("shipment_type"),
        pl.col("region").alias("_client_region"))
    branches = reference.branches.select(pl.col("number").cast(pl.Int32).alias("branch_number"), "branch_id",
                                         pl.col("region").alias("_branch_region"))
    return (
        frame.join(clients, on="client_id", how="left", maintain_order="left")
        .join(branches, on="branch_number", how="left", maintain_order="left")
        .with_columns(pl.coalesce("_branch_region", "_client_region").alias("region"))
        .drop("_client_region", "_branch_region")
    )


def _warehouse_shape(frame: pl.DataFrame) -> pl.DataFrame:
    attribute_cols = [c for c in frame.columns if c.startswith("attr_")]
    attributes = (pl.struct([pl.col(c).alias(c.removeprefix("attr_")) for c in attribute_cols]).struct.json_encode()
                  if attribute_cols else pl.lit(None, dtype=pl.String))
    return frame.select(
        "complaint_id", "source", pl.col("record_id").alias("source_record_id"), "channel", "received_at",
        "client_id", "author_handle", "tracking_numbers", "branch_id", "employee_id", "language", "text_masked",
        "client_type", "industry", "shipment_type", "region", "status", "first_response_at", "resolved_at",
        "response_type", pl.col("amount").alias("compensation_uah"), "reaction", "agent_id", "identity_method",
        pl.col("pii_masked").cast(pl.Int32), attributes.alias("attributes"), "file_name",
        pl.col("_row").cast(pl.Int32).alias("row_number"),
    )


def _one_per_row(failures: pl.DataFrame) -> pl.DataFrame:
    """One quarantine entry per record: the first failing column, and every distinct reason."""
    return failures.sort("_row").group_by("_row", maintain_order=True).agg(
        pl.col("column_name").first(), pl.col("reason").unique(maintain_order=True).str.join("; "))


def _quarantine(frame: pl.DataFrame, column: pl.Expr, reason: pl.Expr, kind: str) -> pl.DataFrame:
    return frame.select(
        pl.col("_row").alias("row_number"), column.cast(pl.String).alias("column_name"),
        reason.cast(pl.String).alias("reason"), pl.lit(kind).alias("kind"), pl.col("_raw").alias("raw_row"))
