# The seed incident's agent. While starting it asks STS who it is, the way agents that build an AWS
# client at import time do, and only then listens. With a path to STS it starts in a second; in a
# private subnet with neither a NAT gateway nor an STS endpoint the connection hangs, and AgentCore's
# health check gives up first. (boto3.py beside it is a standard-library stand-in for boto3.)
import boto3
from agentcore_stdlib import AgentHandler, log, serve

log("starting: checking the execution role's identity with STS")
try:
    identity = boto3.client("sts").get_caller_identity()
    log(f"running as {identity['Arn']}")
except Exception as error:  # the agent works without it, once the call returns
    log(f"could not reach STS: {error}")
serve(AgentHandler, host="0.0.0.0", port=8080)
