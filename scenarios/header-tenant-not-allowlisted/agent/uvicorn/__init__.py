"""Stand-in for uvicorn (the image installs the real one): serves the FastAPI stand-in over HTTP/1.1."""

import asyncio
import json
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def run(app, host="127.0.0.1", port=8000, **_options):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _serve(self, method):
            from fastapi import Request

            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            request = Request(method, self.path.split("?")[0], dict(self.headers.items()), body)
            status, result = asyncio.run(app.handle(request))
            data = json.dumps(result).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self):  # noqa: N802
            self._serve("GET")

        def do_POST(self):  # noqa: N802
            self._serve("POST")

        def log_message(self, fmt, *args):
            print(f'INFO:     {self.client_address[0]} - "{self.command} {self.path}" {args[1] if len(args) > 1 else ""}', flush=True)

    print(f"INFO:     Uvicorn running on http://{host}:{port} (Press CTRL+C to quit)", flush=True)
    server = ThreadingHTTPServer((host, port), Handler)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        sys.exit(0)
