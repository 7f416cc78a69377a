# The seed incident's agent. While starting it asks STS who it is (sts:GetCallerIdentity, SigV4-signed
# with the execution role's credentials), the way agents that build an AWS client at import time do,
# and only then listens. With a path to STS it starts in a second; in a private subnet with neither a
# NAT gateway nor an STS endpoint the connection hangs and the health check gives up first.
# Standard library only: this is what boto3.client("sts").get_caller_identity() sends.
import datetime
import hashlib
import hmac
import os
import urllib.request

from agentcore_stdlib import AgentHandler, log, serve

REGION = os.environ.get("AWS_REGION", "us-east-1")
HOST = f"sts.{REGION}.amazonaws.com"
# botocore's default connect timeout: far longer than any health check waits.
CONNECT_TIMEOUT_SECONDS = 60


def _hmac(key, text):
    return hmac.new(key, text.encode(), hashlib.sha256).digest()


def signed_get_caller_identity():
    body = "Action=GetCallerIdentity&Version=2011-06-15"
    now = datetime.datetime.now(datetime.timezone.utc)
    amz_date, day = now.strftime("%Y%m%dT%H%M%SZ"), now.strftime("%Y%m%d")
    headers = {
        "content-type": "application/x-www-form-urlencoded; charset=utf-8",
        "host": HOST,
        "x-amz-date": amz_date,
    }
    token = os.environ.get("AWS_SESSION_TOKEN")
    if token:
        headers["x-amz-security-token"] = token
    signed = ";".join(sorted(headers))
    canonical = "\n".join(
        ["POST", "/", "", *(f"{k}:{headers[k]}" for k in sorted(headers)), "", signed, hashlib.sha256(body.encode()).hexdigest()]
    )
    scope = f"{day}/{REGION}/sts/aws4_request"
    to_sign = "\n".join(["AWS4-HMAC-SHA256", amz_date, scope, hashlib.sha256(canonical.encode()).hexdigest()])
    key = ("AWS4" + os.environ.get("AWS_SECRET_ACCESS_KEY", "")).encode()
    for part in (day, REGION, "sts", "aws4_request"):
        key = _hmac(key, part)
    signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    headers["authorization"] = (
        f"AWS4-HMAC-SHA256 Credential={os.environ.get('AWS_ACCESS_KEY_ID', '')}/{scope}, "
        f"SignedHeaders={signed}, Signature={signature}"
    )
    request = urllib.request.Request(f"https://{HOST}/", data=body.encode(), headers=headers, method="POST")
    with urllib.request.urlopen(request, timeout=CONNECT_TIMEOUT_SECONDS) as response:
        return response.read().decode()


log(f"starting: checking the execution role's identity with {HOST}")
try:
    answer = signed_get_caller_identity()
    arn = answer.split("<Arn>")[1].split("</Arn>")[0] if "<Arn>" in answer else "?"
    log(f"running as {arn}")
except Exception as error:  # the agent works without it, as many do once the call returns
    log(f"could not reach {HOST}: {error}")
serve(AgentHandler, host="0.0.0.0", port=8080)
