"""A real Redis server for the tests that need one: Debian's redis-server on a free port, nothing saved."""

from __future__ import annotations

import contextlib
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator

import pytest
import redis


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    """The URL of a throwaway redis-server, started for this test run and shut down after it."""
    port = _free_port()
    with tempfile.TemporaryDirectory() as directory:
        subprocess.run(
            [
                "redis-server",
                "--port",
                str(port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--daemonize",
                "yes",
                "--dir",
                directory,
            ],
            check=True,
            capture_output=True,
        )
        client = redis.Redis(host="127.0.0.1", port=port)
        for _ in range(100):
            try:
                client.ping()
                break
            except redis.ConnectionError:
                time.sleep(0.05)
        try:
            yield f"redis://127.0.0.1:{port}/0"
        finally:
            # Shutting down closes the connection before answering.
            with contextlib.suppress(redis.ConnectionError):
                client.shutdown(nosave=True)
            client.close()
