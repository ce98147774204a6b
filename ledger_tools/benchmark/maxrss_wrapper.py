"""`python -I -S maxrss_wrapper.py OUTPUT COMMAND [ARG ...]`: the peak RSS of COMMAND's tree,
in kilobytes, into OUTPUT. A wrapper since Linux hands a child its parent's RSS high-water
mark: the benchmark's own memory would show; this small fresh process's RUSAGE_CHILDREN is
exactly the command's tree."""

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
