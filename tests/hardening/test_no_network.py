"""No network access anywhere in the app: analyze, record, report, export/import, delete and the
store run with every socket operation made to fail, and no app module imports a network client."""

from __future__ import annotations

import ast
import socket

import cv2
import pytest

import main
from tests.hardening.helpers import ROOT

NETWORK_MODULES = {"urllib", "http", "requests", "httpx", "ftplib", "smtplib", "aiohttp", "websocket", "telnetlib", "xmlrpc"}


@pytest.fixture
def no_sockets(monkeypatch):
    attempts: list[str] = []

    def refuse(name):
        def fail(*args, **kwargs):
            attempts.append(name)
            raise OSError(f"network access attempted: {name}")

        return fail

    for method in ("connect", "connect_ex", "bind", "sendto", "sendall", "send", "listen"):
        monkeypatch.setattr(socket.socket, method, refuse(f"socket.{method}"))
    for fn in ("create_connection", "getaddrinfo", "gethostbyname", "create_server"):
        monkeypatch.setattr(socket, fn, refuse(fn))
    return attempts


@pytest.fixture(scope="module")
def clip(demo_video, tmp_path_factory):
    out = tmp_path_factory.mktemp("clip") / "clip.mp4"
    cap = cv2.VideoCapture(str(demo_video))
    writer = None
    for _ in range(45):
        ok, frame = cap.read()
        assert ok
        if writer is None:
            writer = cv2.VideoWriter(str(out), cv2.VideoWriter_fourcc(*"mp4v"), 30.0, frame.shape[1::-1])
        writer.write(frame)
    writer.release()
    cap.release()
    return out


def _ok(capsys, *argv) -> str:
    code = main.main([str(a) for a in argv])
    out, err = capsys.readouterr()
    assert code == 0, err
    return out


def test_whole_workflow_without_network(no_sockets, clip, demo_truth, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("CERVICAM_PASSPHRASE", "offline")
    d = tmp_path / "data"
    _ok(capsys, "analyze", clip, "--csv", tmp_path / "a.csv", "--json", tmp_path / "a.json", "--report", tmp_path / "o.pdf", "--no-progress")
    assert (tmp_path / "a.csv").read_text().count("\n") == 46
    pid = _ok(capsys, "patients", "--add", "--name", "Offline Person", "--data-dir", d).strip()
    _ok(capsys, "record", pid, "--samples-csv", demo_truth, "--data-dir", d)
    _ok(capsys, "report", "1", "--pdf", tmp_path / "r.pdf", "--csv", tmp_path / "t.csv", "--data-dir", d)
    _ok(capsys, "export", pid, tmp_path / "p.cervicam", "--data-dir", d)
    _ok(capsys, "import", tmp_path / "p.cervicam", "--data-dir", tmp_path / "other")
    _ok(capsys, "sessions", pid, "--data-dir", d)
    _ok(capsys, "audit", "--data-dir", d)
    _ok(capsys, "delete-patient", pid, "--yes", "--data-dir", d)
    assert (tmp_path / "r.pdf").stat().st_size > 10_000
    assert no_sockets == []


def test_the_guard_itself_works(no_sockets):
    with pytest.raises(OSError, match="network access attempted"):
        socket.create_connection(("127.0.0.1", 9))
    assert no_sockets == ["create_connection"]


def test_no_app_module_imports_a_network_client():
    offenders = []
    for path in (ROOT / "app").rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            for name in names:
                top = name.split(".")[0]
                if top in NETWORK_MODULES:
                    offenders.append(f"{path.relative_to(ROOT)}: {name}")
                if top == "socket" and path.name != "instance_lock.py":  # gethostname() only
                    offenders.append(f"{path.relative_to(ROOT)}: {name}")
    assert offenders == []
