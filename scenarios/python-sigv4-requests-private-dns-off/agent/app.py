"""Agent that signs its own AWS calls with botocore and sends them with requests."""
import json
import os
import sys
import time
from http.server import BaseHTTPRequestHandler, HTTPServer

import requests
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.session import Session

REGION = os.getenv("AWS_REGION", "us-east-1")


def get_account_id():
    creds = Session().get_credentials()
    url = f"https://sts.{REGION}.amazonaws.com/"
    data = "Action=GetCallerIdentity&Version=2011-06-15"
    req = AWSRequest(method="POST", url=url, data=data,
                     headers={"Content-Type": "application/x-www-form-urlencoded"})
    SigV4Auth(creds, "sts", REGION).add_auth(req)
    resp = requests.post(url, data=data, headers=dict(req.headers), timeout=60)
    resp.raise_for_status()
    return resp.text.split("<Account>")[1].split("</Account>")[0]


print("Fetching account id...", file=sys.stderr)
try:
    ACCOUNT = get_account_id()
except requests.RequestException as e:
    print(f"WARN: STS lookup failed: {e}", file=sys.stderr)
    ACCOUNT = None


class AgentHandler(BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path == "/ping":
            self.reply(200, {"status": "Healthy", "time_of_last_update": int(time.time())})
        else:
            self.reply(404, {})

    def do_POST(self):
        if self.path == "/invocations":
            n = int(self.headers.get("content-length", 0))
            prompt = json.loads(self.rfile.read(n) or "{}").get("prompt")
            self.reply(200, {"account": ACCOUNT, "prompt": prompt})
        else:
            self.reply(404, {})

    def reply(self, status, obj):
        raw = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)


HTTPServer(("0.0.0.0", 8080), AgentHandler).serve_forever()
