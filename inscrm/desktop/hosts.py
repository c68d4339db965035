"""Serving only the host names this server is bound to: the defence against DNS rebinding.

A page on the internet can make its own name resolve to 127.0.0.1 and then talk to the app as
if it were same-origin; its requests still carry its own name in `Host`. So a request whose
`Host` is not one of the names this server answers to is refused before anything runs: the
app, its login and first-run setup, and `/_instance` with its token.
"""

LOOPBACK_NAMES = ("127.0.0.1", "localhost", "[::1]")
WILDCARDS = ("", "0.0.0.0", "::")


def _bracketed(host):
    """An IPv6 address as it appears in a Host header."""
    return f"[{host}]" if ":" in host and not host.startswith("[") else host


def allowed_hosts(host, port, extra=()):
    """The Host values a server bound to `host`:`port` answers to (loopback names always)."""
    names = set(LOOPBACK_NAMES)
    if host not in WILDCARDS:
        names.add(_bracketed(host))
    names.update(_bracketed(name) for name in extra)
    allowed = {f"{name}:{port}".lower() for name in names}
    if int(port) == 80:  # browsers leave the default port out
        allowed.update(name.lower() for name in names)
    return frozenset(allowed)


def loopback_any_port():
    """The loopback names on any port (an app not yet bound to one, e.g. under test)."""
    return frozenset(LOOPBACK_NAMES)


def host_allowed(value, allowed):
    """Whether a Host header `value` names this server; `allowed` holds host:port values, or
    bare names that stand for any port."""
    value = (value or "").strip().lower()
    if not value or value in allowed:
        return bool(value)
    name = value.rsplit(":", 1)[0] if not value.endswith("]") else value
    return name in allowed and value[len(name):][1:].isdigit()


_REFUSAL = ("400 Bad Request: this address is not served here. "
            "请求的主机名不被本程序接受（请使用 http://127.0.0.1 打开）。\n").encode()


class HostCheck:
    """WSGI middleware: 400 for any request whose Host is not one of `allowed`."""

    def __init__(self, app, allowed):
        self.app = app
        self.allowed = frozenset(h.lower() for h in allowed)

    def __call__(self, environ, start_response):
        if not host_allowed(environ.get("HTTP_HOST"), self.allowed):
            start_response("400 Bad Request", [("Content-Type", "text/plain; charset=utf-8"),
                                               ("Content-Length", str(len(_REFUSAL))),
                                               ("Cache-Control", "no-store")])
            return [_REFUSAL]
        return self.app(environ, start_response)
