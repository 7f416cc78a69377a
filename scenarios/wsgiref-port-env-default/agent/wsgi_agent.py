import json
import os
import time
from wsgiref.simple_server import make_server

PORT = int(os.getenv("PORT", "8000"))


def app(environ, start_response):
    method = environ["REQUEST_METHOD"]
    path = environ.get("PATH_INFO", "/")
    if method == "GET" and path == "/ping":
        status, payload = "200 OK", {"status": "Healthy", "time_of_last_update": int(time.time())}
    elif method == "POST" and path == "/invocations":
        size = int(environ.get("CONTENT_LENGTH") or 0)
        request = json.loads(environ["wsgi.input"].read(size) or b"{}")
        status, payload = "200 OK", {"output": "you said " + str(request.get("prompt"))}
    else:
        status, payload = "404 Not Found", {"error": path}
    body = json.dumps(payload).encode("utf-8")
    start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
    return [body]


with make_server("", PORT, app) as httpd:
    print(f"Serving on port {PORT}...")
    httpd.serve_forever()
