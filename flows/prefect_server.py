"""A local `prefect server start` for as long as a block runs: what an operator starts before deploying
(README, "Production runs"). The deployment test and the pipeline benchmark start theirs through it."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def local_prefect_server(home: Path, startup_timeout_s: float = 120) -> Iterator[dict[str, str]]:
    """Start a server on a free local port with ``home`` as its PREFECT_HOME; yields the environment that
    points Prefect at it (``PREFECT_HOME``, ``PREFECT_API_URL``, telemetry off) and stops it at the end."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {"PREFECT_HOME": str(home), "PREFECT_API_URL": f"http://127.0.0.1:{port}/api", "DO_NOT_TRACK": "1",
           "PREFECT_SERVER_ANALYTICS_ENABLED": "false"}
    prefect = str(Path(sys.executable).with_name("prefect"))
    server = subprocess.Popen([prefect, "server", "start", "--host", "127.0.0.1", "--port", str(port)],
                              env={**os.environ, **env}, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT,
                              start_new_session=True)
    try:
        deadline = time.time() + startup_timeout_s
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/api/health", timeout=2)
                break
            except OSError:
                if time.time() > deadline or server.poll() is not None:
                    raise RuntimeError(f"prefect server did not start on port {port} within "
                                       f"{startup_timeout_s:.0f} s") from None
                time.sleep(0.5)
        yield env
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
