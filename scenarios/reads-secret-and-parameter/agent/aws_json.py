"""A SigV4-signed AWS JSON 1.1 call, standard library only: what boto3 sends for
secretsmanager.get_secret_value and ssm.get_parameter (a POST to
https://<service>.<region>.amazonaws.com/ with X-Amz-Target), with the
credentials from the environment and TLS verified against the CA variables."""
import datetime
import hashlib
import hmac
import json
import os
import ssl
import urllib.request

REGION = os.environ.get("AWS_REGION", "us-east-1")


def _hmac(key, text):
    return hmac.new(key, text.encode(), hashlib.sha256).digest()


def call(service, target, payload):
    host = f"{service}.{REGION}.amazonaws.com"
    body = json.dumps(payload)
    now = datetime.datetime.now(datetime.timezone.utc)
    amz_date, day = now.strftime("%Y%m%dT%H%M%SZ"), now.strftime("%Y%m%d")
    headers = {
        "content-type": "application/x-amz-json-1.1",
        "host": host,
        "x-amz-date": amz_date,
        "x-amz-target": target,
    }
    token = os.environ.get("AWS_SESSION_TOKEN")
    if token:
        headers["x-amz-security-token"] = token
    signed = ";".join(sorted(headers))
    canonical = "\n".join(
        ["POST", "/", "", *(f"{k}:{headers[k]}" for k in sorted(headers)), "", signed, hashlib.sha256(body.encode()).hexdigest()]
    )
    scope = f"{day}/{REGION}/{service}/aws4_request"
    to_sign = "\n".join(["AWS4-HMAC-SHA256", amz_date, scope, hashlib.sha256(canonical.encode()).hexdigest()])
    key = ("AWS4" + os.environ.get("AWS_SECRET_ACCESS_KEY", "")).encode()
    for part in (day, REGION, service, "aws4_request"):
        key = _hmac(key, part)
    signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    headers["authorization"] = (
        f"AWS4-HMAC-SHA256 Credential={os.environ.get('AWS_ACCESS_KEY_ID', '')}/{scope}, "
        f"SignedHeaders={signed}, Signature={signature}"
    )
    context = ssl.create_default_context(cafile=os.environ.get("AWS_CA_BUNDLE") or os.environ.get("SSL_CERT_FILE"))
    request = urllib.request.Request(f"https://{host}/", data=body.encode(), headers=headers, method="POST")
    with urllib.request.urlopen(request, timeout=10, context=context) as response:
        return json.loads(response.read().decode())
