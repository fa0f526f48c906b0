"""What a staff request needs from the app: the service, the database, the time and the client's address."""
from __future__ import annotations

import ipaddress
from datetime import datetime, timezone

from flask import Request, current_app, request

from ..line.service import Service
from ..store.database import Database


def service() -> Service:
    return current_app.extensions["ivr"]


def database() -> Database:
    return service().database


def now() -> datetime:
    """The time, in UTC: the app's clock (tests pin it) or the real one."""
    clock = service().clock
    return (clock() if clock else datetime.now(timezone.utc)).astimezone(timezone.utc)


def _address(text: str | None):
    try:
        return ipaddress.ip_address((text or "").strip())
    except ValueError:
        return None


def client_address(req: Request | None = None) -> str:
    """The browser's address, as the nearest proxy we trust saw it.

    A request from a loopback or private address came through our own proxy (nginx on this
    machine, a load balancer on our network), so the X-Forwarded-For entries that proxies added
    are read from the right, skipping our own proxies, up to the first public address. Entries
    further left are whatever the browser claimed, and are never used: a guesser cannot pick an
    address to dodge the lock-out. (nginx's real_ip_recursive does the same.)
    """
    req = req or request
    peer = req.remote_addr or ""
    hops = [h for h in req.headers.get("X-Forwarded-For", "").split(",") if h.strip()]
    address = _address(peer)
    while hops and address is not None and not address.is_global:
        address = _address(hops.pop())
    return str(address) if address is not None else peer
