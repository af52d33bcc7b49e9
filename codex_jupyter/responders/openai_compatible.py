"""Answers from any server that speaks OpenAI's chat completions API, through the official ``openai`` SDK.

That is OpenAI itself, Azure OpenAI (its ``/openai/v1/`` endpoint), and the local servers
that copy the API: vLLM, Ollama, llama.cpp's ``llama-server``, LM Studio. The reply is
streamed (server-sent events), so it shows as the model writes it.

Configured the usual way, from the environment (read at each question, so ``%env`` in a
notebook applies at once) or from traitlets options, which win:

- the model: ``$CODEX_JUPYTER_MODEL``, or ``c.OpenAIResponder.model``;
- the server: ``$OPENAI_BASE_URL``, or ``c.OpenAIResponder.base_url`` (default: OpenAI's API);
- the API key: ``$OPENAI_API_KEY`` (or the variable ``c.OpenAIResponder.api_key_env`` names).
  A key is never a configurable option, so that it cannot be shown by ``%config`` or saved in a
  notebook, and it never appears in an error, a log line or stored text. A local server that
  needs no key is used without one.

The SDK is imported only when a question is asked, so the package works without it.
"""

from __future__ import annotations

import os
import re
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, cast
from urllib.parse import urlsplit

from traitlets import Float, Int, Unicode
from traitlets.config import Configurable

from ..errors import (
    ModelAuthenticationError,
    ModelConnectionError,
    ModelRateLimitError,
    ModelRequestError,
    ModelServerError,
    ModelTimeoutError,
    ResponderError,
    ResponderNotConfiguredError,
)
from ..models import ChatMessage

if TYPE_CHECKING:
    import openai
    from openai.types.chat import ChatCompletionMessageParam

MODEL_ENV = "CODEX_JUPYTER_MODEL"
BASE_URL_ENV = "OPENAI_BASE_URL"
#: OpenAI's own API, where the SDK goes when no base URL is given.
OPENAI_API = "https://api.openai.com/v1"
#: What is sent as the key to a server that needs none (the SDK insists on sending one).
NO_KEY = "no-key"
#: The longest text of a server's error that is passed on to the user.
MAX_DETAIL = 300


@dataclass(frozen=True)
class _Settings:
    model: str
    base_url: str | None
    api_key: str = field(repr=False)

    @property
    def server(self) -> str:
        """The server, as named to the user: no credentials or query (where some deployments put keys)."""
        parts = urlsplit(self.base_url or OPENAI_API)
        host = parts.hostname or ""
        port = f":{parts.port}" if parts.port else ""
        return f"{parts.scheme}://{host}{port}{parts.path}".rstrip("/")


class OpenAIResponder(Configurable):
    """Answers through an OpenAI-compatible chat completions server (``c.OpenAIResponder.<option>``)."""

    model = Unicode(
        "",
        help=f"The model that answers (for Azure OpenAI, the deployment name). Default: ${MODEL_ENV}.",
    ).tag(config=True)
    base_url = Unicode(
        "",
        help=f"""The server's API URL, e.g. http://localhost:11434/v1 for Ollama. Default: ${BASE_URL_ENV}, else
        OpenAI's API.""",
    ).tag(config=True)
    api_key_env = Unicode(
        "OPENAI_API_KEY",
        help="""The environment variable holding the API key. The key itself is not an option, so that it is
        never shown by %config or saved in a notebook or a config file others may read.""",
    ).tag(config=True)
    system_prompt = Unicode(
        "",
        help="Sent before the session's messages, as a system message, when not empty.",
    ).tag(config=True)
    timeout = Float(
        60.0,
        help="Seconds to wait for the server to connect, to answer, and between two chunks of a reply.",
    ).tag(config=True)
    max_retries = Int(
        2,
        help="How often a request that failed before the reply began (429, 5xx, no connection) is retried.",
    ).tag(config=True)

    def check(self) -> None:
        self._settings()

    async def respond(self, messages: Sequence[ChatMessage]) -> AsyncIterator[str]:
        settings = self._settings()
        import openai

        prompt = [("system", self.system_prompt)] if self.system_prompt else []
        request = cast(
            "list[ChatCompletionMessageParam]",
            [{"role": role, "content": content} for role, content in prompt]
            + [{"role": message.role, "content": message.content} for message in messages],
        )
        client = openai.AsyncOpenAI(
            api_key=settings.api_key,
            base_url=settings.base_url,
            timeout=self.timeout,
            max_retries=self.max_retries,
        )
        replying = False
        try:
            async with client:
                stream = await client.chat.completions.create(model=settings.model, messages=request, stream=True)
                replying = True
                async with stream:
                    async for chunk in stream:
                        for choice in chunk.choices:
                            if choice.index == 0 and choice.delta and choice.delta.content:
                                yield choice.delta.content
        except openai.APIError as error:
            raise self._translated(error, settings, replying) from None

    def _settings(self) -> _Settings:
        """What this responder needs, from options and the environment; refused in one line naming what to set."""
        model = self.model or os.environ.get(MODEL_ENV, "")
        base_url = self.base_url or os.environ.get(BASE_URL_ENV) or None
        api_key = os.environ.get(self.api_key_env, "")
        missing = []
        if not model:
            missing.append(f"${MODEL_ENV} (or c.OpenAIResponder.model) to the model's name")
        if not api_key and base_url is None:
            missing.append(
                f"${self.api_key_env} to your API key for OpenAI, or ${BASE_URL_ENV} to another server's URL "
                "(Ollama: http://localhost:11434/v1)"
            )
        if missing:
            raise ResponderNotConfiguredError(f"no model is set up to answer: set {'; and '.join(missing)}")
        try:
            import openai  # noqa: F401
        except ImportError:
            raise ResponderNotConfiguredError(
                "answers need the openai package: pip install 'codex-jupyter[openai]'"
            ) from None
        return _Settings(model, base_url, api_key or NO_KEY)

    def _translated(self, error: openai.APIError, settings: _Settings, replying: bool) -> ResponderError:
        """The one line the user sees for ``error``, with what to do; the API key is never part of it.

        ``replying``: whether the server had begun the reply (a broken connection then dropped mid-reply).
        """
        import openai

        server = f"the model server at {settings.server}"
        if isinstance(error, openai.APITimeoutError):
            return ModelTimeoutError(
                f"{server} did not answer within {self.timeout:g} s (c.OpenAIResponder.timeout); try again"
            )
        if isinstance(error, openai.APIConnectionError):
            cause = error.__cause__
            reason = _detail(f"{type(cause).__name__}: {cause}" if cause else "no reason given", settings.api_key)
            if replying:
                return ModelConnectionError(f"the connection to {server} dropped mid-reply ({reason})")
            return ModelConnectionError(f"could not connect to {server} ({reason})")
        if not isinstance(error, openai.APIStatusError):  # an error the server sent in the middle of a reply
            return ModelServerError(f"{server} stopped the reply with an error: {_body_detail(error, settings)}")
        status = error.status_code
        if status in (401, 403):  # what such a server says may quote the key it refused: not passed on
            return ModelAuthenticationError(f"{server} refused the API key (HTTP {status}): check ${self.api_key_env}")
        detail = _body_detail(error, settings)
        if status == 429:
            return ModelRateLimitError(f"{server} is limiting requests (HTTP 429): {detail}; wait, then ask again")
        if status >= 500:
            return ModelServerError(f"{server} failed (HTTP {status}): {detail}")
        return ModelRequestError(f"{server} refused the request (HTTP {status}): {detail}")

    def __repr__(self) -> str:
        return f"<OpenAIResponder model={self.model or os.environ.get(MODEL_ENV, '')!r}>"


def _body_detail(error: openai.APIError, settings: _Settings) -> str:
    """The server's own words about the error (the ``message`` of its JSON error, else its text)."""
    body = error.body
    if isinstance(body, dict) and isinstance(body.get("message"), str):
        return _detail(body["message"], settings.api_key) or "no reason given"
    return _detail(body if isinstance(body, str) else "", settings.api_key) or "no reason given"


def _detail(text: str, secret: str) -> str:
    """``text`` on one line, shortened, without ``secret``."""
    if secret and secret != NO_KEY:
        text = text.replace(secret, "[API key]")
    text = re.sub(r"\s+", " ", text).strip()
    return text if len(text) <= MAX_DETAIL else text[: MAX_DETAIL - 1] + "…"
