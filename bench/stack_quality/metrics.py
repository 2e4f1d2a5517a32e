"""Stack-quality figures of one recorder's folded stacks of one program. All figures are over user
frames (kernel frames dropped), each sample counted once."""

import collections
from dataclasses import dataclass, field

from .frames import is_complete, is_outside_mapping, raw_address, user_frames

TOP = 10


@dataclass
class Quality:
    samples: int = 0
    complete: int = 0
    raw: int = 0                 # samples with a frame shown as a bare address (module+0x…)
    outside: int = 0             # samples with a frame outside every mapping
    no_user: int = 0             # samples with no user frame at all (in the kernel on behalf of no user code)
    roots: collections.Counter = field(default_factory=collections.Counter)
    self_shares: collections.Counter = field(default_factory=collections.Counter)
    inclusive: collections.Counter = field(default_factory=collections.Counter)
    max_depth: int = 0

    def share(self, n):
        return 100.0 * n / self.samples if self.samples else float("nan")

    def self_share(self, key):
        return self.share(self.self_shares.get(key, 0))

    def inclusive_share(self, key):
        return self.share(self.inclusive.get(key, 0))

    def top_self(self):
        return [k for k, _ in self.self_shares.most_common(TOP)]

    def top_inclusive(self):
        return [k for k, _ in self.inclusive.most_common(TOP)]


def measure(stacks, keys):
    """Quality of [(root-first frames, samples)]; keys: FunctionKeys of the program."""
    q = Quality()
    for stack, count in stacks:
        q.samples += count
        user = user_frames(stack)
        if not user:
            q.no_user += count
            continue
        q.max_depth = max(q.max_depth, len(user))
        q.roots[user[0]] += count
        if is_complete(user):
            q.complete += count
        if any(raw_address(f) for f in user):
            q.raw += count
        if any(is_outside_mapping(f) for f in user):
            q.outside += count
        last = len(user) - 1
        function_keys = [keys.key(f, leaf=(i == last)) for i, f in enumerate(user)]
        q.self_shares[function_keys[-1]] += count
        for key in set(function_keys):
            q.inclusive[key] += count
    return q


def max_difference(q, reference, shares, tops):
    """Largest |share − reference share| in points over both recorders' top functions."""
    if reference is None or not q.samples or not reference.samples:
        return None
    keys = set(tops(q)) | set(tops(reference))
    return max((abs(shares(q, k) - shares(reference, k)) for k in keys), default=0.0)
