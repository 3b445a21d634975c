"""The PDF report (matplotlib, A4): results vs norms, asymmetry, ROM star, time plot, trend.

Page 1: patient and session data, the table per motion (trials, recorded, norm, % of norm,
repeatability, flags, pain), left/right asymmetry, combined range, and the star chart.
Page 2: yaw/pitch/roll over time with every trial marked, and the trend over the patient's
sessions with the change since the previous one judged against the MDC.
Page 3 (and more if needed): every trial with its times, maximum and flags in words.
Uses matplotlib's object API (no pyplot), so it never touches a GUI backend.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from app.colours import AXIS_COLORS, MOTION_COLORS
from app.core.angles import DIRECTION_LABELS, DIRECTIONS
from app.core.compensation import FLAG_ADVICE, FLAG_TEXT
from app.core.norms import asymmetries, change_since, combined_rom, percent_of_norm
from app.core.protocol import MIN_TRIALS_TO_JUDGE, TOO_FEW_TRIALS, TrialKind, repeatability_text
from app.errors import CervicamError
from app.local_time import local_date, now_local_text
from app.report.data import ReportData

A4 = (8.27, 11.69)
FLAG_CODES = {
    "trunk_rotation": "TR",
    "trunk_lean": "TL",
    "head_lost": "HL",
    "low_quality_end_range": "LQ",
    "wrong_plane": "WP",
    "not_repeatable": "NR",
    "not_returned": "RT",
}
SHORT = {
    "rotation_left": "Rot L",
    "rotation_right": "Rot R",
    "flexion": "Flex",
    "extension": "Ext",
    "lateral_flexion_left": "LatFl L",
    "lateral_flexion_right": "LatFl R",
}


def _codes(flags) -> str:
    return " ".join(FLAG_CODES.get(f, f) for f in flags)


def _deg(v: float | None) -> str:
    return "-" if v is None else f"{v:.0f}"


def write_pdf(data: ReportData, path: str | os.PathLike[str]) -> int:
    """Write the report; returns the number of pages."""
    from matplotlib.backends.backend_pdf import PdfPages

    target = Path(path)
    pages = [_page_results(data), _page_time_and_trend(data), *_pages_trials(data)]
    tmp = target.with_name(target.name + ".part")
    try:
        with PdfPages(tmp) as pdf:
            for fig in pages:
                pdf.savefig(fig)
            info = pdf.infodict()
            info["Title"] = f"cervicam ROM report {data.patient_label}"
            info["Creator"] = "cervicam"
        os.replace(tmp, target)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise CervicamError(f"cannot write the report {target}: {exc.strerror or exc}") from None
    return len(pages)


def _figure():
    from matplotlib.figure import Figure

    return Figure(figsize=A4)


def _page_results(data: ReportData):
    fig = _figure()
    fig.text(0.06, 0.965, "Cervical range of motion", fontsize=17, weight="bold", va="top")
    fig.text(0.94, 0.965, f"Patient {data.patient_label}", fontsize=13, weight="bold", va="top", ha="right")
    y = _details(fig, data, 0.93)
    rows = _result_rows(data)
    table_h = 0.021 * (len(rows) + 1)
    ax = fig.add_axes([0.06, y - 0.02 - table_h, 0.88, table_h])
    ax.set_title("Active range of motion (degrees)", fontsize=11, loc="left", weight="bold")
    header = ["Motion", "Trials", "Recorded", "Norm", "% of norm", "Repeatable", "Flags", "Pain"]
    _flagged_table(ax, rows, header, [0.18, 0.17, 0.09, 0.07, 0.09, 0.15, 0.18, 0.07], 8.5, flag_col=6, bold_header=True)
    y -= table_h + 0.04
    for line in _result_notes(data):
        for chunk in _wrap(line, 120):
            fig.text(0.06, y, chunk, fontsize=8, va="top")
            y -= 0.015
    fig.text(0.06, y - 0.003, "Norm source: " + data.norm_set.source, fontsize=6.5, va="top", color="#555555", wrap=True)
    y -= 0.03

    _star_chart(fig, data, [0.2, 0.07, 0.6, min(0.4, y - 0.13)])
    fig.text(0.06, 0.02, _footer(data), fontsize=6.5, color="#555555")
    return fig


def _details(fig, data: ReportData, y: float) -> float:
    """Patient and session details in two columns from ``y`` down; returns the y below them."""
    left = [*data.patient_details, *data.session_details[:3]]
    right = list(data.session_details[3:])
    right.append(("Norms", data.norm_set.name))
    for i in range(max(len(left), len(right))):
        if i < len(left):
            fig.text(0.06, y, f"{left[i][0]}: {left[i][1]}", fontsize=8.5, va="top")
        if i < len(right):
            fig.text(0.52, y, f"{right[i][0]}: {right[i][1]}"[:70], fontsize=8.5, va="top")
        y -= 0.017
    return y


def _result_rows(data: ReportData) -> list[list[str]]:
    """One results-table row per measured motion: trials, recorded, norm, %, repeatable, flags, pain."""
    rows = []
    for r in data.results:
        trials = [t for t in r.trials if not t.discarded]
        trial_text = ", ".join(f"{t.max_deg:.0f}" + ("*" if t.flags else "") for t in trials) or "-"
        pct = percent_of_norm(r.recorded_deg, r.motion, data.norm_set)
        pain = data.pain.get(r.motion)
        rows.append(
            [
                DIRECTION_LABELS[r.motion], trial_text, _deg(r.recorded_deg), _deg(data.norm_set.norm_for(r.motion)),
                "-" if pct is None else f"{pct:.0f} %", repeatability_text(r), _codes(r.flags) or "-",
                "-" if pain is None else str(pain),
            ]  # fmt: skip
        )
    return rows


def _flagged_table(ax, rows: list[list[str]], header: list[str], widths: list[float], fontsize: float,
                   flag_col: int, bold_header: bool) -> None:  # fmt: skip
    """A table filling ``ax``: grey header, rows whose ``flag_col`` holds a flag shaded orange."""
    ax.axis("off")
    table = ax.table(cellText=rows, colLabels=header, bbox=[0, 0, 1, 1], cellLoc="center", colWidths=widths)
    table.auto_set_font_size(False)
    table.set_fontsize(fontsize)
    for (row, col), cell in table.get_celld().items():
        if row == 0:
            cell.set_facecolor("#e8e8e8")
            if bold_header:
                cell.set_text_props(weight="bold")
        elif col == flag_col and rows[row - 1][flag_col] != "-":
            cell.set_facecolor("#fde3c8")


def _result_notes(data: ReportData) -> list[str]:
    """The lines under the results table: flags and their advice, the rule, asymmetry, combined ROM."""
    recorded = data.recorded()
    lines = ["Trials marked * carry a flag." if any(r.flags for r in data.results) else "No trial carries a flag."]
    lines += flag_advice_lines(f for r in data.results for f in r.flags)
    lines.append("Recorded = greatest trial of a set that agrees within 10 % or 5° (AMA Guides rule).")
    if any(repeatability_text(r) == TOO_FEW_TRIALS for r in data.results):
        lines.append(f"Repeatable '{TOO_FEW_TRIALS}': the rule needs at least {MIN_TRIALS_TO_JUDGE} trials of a motion "
                     "(e.g. one excursion in a recorded video); measure again to judge it.")  # fmt: skip
    for a in asymmetries(recorded):
        lines.append(("! " if a.flagged else "") + "L/R " + a.text + " (flag: > 10° or > 15 %)")
    combined = combined_rom(recorded)
    if combined is None:
        lines.append("Combined range of motion: not all six directions measured")
        return lines
    if data.norm_set.combined_normal_deg is not None:
        normal, what = data.norm_set.combined_normal_deg, "normal"
    else:
        normal, what = sum(data.norm_set.values.values()), "sum of the norms"
    lines.append(f"Combined range of motion: {combined:.0f}° ({what} {normal:.0f}°, {100 * combined / normal:.0f} %)")
    return lines


def flag_advice_lines(flags) -> list[str]:
    """One line per flag present (in FLAG_CODES order): its code, what it means, what to do."""
    present = set(flags)
    return [
        f"{FLAG_CODES[f]} = {FLAG_TEXT[f]}: {FLAG_ADVICE[f]}." for f in FLAG_CODES if f in present
    ]


def _wrap(text: str, width: int) -> list[str]:
    import textwrap

    return textwrap.wrap(text, width) or [""]


def _star_chart(fig, data: ReportData, rect) -> None:
    # Around the dial as a clinician pictures the head from the front: extension up, flexion down.
    order = ["extension", "rotation_left", "lateral_flexion_left", "flexion", "lateral_flexion_right", "rotation_right"]
    angles = np.deg2rad([90, 30, 330, 270, 210, 150])  # within [0, 360): ticks outside widen the dial
    ax = fig.add_axes(rect, projection="polar")
    norm = [data.norm_set.norm_for(d) for d in order]
    recorded = data.recorded()
    values = [recorded.get(d) or 0.0 for d in order]
    loop = lambda v: np.concatenate([v, v[:1]])  # noqa: E731
    ax.plot(loop(angles), loop(np.array(norm)), color="#888888", linestyle="--", label=f"norm ({data.norm_set.name})")
    ax.fill(loop(angles), loop(np.array(norm)), color="#cccccc", alpha=0.25)
    ax.plot(loop(angles), loop(np.array(values)), color="#c0392b", marker="o", label="this session")
    ax.fill(loop(angles), loop(np.array(values)), color="#c0392b", alpha=0.2)
    if data.previous:
        prev = data.previous[-1].recorded
        pv = np.array([prev.get(d) or 0.0 for d in order])
        ax.plot(loop(angles), loop(pv), color="#2471a3", linestyle=":", marker=".", label="previous session")
    ax.set_xticks(angles)
    ax.set_xticklabels([f"{DIRECTION_LABELS[d]}\n{_deg(recorded.get(d))}°" for d in order], fontsize=7.5)
    ax.set_ylim(0, max(max(norm), max(values)) * 1.1)
    ax.tick_params(axis="y", labelsize=6)
    ax.set_title("Range of motion vs norm (degrees)", fontsize=10, weight="bold", pad=18)
    ax.legend(loc="upper right", bbox_to_anchor=(1.35, 1.12), fontsize=7)


def _page_time_and_trend(data: ReportData):
    fig = _figure()
    fig.text(0.06, 0.965, f"Movement over time - patient {data.patient_label}", fontsize=13, weight="bold", va="top")
    _time_plot(fig.add_axes([0.09, 0.56, 0.86, 0.34]), data)
    fig.text(0.06, 0.47, "Trend over sessions", fontsize=13, weight="bold", va="top")
    _trend(fig, data)
    fig.text(0.06, 0.02, _footer(data), fontsize=6.5, color="#555555")
    return fig


def _time_plot(ax, data: ReportData) -> None:
    s = data.samples
    if not s:
        ax.text(0.5, 0.5, "no samples stored", ha="center", transform=ax.transAxes)
        return
    t = np.array([x.time_s for x in s])
    for field, label, colour in (
        ("yaw_deg", "yaw (+ = rotation left)", AXIS_COLORS["yaw_deg"]),
        ("pitch_deg", "pitch (+ = flexion)", AXIS_COLORS["pitch_deg"]),
        ("roll_deg", "roll (+ = lateral flexion left)", AXIS_COLORS["roll_deg"]),
    ):
        v = np.array([getattr(x, field) if x.detected and getattr(x, field) is not None else np.nan for x in s], float)
        ax.plot(t, v, color=colour, linewidth=1.0, label=label)
    lost = np.array([not x.detected for x in s])
    if lost.any():
        ax.fill_between(t, 0, 1, where=lost, transform=ax.get_xaxis_transform(), color="#000000", alpha=0.08,
                        step="mid", label="head not tracked")  # fmt: skip
    many = sum(t.kind == TrialKind.TRIAL for t in data.trials) > 12
    for trial in data.trials:
        if trial.discarded:
            continue
        colour = MOTION_COLORS[trial.motion]
        alpha = 0.08 if trial.kind == TrialKind.WARMUP else 0.18
        ax.axvspan(trial.start_s, trial.end_s, color=colour, alpha=alpha, linewidth=0)
        axis, sign = DIRECTIONS[trial.motion]
        ax.plot([trial.peak_s], [sign * trial.max_deg], marker="v" if sign < 0 else "^",
                color="#888888" if trial.kind == TrialKind.WARMUP else "black", markersize=4)  # fmt: skip
        if trial.kind == TrialKind.WARMUP:
            continue  # a warm-up is shaded, not labelled: labels would crowd a guided session
        tag = f"{trial.max_deg:.0f}°" if many else f"{SHORT[trial.motion]} {trial.max_deg:.0f}°"
        ax.annotate(tag, (trial.peak_s, sign * trial.max_deg), textcoords="offset points",
                    xytext=(0, 6 if sign > 0 else -11), ha="center", fontsize=6.5)  # fmt: skip
    ax.axhline(0, color="#999999", linewidth=0.6)
    ax.set_xlabel("time (s)")
    ax.set_ylabel("degrees from neutral")
    ax.grid(alpha=0.3)
    low, high = ax.get_ylim()
    ax.set_ylim(low - 8, high + 8)  # room for the trial labels
    ax.legend(fontsize=7, loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=4, frameon=False)
    ax.text(0.0, -0.13, "Shaded: detected trials (light = warm-up); markers: each trial's maximum (grey = warm-up)",
            transform=ax.transAxes, fontsize=7.5)  # fmt: skip


def _trend(fig, data: ReportData) -> None:
    current = data.recorded()
    sessions = [*data.previous, None]
    if not data.previous:
        fig.text(0.06, 0.43, "No earlier sessions of this patient are stored: nothing to compare yet.", fontsize=9)
        return
    ax = fig.add_axes([0.09, 0.2, 0.6, 0.22])
    labels = [local_date(p.started_at) for p in data.previous] + [(local_date(data.started_at) or "this") + "\n(this)"]
    x = np.arange(len(sessions))
    for d in DIRECTIONS:
        ys = [p.recorded.get(d) for p in data.previous] + [current.get(d)]
        ax.plot(x, [np.nan if v is None else v for v in ys], marker="o", color=MOTION_COLORS[d], label=SHORT[d])
    ax.set_xticks(x)
    ax.set_xticklabels(labels, fontsize=7)
    ax.set_ylabel("recorded (degrees)")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7, loc="center left", bbox_to_anchor=(1.01, 0.5))
    prev = data.previous[-1]
    rows = []
    for d in DIRECTIONS:
        c = change_since(prev.recorded.get(d), current.get(d), data.mdc_deg)
        delta = "-" if c.delta_deg is None else f"{c.delta_deg:+.1f}"
        rows.append([DIRECTION_LABELS[d], _deg(c.previous_deg), _deg(c.current_deg), delta, c.verdict or "-"])
    tax = fig.add_axes([0.06, 0.04, 0.88, 0.13])
    tax.axis("off")
    table = tax.table(cellText=rows, colLabels=["Motion", f"Previous ({local_date(prev.started_at)})", "This session",
                      "Change", f"Verdict (MDC {data.mdc_deg:.0f}°)"], loc="upper left", cellLoc="center")  # fmt: skip
    table.auto_set_font_size(False)
    table.set_fontsize(8)
    table.scale(1.0, 1.2)
    for (row, col), cell in table.get_celld().items():
        if row == 0:
            cell.set_facecolor("#e8e8e8")
        elif col == 4:
            verdict = rows[row - 1][4]
            cell.set_facecolor({"improved": "#d5f5e3", "worse": "#fadbd8"}.get(verdict, "white"))


TRIALS_PER_PAGE = 38


def _pages_trials(data: ReportData) -> list:
    """Every trial (warm-ups and discarded ones included) with its times and flags in words."""
    header = ["Motion", "Kind", "#", "Start (s)", "Peak (s)", "End (s)", "Max (°)", "Flags"]
    rows = []
    for t in data.trials:
        kind = t.kind + (" (manual)" if t.manual else "") + (" - discarded" if t.discarded else "")
        flags = ", ".join(FLAG_TEXT.get(f, f).split(" (")[0] for f in t.flags) or "-"
        rows.append([DIRECTION_LABELS[t.motion], kind, str(t.number), f"{t.start_s:.1f}", f"{t.peak_s:.1f}",
                     f"{t.end_s:.1f}", f"{t.max_deg:.1f}", flags])  # fmt: skip
    chunks = [rows[i : i + TRIALS_PER_PAGE] for i in range(0, len(rows), TRIALS_PER_PAGE)] or [[]]
    figs = []
    for n, chunk in enumerate(chunks):
        fig = _figure()
        title = "Trial details" + (f" ({n + 1}/{len(chunks)})" if len(chunks) > 1 else "")
        fig.text(0.06, 0.965, f"{title} - patient {data.patient_label}", fontsize=13, weight="bold", va="top")
        if not chunk:
            fig.text(0.06, 0.92, "No trial was detected.", fontsize=9, va="top")
        else:
            height = 0.021 * (len(chunk) + 1)
            ax = fig.add_axes([0.06, 0.93 - height, 0.88, height])
            widths = [0.17, 0.13, 0.04, 0.08, 0.08, 0.08, 0.08, 0.34]
            _flagged_table(ax, chunk, header, widths, 7.5, flag_col=7, bold_header=False)
        if n == len(chunks) - 1 and data.notes:
            fig.text(0.06, 0.06, "Notes: " + data.notes[:300], fontsize=8, va="bottom", wrap=True)
        fig.text(0.06, 0.02, _footer(data), fontsize=6.5, color="#555555")
        figs.append(fig)
    return figs


def _footer(data: ReportData) -> str:
    when = now_local_text()
    return (
        f"{contents_line(data)}\n"
        f"cervicam report, generated {when}. Webcam measurement of active cervical ROM; check flagged trials. "
        "Signature: ______________________"
    )


def contents_line(data: ReportData) -> str:
    """What this export holds (privacy: every export says so)."""
    named = any(key in ("Name", "Birth year") for key, _ in data.patient_details)
    identity = "with name/birth year" if named else "pseudonymous ID only"
    return (
        f"Confidential health data of patient {data.patient_label} ({identity}): "
        "head angles, trials and results; no images or video."
    )
