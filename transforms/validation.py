"""Great Expectations 1.x suites, as code, for the raw and staging layers of complaints.

``validate`` runs a suite on a Polars frame (through pandas, which GX accepts) and returns the failing
rows (their index, column, reason) for quarantine. GX is imported on first use (it takes seconds), never at
import of this module.

GX fingerprints every batch by hashing the whole pandas frame (twice per validation), and pandas hashes
strings slowly (~2 s per million). So the suites look at compact columns derived from the staged ones
(each expectation's ``derive``): a text's length where only presence and length matter, a dense integer
id where only uniqueness does, epoch seconds for dates; the remaining string columns (vocabularies,
client ids) go over as categoricals. Each expectation still reports the staged column it is about.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any

import polars as pl

from transforms.source_spec import CHANNELS, REACTIONS, RESPONSES, STATUSES, SourceSpec
from transforms.stage_complaints import DATE_FIELDS

EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Expectation:
    kind: str  # the GX expectation class name
    column: str
    kwargs: dict[str, Any]
    reason: str  # what a failing row is told
    label: str | None = None  # the column named to the user, when the check runs on a derived one
    derive: pl.Expr | None = None  # how ``column`` is computed from the staged frame, when it is derived

    @property
    def reported_column(self) -> str:
        return self.label or self.column


def chars(column: str) -> pl.Expr:
    """A text column's length in characters (NULL where the text is NULL): presence and length checks."""
    return pl.col(column).str.len_chars()


def dense_id(*columns: str) -> pl.Expr:
    """One integer per distinct combination of ``columns`` (exact, no hashing): uniqueness checks."""
    return pl.concat_str([pl.col(c).cast(pl.String) for c in columns], separator="\x1f").rank("dense").cast(pl.Int64)


def raw_suite() -> list[Expectation]:
    """Raw layer: every record has its row number, unique within its file, and its original content."""
    return [
        Expectation("ExpectColumnValuesToNotBeNull", "_row", {}, "row number missing"),
        Expectation("ExpectColumnValuesToBeUnique", "_file_row", {}, "row number repeated within the file",
                    label="_row", derive=dense_id("_file", "_row")),
        Expectation("ExpectColumnValuesToNotBeNull", "_raw_chars", {}, "record content missing", label="_raw",
                    derive=chars("_raw")),
    ]


def staging_suite(spec: SourceSpec, check_client_reference: bool, now: datetime,
                  max_text_chars: int) -> list[Expectation]:
    """Staging layer: required fields, types, vocabularies, no future dates, unique ids, known clients.

    ``now`` is naive UTC, like every timestamp in the warehouse."""
    now = now.replace(tzinfo=UTC)
    suite = [_required(field) for field in dict.fromkeys(["record_id", "received_at", "text", *spec.required])]
    suite += [
        Expectation("ExpectColumnValuesToBeBetween", "text_chars", {"min_value": 1, "max_value": max_text_chars},
                    f"text is longer than {max_text_chars:,} characters", label="text", derive=chars("text")),
        Expectation("ExpectColumnValuesToNotBeNull", "channel", {}, "channel is missing or not a known value"),
        Expectation("ExpectColumnValuesToBeInSet", "channel", {"value_set": list(CHANNELS)}, "unknown channel"),
        # as epoch seconds: GX compares datetimes one Python object at a time, numbers vectorised
        Expectation("ExpectColumnValuesToBeBetween", "received_at_epoch",
                    {"min_value": EARLIEST.timestamp(), "max_value": (now + timedelta(minutes=5)).timestamp()},
                    "received_at is in the future or before 2000", label="received_at",
                    derive=pl.col("received_at").dt.epoch("us") / 1e6),
        # unique within each file; the same complaint in two files is a duplicate of the one loaded
        # first, decided when the files are loaded in order
        Expectation("ExpectColumnValuesToBeUnique", "_file_complaint", {}, "complaint id repeated in the file",
                    label="record_id", derive=dense_id("_file", "complaint_id")),
        Expectation("ExpectColumnValuesToBeInSet", "status", {"value_set": list(STATUSES)}, "unknown status"),
        Expectation("ExpectColumnValuesToBeInSet", "response_type", {"value_set": list(RESPONSES)},
                    "unknown response type"),
        Expectation("ExpectColumnValuesToBeInSet", "reaction", {"value_set": list(REACTIONS)}, "unknown reaction"),
        Expectation("ExpectColumnValuesToBeBetween", "amount", {"min_value": 0, "max_value": 10_000_000},
                    "amount is negative or implausibly large"),
    ]
    if spec.client_reference == "required":
        suite.append(Expectation("ExpectColumnValuesToNotBeNull", "client_id", {}, "client id is missing"))
    if check_client_reference:
        # a boolean per row (NULL when the complaint names no client): GX copies a value set into every
        # metric it computes, so tens of thousands of client ids as a value set would cost seconds per file
        suite.append(Expectation("ExpectColumnValuesToBeInSet", "client_id_known", {"value_set": [True]},
                                 "client id is not a known client", label="client_id"))
    return suite


def _required(field: str) -> Expectation:
    reason = f"required field '{field}' is empty or missing"
    if field in DATE_FIELDS or field == "amount":
        return Expectation("ExpectColumnValuesToNotBeNull", field, {}, reason)
    return Expectation("ExpectColumnValuesToNotBeNull", f"{field}_chars", {}, reason, label=field,
                       derive=chars(field))


def validate(frame: pl.DataFrame, suite_name: str, expectations: list[Expectation],
             index_column: str = "_ix") -> pl.DataFrame:
    """Failing rows of ``frame``: one row per (row, expectation): ``index_column``, column_name, reason."""
    import great_expectations as gx

    columns: dict[str, pl.Expr] = {index_column: pl.col(index_column)}
    for e in expectations:
        columns.setdefault(e.column, e.derive.alias(e.column) if e.derive is not None else pl.col(e.column))
    checked = frame.select(list(columns.values()))
    pandas_frame = checked.with_columns(pl.col(pl.String).cast(pl.Categorical)).to_pandas()
    suite = gx.ExpectationSuite(
        name=suite_name,
        expectations=[getattr(gx.expectations, e.kind)(column=e.column, **e.kwargs) for e in expectations],
    )
    batch = _batch_definition().get_batch(batch_parameters={"dataframe": pandas_frame})
    result = batch.validate(suite, result_format={"result_format": "COMPLETE",
                                                  "unexpected_index_column_names": [index_column],
                                                  "partial_unexpected_count": 0})
    failures = []
    for expectation, outcome in zip(expectations, result.results, strict=True):
        if outcome.exception_info and outcome.exception_info.get("raised_exception"):
            raise RuntimeError(f"expectation {expectation.kind} on {expectation.column} could not run: "
                               f"{outcome.exception_info.get('exception_message')}")
        for item in (outcome.result or {}).get("unexpected_index_list") or []:
            failures.append({index_column: item[index_column], "column_name": expectation.reported_column,
                             "reason": expectation.reason})
    index_type = frame.schema[index_column]
    return pl.DataFrame(failures, schema={index_column: index_type, "column_name": pl.String, "reason": pl.String})


def warm_up() -> threading.Thread:
    """Import Great Expectations and build its context in the background (it takes seconds), so the
    first validation does not wait for it; the caller goes on reading and staging meanwhile."""
    thread = threading.Thread(target=_batch_definition, name="gx-warm-up", daemon=True)
    thread.start()
    return thread


_CONTEXT_LOCK = threading.Lock()


def _batch_definition():
    with _CONTEXT_LOCK:
        return _build_batch_definition()


@cache
def _build_batch_definition():
    import logging

    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    logging.getLogger("great_expectations").setLevel(logging.WARNING)  # not its temporary docs site, please
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    asset = context.data_sources.add_pandas("causeway").add_dataframe_asset("frame")
    return asset.add_batch_definition_whole_dataframe("whole")
