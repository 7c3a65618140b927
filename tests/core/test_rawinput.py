"""Raw request bytes that are not UTF-8 get the 400 page under a real server, never a crash."""

from __future__ import annotations

from tests.support.services import GunicornServer


def test_non_utf8_query_string_is_a_400_page(gunicorn_server: GunicornServer) -> None:
    for path in (b"/", b"/articles/", b"/search", b"/does-not-exist"):
        # Sent as raw bytes: a client library would percent-encode the \xff.
        answer = gunicorn_server.raw(
            b"GET " + path + b"?a=\xff&b=1 HTTP/1.1\r\nHost: localhost\r\n\r\n"
        )
        head, _, body = answer.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 400"), (path, head)
        assert b"X-Request-ID:" in head
        page = body.decode()
        assert "Ugyldig foresp\u00f8rsel" in page  # the app's own error page
        assert "Internal Server Error" not in page
    # The valid UTF-8 query still works.
    answer = gunicorn_server.raw("GET /search?q=s\u00f8k HTTP/1.1\r\nHost: x\r\n\r\n".encode())
    assert answer.startswith(b"HTTP/1.1 200")
    assert "Traceback" not in gunicorn_server.log()
