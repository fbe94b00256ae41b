"""What every test identity provider shares: a child process to stop, and a wait until it answers."""

from __future__ import annotations

import subprocess
import time
import urllib.request
from collections.abc import Callable


def stop_process(process: subprocess.Popen) -> None:
    """Terminate ``process``; kill it if it is still there after 5 s."""
    process.terminate()
    try:
        process.wait(timeout=5)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def wait_until_served(
    process: subprocess.Popen,
    url: str,
    name: str,
    log: Callable[[], str],
    accept: Callable[[bytes], bool] = lambda _body: True,
    timeout: float = 20.0,
) -> bytes:
    """Poll ``url`` until it answers 200 with a body ``accept`` likes; returns the body. Fails loudly (with the
    end of ``log()``) if the process exits or is not ready in ``timeout`` seconds; then it is stopped."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{name} exited:\n{log()[-3000:]}")
        try:
            with urllib.request.urlopen(url, timeout=2) as answer:
                body = answer.read()
                if answer.status == 200 and accept(body):
                    return body
        except OSError:
            pass
        time.sleep(0.1)
    stop_process(process)
    raise RuntimeError(f"{name} not ready after {timeout} s:\n{log()[-3000:]}")
