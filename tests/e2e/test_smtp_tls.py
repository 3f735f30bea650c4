"""Invite mail over TLS: `baseserve admin mail-test` (the server's own mailer)
against real `aiosmtpd` servers on loopback, with a certificate made for the test.

STARTTLS and smtps:// both deliver, with the password sent only inside TLS; a
server that offers no STARTTLS never sees the password; a certificate the
mailer does not trust stops the conversation before anything is sent.
"""
import os
import socket
import ssl
import subprocess
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

ROOT = Path(__file__).resolve().parents[2]
BINARY = Path(os.environ.get("BASESERVE_BIN", ROOT / ".build/release/baseserve"))
USER, PASSWORD = "mailer", "s3cret-relay-password"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _over_tls(server, session) -> bool:
    """STARTTLS sets `session.ssl`; a connection that was TLS from the start has an SSL object."""
    return session.ssl is not None or server.transport.get_extra_info("ssl_object") is not None


class Sink:
    """Keeps each delivered mail with whether it came over TLS, and each login tried."""

    def __init__(self):
        self.messages = []
        self.logins = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append({"to": envelope.rcpt_tos, "tls": _over_tls(server, session),
                              "content": envelope.content.decode("utf-8", "replace")})
        return "250 OK"

    def authenticate(self, server, session, envelope, mechanism, auth_data):
        assert isinstance(auth_data, LoginPassword)
        self.logins.append({"tls": _over_tls(server, session), "login": auth_data.login.decode(),
                            "password": auth_data.password.decode()})
        ok = auth_data.login.decode() == USER and auth_data.password.decode() == PASSWORD
        return AuthResult(success=ok, handled=False)


@pytest.fixture(scope="module")
def certificate(tmp_path_factory):
    """A self-signed certificate for localhost and 127.0.0.1, and a TLS context serving it."""
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(cert),
                    "-days", "2", "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"],
                   check=True, capture_output=True)
    # A context usable on both sides: aiosmtpd's start-up check connects with it as a client.
    context = ssl.SSLContext(ssl.PROTOCOL_TLS)  # noqa: deprecated name, still the one that serves both sides
    context.load_cert_chain(cert, key)
    return cert, context


def _server(sink, **kwargs):
    controller = Controller(sink, hostname="127.0.0.1", port=_free_port(), authenticator=sink.authenticate, **kwargs)
    controller.start()
    return controller


def _mail_test(url: str):
    return subprocess.run([str(BINARY), "admin", "mail-test", "--smtp-url", url, "--to", "someone@example.org"],
                          capture_output=True, text=True, timeout=60)


def test_starttls_sends_the_password_inside_tls(certificate):
    cert, context = certificate
    sink = Sink()
    server = _server(sink, tls_context=context, require_starttls=True, auth_require_tls=True)
    try:
        url = f"smtp://{USER}:{PASSWORD}@localhost:{server.port}?from=invites@baseserve.test&ca_file={cert}"
        result = _mail_test(url)
        assert result.returncode == 0, result.stderr
        assert "sent a test mail" in result.stdout
        assert PASSWORD not in result.stdout + result.stderr
        assert sink.logins == [{"tls": True, "login": USER, "password": PASSWORD}]
        assert len(sink.messages) == 1 and sink.messages[0]["tls"]
        assert sink.messages[0]["to"] == ["someone@example.org"]
        assert "Subject: BaseServe test mail" in sink.messages[0]["content"]
    finally:
        server.stop()


def test_smtps_is_tls_from_the_first_byte(certificate):
    cert, context = certificate
    sink = Sink()
    server = _server(sink, ssl_context=context, auth_require_tls=False)
    try:
        result = _mail_test(f"smtps://{USER}:{PASSWORD}@localhost:{server.port}?from=invites@baseserve.test&ca_file={cert}")
        assert result.returncode == 0, result.stderr
        assert sink.logins == [{"tls": True, "login": USER, "password": PASSWORD}]
        assert len(sink.messages) == 1 and sink.messages[0]["tls"]
    finally:
        server.stop()


def test_no_password_goes_to_a_server_without_starttls():
    sink = Sink()
    server = _server(sink, auth_require_tls=False)
    try:
        result = _mail_test(f"smtp://{USER}:{PASSWORD}@127.0.0.1:{server.port}?from=invites@baseserve.test")
        assert result.returncode != 0
        assert "does not offer STARTTLS" in result.stderr and "in clear" in result.stderr, result.stderr
        assert sink.logins == [] and sink.messages == []
        assert PASSWORD not in result.stderr
    finally:
        server.stop()


def test_plain_relay_without_password_still_works():
    sink = Sink()
    server = _server(sink, auth_require_tls=False)
    try:
        result = _mail_test(f"smtp://127.0.0.1:{server.port}?from=invites@baseserve.test")
        assert result.returncode == 0, result.stderr
        assert len(sink.messages) == 1 and not sink.messages[0]["tls"]
    finally:
        server.stop()


def test_an_untrusted_certificate_stops_before_anything_is_sent(certificate):
    _, context = certificate
    sink = Sink()
    server = _server(sink, tls_context=context, require_starttls=True, auth_require_tls=True)
    try:
        # No ca_file: the system's trust roots do not know the test's certificate.
        result = _mail_test(f"smtp://{USER}:{PASSWORD}@localhost:{server.port}?from=invites@baseserve.test")
        assert result.returncode != 0
        assert "certificate" in result.stderr.lower() or "handshake" in result.stderr.lower(), result.stderr
        assert sink.logins == [] and sink.messages == []
    finally:
        server.stop()


def test_bad_urls_are_refused_with_what_to_write():
    for url, words in [("smtp://h?from=a@b&tls=yes", "unknown option `tls`"),
                       ("smtp://h?from=a@b&starttls=maybe", "starttls must be auto or required"),
                       ("http://h", "must look like"),
                       ("smtp://h?from=a@b&ca_file=/nonexistent.pem", "cannot be read")]:
        result = _mail_test(url)
        assert result.returncode != 0
        assert words in result.stderr, (url, result.stderr)
