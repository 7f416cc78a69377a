"""Stand-in for FastAPI (the image installs the real one from requirements.txt).

Only what main.py uses, with FastAPI's semantics: route decorators, Request
with case-insensitive headers and an async json(), and Header() parameters
filled from the request's headers (the parameter name with "_" as "-",
unless alias= names it). uvicorn.run (the uvicorn stand-in) serves it, so the
emulator can run this agent on a host without the packages.
"""

import inspect
import json


class _Header:
    def __init__(self, default=None, *, alias=None, convert_underscores=True):
        self.default = default
        self.alias = alias
        self.convert_underscores = convert_underscores


def Header(default=None, *, alias=None, convert_underscores=True):  # noqa: N802 (FastAPI's name)
    return _Header(default, alias=alias, convert_underscores=convert_underscores)


class Request:
    def __init__(self, method, path, headers, body):
        self.method = method
        self.url = path
        self.headers = {k.lower(): v for k, v in headers.items()}
        self._body = body

    async def json(self):
        return json.loads(self._body or b"{}")


class FastAPI:
    def __init__(self):
        self.routes = {}

    def _route(self, method, path):
        def register(handler):
            self.routes[(method, path)] = handler
            return handler

        return register

    def get(self, path):
        return self._route("GET", path)

    def post(self, path):
        return self._route("POST", path)

    async def handle(self, request):
        """(status, body dict) for a request, as FastAPI would answer it."""
        handler = self.routes.get((request.method, request.url))
        if handler is None:
            return 404, {"detail": "Not Found"}
        kwargs = {}
        for name, param in inspect.signature(handler).parameters.items():
            if param.annotation is Request or name == "request":
                kwargs[name] = request
            elif isinstance(param.default, _Header):
                h = param.default
                key = h.alias or (name.replace("_", "-") if h.convert_underscores else name)
                kwargs[name] = request.headers.get(key.lower(), h.default)
        result = handler(**kwargs)
        if inspect.iscoroutine(result):
            result = await result
        return 200, result
