"""Comparable function keys for frames.

Named frames compare by name. Unnamed ones (a stripped binary's ``xz+0x55eb`` from either
recorder, or SystemScope's ``xz!fn_5500``) are given the function that holds them: the
``.eh_frame``/``.debug_frame`` FDE range around the address, as binutils' readelf decodes it, so
that two recorders that sampled the same stripped function agree on one key even where neither
had a name for it. Modules are found by file name in the maps the bench saved for the process.
"""

import bisect
import os
import re
import subprocess

from .frames import is_outside_mapping, raw_address, range_name, OUTSIDE_MAPPING

_FDE = re.compile(r"\bFDE cie=[0-9a-f]+ pc=([0-9a-f]+)\.\.([0-9a-f]+)")


def module_paths(maps_path):
    """File name -> path of every file mapped into the process (from a saved /proc/PID/maps)."""
    paths = {}
    try:
        with open(maps_path, encoding="utf-8", errors="replace") as f:
            for line in f:
                parts = line.split(maxsplit=5)
                if len(parts) == 6 and parts[5].startswith("/"):
                    path = parts[5].strip().removesuffix(" (deleted)")
                    paths.setdefault(os.path.basename(path), path)
    except OSError:
        pass
    return paths


class FunctionRanges:
    """Sorted FDE ranges of one file; empty when the file cannot be read."""

    def __init__(self, path):
        self.starts, self.ends = [], []
        try:
            dump = subprocess.run(["readelf", "--wide", "--debug-dump=frames", path],
                                  capture_output=True, text=True, timeout=120, check=False).stdout
        except (OSError, subprocess.TimeoutExpired):
            return
        ranges = sorted({(int(a, 16), int(b, 16)) for a, b in _FDE.findall(dump) if int(b, 16) > int(a, 16)})
        self.starts = [a for a, _ in ranges]
        self.ends = [b for _, b in ranges]

    def holding(self, address):
        """Start of the FDE range holding the address, or None (no table, or a gap)."""
        i = bisect.bisect_right(self.starts, address) - 1
        return self.starts[i] if i >= 0 and address < self.ends[i] else None


class FunctionKeys:
    """Frame -> key for per-function shares, shared by every recorder of one program."""

    def __init__(self, maps_path):
        self._paths = module_paths(maps_path)
        self._ranges = {}

    def _ranges_of(self, module):
        if module not in self._ranges:
            path = self._paths.get(module)
            self._ranges[module] = FunctionRanges(path) if path else None
        return self._ranges[module]

    def key(self, frame, leaf):
        if is_outside_mapping(frame):
            return OUTSIDE_MAPPING
        located = raw_address(frame)
        named_range = range_name(frame) if located is None else None
        if located is None and named_range is None:
            return frame
        module, address = located or named_range
        # A frame above the leaf is a return address: the call lies just before it.
        if located is not None and not leaf and address > 0:
            address -= 1
        ranges = self._ranges_of(module)
        start = ranges.holding(address) if ranges else None
        return f"{module}!fn_{start:x}" if start is not None else f"[{module}]"
