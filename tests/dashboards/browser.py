"""A headless Chromium driven over the DevTools protocol (no extra package: Streamlit already brings
``websockets``). Enough for the tests: open a URL, wait until the page shows some text, read the DOM, take
a full-page screenshot."""

from __future__ import annotations

import base64
import contextlib
import json
import os
import signal
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

from websockets.sync.client import connect


class Browser:
    def __init__(self, binary: str) -> None:
        self._profile = tempfile.TemporaryDirectory(prefix="causeway-chromium-")
        self._process = subprocess.Popen(
            [binary, "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
             "--remote-debugging-port=0", f"--user-data-dir={self._profile.name}", "--window-size=1400,2200",
             "about:blank"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            start_new_session=True)  # its helpers (crashpad, utility processes) share the group
        port_file = Path(self._profile.name) / "DevToolsActivePort"
        deadline = time.monotonic() + 30
        while not port_file.exists() or not port_file.read_text().strip():
            if time.monotonic() > deadline:
                raise RuntimeError("chromium did not open its DevTools port")
            time.sleep(0.1)
        port = int(port_file.read_text().split()[0])
        targets = json.loads(urllib.request.urlopen(f"http://127.0.0.1:{port}/json", timeout=10).read())
        page = next(t for t in targets if t["type"] == "page")
        self._ws = connect(page["webSocketDebuggerUrl"], max_size=None, open_timeout=20)
        self._id = 0

    def _call(self, method: str, **params) -> dict:
        self._id += 1
        self._ws.send(json.dumps({"id": self._id, "method": method, "params": params}))
        while True:
            message = json.loads(self._ws.recv(timeout=60))
            if message.get("id") == self._id:
                if "error" in message:
                    raise RuntimeError(f"{method}: {message['error']}")
                return message.get("result", {})

    def evaluate(self, expression: str):
        return self._call("Runtime.evaluate", expression=expression, returnByValue=True)["result"].get("value")

    def open(self, url: str, wait_for: list[str], timeout: float = 60.0) -> str:
        """Navigate and wait until every text of ``wait_for`` is on the page (and Streamlit stopped
        running); returns the page's HTML."""
        self._call("Page.enable")
        self._call("Page.navigate", url=url)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            text = self.evaluate("document.body ? document.body.innerText : ''") or ""
            running = self.evaluate("!!document.querySelector('[data-testid=\"stStatusWidget\"]')")
            if all(w in text for w in wait_for) and not running:
                break
            time.sleep(0.5)
        time.sleep(1.0)  # let charts finish drawing
        return self.evaluate("document.documentElement.outerHTML") or ""

    def screenshot(self, path: Path) -> None:
        height = self.evaluate("Math.max(document.body.scrollHeight, 2200)") or 2200
        self._call("Emulation.setDeviceMetricsOverride", width=1400, height=int(height), deviceScaleFactor=1,
                   mobile=False)
        data = self._call("Page.captureScreenshot", format="png", captureBeyondViewport=True)["data"]
        path.write_bytes(base64.b64decode(data))

    def close(self) -> None:
        """Stop Chromium and every helper it started, then remove the profile. Helpers outlive the main
        process for a moment and keep writing into the profile, so the whole process group goes, and the
        removal is retried while a late write lands."""
        try:
            self._ws.close()
        finally:
            self._signal_group(signal.SIGTERM)
            try:
                self._process.wait(timeout=20)
            finally:
                self._signal_group(signal.SIGKILL)
                for attempt in range(20):  # cleanup() removes what is left on each try
                    try:
                        self._profile.cleanup()
                        break
                    except OSError:
                        if attempt == 19:
                            raise
                        time.sleep(0.25)

    def _signal_group(self, signum: int) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self._process.pid, signum)
