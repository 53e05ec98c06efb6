"""Loaded by every Python a test starts (conftest puts this folder on PYTHONPATH).

The same rule as conftest's ``loopback_only`` fixture, for child processes: looking up
or connecting to a host that is not loopback fails at once, so no child of a test sends
a DNS query or a packet off this machine, whatever the environment's resolver or proxies.
"""

import ipaddress
import socket

_real_getaddrinfo = socket.getaddrinfo
_real_connect = socket.socket.connect
_real_connect_ex = socket.socket.connect_ex


def _is_loopback(host):
    if host in (None, "", b"", "localhost", b"localhost"):
        return True
    try:
        return ipaddress.ip_address(host.decode() if isinstance(host, bytes) else str(host)).is_loopback
    except ValueError:
        return False


def _getaddrinfo(host, *args, **kwargs):
    if not _is_loopback(host):
        raise socket.gaierror(socket.EAI_NONAME, f"tests reach no network: {host} is not loopback")
    return _real_getaddrinfo(host, *args, **kwargs)


def _check(sock, address):
    if sock.family in (socket.AF_INET, socket.AF_INET6) and not _is_loopback(address[0]):
        raise ConnectionRefusedError(f"tests reach no network: {address[0]} is not loopback")


def _connect(sock, address):
    _check(sock, address)
    return _real_connect(sock, address)


def _connect_ex(sock, address):
    _check(sock, address)
    return _real_connect_ex(sock, address)


socket.getaddrinfo = _getaddrinfo
socket.socket.connect = _connect
socket.socket.connect_ex = _connect_ex
