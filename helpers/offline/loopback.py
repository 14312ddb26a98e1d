"""What the helpers need to know about the stand-in without importing it (or moto)."""

from __future__ import annotations

import ipaddress
import socket

SERVICE_NAME = "bedrock-workshop-standin"  # what /_standin/health answers, to tell it apart


def is_loopback(host: str) -> bool:
    """True for 127.0.0.0/8, ::1 and 'localhost': the only addresses the stand-in may use."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]
