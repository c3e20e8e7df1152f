"""The store's chain of custody without a browser: tampering is caught and named, keys matter."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from aivet.cli import main
from aivet.evidence import EvidenceDir
from aivet.store import AuditRecord, SealInfo, Store, StoreError
from aivet.store.keys import PUBLIC_KEY_FILE, SigningKey, VerifyKey, init_key, load_signing_key
from aivet.store.manifest import canonical_json, parse_manifest
from aivet.store.verify import VerifyResult, verify


def _seal_audit(store: Store, audit_id: str, blobs: list[bytes], target: str) -> AuditRecord:
    run = store.begin(audit_id=audit_id, kind="web", target=target, configuration={"n": 1})
    evidence = EvidenceDir(store.root, on_put=run.record)
    for index, data in enumerate(blobs):
        evidence.put(data, "text/plain", "script" if index % 2 else "response-body")
    return run.seal(SealInfo(status="complete", status_reasons=[], ended_at="2026-01-01T00:00:00"))


def make_store(root: Path, signer: SigningKey | None, count: int = 4) -> Store:
    store = Store.open(root, signer=signer)
    for n in range(count):
        blobs = [f"blob {n}.{i}".encode() for i in range(4)] + [b"shared by every audit"]
        _seal_audit(store, f"web-2026010{n}T000000Z-aa{n:04d}", blobs, f"https://s{n % 2}.test/")
    return store


@pytest.fixture
def key() -> SigningKey:
    return SigningKey.generate()


@pytest.fixture
def store(tmp_path: Path, key: SigningKey) -> Store:
    return make_store(tmp_path / "store", key)


def _codes(result: VerifyResult) -> set[str]:
    return {p.code for p in result.problems}


def _rewrite_manifest_in_place(store: Store, record: AuditRecord, change: object) -> None:
    """Edit a manifest's content but keep its file name, as a careless forger would."""
    assert record.manifest_sha256
    path = store.blob_path(record.manifest_sha256)
    manifest = parse_manifest(path.read_bytes())
    change(manifest)  # type: ignore[operator]
    path.write_bytes(canonical_json(manifest))


def test_intact_store_verifies(store: Store, key: SigningKey) -> None:
    result = verify(store, trusted_key=key.verify_key())
    assert result.ok, [str(p) for p in result.problems]
    assert (result.audits, result.links, result.signatures) == (4, 4, 4)
    assert result.artifacts == 4 * 5


def test_changed_artifact_is_named(store: Store) -> None:
    record = store.resolve("latest~1")
    victim = store.indexed_artifacts(record)[2]
    store.blob_path(victim.sha256).write_bytes(b"not what was collected")
    result = verify(store, [record])
    assert _codes(result) == {"artifact-changed"}
    (problem,) = result.problems
    assert problem.audit_id == record.audit_id
    assert problem.subject == f"artifact #2 ({victim.kind} {victim.sha256[:12]})"
    # Only that audit is affected; the others verify.
    assert verify(store, [store.resolve("latest")]).ok


def test_missing_artifact_is_named(store: Store) -> None:
    record = store.resolve("latest")
    victim = store.indexed_artifacts(record)[0]
    store.blob_path(victim.sha256).unlink()
    result = verify(store, [record])
    assert [(p.code, p.subject) for p in result.problems] == [
        ("artifact-missing", f"artifact #0 ({victim.kind} {victim.sha256[:12]})")
    ]


def test_reordered_artifacts_in_manifest(store: Store) -> None:
    record = store.resolve("latest~2")

    def swap(manifest: dict[str, list[object]]) -> None:
        items = manifest["artifacts"]
        items[1], items[3] = items[3], items[1]

    _rewrite_manifest_in_place(store, record, swap)
    result = verify(store, [record])
    codes = _codes(result)
    assert {"manifest-changed", "artifact-reordered", "signature-invalid"} <= codes
    reordered = [p.subject for p in result.problems if p.code == "artifact-reordered"]
    assert reordered[0].startswith("artifact #3") and reordered[1].startswith("artifact #1")


def test_reordered_artifacts_in_index(store: Store) -> None:
    record = store.resolve("latest")
    with sqlite3.connect(store.root / "index.sqlite") as conn:
        conn.execute("UPDATE artifacts SET seq = -1 WHERE audit=? AND seq=0", (record.row_id,))
        conn.execute("UPDATE artifacts SET seq = 0 WHERE audit=? AND seq=1", (record.row_id,))
        conn.execute("UPDATE artifacts SET seq = 1 WHERE audit=? AND seq=-1", (record.row_id,))
    result = verify(store, [record])
    assert _codes(result) == {"index-mismatch"}
    assert {p.subject.split(" (")[0] for p in result.problems} == {"artifact #0", "artifact #1"}


def test_changed_manifest_field_breaks_signature_and_hash(store: Store) -> None:
    record = store.resolve("latest~1")
    _rewrite_manifest_in_place(store, record, lambda m: m.update(status="partial"))
    result = verify(store, [record])
    assert {"manifest-changed", "signature-invalid", "index-mismatch"} <= _codes(result)
    message = next(p.message for p in result.problems if p.code == "index-mismatch")
    assert "status" in message


def test_forged_manifest_breaks_the_chain_link_after_it(store: Store) -> None:
    """A forger who writes a consistent new manifest and points the index at it still fails:
    the next manifest names the original as its predecessor, and the signature fails."""
    record = store.resolve("latest~2")  # chain link #2
    assert record.chain_seq == 2 and record.manifest_sha256
    manifest = parse_manifest(store.read_blob(record.manifest_sha256))
    manifest["artifacts"] = manifest["artifacts"][:-1]
    forged = store.put_blob(canonical_json(manifest))
    with sqlite3.connect(store.root / "index.sqlite") as conn:
        conn.execute(
            "UPDATE audits SET manifest_sha256=? WHERE audit_id=?", (forged, record.audit_id)
        )
        conn.execute("DELETE FROM artifacts WHERE audit=? AND seq=4", (record.row_id,))
    result = verify(store)
    broken = [p for p in result.problems if p.code == "chain-broken"]
    assert [p.subject for p in broken] == ["chain link #2 → #3"]
    assert record.manifest_sha256[:12] in broken[0].message and forged[:12] in broken[0].message
    assert "signature-invalid" in _codes(result)


def test_removed_audit_leaves_a_gap(store: Store) -> None:
    record = store.resolve("latest~1")
    with sqlite3.connect(store.root / "index.sqlite") as conn:
        conn.execute("DELETE FROM artifacts WHERE audit=?", (record.row_id,))
        conn.execute("DELETE FROM audits WHERE id=?", (record.row_id,))
    result = verify(store)
    assert [(p.code, p.subject) for p in result.problems] == [
        ("chain-gap", f"chain link #{record.chain_seq}")
    ]


def test_swapped_chain_positions(store: Store) -> None:
    first, second = store.resolve("latest~3"), store.resolve("latest~2")
    with sqlite3.connect(store.root / "index.sqlite") as conn:
        conn.execute("UPDATE audits SET chain_seq=-1 WHERE id=?", (first.row_id,))
        conn.execute("UPDATE audits SET chain_seq=1 WHERE id=?", (second.row_id,))
        conn.execute("UPDATE audits SET chain_seq=2 WHERE id=?", (first.row_id,))
    result = verify(store)
    assert {"chain-reordered", "chain-broken"} <= _codes(result)
    assert any(p.subject == "chain link #1" for p in result.problems)


def test_truncated_head_is_caught(store: Store) -> None:
    head = store.resolve("latest")
    with sqlite3.connect(store.root / "index.sqlite") as conn:
        conn.execute("DELETE FROM artifacts WHERE audit=?", (head.row_id,))
        conn.execute("DELETE FROM audits WHERE id=?", (head.row_id,))
    result = verify(store)
    assert "chain-gap" in _codes(result) and "chain-head" in _codes(result)


def test_signature_with_one_key_fails_with_another(store: Store) -> None:
    other = SigningKey.generate().verify_key()
    result = verify(store, trusted_key=other)
    assert _codes(result) == {"signature-invalid"}
    assert len(result.problems) == 4
    assert f"key {other.key_id}" in result.problems[0].message
    assert verify(store, trusted_key=store.store_key(store.resolve("latest").key_id or "")).ok


def test_unsigned_store_needs_no_key_but_fails_a_trusted_one(tmp_path: Path) -> None:
    store = make_store(tmp_path / "plain", None, count=2)
    result = verify(store)
    assert result.ok and result.unsigned == 2 and result.signatures == 0
    trusted = SigningKey.generate().verify_key()
    assert _codes(verify(store, trusted_key=trusted)) == {"signature-missing"}


def test_interrupted_audit_is_sealed_partial_on_next_open(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "store")
    run = store.begin(audit_id="web-x", kind="web", target="https://a.test/", configuration={})
    evidence = EvidenceDir(store.root, on_put=run.record)
    for i in range(3):
        evidence.put(f"collected {i}".encode(), "text/plain", "response-body")
    run.close()
    # A process that has exited: the pid of a child that is gone.
    child = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], check=True,
                           capture_output=True, text=True)  # fmt: skip
    with sqlite3.connect(store.root / "index.sqlite") as conn:
        conn.execute("UPDATE audits SET pid=? WHERE audit_id='web-x'", (int(child.stdout),))
    assert store.get("web-x").status == "running"
    store.close()
    reopened = Store.open(tmp_path / "store")
    record = reopened.get("web-x")
    assert record.status == "partial" and record.artifact_count == 3
    assert record.status_reasons[0].startswith("interrupted: the aivet process")
    assert verify(reopened, [record]).ok
    assert not (reopened.runs_dir / "web-x.jsonl").exists()


def test_live_audit_is_left_running(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "store")
    store.begin(audit_id="web-live", kind="web", target="https://a.test/", configuration={})
    assert Store.open(tmp_path / "store").get("web-live").status == "running"
    result = verify(store, [store.get("web-live")])
    assert _codes(result) == {"not-sealed"}
    whole = verify(store)  # the whole store: a running audit is skipped, not a failure
    assert whole.ok and whole.running == 1


def test_selectors(store: Store) -> None:
    newest = store.audits(limit=1)[0]
    assert store.resolve("latest") == newest
    assert store.resolve("latest~3").chain_seq == 1
    assert store.resolve("web-20260102").audit_id == "web-20260102T000000Z-aa0002"
    with pytest.raises(StoreError, match="ambiguous"):
        store.resolve("web-2026")
    with pytest.raises(StoreError, match="no audit"):
        store.resolve("web-1999")
    with pytest.raises(StoreError, match="holds 4 audits"):
        store.resolve("latest~9")
    assert [r.audit_id[-4:] for r in store.audits(target="s1.test")] == ["0003", "0001"]
    previous = store.previous_of(store.resolve("latest"))
    assert previous is not None and previous.audit_id.endswith("0001")


def test_keys_on_disk(tmp_path: Path) -> None:
    key = init_key(tmp_path / "keys")
    assert (tmp_path / "keys" / "aivet-ed25519.key").stat().st_mode & 0o777 == 0o600
    loaded = load_signing_key(tmp_path / "keys")
    assert loaded is not None and loaded.key_id == key.key_id
    public = VerifyKey.load(tmp_path / "keys" / PUBLIC_KEY_FILE)
    assert public.verify(loaded.sign(b"x"), b"x") and not public.verify(loaded.sign(b"x"), b"y")
    with pytest.raises(Exception, match="already exists"):
        init_key(tmp_path / "keys")


def test_cli_keys_history_verify(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AIVET_KEY_DIR", str(tmp_path / "keys"))
    assert main(["keys", "init"]) == 0
    key = load_signing_key(tmp_path / "keys")
    assert key is not None
    store = make_store(tmp_path / "store", key, count=3)
    root = str(store.root)
    capsys.readouterr()
    assert main(["history", "--store", root]) == 0
    out = capsys.readouterr().out
    assert "web-20260102T000000Z-aa0002" in out and "1-3 of 3 audits" in out and "signed" in out
    assert main(["history", "--store", root, "--json", "--limit", "1"]) == 0
    assert json.loads(capsys.readouterr().out)["chain_seq"] == 3
    public = str(tmp_path / "keys" / PUBLIC_KEY_FILE)
    assert main(["verify", "--store", root, "--public-key", public]) == 0
    assert "intact: 3 audits" in capsys.readouterr().out
    victim = store.indexed_artifacts(store.resolve("latest"))[1]
    store.blob_path(victim.sha256).write_bytes(b"tampered")
    assert main(["verify", "latest", "--store", root]) == 1
    out = capsys.readouterr().out
    assert f"FAIL web-20260102T000000Z-aa0002: artifact #1 (script {victim.sha256[:12]})" in out
    other = tmp_path / "other"
    init_key(other)
    assert (
        main(["verify", "latest~1", "--store", root, "--public-key", str(other / PUBLIC_KEY_FILE)])
        == 1
    )
    assert "signature does not verify with key" in capsys.readouterr().out
    assert main(["verify", "nope", "--store", root]) == 1
    assert "no audit 'nope'" in capsys.readouterr().err
    assert main(["history", "--store", str(tmp_path / "absent")]) == 1
    assert "no aivet store" in capsys.readouterr().err
    assert not os.path.exists(tmp_path / "absent" / "index.sqlite")
