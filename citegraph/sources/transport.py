"""The HTTP adapter of the E-utilities client: its connections tell the rate limiter when a
request has been sent.

NCBI counts a request when it arrives, so the client's pacer counts from the moment the
request was written to the socket (see :mod:`.ratelimit`), not from the moment its thread was
let go: between the two a thread may wait for the interpreter lock or the machine. urllib3
calls ``getresponse`` on a connection once the request line, headers and body are written;
these connections report there. Any connection this adapter does not make (a proxy of another
kind, a session passed in) simply does not report, and the request counts from when its
caller is done with it, which is later and so on the safe side.
"""

from __future__ import annotations

from typing import Any

from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

from .ratelimit import mark_sent

__all__ = ["SendReportingAdapter"]


class _ReportsSend:
    def getresponse(self, *args: Any, **kwargs: Any):
        mark_sent()  # the request is written: only its answer is to come
        return super().getresponse(*args, **kwargs)  # type: ignore[misc]


class _ReportingHTTPConnection(_ReportsSend, HTTPConnection):
    pass


class _ReportingHTTPSConnection(_ReportsSend, HTTPSConnection):
    pass


class _ReportingHTTPPool(HTTPConnectionPool):
    ConnectionCls = _ReportingHTTPConnection


class _ReportingHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _ReportingHTTPSConnection


_POOLS = {"http": _ReportingHTTPPool, "https": _ReportingHTTPSPool}


class SendReportingAdapter(HTTPAdapter):
    """``requests``' adapter, with connections that call :func:`~.ratelimit.mark_sent`."""

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = dict(_POOLS)

    def proxy_manager_for(self, proxy: str, **proxy_kwargs: Any):
        manager = super().proxy_manager_for(proxy, **proxy_kwargs)
        if hasattr(manager, "pool_classes_by_scheme"):  # an HTTP(S) proxy, not SOCKS
            manager.pool_classes_by_scheme = dict(_POOLS)
        return manager
