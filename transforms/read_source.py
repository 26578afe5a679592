"""Bytes of one export file -> its records as text columns, per the source adapter (``SourceSpec``).

Output grain: one row per record of the file (``_row`` = line of the record's start for CSV and NDJSON,
sheet row for XLSX, position in the record list for JSON; the header is row 1). Columns: ``_row``,
``_raw`` (the record as received, JSON), one text column per mapped canonical field, ``attr_<name>`` per
attribute and ``keep_<field>`` per ``keep_if`` field. Rows that cannot be read (wrong number of fields,
broken JSON line) come back as ``problems``; a file that cannot be read at all raises
:class:`FileRejected` with one sentence naming the file and what to do.
"""

from __future__ import annotations

import csv
import gc
import io
import json
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import orjson
import polars as pl

from transforms.source_spec import SourceSpec

CANDIDATE_DELIMITERS = (";", ",", "\t", "|")
HEADER_SEARCH_ROWS = 10
WHOLE_RECORD = "(whole record)"  # the column named when a record cannot be split into columns at all
MAX_FIELD_BYTES = 64 * 1024 * 1024  # far above any text we keep; longer texts are quarantined, not crashes

PROBLEM_SCHEMA = {"row_number": pl.Int64, "column_name": pl.String, "reason": pl.String, "raw_row": pl.String}


class FileRejected(ValueError):
    """The whole file cannot be read as its source declares; nothing of it is loaded."""


@dataclass(frozen=True)
class RawBatch:
    records: pl.DataFrame
    problems: pl.DataFrame
    rows_in: int


def read_records(data: bytes, file_name: str, spec: SourceSpec) -> RawBatch:
    if not data or data.isspace():
        raise FileRejected(f"{file_name}: the file is empty.")
    if spec.format == "csv":
        records, problems = _read_csv(data, file_name, spec)
    elif spec.format == "xlsx":
        records, problems = _read_xlsx(data, file_name, spec)
    elif spec.format == "ndjson":
        records, problems = _read_ndjson(data, file_name, spec)
    else:
        records, problems = _read_json(data, file_name, spec)
    problem_frame = pl.DataFrame(problems, schema=PROBLEM_SCHEMA)
    return RawBatch(records=records, problems=problem_frame, rows_in=records.height + problem_frame.height)


# --- CSV -------------------------------------------------------------------------------------------

def decode(data: bytes, file_name: str, encoding: str) -> str:
    """Text of a file: ``auto`` = BOM, then UTF-8, then Windows-1251; otherwise the named codec, strictly."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")) or data[:200].count(b"\x00") > 10:
        raise FileRejected(f"{file_name}: looks like UTF-16 or a binary file, not text; export it as UTF-8 "
                           "or Windows-1251 CSV.")
    if encoding == "auto":
        if data.startswith(b"\xef\xbb\xbf"):
            return data[3:].decode("utf-8", errors="strict")
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError:
            encoding = "cp1251"
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise FileRejected(f"{file_name}: cannot be decoded as {encoding} (byte 0x{data[exc.start]:02x} on line "
                           f"{line}); set 'encoding' in the source's config file.") from None
    except LookupError:
        raise FileRejected(f"{file_name}: unknown encoding '{encoding}' in the source's config file.") from None


def _read_csv(data: bytes, file_name: str, spec: SourceSpec) -> tuple[pl.DataFrame, list[dict]]:
    text = decode(data, file_name, spec.encoding).lstrip("\ufeff")
    csv.field_size_limit(MAX_FIELD_BYTES)
    first_line = text.split("\n", 1)[0]
    delimiter = spec.delimiter if spec.delimiter != "auto" else _sniff_delimiter(first_line, spec)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=False)
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        raise FileRejected(f"{file_name}: the file is empty.") from None
    positions = _locate_columns(header, file_name, spec)
    names = _unique_names(header)
    fast = read_regular_csv(text, names, reader.line_num, delimiter)
    if fast is not None:
        grid, row_numbers = fast
        return _frame_from_grid(grid, row_numbers, names, positions, spec), []
    rows: list[tuple[int, list[str]]] = []
    problems = []
    start = reader.line_num + 1
    while True:
        try:
            fields = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            problems.append(_problem(start, WHOLE_RECORD, f"unreadable CSV record: {exc}", ""))
            start = reader.line_num + 1
            continue
        row_number, start = start, reader.line_num + 1
        if not fields or (len(fields) == 1 and not fields[0].strip()):
            continue  # blank line: not a record
        if len(fields) != len(header):
            problems.append(_problem(row_number, WHOLE_RECORD, f"expected {len(header)} fields separated by "
                                     f"'{delimiter}', found {len(fields)} (truncated line or mixed delimiters)",
                                     json.dumps(fields, ensure_ascii=False)))
            continue
        rows.append((row_number, fields))
    return _csv_frame(rows, names, positions, spec), problems


def read_regular_csv(text: str, names: list[str], header_lines: int,
                     delimiter: str) -> tuple[pl.DataFrame, pl.Series] | None:
    """The records after the header, parsed by Polars (a file reads in about half the time it takes with
    the ``csv`` module, measured end to end), with the line each record starts on; ``None`` unless the
    file is regular, and then the exact reader takes over.

    Regular: no lone carriage returns; the lines add up (header + one per record + the newlines quoted
    inside fields), which pins every record's line number as the exact reader counts it; and so do the
    delimiters (one fewer than the columns per record + those quoted inside fields), so no record is short
    and no line is blank (Polars would pad either with empty fields). A record with too many fields makes
    Polars refuse the file.
    """
    if "\r" in text and text.count("\r") != text.count("\r\n"):
        return None
    body_start = 0
    for _ in range(header_lines):
        body_start = text.find("\n", body_start) + 1
        if body_start == 0:  # the header ends the file
            return pl.DataFrame(schema={n: pl.String for n in names}), pl.Series([], dtype=pl.Int64)
    body = text[body_start:]
    try:
        grid = pl.read_csv(body.encode("utf-8"), separator=delimiter, has_header=False,
                           schema={n: pl.String for n in names}, infer_schema=False,
                           empty_string_is_null=False, quote_char='"', raise_if_empty=False,
                           truncate_ragged_lines=False)
    except (pl.exceptions.PolarsError, ValueError):
        return None
    if grid.width != len(names) or (grid.height and grid.null_count().sum_horizontal().item()):
        return None

    def quoted(char: str) -> pl.Series:  # per record: how many ``char`` its field values hold
        return grid.select(pl.sum_horizontal(pl.all().str.count_matches(char, literal=True)).alias("n"))["n"]

    newlines = quoted("\n")
    lines = text.count("\n") + (0 if text.endswith("\n") else 1)
    if lines != header_lines + grid.height + int(newlines.sum() or 0):
        return None
    if body.count(delimiter) != grid.height * (len(names) - 1) + int(quoted(delimiter).sum() or 0):
        return None
    starts = header_lines + 1 + pl.int_range(0, grid.height, eager=True) + (newlines.cum_sum() - newlines)
    return grid, starts.cast(pl.Int64)


def _csv_frame(rows: list[tuple[int, list[str]]], names: list[str], positions: dict[str, int],
               spec: SourceSpec) -> pl.DataFrame:
    """Records of a CSV as a frame: ``_raw`` is the record's own columns as JSON, built column-wise."""
    columns = {name: [fields[i] for _, fields in rows] for i, name in enumerate(names)}
    grid = pl.DataFrame(columns, schema={n: pl.String for n in names})
    return _frame_from_grid(grid, [r for r, _ in rows], names, positions, spec)


def _unique_names(header: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    names = []
    for h in header:
        name = h or "column"
        if name in seen:
            seen[name] += 1
            name = f"{name}_{seen[name]}"
        else:
            seen[name] = 1
        names.append(name)
    return names


def _frame_from_grid(grid: pl.DataFrame, row_numbers: list[int] | pl.Series, names: list[str],
                     positions: dict[str, int],
                     spec: SourceSpec) -> pl.DataFrame:
    wanted = list(_wanted_columns(spec))
    raw = pl.struct(names).struct.json_encode() if names else pl.lit("{}")
    return grid.select(
        pl.Series("_row", row_numbers, dtype=pl.Int64),
        raw.alias("_raw"),
        *[(pl.col(names[positions[key]]) if key in positions else pl.lit(None, pl.String)).alias(key)
          for key in wanted],
    )


def _sniff_delimiter(first_line: str, spec: SourceSpec) -> str:
    """The candidate delimiter that splits the header into the most expected column names."""
    expected = set(spec.fields.values()) | set(spec.attributes.values())

    def score(d: str) -> tuple[int, int]:
        names = [n.strip().strip('"') for n in first_line.split(d)]
        return sum(n in expected for n in names), len(names)

    return max(CANDIDATE_DELIMITERS, key=score)


def _locate_columns(header: list[str], file_name: str, spec: SourceSpec) -> dict[str, int]:
    """Canonical field (or attr_/keep_ column) -> position in the header; missing required ones reject the file."""
    lookup = {h: i for i, h in enumerate(header)}
    lookup_ci = {h.casefold(): i for i, h in enumerate(header)}
    wanted = _wanted_columns(spec)
    positions, missing = {}, []
    for key, column in wanted.items():
        index = lookup.get(column, lookup_ci.get(column.casefold()))
        if index is not None:
            positions[key] = index
        elif key in spec.required or key.startswith("keep_") or key == spec.channel_field:
            missing.append(column)
    if missing:
        raise FileRejected(f"{file_name}: required column(s) {', '.join(repr(m) for m in missing)} not found in the "
                           f"header ({', '.join(repr(h) for h in header[:20])}); is this a '{spec.name}' export?")
    return positions


def _wanted_columns(spec: SourceSpec) -> dict[str, str]:
    wanted = dict(spec.fields)
    wanted.update({f"attr_{name}": column for name, column in spec.attributes.items()})
    wanted.update({f"keep_{field}": field for field in spec.keep_if})
    return wanted


# --- XLSX ------------------------------------------------------------------------------------------

def _read_xlsx(data: bytes, file_name: str, spec: SourceSpec) -> tuple[pl.DataFrame, list[dict]]:
    import fastexcel

    try:
        sheet = fastexcel.read_excel(data).load_sheet(0, header_row=None, dtypes="string")
    except Exception as exc:  # calamine raises its own error types for non-XLSX bytes
        raise FileRejected(f"{file_name}: not a readable XLSX workbook ({str(exc).splitlines()[0]}).") from None
    grid = sheet.to_polars()
    if grid.height == 0:
        raise FileRejected(f"{file_name}: the workbook's first sheet is empty.")
    required = {spec.fields[k] for k in spec.required}
    header_index = None
    for i, row in enumerate(grid.head(HEADER_SEARCH_ROWS).iter_rows()):
        names = {str(v).strip() for v in row if v is not None}
        if required <= names:
            header_index = i
            break
    if header_index is None:
        first = [str(v) for v in grid.row(0) if v is not None]
        raise FileRejected(f"{file_name}: no header row with the required column(s) "
                           f"{', '.join(repr(c) for c in sorted(required))} in the first {HEADER_SEARCH_ROWS} rows "
                           f"(first row: {', '.join(repr(c) for c in first[:12])}); merged or renamed headers?")
    header = [str(v).strip() if v is not None else f"column_{j + 1}" for j, v in enumerate(grid.row(header_index))]
    positions = _locate_columns(header, file_name, spec)
    names = _unique_names(header)
    body = grid.slice(header_index + 1).rename(dict(zip(grid.columns, names, strict=True)))
    row_numbers = pl.int_range(header_index + 2, header_index + 2 + body.height, eager=True)
    body = body.with_columns(row_numbers.alias("__row")).filter(
        pl.any_horizontal([pl.col(n).str.strip_chars().fill_null("") != "" for n in names]))
    return _frame_from_grid(body.drop("__row"), body["__row"].to_list(), names, positions, spec), []


# --- JSON ------------------------------------------------------------------------------------------

def _read_ndjson(data: bytes, file_name: str, spec: SourceSpec) -> tuple[pl.DataFrame, list[dict]]:
    """One record per line. Lines end at "\\n" (a "\\r" before it is dropped) and nowhere else: a line
    separator character (U+2028) inside a post's text is part of the text, not the end of a record.

    UTF-8 lines are parsed as bytes and kept as bytes until Polars turns the column into text: a Python
    string per line would cost more than parsing it."""
    encoding = "utf-8" if spec.encoding == "auto" else spec.encoding
    if encoding.replace("-", "").lower() == "utf8" and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            data.decode("utf-8")  # the exact error, with its line, from decode() below when it is not UTF-8
            lines: list = data.removeprefix(b"\xef\xbb\xbf").split(b"\n")
        except UnicodeDecodeError:
            lines = decode(data, file_name, encoding).split("\n")
    else:
        lines = decode(data, file_name, encoding).lstrip("\ufeff").split("\n")
    numbers, raws, objects, problems = [], [], [], []
    with _collector_paused():
        for number, line in enumerate(lines, start=1):
            if line[-1:] in (b"\r", "\r"):
                line = line[:-1]
            if not line.strip():
                continue
            try:
                obj, _ = _loads(line)
            except json.JSONDecodeError as exc:
                text = _as_text(line)
                if not text.strip():  # Unicode blanks only (a no-break space): a blank line too
                    continue
                problems.append(_problem(number, WHOLE_RECORD, f"invalid JSON: {exc.msg} at column {exc.colno}",
                                         text[:10_000]))
                continue
            if not isinstance(obj, dict):
                problems.append(_problem(number, WHOLE_RECORD, "a JSON line must be an object",
                                         _as_text(line)[:10_000]))
                continue
            numbers.append(number)
            raws.append(line)
            objects.append(obj)
        return _json_frame(numbers, raws, objects, spec), problems


def _read_json(data: bytes, file_name: str, spec: SourceSpec) -> tuple[pl.DataFrame, list[dict]]:
    text = decode(data, file_name, "utf-8" if spec.encoding == "auto" else spec.encoding).lstrip("\ufeff")
    try:
        with _collector_paused():
            document, by_orjson = _loads(text)
    except json.JSONDecodeError as exc:
        raise FileRejected(f"{file_name}: broken JSON ({exc.msg} at line {exc.lineno}, column {exc.colno}); "
                           "nothing was loaded from it.") from None
    records = _get_path(document, spec.records.split(".") if spec.records else [])
    if not isinstance(records, list):
        raise FileRejected(f"{file_name}: no list of records at '{spec.records}'; is this a '{spec.name}' export?")
    numbers, objects, problems = [], [], []
    for number, obj in enumerate(records, start=1):
        if not isinstance(obj, dict):
            problems.append(_problem(number, WHOLE_RECORD, "a record must be a JSON object",
                                     json.dumps(obj)[:10_000]))
            continue
        numbers.append(number)
        objects.append(obj)
    if by_orjson:
        raws = [orjson.dumps(obj) for obj in objects]  # UTF-8 bytes: Polars makes them text
    else:
        raws = [json.dumps(obj, ensure_ascii=False) for obj in objects]
    return _json_frame(numbers, raws, objects, spec), problems


def _as_text(line: bytes | str) -> str:
    return line.decode("utf-8") if isinstance(line, bytes) else line


@contextmanager
def _collector_paused():
    """Python's cycle collector off while a file's records are parsed and kept: JSON objects hold no
    cycles, and each collection would walk every record kept so far (it doubled orjson's time)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _loads(text: str) -> tuple[Any, bool]:
    """The parsed JSON, and whether orjson (several times faster) parsed it. What orjson refuses (NaN,
    integers past 64 bits, and so the exact error message) goes to the standard library, whose
    ``json.dumps`` then writes the raw record back (orjson would write NaN as null)."""
    try:
        return orjson.loads(text), True
    except orjson.JSONDecodeError:
        return json.loads(text), False


def _json_frame(numbers: list[int], raws: list[str], objects: list[dict], spec: SourceSpec) -> pl.DataFrame:
    """The records' mapped values as text columns, built a column at a time (a list comprehension per
    path is several times faster than a Python row per record)."""
    raw = (pl.Series("_raw", raws, dtype=pl.Binary).cast(pl.String) if raws and isinstance(raws[0], bytes)
           else pl.Series("_raw", raws, dtype=pl.String))
    columns = {"_row": pl.Series("_row", numbers, dtype=pl.Int64), "_raw": raw}
    for key, path in _wanted_columns(spec).items():
        columns[key] = pl.Series(key, _values(objects, path.split(".")), dtype=pl.String)
    return pl.DataFrame(columns)


def _values(objects: list[dict], parts: list[str]) -> list[str | None]:
    """``_text_of(_get_path(obj, parts))`` for every object, with the common shapes taken fast."""
    if len(parts) == 1:
        key = parts[0]
        found = [obj.get(key) for obj in objects]
    elif parts[-1].isdigit() or any(a.isdigit() and b.isdigit() for a, b in zip(parts, parts[1:], strict=False)):
        found = [_get_path(obj, parts) for obj in objects]
    else:  # plain indexing; anything unusual on the way raises, and the careful walk takes over
        keys = [int(p) if p.isdigit() else p for p in parts]  # a text indexed by position is then keyed: raises

        def walk(obj: dict) -> Any:
            value = obj
            try:
                for key in keys:
                    value = value[key]
                return value
            except (KeyError, IndexError, TypeError):
                return _get_path(obj, parts)

        found = [walk(obj) for obj in objects]
    return [v if type(v) is str or v is None else _text_of(v) for v in found]


def _get_path(obj: Any, parts: list[str]) -> Any:
    for part in parts:
        if isinstance(obj, dict):
            obj = obj.get(part)
        elif isinstance(obj, list) and part.isdigit() and int(part) < len(obj):
            obj = obj[int(part)]
        else:
            return None
    return obj


def _text_of(value: Any) -> str | None:
    """JSON value as text; Telegram's rich text (a list of strings and {text: ...} parts) is joined."""
    if value is None:
        return None
    if isinstance(value, list):
        return "".join(v if isinstance(v, str) else str(v.get("text", "")) if isinstance(v, dict) else str(v)
                       for v in value)
    return value if isinstance(value, str) else json.dumps(value) if isinstance(value, dict) else str(value)


# --- common ----------------------------------------------------------------------------------------

def _problem(row: int, column: str | None, reason: str, raw: str) -> dict:
    return {"row_number": row, "column_name": column, "reason": reason, "raw_row": raw}
