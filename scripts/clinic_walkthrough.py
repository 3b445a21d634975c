"""A clinician's session, end to end, on the real window (offscreen) with the real pipeline.

    QT_QPA_PLATFORM=offscreen .venv/bin/python scripts/clinic_walkthrough.py --video assets/demo_clinic.mp4 --out DIR [--hfov DEG] [--quick]

New patient (named, through the form), calibrate, the guided test through all six motions
(one trial each: the demo video holds one repetition of each), save, export PDF + CSV; then a
second session is killed (SIGKILL) mid-way and the next start resumes it. Each step's screenshot
and ``walkthrough.json`` (what the window showed: per-motion recorded values, the maxima panel,
the neutral, whether the resumed session kept its results) are written into DIR. ``--quick``:
after the resume, do not measure the rest of the second session. Exit 0 when the resumed session
kept every trial and result shown before the kill, 1 otherwise, 2 on bad input.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--video", required=True, help="the video played as the camera")
    parser.add_argument("--out", required=True, help="folder for the screenshots, walkthrough.json and the data")
    parser.add_argument("--hfov", type=float, default=None, help="the camera's horizontal field of view (degrees)")
    parser.add_argument("--quick", action="store_true", help="after the resume, do not measure the rest")
    parser.add_argument("--kill-at", type=int, default=700, metavar="FRAME",
                        help="the second session is killed at this frame of the video (default 700: four motions measured)")
    parser.add_argument("--phase", choices=("first", "second", "resume"), help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def run_child(args: argparse.Namespace, phase: str, timeout_s: float = 300) -> None:
    cmd = [sys.executable, str(Path(__file__).resolve()), "--phase", phase, "--video", args.video, "--out", args.out]
    cmd += [] if args.hfov is None else ["--hfov", str(args.hfov)]
    cmd += ["--quick"] if args.quick else []
    cmd += ["--kill-at", str(args.kill_at)]
    if phase != "second":
        subprocess.run(cmd, check=True, timeout=timeout_s, stdout=subprocess.DEVNULL)
        return
    child = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
    deadline = time.monotonic() + timeout_s
    assert child.stdout is not None
    for line in child.stdout:  # until the window has written what it shows mid-session
        if line.strip() == "READY" or time.monotonic() > deadline:
            break
    os.kill(child.pid, signal.SIGKILL)  # as a crash or a power cut would
    child.wait(10)
    if child.returncode != -signal.SIGKILL:
        raise RuntimeError(f"the second session ended by itself (exit {child.returncode}) before the kill")


def kept(before: dict, after: dict) -> dict:
    """Whether every result shown before the kill is shown, unchanged, after the resume."""
    missing = {m: r["shown"] for m, r in before["results"].items()
               if r["value_deg"] is not None and after["results"].get(m, {}).get("value_deg") != r["value_deg"]}
    return {"kept_results": not missing and after["trials"] >= before["trials"], "lost": missing,
            "trials_before_kill": before["trials"], "trials_after_resume": after["trials"]}


def gather(out: Path) -> dict:
    phases = {p: json.loads((out / f"phase_{p}.json").read_text()) for p in ("first", "second", "resume")}
    first, second, resume = phases["first"], phases["second"], phases["resume"]
    return {
        "patient": {"pseudonym": first["patient"], "shown_as": first["patient_label"]},
        "first_session": {
            "session_id": first["session_id"],
            "recorded": {m: r["value_deg"] for m, r in first["shown"]["results"].items()},
            "results_table": first["shown"]["results"],
            "maxima_panel": first["shown"]["maxima_panel"],
            "plot_max_labels": first["shown"]["plot_max_labels"],
            "neutral": first["shown"]["neutral"],
            "report_files": first["report_files"],
        },
        "second_session": {"session_id": second["session_id"], "before_kill": second["shown"], "stored_trials": second["stored_trials"]},
        "resumed": {"offered": resume["offered"], "session_id": resume["session_id"], "shown": resume["shown"],
                    "finished": resume.get("finished"), **kept(second["shown"], resume["shown"])},
        "screenshots": first["screenshots"] + second["screenshots"] + resume["screenshots"],
    }


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.phase:
        import app.ui  # noqa: F401  (cv2/Qt reconciliation first)
        from PySide6.QtWidgets import QApplication

        from walkthrough_steps import run_phase

        _app = QApplication.instance() or QApplication([])
        return run_phase(args)
    if not Path(args.video).is_file():
        print(f"clinic_walkthrough: no video {args.video}", file=sys.stderr)
        return 2
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    if (out / "data").exists():
        print(f"clinic_walkthrough: {out / 'data'} exists: use an empty output folder", file=sys.stderr)
        return 2
    for phase in ("first", "second", "resume"):
        run_child(args, phase)
    answer = gather(out)
    (out / "walkthrough.json").write_text(json.dumps(answer, indent=2, default=str))
    print(json.dumps({"recorded": answer["first_session"]["recorded"], "kept_results": answer["resumed"]["kept_results"]}))
    return 0 if answer["resumed"]["kept_results"] else 1


if __name__ == "__main__":
    sys.exit(main())
