"""Markdown report of a stack-quality run directory:

    DIR/recorders            id<TAB>label, one per line, in column order
    DIR/programs             name<TAB>description, one per line
    DIR/<program>/maps       /proc/PID/maps of the workload, saved while it ran
    DIR/<program>/<id>.folded
"""

import os

from . import metrics
from .functions import FunctionKeys
from .frames import read_folded

REFERENCE = "perf-dwarf"
FALLBACK_REFERENCE = "perf-fp"


def _pairs(path):
    with open(path, encoding="utf-8") as f:
        return [tuple(line.rstrip("\n").split("\t", 1)) for line in f if "\t" in line]


def _pct(value):
    return "n/a" if value != value else f"{value:.1f} %"   # NaN: no samples


def _points(value):
    return "n/a" if value is None else f"{value:.1f}"


def _signed(value):
    return f"{value:+.1f}"


def _load(directory, program, recorders):
    keys = FunctionKeys(os.path.join(directory, program, "maps"))
    measured = {}
    for rid, _ in recorders:
        path = os.path.join(directory, program, f"{rid}.folded")
        if os.path.exists(path):
            measured[rid] = metrics.measure(read_folded(path), keys)
    return measured


def _reference(measured):
    """perf --call-graph dwarf, unless perf's frame-pointer walk completes more stacks of this
    program (Go: no .eh_frame, perf's DWARF mode stops at the first frame)."""
    dwarf, fp = measured.get(REFERENCE), measured.get(FALLBACK_REFERENCE)
    if dwarf and fp and fp.share(fp.complete) > dwarf.share(dwarf.complete):
        return FALLBACK_REFERENCE
    return REFERENCE if dwarf else None


def _share_table(title, measured, recorders, reference_id, tops, shares, out):
    reference = measured.get(reference_id)
    # The reference first, then the others in their order.
    present = sorted(((rid, label) for rid, label in recorders if rid in measured), key=lambda r: r[0] != reference_id)
    rows = []
    for rid, _ in present:
        for key in tops(measured[rid]):
            if key not in rows:
                rows.append(key)
    if reference:
        rows.sort(key=lambda k: -shares(reference, k))
    out.append(f"{title}:")
    out.append("")
    header = "| function |"
    rule = "|---|"
    for rid, label in present:
        header += f" {label} |"
        rule += "---|"
        if reference and rid != reference_id:
            header += " Δ |"
            rule += "---|"
    out += [header, rule]
    for key in rows:
        line = f"| `{key}` |"
        for rid, _ in present:
            value = shares(measured[rid], key)
            line += f" {value:.1f} |"
            if reference and rid != reference_id:
                line += f" {_signed(value - shares(reference, key))} |"
        out.append(line)
    out.append("")


def render(directory, seconds):
    recorders = _pairs(os.path.join(directory, "recorders"))
    programs = _pairs(os.path.join(directory, "programs"))
    labels = dict(recorders)
    out = [
        "## Stack quality against perf",
        "",
        f"Each program ran alone; every recorder was started together on its pid for {seconds} s at 99 Hz.",
        "User frames only (kernel frames dropped). *Complete*: the root-most user frame is a thread",
        "start (`_start`, `main`, `__libc_start_main`, `start_thread`, `clone3`, `runtime.goexit`,",
        "`runtime.mstart`…), or an unnamed frame of a mapped file right above one (a stripped",
        "`_start`). *Bare address*: a frame shown as `module+0x…`; *outside mappings*: a frame at an",
        "address no mapping holds. Functions of stripped binaries are keyed by their `.eh_frame`",
        "range (`module!fn_START`). Δ: points against perf `--call-graph dwarf` (perf `--call-graph fp`",
        "where that completes more stacks, as in Go).",
        "",
    ]
    summary = []
    for program, description in programs:
        measured = _load(directory, program, recorders)
        if not measured:
            summary.append(f"| {program} | (nothing recorded) |" + " |" * 8)
            continue
        reference_id = _reference(measured)
        reference = measured.get(reference_id)
        out += [f"### {program}: {description}", ""]
        if reference_id and reference_id != REFERENCE:
            out += [f"Reference: {labels[reference_id]}, which completes more of this program's stacks than perf's DWARF mode.", ""]
        _share_table("Self (leaf) share, %, top 10 of each recorder", measured, recorders, reference_id,
                     metrics.Quality.top_self, metrics.Quality.self_share, out)
        _share_table("Inclusive share, %, top 10 of each recorder", measured, recorders, reference_id,
                     metrics.Quality.top_inclusive, metrics.Quality.inclusive_share, out)
        for rid, label in recorders:
            q = measured.get(rid)
            if q is None:
                summary.append(f"| {program} | {label} | not recorded |" + " |" * 7)
                continue
            d_self = metrics.max_difference(q, reference, metrics.Quality.self_share, metrics.Quality.top_self)
            d_incl = metrics.max_difference(q, reference, metrics.Quality.inclusive_share, metrics.Quality.top_inclusive)
            summary.append(
                f"| {program} | {labels[rid]} | {q.samples} | {_pct(q.share(q.complete))} | {len(q.roots)} "
                f"| {_pct(q.share(q.raw))} | {_pct(q.share(q.outside))} | {q.max_depth}"
                + (" | reference | reference |" if rid == reference_id else f" | {_points(d_self)} | {_points(d_incl)} |"))
    out += [
        "### Summary",
        "",
        "| program | recorder | samples | complete stacks | root frames | bare address | outside mappings "
        "| deepest | max \\|Δ\\| self top 10 | max \\|Δ\\| inclusive top 10 |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ] + summary + [""]
    return "\n".join(out)
