"""The ingest flow on a real DuckDB file and a real (temporary) Prefect server, with a hostile inbox.

For every file: rows in = rows loaded + rows quarantined; a re-run adds nothing; each problem names the
file, the row and the column; unreadable files are moved to rejected/ and never half-loaded.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import shutil
from pathlib import Path

import duckdb
import polars as pl
import pytest
import xlsxwriter

from data.courier_case.exports import CALLS_HEADER, TICKETS_HEADER
from flows import warehouse
from flows.ingest import ingest_flow
from flows.reference_load import load_reference_folder
from flows.settings import load_settings
from tests.conftest import query_warehouse as _query

pytestmark = pytest.mark.usefixtures("prefect_harness")


def call(n: int, text: str = "кл. не отримав посилку, ТТН 20465651431098", when: str = "05.01.2026 10:00",
         client: str = "CL000001") -> list[str]:
    return [f"CC-T-{n:04d}", when, client, "067-123-45-67", "20465651431098", "12", "CC-001", "", text,
            "Закрито", when, "", "Промокод", "120,00", "Позитивна"]


def write_csv(path: Path, rows: list[list[str]], header: list[str] = CALLS_HEADER, encoding: str = "cp1251",
              delimiter: str = ";") -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    path.write_bytes(buffer.getvalue().encode(encoding))


def write_tickets(path: Path, title_row: bool, merge_header: bool) -> None:
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet()
    top = 0
    if title_row:
        sheet.merge_range(0, 0, 0, len(TICKETS_HEADER) - 1, "Shvydka Post — tickets export")
        top = 1
    header = list(TICKETS_HEADER)
    if merge_header:  # "Subject" and "Description" merged into one header cell
        sheet.merge_range(top, 9, top, 10, "Subject / Description")
        header[9] = header[10] = None
    for j, name in enumerate(header):
        if name:
            sheet.write(top, j, name)
    for i in range(2):
        sheet.write_row(top + 1 + i, 0, [f"TCK-T{i}", "2026-01-05 10:00:00", "E-mail", "CL000002", "a@b.ua",
                                         "20465651431099", "Branch #3", "CC-002", "", "Subj",
                                         "Посилка пошкоджена, прошу компенсацію", "Open"])
    book.close()


@pytest.fixture(scope="module")
def hostile(tmp_path_factory, small_case) -> dict:
    """A home with the small case's reference data and an inbox of hostile files; ingested once."""
    root = tmp_path_factory.mktemp("hostile")
    home, inbox = root / "home", root / "inbox"
    (inbox / "cc").mkdir(parents=True)
    (inbox / "social").mkdir()
    cc = inbox / "cc"
    write_csv(cc / "calls_html.csv", [
        call(1, "<script>alert('x')</script> кур'єр не приїхав <b>жирний</b> [link](http://x)"),
        call(2, '=HYPERLINK("http://evil.example","натисни")'),
        call(3, 'текст з "лапками";\r\nі новим рядком; та крапкою з комою'),
    ])
    shutil.copy(cc / "calls_html.csv", cc / "calls_html_copy.csv")
    write_csv(cc / "calls_dates.csv", [
        call(10, when="05.01.2026 10:00"), call(11, when="05.01.2026 10:00:33"), call(12, when="05.01.2026"),
        call(13, when="2026-01-05T10:00:00"), call(14, when="5th of January"), call(15, when="05.01.2099 10:00"),
    ])
    write_csv(cc / "calls_dupes.csv", [call(20), call(21), call(20)])
    write_csv(cc / "calls_overlap.csv", [call(20), call(200)])  # an export overlapping the previous one
    mixed = cc / "calls_mixed_delims.csv"
    write_csv(mixed, [call(30), call(31)])
    mixed.write_bytes(mixed.read_bytes() + ",".join(call(32)).encode("cp1251") + b"\r\n")
    truncated = cc / "calls_truncated.csv"
    write_csv(truncated, [call(40), call(41)])
    truncated.write_bytes(truncated.read_bytes() + "CC-T-0042;05.01.2026 10:00;CL000001;\"обірваний те".encode(
        "cp1251"))
    write_csv(cc / "calls_huge.csv", [call(50, "скарга " * 150_000), call(51)])
    write_csv(cc / "calls_extra_cols.csv", [call(60) + ["x", "y"]], header=CALLS_HEADER + ["Extra 1", "Extra 2"])
    write_csv(cc / "calls_header_only.csv", [])
    (cc / "calls_empty.csv").write_bytes(b"")
    write_csv(cc / "calls_missing_column.csv", [call(70)[:8] + call(70)[9:]],
              header=CALLS_HEADER[:8] + CALLS_HEADER[9:])
    (cc / "calls_utf16.csv").write_bytes(codecs.BOM_UTF16_LE + ";".join(CALLS_HEADER).encode("utf-16-le"))
    write_csv(cc / "calls_utf8_bom.csv", [call(80, "посилка ціла, дякую")], encoding="utf-8-sig")
    write_csv(cc / "calls_unknown_client.csv", [call(90, client="CL999999"), call(91)])
    line = {"data": {"id": "1", "text": "Where is my parcel 20465651431098?", "author_id": "9",
                     "created_at": "2026-01-05T10:00:00.000Z"}, "includes": {"users": [{"id": "9", "username": "u"}]}}
    second = {**line, "data": {**line["data"], "id": "3"}}
    (inbox / "social" / "x_mentions_broken.ndjson").write_text(
        json.dumps(line) + "\n{\"data\": {\"id\": \"2\", \"text\": \"oops\"\n" + json.dumps(second) + "\n",
        encoding="utf-8")
    (inbox / "social" / "telegram_broken.json").write_text('{"name": "chat", "messages": [{"id": 1, ',
                                                             encoding="utf-8")
    write_tickets(cc / "tickets_title_row.xlsx", title_row=True, merge_header=False)
    write_tickets(cc / "tickets_merged_header.xlsx", title_row=False, merge_header=True)

    settings = load_settings(home=home)
    load_reference_folder(settings.warehouse_path, small_case / "reference")
    first = ingest_flow(inbox=str(inbox), home=str(home))
    return {"home": home, "inbox": inbox, "summary": first,
            "outcomes": {Path(f["file_name"]).name: f for f in first["files"]}}


def _loaded_and_quarantined(home: Path, name: str) -> tuple[int, list[tuple]]:
    loaded = _query(home, "SELECT count(*) FROM complaints WHERE file_name LIKE ?", [f"%{name}"])[0][0]
    quarantined = _query(home, "SELECT row_number, column_name, reason, kind FROM quarantine "
                               "WHERE file_name LIKE ? ORDER BY row_number", [f"%{name}"])
    return loaded, quarantined


@pytest.mark.parametrize("name, loaded, quarantined", [
    ("calls_html.csv", 3, 0),
    ("calls_dates.csv", 4, 2),
    ("calls_dupes.csv", 2, 1),
    ("calls_overlap.csv", 1, 1),
    ("calls_mixed_delims.csv", 2, 1),
    ("calls_truncated.csv", 2, 1),
    ("calls_huge.csv", 1, 1),
    ("calls_extra_cols.csv", 1, 0),
    ("calls_header_only.csv", 0, 0),
    ("calls_utf8_bom.csv", 1, 0),
    ("calls_unknown_client.csv", 1, 1),
    ("x_mentions_broken.ndjson", 2, 1),
    ("tickets_title_row.xlsx", 2, 0),
])
def test_rows_in_equal_rows_loaded_plus_quarantined(hostile: dict, name: str, loaded: int, quarantined: int) -> None:
    outcome = hostile["outcomes"][name]
    assert outcome["status"] == "loaded"
    in_db, bad = _loaded_and_quarantined(hostile["home"], name)
    assert (outcome["loaded"], outcome["quarantined"]) == (loaded, quarantined) == (in_db, len(bad))
    assert outcome["rows_in"] == loaded + quarantined
    for row_number, column, reason, _kind in bad:
        assert row_number is not None and column and reason, (name, row_number, column, reason)


def test_problems_name_the_row_the_column_and_the_reason(hostile: dict) -> None:
    _, dates = _loaded_and_quarantined(hostile["home"], "calls_dates.csv")
    assert [(r[0], r[1]) for r in dates] == [(6, "received_at"), (7, "received_at")]
    assert "not a date/time" in dates[0][2] and "5th of January" in dates[0][2]
    assert "in the future" in dates[1][2]
    _, dupes = _loaded_and_quarantined(hostile["home"], "calls_dupes.csv")
    assert dupes == [(4, "record_id", "duplicate of row 2 in the same file", "duplicate")]
    _, overlap = _loaded_and_quarantined(hostile["home"], "calls_overlap.csv")
    assert overlap == [(2, "record_id", "duplicate: this complaint was already loaded from an earlier file",
                        "duplicate")]
    _, mixed = _loaded_and_quarantined(hostile["home"], "calls_mixed_delims.csv")
    assert mixed[0][0] == 4 and "expected 15 fields" in mixed[0][2]
    _, huge = _loaded_and_quarantined(hostile["home"], "calls_huge.csv")
    assert huge[0][:2] == (2, "text") and "longer than 50,000" in huge[0][2]
    _, unknown = _loaded_and_quarantined(hostile["home"], "calls_unknown_client.csv")
    assert unknown[0][1:3] == ("client_id", "client id is not a known client")
    _, broken = _loaded_and_quarantined(hostile["home"], "x_mentions_broken.ndjson")
    assert broken[0][0] == 2 and "invalid JSON" in broken[0][2]


@pytest.mark.parametrize("name, words", [
    ("calls_empty.csv", ["calls_empty.csv", "empty"]),
    ("calls_missing_column.csv", ["calls_missing_column.csv", "'Текст звернення'"]),
    ("calls_utf16.csv", ["calls_utf16.csv", "UTF-16"]),
    ("telegram_broken.json", ["telegram_broken.json", "broken JSON", "line 1"]),
    ("tickets_merged_header.xlsx", ["tickets_merged_header.xlsx", "'Description'", "merged"]),
])
def test_unreadable_files_are_rejected_whole_and_moved(hostile: dict, name: str, words: list[str]) -> None:
    outcome = hostile["outcomes"][name]
    assert outcome["status"] == "rejected"
    for word in words:
        assert word in outcome["message"]
    assert not list(hostile["inbox"].rglob(name))
    assert list((hostile["home"] / "rejected").rglob(name))
    assert _query(hostile["home"], "SELECT count(*) FROM complaints WHERE file_name LIKE ?", [f"%{name}"])[0][0] == 0
    kinds = _query(hostile["home"], "SELECT kind FROM quarantine WHERE file_name LIKE ?", [f"%{name}"])
    assert kinds == [("rejected_file",)]


def test_hostile_text_is_stored_as_plain_text(hostile: dict) -> None:
    texts = [r[0] for r in _query(hostile["home"], "SELECT text_masked FROM complaints WHERE file_name LIKE "
                                                  "'%calls_html.csv' ORDER BY row_number")]
    assert texts[0].startswith("<script>alert('x')</script>")
    assert texts[1] == '=HYPERLINK("http://evil.example","натисни")'
    assert texts[2] == 'текст з "лапками";\r\nі новим рядком; та крапкою з комою'


def test_the_same_file_twice_is_loaded_once(hostile: dict) -> None:
    assert hostile["outcomes"]["calls_html_copy.csv"]["status"] == "skipped"
    assert "calls_html.csv" in hostile["outcomes"]["calls_html_copy.csv"]["message"]


def test_a_rerun_adds_nothing(hostile: dict) -> None:
    counts = lambda: _query(hostile["home"], "SELECT (SELECT count(*) FROM complaints), "  # noqa: E731
                                            "(SELECT count(*) FROM quarantine), (SELECT count(*) FROM raw_complaints)")
    before = counts()
    again = ingest_flow(inbox=str(hostile["inbox"]), home=str(hostile["home"]))
    assert counts() == before
    assert {f["status"] for f in again["files"]} == {"skipped"}


def test_personal_data_is_masked_and_kept_raw_only_in_the_raw_layer(hostile: dict) -> None:
    raw = _query(hostile["home"], "SELECT record FROM raw_complaints WHERE file_name LIKE '%calls_dupes.csv'")
    assert any("067-123-45-67" in r[0] for r in raw)
    snapshot = warehouse.current_snapshot(hostile["home"] / "published")
    con = duckdb.connect(str(snapshot), read_only=True)
    try:
        published_columns = {r[0] for r in con.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_name = 'quarantine'").fetchall()}
        tables = {r[0] for r in con.execute("SELECT table_name FROM information_schema.tables").fetchall()}
        masked_rows = [r[0] for r in con.execute("SELECT raw_row_masked FROM quarantine "
                                                 "WHERE raw_row_masked IS NOT NULL").fetchall()]
    finally:
        con.close()
    assert "raw_row" not in published_columns and "raw_complaints" not in tables
    assert masked_rows and not any("067-123-45-67" in r for r in masked_rows)


def test_the_raw_layer_is_parquet_by_source_and_shows_loaded_files_only(hostile: dict) -> None:
    """Each loaded export's records as received: one Parquet file per file hash, in a folder per source,
    readable by DuckDB (or any Parquet reader) without the warehouse; `raw_complaints` lists them."""
    raw_dir = load_settings(home=hostile["home"]).raw_path
    files = sorted(raw_dir.glob("source=*/*.parquet"))
    loaded = dict(_query(hostile["home"], "SELECT file_hash, rows_in FROM ingested_files WHERE status = 'loaded'"))
    assert {f.stem for f in files} == set(loaded)
    assert {f.parent.name for f in files} >= {"source=cc_calls", "source=x_mentions"}
    direct = duckdb.connect()
    try:
        per_file = dict(direct.execute(
            "SELECT file_hash, count(*) FROM read_parquet(?) GROUP BY ALL", [str(raw_dir / "*" / "*.parquet")]
        ).fetchall())
    finally:
        direct.close()
    assert per_file == dict(_query(hostile["home"], "SELECT file_hash, count(*) FROM raw_complaints GROUP BY ALL"))
    assert set(per_file) == {h for h, n in loaded.items() if n}  # a header-only file has no record
    assert all(per_file[h] <= loaded[h] for h in per_file)  # records that could not be split are in quarantine

    # a file written by a run that then crashed (no ledger entry) stays out of the view
    orphan = raw_dir / "source=cc_calls" / ("0" * 64 + ".parquet")
    pl.read_parquet(files[0]).with_columns(file_hash=pl.lit("0" * 64)).write_parquet(orphan)
    try:
        hashes = {r[0] for r in _query(hostile["home"], "SELECT DISTINCT file_hash FROM raw_complaints")}
        assert hashes == {h for h, n in loaded.items() if n}
    finally:
        orphan.unlink()


def test_a_bad_pattern_in_configuration_is_refused_up_front(hostile: dict) -> None:
    from flows.settings import SettingsError

    with pytest.raises(SettingsError, match=r"tracking_number_pattern"):
        load_settings(home=hostile["home"], env={"CAUSEWAY__INGEST__TRACKING_NUMBER_PATTERN": "(unclosed"})


def test_a_crash_mid_run_leaves_the_last_published_state(hostile: dict, case_20k: Path) -> None:
    """Kill a real `causeway ingest` mid-run; nothing of it is loaded, readers keep the previous snapshot;
    a re-run completes."""
    import os
    import signal
    import subprocess
    import sys
    import time

    published = hostile["home"] / "published"
    before = warehouse.current_snapshot(published)
    complaints_before = _query(hostile["home"], "SELECT count(*) FROM complaints")[0][0]
    command = [str(Path(sys.executable).with_name("causeway")), "--home", str(hostile["home"]), "ingest",
               "--inbox", str(case_20k / "inbox")]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                               start_new_session=True)
    deadline = time.time() + 240
    for line in process.stdout:
        if "rows read and staged" in line or time.time() > deadline:  # staging under way, nothing committed
            break
    os.killpg(process.pid, signal.SIGKILL)
    assert process.wait() == -signal.SIGKILL, "the run finished before it could be killed"

    assert warehouse.current_snapshot(published) == before
    reader = warehouse.open_published(published)
    try:
        assert reader.execute("SELECT count(*) FROM complaints").fetchone()[0] == complaints_before
    finally:
        reader.close()
    ledger = _query(hostile["home"], "SELECT count(*), coalesce(sum(rows_loaded), 0) FROM ingested_files "
                                     "WHERE status = 'loaded'")[0]
    assert _query(hostile["home"], "SELECT count(*) FROM complaints")[0][0] == ledger[1]  # no half-loaded file
    assert _query(hostile["home"], "SELECT count(*) FROM complaints")[0][0] == complaints_before  # the run is whole

    ingest_flow(inbox=str(case_20k / "inbox"), home=str(hostile["home"]))
    rows_in, loaded, quarantined = _query(
        hostile["home"], "SELECT sum(rows_in), sum(rows_loaded), sum(rows_quarantined) FROM ingested_files "
                         r"WHERE regexp_matches(file_name, '_20\d\d-\d\d\.')")[0]  # the monthly exports
    assert rows_in == loaded + quarantined
    assert loaded >= 19_900  # the 20k case: every complaint once (service messages are filtered, not counted)
    assert _query(hostile["home"], "SELECT count(*) FROM complaints")[0][0] == complaints_before + loaded
    assert _query(hostile["home"], "SELECT count(*) - count(DISTINCT complaint_id) FROM complaints")[0][0] == 0


def test_incidents_span_runs_and_keep_their_earliest_complaint(tmp_path: Path, small_case: Path) -> None:
    """A later export's complaint about the same client and parcel joins the incident loaded before; one
    that turns out to be earlier renames the incident, and the complaints loaded before follow."""
    home, inbox = tmp_path / "home", tmp_path / "inbox"
    inbox.mkdir()
    load_reference_folder(load_settings(home=home).warehouse_path, small_case / "reference")

    def incidents() -> dict[str, str]:
        return dict(_query(home, "SELECT source_record_id, incident_id FROM complaints "
                                 "WHERE source_record_id LIKE 'CC-T-%'"))

    write_csv(inbox / "calls_first.csv", [call(1, when="05.01.2026 10:00"), call(2, when="06.01.2026 09:00")])
    ingest_flow(inbox=str(inbox), home=str(home))
    first = incidents()
    assert first["CC-T-0001"] == first["CC-T-0002"] == "INC:cc_calls:CC-T-0001"

    write_csv(inbox / "calls_second.csv", [call(3, when="04.01.2026 12:00"), call(4, when="07.01.2026 08:00")])
    ingest_flow(inbox=str(inbox), home=str(home))
    second = incidents()
    assert set(second.values()) == {"INC:cc_calls:CC-T-0003"}, second
    stored = _query(home, "SELECT incident_id, n_complaints FROM incidents "
                          "WHERE incident_id LIKE 'INC:cc_calls:CC-T-%'")
    assert stored == [("INC:cc_calls:CC-T-0003", 4)]
    assert _query(home, "SELECT sum(n_complaints) = (SELECT count(*) FROM complaints) FROM incidents")[0][0]



def test_incidents_rebuilt_run_by_run_equal_a_rebuild_over_everything(tmp_path: Path, small_case: Path) -> None:
    """Each run rebuilds only the incidents its new complaints can join (same author and parcel, or same
    author and text); after exports arrive over several runs, in no particular order, the stored incidents
    are exactly those of one rebuild over every complaint, and a changed incident window rebuilds them all."""
    from transforms.incidents import build_incidents

    home, inbox = tmp_path / "home", tmp_path / "inbox"
    load_reference_folder(load_settings(home=home).warehouse_path, small_case / "reference")
    exports = sorted(small_case.glob("inbox/*/*.*"))
    calls = [p for p in exports if p.name.startswith("calls_")]
    social = [p for p in exports if p.parent.name == "social"]
    text = "Посилка досі не прийшла, вже п'ятий день чекаю на відділенні, ніхто не відповідає!"

    def post(number: int, when: str, words: str) -> str:  # the same author, no parcel number: keyed by text
        return json.dumps({"data": {"id": f"77{number}", "created_at": when, "text": words},
                           "includes": {"users": [{"username": "repeat_poster", "name": "R"}]}}) + "\n"

    for run, batch in enumerate((calls, social, [p for p in exports if p not in calls + social])):
        for path in batch:
            target = inbox / path.parent.name / path.name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(path, target)
        if run:  # one post in the second run, its near-copy a day later in the third
            (inbox / "social" / f"x_mentions_extra_{run}.ndjson").write_text(
                post(run, f"2026-03-0{run}T2{run}:00:00.000Z", text if run == 1 else text.upper() + " 😡"),
                encoding="utf-8")
        ingest_flow(inbox=str(inbox), home=str(home))

    def stored_and_rebuilt(window: float):
        con = duckdb.connect(str(load_settings(home=home).warehouse_path), read_only=True)
        try:
            everything = warehouse.complaints_for_incidents(con)
            ids, rebuilt = build_incidents(everything.drop("incident_id"), window)
            stored = con.sql("SELECT * FROM incidents").pl()
        finally:
            con.close()
        kept = everything.select("complaint_id", "incident_id").sort("complaint_id")
        return kept, ids.sort("complaint_id"), stored, rebuilt

    kept, ids, stored, rebuilt = stored_and_rebuilt(72.0)
    assert kept.equals(ids)
    key = ["incident_id"]
    assert stored.select(rebuilt.columns).sort(key).equals(rebuilt.sort(key))
    assert ["x_mentions:771", "x_mentions:772"] in rebuilt["complaint_ids"].to_list()
    runs = rebuilt["complaint_ids"].list.eval(pl.element().str.extract(r"^(cc_calls|x_mentions|telegram)"))
    assert (runs.list.drop_nulls().list.n_unique() > 1).sum() >= 5  # incidents joined across runs

    config = tmp_path / "config"
    shutil.copytree(load_settings().config_dir, config)
    settings_file = config / "ingest.yaml"
    text = settings_file.read_text(encoding="utf-8")
    assert "incident_window_hours: 72 " in text
    settings_file.write_text(text.replace("incident_window_hours: 72 ", "incident_window_hours: 2  "),
                             encoding="utf-8")
    (inbox / "contact_center" / "calls_late.csv").write_bytes(
        next(small_case.glob("inbox/contact_center/calls_*.csv")).read_bytes() + b"\n")  # new content, same rows
    ingest_flow(inbox=str(inbox), home=str(home), config_dir=str(config))
    kept, ids, stored, rebuilt = stored_and_rebuilt(2.0)
    assert kept.equals(ids)
    assert stored.select(rebuilt.columns).sort(key).equals(rebuilt.sort(key))


def test_staging_in_threads_gives_what_one_thread_gives(small_case: Path) -> None:
    from flows.ingest import alternating, stage_files
    from flows.settings import load_sources
    from transforms.masking import MaskingRules

    settings, specs = load_settings(), load_sources(None)
    by_source = [[(p.name, p.read_bytes(), p.name, specs[name]) for p in sorted(small_case.glob(f"inbox/**/{glob}"))]
                 for name, glob in (("x_mentions", "x_mentions_*.ndjson"), ("cc_calls", "calls_*.csv"))]
    exports = alternating(by_source)
    rules = MaskingRules.build(settings.pii.placeholders, settings.pii.name_cues, settings.pii.first_names)
    args = (exports, rules, settings.ingest.tracking_number_pattern)
    told: list[str] = []
    one, three = stage_files.fn(*args, threads=1), stage_files.fn(*args, threads=3, done=told.append)
    assert len(by_source[0]) >= 6 and len(by_source[1]) >= 3
    assert [e[0] for e in exports[:4]] == [by_source[0][0][0], by_source[1][0][0], by_source[0][1][0],
                                             by_source[1][1][0]]  # sources alternate
    assert [s.file_name for s in three] == [e[0] for e in exports] and sorted(told) == sorted(e[0] for e in exports)
    assert all(a.frame.equals(b.frame) and a.raw.equals(b.raw) for a, b in zip(one, three, strict=True))


def test_a_run_limited_to_some_sources_leaves_the_other_files_for_later(tmp_path: Path, small_case: Path,
                                                                        caplog) -> None:
    home = tmp_path / "home"
    load_reference_folder(load_settings(home=home).warehouse_path, small_case / "reference")
    social = ingest_flow(inbox=str(small_case / "inbox"), home=str(home), sources=["x_mentions", "telegram"])
    assert set(social["sources"]) == {"x_mentions", "telegram"}
    assert _query(home, "SELECT DISTINCT source FROM complaints ORDER BY 1") == [("telegram",), ("x_mentions",)]
    assert "no source adapter matches" not in caplog.text
    later = ingest_flow(inbox=str(small_case / "inbox"), home=str(home))
    assert set(later["sources"]) == {"cc_calls", "cc_tickets", "x_mentions", "telegram"}
    assert {f["status"] for f in later["files"] if f["source"] in ("x_mentions", "telegram")} == {"skipped"}
    with pytest.raises(ValueError, match="unknown source.*twitter"):
        ingest_flow(inbox=str(small_case / "inbox"), home=str(home), sources=["twitter"])
