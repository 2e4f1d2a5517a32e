"""Frame names as SystemScope's folded output and our perf collapse write them, and the one
definition of a complete stack.

Both folded files are root first; kernel frames end in ``_[k]`` and JIT frames in ``_[j]``. A user
address without a symbol is ``module+0xVADDR`` (``[unknown]+0xADDR`` when no mapping holds it);
a stripped function named by its unwind-table range may read ``module!fn_START``.
"""

import re

KERNEL_SUFFIX = "_[k]"
JIT_SUFFIX = "_[j]"
OUTSIDE_MAPPING = "[unknown]"

# Where a thread's user stack begins. A walk whose root-most user frame is one of these reached
# the bottom of the stack: the process entry (_start, glibc's start-up, main), a glibc thread
# (start_thread, clone, clone3), or a Go thread or goroutine (runtime.goexit under every
# goroutine, runtime.mstart under every system thread, runtime.rt0_go on the main thread at
# start-up). Go is matched with and without its package path prefix.
THREAD_STARTS = frozenset({
    "_start", "main",
    "__libc_start_main", "__libc_start_main_impl", "__libc_start_call_main",
    "start_thread", "clone", "__clone", "clone3", "__clone3", "__GI___clone", "__GI___clone3",
    "runtime.goexit", "runtime.goexit.abi0", "runtime.main",
    "runtime.mstart", "runtime.mstart.abi0", "runtime.rt0_go", "runtime.rt0_go.abi0",
    "_rt0_amd64_linux", "_rt0_amd64",
})

_VERSION = re.compile(r"@@?[A-Za-z_][\w.]*$")      # __libc_start_main@@GLIBC_2.34
_RAW = re.compile(r"^(?P<module>.+)\+0x(?P<address>[0-9a-fA-F]+)$")
_RANGE = re.compile(r"^(?P<module>[^!]+)!fn_(?P<address>[0-9a-fA-F]+)$")


def strip_version(name):
    return _VERSION.sub("", name)


def is_kernel(frame):
    return frame.endswith(KERNEL_SUFFIX)


def user_frames(stack):
    """The user part of a root-first stack: kernel frames dropped, JIT marks removed."""
    return [strip_version(f[:-len(JIT_SUFFIX)] if f.endswith(JIT_SUFFIX) else f)
            for f in stack if not is_kernel(f)]


def raw_address(frame):
    """(module, address) for an unnamed ``module+0xADDR`` frame, else None."""
    m = _RAW.match(frame)
    return (m["module"], int(m["address"], 16)) if m else None


def range_name(frame):
    """(module, start) for a ``module!fn_START`` frame (a stripped function), else None."""
    m = _RANGE.match(frame)
    return (m["module"], int(m["address"], 16)) if m else None


def is_outside_mapping(frame):
    """An address no mapping of the process holds: not code, a broken walk."""
    return frame == OUTSIDE_MAPPING or frame.startswith(OUTSIDE_MAPPING + "+0x")


def is_unnamed(frame):
    return raw_address(frame) is not None or range_name(frame) is not None or is_outside_mapping(frame)


def is_complete(user):
    """True when the walk reached the thread's start: its root-most user frame is a thread start,
    or is an unnamed frame inside a mapping (the ``_start`` of a stripped executable) right above
    one (``__libc_start_main``, which glibc exports)."""
    if not user:
        return False
    if user[0] in THREAD_STARTS:
        return True
    return (len(user) > 1 and user[1] in THREAD_STARTS
            and is_unnamed(user[0]) and not is_outside_mapping(user[0]))


def read_folded(path):
    """[(root-first frames, samples)] from a folded file."""
    stacks = []
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            line = line.rstrip("\n")
            stack, _, count = line.rpartition(" ")
            if not stack or not count.isdigit():
                continue
            stacks.append((stack.split(";"), int(count)))
    return stacks
