"""Run a command and write the peak RSS of its process tree to a file, in kilobytes.

    python -I -S maxrss_wrapper.py OUTPUT COMMAND [ARG ...]

Why a wrapper: Linux hands a new process the RSS high-water mark of the process that
started it, so the ru_maxrss of a direct child of the benchmark (grown by in-process
DuckDB reads) would report the benchmark's own memory. This small, fresh process starts
the command instead; RUSAGE_CHILDREN then covers exactly the command and every descendant
it waited for. Only the standard library, so it starts in a few megabytes.
"""

from __future__ import annotations

import os
import resource
import signal
import sys


def main() -> int:
    output, command = sys.argv[1], sys.argv[2:]
    pid = os.posix_spawnp(command[0], command, os.environ)

    def forward(signum: int, _frame: object) -> None:
        # The benchmark stops its child on Ctrl-C or SIGTERM; the command must stop too.
        os.kill(pid, signum)

    signal.signal(signal.SIGTERM, forward)
    signal.signal(signal.SIGINT, forward)
    _, status = os.waitpid(pid, 0)
    with open(output, "w", encoding="ascii") as out:
        out.write(str(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss))
    code = os.waitstatus_to_exitcode(status)
    return code if code >= 0 else 128 - code  # shell style: 128+N when killed by signal N


if __name__ == "__main__":
    sys.exit(main())
