"""Every route goes through jupyter-server's authentication: token, or login cookie plus XSRF."""

from __future__ import annotations

import json
import warnings
from collections.abc import Awaitable, Callable
from http.cookies import SimpleCookie

import pytest
from jupyter_server.utils import JupyterServerAuthWarning
from tornado.httpclient import HTTPResponse

from codex_jupyter.server.handlers import handlers

ROUTES = [
    ("GET", "sessions", None),
    ("POST", "sessions", {}),
    ("GET", "sessions/some-id", None),
    ("DELETE", "sessions/some-id", None),
    ("POST", "sessions/some-id/messages", {"role": "user", "content": "x"}),
    ("GET", "current?scope=a.ipynb", None),
    ("PUT", "current", {"scope": "a.ipynb", "session_id": None}),
]


def test_every_route_is_declared_authenticated(jp_serverapp):
    """jupyter-server's own check of extension routes finds nothing left open."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        jp_serverapp.web_app.add_handlers(".*$", [(f"/auth-check{url}", handler) for url, handler in handlers])
    assert not [w for w in caught if issubclass(w.category, JupyterServerAuthWarning)]


Request = Callable[..., Awaitable[HTTPResponse]]


@pytest.fixture
def request_as_stranger(jp_serverapp, http_server_client, jp_base_url) -> Request:
    """A request to the test server carrying only the headers given: no token is added."""

    def fetch(method: str, path: str, body: object = None, headers: dict[str, str] | None = None):
        return http_server_client.fetch(
            f"{jp_base_url}{path}",
            method=method,
            body=None if body is None else json.dumps(body),
            headers=headers or {},
            raise_error=False,
            follow_redirects=False,
            allow_nonstandard_methods=True,
        )

    return fetch


@pytest.mark.parametrize(("method", "path", "body"), ROUTES)
async def test_a_request_without_credentials_is_refused(request_as_stranger, method, path, body):
    response = await request_as_stranger(method, f"codex/api/{path}", body)
    assert response.code == 403


@pytest.mark.parametrize(("method", "path", "body"), ROUTES)
async def test_a_request_with_a_wrong_token_is_refused(request_as_stranger, method, path, body):
    response = await request_as_stranger(method, f"codex/api/{path}", body, {"Authorization": "token wrong"})
    assert response.code == 403


async def login_cookies(request_as_stranger: Request, token: str) -> SimpleCookie:
    """The cookies a browser holds after opening the server's URL with its token: login, and ``_xsrf``."""
    cookies = SimpleCookie()
    for path in ("login", f"api/status?token={token}"):  # a page rendered by the server sets _xsrf
        response = await request_as_stranger("GET", path, headers={"Cookie": cookie_header(cookies)})
        for header in response.headers.get_list("Set-Cookie"):
            cookies.load(header)
    assert "_xsrf" in cookies and len(cookies) > 1, f"the server set only {list(cookies)}"
    return cookies


def cookie_header(cookies: SimpleCookie) -> str:
    return "; ".join(f"{name}={morsel.value}" for name, morsel in cookies.items())


async def test_a_cookie_authenticated_post_without_xsrf_is_refused(request_as_stranger, jp_serverapp):
    cookies = await login_cookies(request_as_stranger, jp_serverapp.identity_provider.token)
    response = await request_as_stranger("POST", "codex/api/sessions", {}, {"Cookie": cookie_header(cookies)})
    assert response.code == 403
    assert b"'_xsrf' argument missing" in response.body


async def test_a_cookie_authenticated_post_with_xsrf_is_accepted(request_as_stranger, jp_serverapp):
    cookies = await login_cookies(request_as_stranger, jp_serverapp.identity_provider.token)
    headers = {"Cookie": cookie_header(cookies), "X-XSRFToken": cookies["_xsrf"].value}
    response = await request_as_stranger("POST", "codex/api/sessions", {}, headers)
    assert response.code == 201
