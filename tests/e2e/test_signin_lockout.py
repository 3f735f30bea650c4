"""The sign-in lockout holds when guesses arrive all at once: each attempt is
counted before its password is checked, so at most 5 passwords are checked per
email in the window, and once locked even the right password is refused (429)."""
import concurrent.futures
import subprocess

import pytest

from conftest import Server
from forms import anonymous_csrf, post_form

EMAIL = "admin@example.com"
PASSWORD = "correct horse battery"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("lockout")
    s = Server("signin-lockout", [], data_dir)
    subprocess.run([s.binary, "admin", "create", "--data-dir", str(data_dir), "--email", EMAIL],
                   input=PASSWORD + "\n", text=True, check=True, capture_output=True, timeout=60)
    yield s
    s.stop()


def sign_in(base: str, csrf: str, password: str, email: str = EMAIL) -> int:
    return post_form(base, "/signin", {"email": email, "password": password}, csrf, timeout=120).status_code


def test_parallel_guesses_check_at_most_five_passwords(server):
    csrf = anonymous_csrf(server.base, "/signin")
    passwords = [f"wrong guess {i}" for i in range(30)]
    passwords.insert(17, PASSWORD)
    with concurrent.futures.ThreadPoolExecutor(len(passwords)) as pool:
        statuses = list(pool.map(lambda p: sign_in(server.base, csrf, p), passwords))

    wrong = [s for p, s in zip(passwords, statuses) if p != PASSWORD]
    right = statuses[17]
    assert set(statuses) <= {401, 429, 303}, statuses
    assert wrong.count(401) <= 5, f"{wrong.count(401)} wrong passwords were checked: {statuses}"
    # The right one either got one of the five places (and then frees its own)
    # or came after the lock and was refused like the others.
    assert right in (303, 429), statuses
    assert wrong.count(401) + (right == 303) <= 6, statuses
    assert statuses.count(429) >= 24, statuses

    # Locked now: the right password is refused too, and no session is made.
    assert sign_in(server.base, csrf, PASSWORD) == 429
    # Another email is not locked by these guesses.
    assert sign_in(server.base, csrf, "wrong", email="someone@example.com") == 401


def test_a_member_is_not_locked_by_their_own_sign_ins(server):
    email = "member@example.com"
    subprocess.run([server.binary, "admin", "create", "--data-dir", str(server.data_dir), "--email", email],
                   input=PASSWORD + "\n", text=True, check=True, capture_output=True, timeout=60)
    csrf = anonymous_csrf(server.base, "/signin")
    for _ in range(4):
        assert sign_in(server.base, csrf, "wrong password", email=email) == 401
    for _ in range(3):
        assert sign_in(server.base, csrf, PASSWORD, email=email) == 303
    assert sign_in(server.base, csrf, "wrong password", email=email) == 401
    assert sign_in(server.base, csrf, "wrong password", email=email) == 429
