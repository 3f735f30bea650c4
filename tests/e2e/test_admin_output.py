"""`baseserve admin` prints what strangers typed with its control characters
escaped, so an access request's note cannot clear the admin's terminal, plant
a hidden link (OSC 8) or reorder what is shown (bidi overrides)."""
import subprocess

import pytest

from conftest import Server
from forms import anonymous_csrf, post_form

CLEAR = "\x1b[2J\x1b[H"
LINK = "\x1b]8;;https://evil.example/\x1b\\click here\x1b]8;;\x1b\\"
NOTE = f"research{CLEAR} on {LINK}\nsecond line \u202etxt.exe\u2028 end\x9b31m\x7f"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    s = Server("admin-output", [], tmp_path_factory.mktemp("data"))
    yield s
    s.stop()


def test_requests_listing_escapes_a_strangers_control_characters(server):
    csrf = anonymous_csrf(server.base)
    reply = post_form(server.base, "/request-access",
                      {"name": "Mallory", "email": "mallory@example.com", "affiliation": "Evil\x1b[8m Corp", "note": NOTE}, csrf)
    assert reply.status_code == 200, reply.text

    out = subprocess.run([server.binary, "admin", "requests", "--data-dir", str(server.data_dir)],
                         capture_output=True, timeout=60).stdout.decode()
    assert "Mallory <mallory@example.com>" in out
    for raw in ["\x1b", "\x7f", "\x9b", "\u202e", "\u2028"]:
        assert raw not in out, f"{raw!r} reached the terminal: {out!r}"
    assert "research\\u{1B}[2J\\u{1B}[H on \\u{1B}]8;;https://evil.example/\\u{1B}\\click here" in out, out
    assert "Evil\\u{1B}[8m Corp" in out
    assert "\\u{202E}txt.exe\\u{2028} end\\u{9B}31m\\u{7F}" in out
    # The note's own line break stays a line break, indented under its request.
    assert "\n    second line " in out

    # Tables escape their cells too (a name given on the command line here).
    subprocess.run([server.binary, "admin", "create", "--data-dir", str(server.data_dir), "--email", "eve@example.com",
                    "--name", "Eve\x1b]0;pwned\x07"], input="correct horse battery\n", text=True, check=True,
                   capture_output=True, timeout=60)
    members = subprocess.run([server.binary, "admin", "members", "--data-dir", str(server.data_dir)],
                             capture_output=True, timeout=60).stdout.decode()
    assert "eve@example.com" in members
    assert "\x1b" not in members and "\x07" not in members, repr(members)
    assert "Eve\\u{1B}]0;pwned\\u{7}" in members, members
