import os

import pytest

from pipeline.errors import OutputError
from pipeline.workspace import TEMP_MARK, Workspace, atomic_path, fingerprint_file


def test_atomic_write_leaves_old_content_on_failure(tmp_path):
    target = tmp_path / "a.json"
    target.write_text("old")
    with pytest.raises(RuntimeError), atomic_path(target) as tmp:
        tmp.write_text("half")
        raise RuntimeError("killed")
    assert target.read_text() == "old"
    assert not [p for p in tmp_path.iterdir() if TEMP_MARK in p.name]


def test_prepare_removes_stale_temp_files_and_checks_writability(tmp_path):
    ws = Workspace(tmp_path / "rec")
    ws.prepare()
    stale = ws.root / f".transcript.json{TEMP_MARK}abc"
    stale.write_text("partial")
    ws.prepare()
    assert not stale.exists()
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(OutputError, match="cannot write"):
        Workspace(blocker / "rec").prepare()


def test_manifest_records_and_detects_changed_outputs(tmp_path):
    ws = Workspace(tmp_path)
    ws.prepare()
    ws.write_text("out.txt", "hello")
    ws.record_stage(
        "s", {"status": "done", "outputs": {"out.txt": fingerprint_file(ws.path("out.txt"))}}
    )
    record = ws.stage_record("s")
    assert ws.outputs_intact(record)
    ws.path("out.txt").write_text("tampered")
    assert not ws.outputs_intact(record)
    os.remove(ws.path("out.txt"))
    assert not ws.outputs_intact(record)


def test_partial_fingerprint_sees_head_tail_and_size(tmp_path):
    big = tmp_path / "big.bin"
    big.write_bytes(b"a" * (5 << 20))
    first = fingerprint_file(big, partial=True)
    big.write_bytes(b"a" * (5 << 20) + b"b")
    assert fingerprint_file(big, partial=True) != first


def test_prepare_leaves_the_temp_files_of_another_process_at_work(tmp_path):
    import subprocess
    import sys

    ws = Workspace(tmp_path / "rec")
    ws.prepare()  # this process works here (the distributed batch's screen pass, say)
    live = ws.root / f".transcript.json{TEMP_MARK}abc"
    live.write_text("being written")
    other = subprocess.run(
        [sys.executable, "-c",
         "import sys; from pipeline.workspace import Workspace; Workspace(sys.argv[1]).prepare()",
         str(ws.root)],
        capture_output=True, text=True,
    )
    assert other.returncode == 0, other.stderr
    assert live.exists()
    ws.close()
    ws.prepare()  # alone again: what is left now is stale
    assert not live.exists()


def test_manifest_changes_from_two_processes_are_both_kept(tmp_path):
    import subprocess
    import sys

    root = tmp_path / "rec"
    Workspace(root).prepare()
    code = (
        "import sys; from pipeline.workspace import Workspace\n"
        "ws = Workspace(sys.argv[1])\n"
        "for i in range(60): ws.record_stage(f'{sys.argv[2]}{i}', {'status': 'done'})\n"
    )
    procs = [
        subprocess.Popen([sys.executable, "-c", code, str(root), name]) for name in ("a", "b")
    ]
    assert [p.wait(120) for p in procs] == [0, 0]
    stages = Workspace(root).load_manifest()["stages"]
    assert len(stages) == 120
