"""`perf script -F comm,tid,ip,sym,dso --no-inline` output to folded stacks written the way
SystemScope writes them: root first, kernel frames ending in ``_[k]``, a user address without a
symbol as ``module+0xADDR`` (perf prints the address relative to the module for user frames, as
SystemScope does) and one outside every mapping as ``[unknown]+0xADDR``.
"""

import collections
import os
import re

from .frames import KERNEL_SUFFIX, OUTSIDE_MAPPING

# "    7f3a1c 	 func+0x12 (/usr/lib/libc.so.6)": address, symbol (may hold spaces), module.
_FRAME = re.compile(r"^\s+(?P<address>[0-9a-fA-F]+)\s+(?P<symbol>.*?)\s+\((?P<dso>.*)\)\s*$")
_KERNEL_DSOS = ("[kernel.kallsyms]", "[guest.kernel.kallsyms]")
_KERNEL_START = 0xFFFF800000000000


def _frame_name(address, symbol, dso):
    kernel = dso in _KERNEL_DSOS or dso.startswith("[kernel.kallsyms]") or address >= _KERNEL_START
    if symbol and symbol != "[unknown]":
        name = symbol.replace(";", "_")
    elif kernel:
        name = f"[kernel]+0x{address:x}"
    elif dso and dso != "[unknown]":
        name = f"{os.path.basename(dso)}+0x{address:x}"
    else:
        name = f"{OUTSIDE_MAPPING}+0x{address:x}"
    return name + KERNEL_SUFFIX if kernel else name


def collapse(lines):
    """Counter of root-first stacks (tuples), one sample per perf sample."""
    stacks = collections.Counter()
    frames = []
    in_sample = False

    def flush():
        if in_sample and frames:
            stacks[tuple(reversed(frames))] += 1

    for line in lines:
        if not line.strip():
            flush()
            frames, in_sample = [], False
            continue
        if not line[0].isspace():          # a sample's header: comm tid
            flush()
            frames, in_sample = [], True
            continue
        m = _FRAME.match(line)
        if m:
            frames.append(_frame_name(int(m["address"], 16), m["symbol"], m["dso"]))
    flush()
    return stacks


def write_folded(stacks, out):
    for stack, count in stacks.most_common():
        out.write(";".join(stack) + f" {count}\n")
