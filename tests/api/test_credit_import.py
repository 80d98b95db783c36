"""Importing credit records: every bad row is reported with its reason and stores nothing,
re-imports change nothing, an interrupted file leaves nothing, and the command line works."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import uuid
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from sqlmodel import col, func, select

from api.db import session_scope
from api.models import AuditEntry, CreditRecord
from api.services import credit
from api.services.errors import ServiceError
from api.uscc import ALPHABET

TODAY = credit.credit_today()
REPO_ROOT = Path(__file__).resolve().parents[2]
SAMPLE = REPO_ROOT / "seeds" / "credit" / "sample_import.csv"
HEADER = ",".join(credit.IMPORT_COLUMNS)

IMPORT = """
mutation Import($format: CreditImportFormat!, $content: String!, $dryRun: Boolean! = false) {
  importCreditRecords(format: $format, content: $content, dryRun: $dryRun) {
    report { accepted unchanged queued rejected dryRun summary rows { line status message sourceRecordId } }
    userErrors { field message code }
  }
}
"""


def _key() -> str:
    return uuid.uuid4().hex[:16]


def _csv(*lines: str) -> str:
    return "\n".join([HEADER, *lines]) + "\n"


def _stored(engine: Engine, keys: list[str]) -> int:
    with session_scope(engine) as session:
        count: int = session.exec(
            select(func.count(col(CreditRecord.id))).where(col(CreditRecord.source_record_id).in_(keys))
        ).one()
        return count


def _wrong_check_character(uscc: str) -> str:
    wrong = ALPHABET[(ALPHABET.index(uscc[-1]) + 1) % len(ALPHABET)]
    return uscc[:-1] + wrong


def test_every_malformed_row_is_rejected_with_its_reason(
    credit_api_client: Any, engine: Engine, new_enterprise: Callable[..., Any]
) -> None:
    # given: one good row among bad ones
    uscc = new_enterprise()["uscc"]
    day = (TODAY - timedelta(days=3)).isoformat()
    keys = [_key() for _ in range(11)]
    content = _csv(
        f"局,{keys[0]},penalty_general,{uscc},,{day},,,,,好的一行",
        f"局,{keys[1]},penalty_huge,{uscc},,{day},,,,,",
        f",{keys[2]},penalty_general,{uscc},,{day},,,,,",
        f"局,{keys[3]},penalty_general,{uscc},,2026/01/05,,,,,",
        f"局,{keys[4]},penalty_general,{uscc},,{day},,,A,,",
        f"局,{keys[5]},tax_rating,{uscc},,{day},,,,,",
        f"局,{keys[6]},penalty_general,{uscc},,{day},{day},2020-01-01,,,",
        f"局,{keys[7]},penalty_general,{uscc},,{(TODAY + timedelta(days=30)).isoformat()},,,,,",
        f"局,{keys[8]},penalty_general,{_wrong_check_character(uscc)},,{day},,,,,",
        f"局,{keys[9]},penalty_general,,,{day},,,,,",
        f"局,{keys[10]},penalty_general,{uscc}",
    )

    # when
    payload = credit_api_client.execute(IMPORT, {"format": "CSV", "content": content})["data"]["importCreditRecords"]

    # then
    rows = payload["report"]["rows"]
    assert [(r["line"], r["status"]) for r in rows] == [(2, "ACCEPTED")] + [(n, "REJECTED") for n in range(3, 13)]
    messages = [r["message"] for r in rows[1:]]
    expected_check = uscc[-1]
    assert "kind 'penalty_huge' is not one of administrative_licence" in messages[0]
    assert messages[1] == "source is missing"
    assert messages[2] == "decision_date '2026/01/05' is not a date in ISO form (YYYY-MM-DD)"
    assert messages[3] == "tax_rating is given only for tax_rating records, not for penalty_general"
    assert messages[4].startswith("tax_rating is missing")
    assert messages[5].startswith("publicity_end 2020-01-01 is before publicity_start")
    assert messages[6].endswith("is in the future")
    assert f"expected {expected_check!r}" in messages[7] and "check character" in messages[7]
    assert messages[8] == "give the enterprise's uscc or enterprise_name"
    assert messages[9] == "has 4 fields, the header has 11"
    assert _stored(engine, keys) == 1


def test_unknown_enterprises_are_rejected_never_guessed(credit_api_client: Any, fresh_uscc: Callable[[], str]) -> None:
    day = TODAY.isoformat()
    content = _csv(
        f"局,{_key()},honour,{fresh_uscc()},,{day},,,,,",
        f"局,{_key()},honour,,厦门鹭云量子计算有限公司,{day},,,,,",
        f"局,{_key()},honour,,鹭海,{day},,,,,",
    )

    rows = credit_api_client.execute(IMPORT, {"format": "CSV", "content": content})["data"]["importCreditRecords"][
        "report"
    ]["rows"]

    assert [r["status"] for r in rows] == ["REJECTED"] * 3
    assert rows[0]["message"].startswith("no registered enterprise has the USCC")
    assert "no registered enterprise matches the name '厦门鹭云量子计算有限公司'" in rows[1]["message"]
    assert "no registered enterprise matches the name '鹭海'" in rows[2]["message"]


def test_a_confident_name_is_attached_and_a_near_twin_is_not(credit_api_client: Any, engine: Engine) -> None:
    # given: 鹭海科技 by its exact name; 鹭海软件 is its near-twin and must not get the record
    key = _key()
    content = _csv(f"局,{key},administrative_licence,,厦门鹭海科技有限公司,{TODAY.isoformat()},,,,,")

    # when
    report = credit_api_client.execute(IMPORT, {"format": "CSV", "content": content})["data"]["importCreditRecords"]

    # then
    assert report["report"]["accepted"] == 1
    with session_scope(engine) as session:
        from api.models import Enterprise

        record = session.exec(select(CreditRecord).where(CreditRecord.source_record_id == key)).one()
        owner = session.get(Enterprise, record.enterprise_id)
        assert owner is not None and owner.legal_name == "厦门鹭海科技有限公司"


def test_reimporting_a_file_changes_nothing_and_a_changed_row_is_a_conflict(
    credit_api_client: Any, engine: Engine, new_enterprise: Callable[..., Any]
) -> None:
    # given
    uscc = new_enterprise()["uscc"]
    keys = [_key(), _key()]
    day = (TODAY - timedelta(days=2)).isoformat()
    rows = [
        {"source": "局", "source_record_id": keys[0], "kind": "honour", "uscc": uscc, "decision_date": day},
        {"source": "局", "source_record_id": keys[1], "kind": "penalty_minor", "uscc": uscc, "decision_date": day},
        {"source": "局", "source_record_id": keys[1], "kind": "penalty_minor", "uscc": uscc, "decision_date": day},
    ]
    content = "\n".join(json.dumps(r, ensure_ascii=False) for r in rows)
    first = credit_api_client.execute(IMPORT, {"format": "JSONL", "content": content})["data"]["importCreditRecords"]
    with session_scope(engine) as session:
        audits_before = session.exec(select(func.count(col(AuditEntry.id)))).one()

    # when
    second = credit_api_client.execute(IMPORT, {"format": "JSONL", "content": content})["data"]["importCreditRecords"]
    changed = json.dumps({**rows[0], "title": "改过的标题"}, ensure_ascii=False)
    conflict = credit_api_client.execute(IMPORT, {"format": "JSONL", "content": changed})["data"]["importCreditRecords"]

    # then
    assert (first["report"]["accepted"], first["report"]["unchanged"]) == (2, 1)
    assert "same source record id as line 2 of this file" in first["report"]["rows"][2]["message"]
    assert (second["report"]["accepted"], second["report"]["unchanged"]) == (0, 3)
    assert conflict["report"]["rejected"] == 1
    assert "conflicts with the stored record" in conflict["report"]["rows"][0]["message"]
    assert "differs in title" in conflict["report"]["rows"][0]["message"]
    assert _stored(engine, keys) == 2
    with session_scope(engine) as session:
        assert session.exec(select(func.count(col(AuditEntry.id)))).one() == audits_before


def test_an_interrupted_import_leaves_nothing_of_the_file(
    engine: Engine, fresh_uscc: Callable[[], str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # given: an enterprise, and a failure while storing the third row
    from api.models import Enterprise

    with session_scope(engine) as session:
        enterprise = Enterprise(
            legal_name=f"厦门中断测试{_key()}有限公司", uscc=fresh_uscc(), industry_chain="new_energy"
        )
        session.add(enterprise)
    keys = [_key() for _ in range(5)]
    day = TODAY.isoformat()
    content = _csv(*(f"局,{k},honour,{enterprise.uscc},,{day},,,,," for k in keys))
    real_store = credit._store_record
    calls = {"n": 0}

    def failing_store(*args: Any, **kwargs: Any) -> CreditRecord:
        calls["n"] += 1
        if calls["n"] == 3:
            raise RuntimeError("power cut")
        return real_store(*args, **kwargs)

    monkeypatch.setattr(credit, "_store_record", failing_store)

    # when
    with pytest.raises(RuntimeError), session_scope(engine) as session:
        credit.import_credit_records(session, content, "csv", actor=None)

    # then
    assert calls["n"] == 3
    assert _stored(engine, keys) == 0


def test_a_file_with_an_unknown_column_is_refused_as_a_whole(credit_api_client: Any) -> None:
    content = "source,source_record_id,kind,usc,decision_date\n局,1,honour,x,2026-01-01\n"

    payload = credit_api_client.execute(IMPORT, {"format": "CSV", "content": content})["data"]["importCreditRecords"]

    assert payload["report"] is None
    assert payload["userErrors"][0]["field"] == "content"
    assert "unknown column(s) 'usc'" in payload["userErrors"][0]["message"]


def test_a_dry_run_reports_but_stores_nothing(
    credit_api_client: Any, engine: Engine, new_enterprise: Callable[..., Any]
) -> None:
    key = _key()
    content = _csv(f"局,{key},honour,{new_enterprise()['uscc']},,{TODAY.isoformat()},,,,,")

    payload = credit_api_client.execute(IMPORT, {"format": "CSV", "content": content, "dryRun": True})["data"][
        "importCreditRecords"
    ]

    assert payload["report"]["dryRun"] is True and payload["report"]["accepted"] == 1
    assert "nothing stored" in payload["report"]["summary"]
    assert _stored(engine, [key]) == 0


def test_broken_json_lines_are_reported_by_line(credit_api_client: Any) -> None:
    content = '{"source": "局"\n[1, 2]\n\n{"source": "局", "colour": "red"}\n'

    rows = credit_api_client.execute(IMPORT, {"format": "JSONL", "content": content})["data"]["importCreditRecords"][
        "report"
    ]["rows"]

    assert [(r["line"], r["status"]) for r in rows] == [(1, "REJECTED"), (2, "REJECTED"), (4, "REJECTED")]
    assert rows[0]["message"].startswith("not valid JSON")
    assert rows[1]["message"] == "each line must be a JSON object"
    assert rows[2]["message"] == "unknown fields colour"


def test_an_oversized_file_is_refused_with_a_pointer_to_the_command_line(credit_api_client: Any) -> None:
    content = _csv(*["局,x,honour,,name,2026-01-01,,,,,"] * 1) + " " * (5 * 1024 * 1024)

    payload = credit_api_client.execute(IMPORT, {"format": "CSV", "content": content})["data"]["importCreditRecords"]

    assert payload["report"] is None
    assert "larger than 5 MB" in payload["userErrors"][0]["message"]
    assert "guilu import-credit" in payload["userErrors"][0]["message"]


def test_the_service_refuses_an_empty_file(engine: Engine) -> None:
    with session_scope(engine) as session, pytest.raises(ServiceError) as refused:
        credit.import_credit_records(session, "", "csv", actor=None)

    assert refused.value.message == "the file is empty: expected a header row"


# ----------------------------------------------------------------- command line

GUILU = [sys.executable, "-c", "from api.cli import main; main()"]


def _guilu(database: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GUILU_")}
    env["DATABASE_URL"] = f"sqlite:///{database}"
    return subprocess.run([*GUILU, *args], cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=180)


@pytest.mark.slow
def test_import_credit_on_the_command_line_reports_and_is_idempotent(tmp_path: Path) -> None:
    # given: a fresh demo database
    database = tmp_path / "credit.db"
    assert _guilu(database, "seed", "--demo").returncode == 0

    # when
    first = _guilu(database, "import-credit", str(SAMPLE), "--actor", "credit@demo.guilu")
    with sqlite3.connect(database) as connection:
        after_first = connection.execute("SELECT count(*) FROM credit_record").fetchone()[0]
    second = _guilu(database, "import-credit", str(SAMPLE))
    bad_actor = _guilu(database, "import-credit", str(SAMPLE), "--actor", "talent@demo.guilu")

    # then: bad rows make exit code 1, the good ones are stored once
    assert first.returncode == 1, first.stderr
    assert "8 rows: 3 accepted, 1 unchanged, 1 queued for review, 3 rejected" in first.stdout
    assert "check character is 'D', expected 'C'" in first.stdout
    assert "Traceback" not in first.stderr
    assert second.returncode == 1
    assert "8 rows: 0 accepted, 5 unchanged, 0 queued for review, 3 rejected" in second.stdout
    with sqlite3.connect(database) as connection:
        assert connection.execute("SELECT count(*) FROM credit_record").fetchone()[0] == after_first
        actors = connection.execute(
            "SELECT DISTINCT a.email, e.via FROM audit_entry e JOIN account a ON a.id = e.actor_account_id"
        ).fetchall()
    assert actors == [("credit@demo.guilu", "cli")]
    assert bad_actor.returncode == 2 and "is not a credit officer" in bad_actor.stderr


def test_import_credit_refuses_an_unknown_format_and_a_missing_file(tmp_path: Path) -> None:
    notes = tmp_path / "records.txt"
    notes.write_text("x", encoding="utf-8")

    unknown = _guilu(tmp_path / "a.db", "import-credit", str(notes))
    missing = _guilu(tmp_path / "a.db", "import-credit", str(tmp_path / "nope.csv"))

    assert unknown.returncode == 2 and "--format csv" in unknown.stderr
    assert missing.returncode == 2 and "no such file" in missing.stderr
