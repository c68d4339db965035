"""Stopping the server while its worker threads are waking its loop: the stop must never write
to the loop's wake-up pipe after the loop has closed it."""

import threading

from inscrm.desktop.server import Server


def _wsgi(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b"ok"]


def _wake_up(server, busy):
    """What worker threads do whenever a response is ready."""
    while not busy.is_set():
        try:
            server.waitress.trigger.pull_trigger()
        except OSError:  # the pipe is closed: the loop has ended
            return


def test_a_stop_amid_wake_ups_never_fails():
    failures = []
    hook = threading.excepthook
    threading.excepthook = lambda args: failures.append(args.exc_value)
    try:
        for _ in range(300):
            server = Server(_wsgi, "127.0.0.1", 0, threads=1)
            serving = threading.Thread(target=server.run)
            serving.start()
            busy = threading.Event()
            waker = threading.Thread(target=_wake_up, args=(server, busy))
            waker.start()
            server.stop(delay=0)
            serving.join(timeout=10)
            busy.set()
            waker.join(timeout=10)
            assert not serving.is_alive()
    finally:
        threading.excepthook = hook
    assert failures == []
