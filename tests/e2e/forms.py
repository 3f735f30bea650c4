"""Posting the web pages' forms without a browser: the anonymous CSRF token
comes as a cookie from any page and goes back as the form's `csrf` field."""
import httpx


def anonymous_csrf(base: str, page: str = "/") -> str:
    """A fresh anonymous CSRF token (the cookie's value) from `page`."""
    response = httpx.get(base + page, timeout=30)
    response.raise_for_status()
    token = response.cookies.get("baseserve_csrf")
    assert token, f"{page} set no baseserve_csrf cookie"
    return token


def post_form(base: str, path: str, fields: dict, csrf: str, timeout: float = 60) -> httpx.Response:
    """POSTs `fields` (and the token) as a form, the cookie alongside; no redirects are followed."""
    return httpx.post(base + path, data={**fields, "csrf": csrf}, headers={"Cookie": f"baseserve_csrf={csrf}"},
                      follow_redirects=False, timeout=timeout)
