"""A stand-in for boto3, standard library only (this machine has no PyPI).

boto3.client("sts").get_caller_identity() here sends what boto3 sends: a
SigV4-signed POST to https://sts.<region>.amazonaws.com/ with the credentials
from the environment, verifying TLS against the standard CA variables, with
botocore's default 60 s connect timeout. Only the call the agent makes exists.
"""
import datetime
import hashlib
import hmac
import os
import urllib.request

REGION = os.environ.get("AWS_REGION", "us-east-1")
HOST = f"sts.{REGION}.amazonaws.com"
# botocore's default connect timeout: far longer than any health check waits.
CONNECT_TIMEOUT_SECONDS = 60


def _hmac(key, text):
    return hmac.new(key, text.encode(), hashlib.sha256).digest()


def _get_caller_identity():
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




class _StsClient:
    def get_caller_identity(self):
        answer = _get_caller_identity()
        arn = answer.split("<Arn>")[1].split("</Arn>")[0] if "<Arn>" in answer else ""
        return {"Arn": arn}


def client(service_name, **_kwargs):
    if service_name != "sts":
        raise NotImplementedError(f"this boto3 stand-in only has sts, not {service_name}")
    return _StsClient()
