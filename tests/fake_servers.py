"""Loopback servers that misbehave on purpose: not HTTP, cut off, silent, reset, empty.

Each answers every connection with one behaviour, after reading the request, so the helpers
can be shown what a port held by another program, or a connection that breaks, looks like.
"""

from __future__ import annotations

import contextlib
import socket
import struct
import threading
import time
from collections.abc import Callable

Respond = Callable[[socket.socket], None]


class RawServer:
    """A TCP server on 127.0.0.1 that hands each connection, request read, to ``respond``."""

    def __init__(self, respond: Respond) -> None:
        self.respond = respond
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.endpoint = f"http://127.0.0.1:{self.port}"
        self.requests = 0
        self._stop = threading.Event()
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                client, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._one, args=(client,), daemon=True).start()

    def _one(self, client: socket.socket) -> None:
        try:
            read_request(client)
            self.requests += 1
            self.respond(client)
        except OSError:
            pass
        finally:
            with contextlib.suppress(OSError):
                client.close()

    def close(self) -> None:
        self._stop.set()
        self.sock.close()

    def __enter__(self) -> RawServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def read_request(client: socket.socket) -> bytes:
    """Read one HTTP request (headers, and a body of Content-Length bytes)."""
    client.settimeout(5)
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = client.recv(65536)
        if not chunk:
            return data
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip())
    while len(body) < length:
        chunk = client.recv(65536)
        if not chunk:
            break
        body += chunk
    return head + b"\r\n\r\n" + body


def http_answer(status: str, body: bytes, content_type: str = "application/json") -> Respond:
    def respond(client: socket.socket) -> None:
        client.sendall(
            f"HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\n"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode()
            + body
        )

    return respond


def close_at_once(client: socket.socket) -> None:
    """Accept, read the request, close: no answer at all."""


def garbage(client: socket.socket) -> None:
    client.sendall(b"\x16\x03\x01 SSH-2.0-OpenSSH_9.6 not http at all\r\n\r\n")


def silent(client: socket.socket) -> None:
    time.sleep(3)  # longer than the timeout the tests give


def reset(client: socket.socket) -> None:
    """Close with a TCP reset (RST) instead of an orderly FIN."""
    client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))


def partial_stream(frames: bytes, then: str = "close") -> Respond:
    """An event stream answer (chunked) that sends ``frames`` and then closes or resets."""

    def respond(client: socket.socket) -> None:
        client.sendall(
            b"HTTP/1.1 200 OK\r\nContent-Type: application/vnd.amazon.eventstream\r\n"
            b"Transfer-Encoding: chunked\r\n\r\n"
        )
        if frames:
            client.sendall(f"{len(frames):x}\r\n".encode() + frames + b"\r\n")
        time.sleep(0.05)
        if then == "reset":
            reset(client)
        # no terminating zero-length chunk: the stream is cut off

    return respond


def complete_stream(frames: bytes) -> Respond:
    """A well-formed chunked event stream holding ``frames`` (which may lack events)."""

    def respond(client: socket.socket) -> None:
        client.sendall(
            b"HTTP/1.1 200 OK\r\nContent-Type: application/vnd.amazon.eventstream\r\n"
            b"Transfer-Encoding: chunked\r\n\r\n"
            + (f"{len(frames):x}\r\n".encode() + frames + b"\r\n" if frames else b"")
            + b"0\r\n\r\n"
        )

    return respond


def raw_request(
    endpoint: str,
    method: str,
    path: str,
    body: bytes | str = b"",
    *,
    service: str | None = "bedrock",
    headers: dict[str, str] | None = None,
) -> tuple[int, dict[str, str], bytes]:
    """One HTTP request with no client-side checks (botocore's would refuse most bad bodies).

    The stand-in does not check signatures, but, like moto, learns the service from the SigV4
    credential scope (bedrock-runtime signs as ``bedrock``): ``service`` puts one in.
    """
    import http.client

    host, port = endpoint.removeprefix("http://").rsplit(":", 1)
    sent = {"Content-Type": "application/json", **(headers or {})}
    if service:
        sent["Authorization"] = (
            f"AWS4-HMAC-SHA256 Credential=offline/20261128/us-east-1/{service}/aws4_request, "
            "SignedHeaders=host, Signature=0"
        )
    connection = http.client.HTTPConnection(host, int(port), timeout=60)
    try:
        connection.request(method, path, body=body, headers=sent)
        answer = connection.getresponse()
        return answer.status, {k.lower(): v for k, v in answer.getheaders()}, answer.read()
    finally:
        connection.close()
