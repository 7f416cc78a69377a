import json
import logging
import os
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import boto3

logging.basicConfig(format="%(asctime)s %(levelname)s %(name)s: %(message)s", level=logging.INFO)
logger = logging.getLogger("router-agent")

ssm = boto3.client("ssm", region_name=os.environ.get("AWS_REGION", "us-east-1"))
PARAMS = ssm.get_parameters_by_path(Path="/router-agent/", Recursive=True)["Parameters"]
ROUTES = {p["Name"].rsplit("/", 1)[-1]: p["Value"] for p in PARAMS}
logger.info("loaded %d routes from SSM", len(ROUTES))


class Handler(BaseHTTPRequestHandler):
    def send_json(self, code, doc):
        data = json.dumps(doc).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        if self.path == "/ping":
            return self.send_json(200, {"status": "Healthy", "time_of_last_update": int(time.time())})
        self.send_json(404, {})

    def do_POST(self):
        if self.path != "/invocations":
            return self.send_json(404, {})
        length = int(self.headers.get("Content-Length", 0))
        prompt = json.loads(self.rfile.read(length) or b"{}").get("prompt", "")
        self.send_json(200, {"route": ROUTES.get(prompt.split(" ")[0], "default")})


ThreadingHTTPServer(("0.0.0.0", 8080), Handler).serve_forever()
