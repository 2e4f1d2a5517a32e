"""Stack quality of SystemScope against perf (used by bench/stack-quality.sh).

    python3 bench/stack_quality collapse-perf < perf-script.txt > perf.folded
    python3 bench/stack_quality report DIR SECONDS
"""

import os
import sys

if __package__ in (None, ""):
    # Run as a directory (python3 bench/stack_quality): import the package by its name.
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    __package__ = "stack_quality"   # noqa: A001

from stack_quality import perf_script, report  # noqa: E402


def main(argv):
    if len(argv) == 2 and argv[1] == "collapse-perf":
        perf_script.write_folded(perf_script.collapse(sys.stdin), sys.stdout)
        return 0
    if len(argv) == 4 and argv[1] == "report":
        print(report.render(argv[2], argv[3]))
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
