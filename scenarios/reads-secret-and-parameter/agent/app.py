# An agent that reads its configuration while starting, as most do: an API key from Secrets Manager
# and a model id from Parameter Store, then listens. It stops if either read fails, so a healthy
# session shows that both answered. (aws_json.py beside it sends what boto3 sends, standard library only.)
import sys

import aws_json
from agentcore_stdlib import AgentHandler, log, serve

log("starting: reading the API key and the model id")
try:
    secret = aws_json.call("secretsmanager", "secretsmanager.GetSecretValue", {"SecretId": "support-agent/api-key"})
    parameter = aws_json.call("ssm", "AmazonSSM.GetParameter", {"Name": "/support-agent/model-id"})
except Exception as error:
    log(f"could not read the configuration: {error}")
    sys.exit(1)
log(f"read {secret['Name']} ({len(secret['SecretString'])} characters), version {secret['VersionId']}")
log(f"model id {parameter['Parameter']['Value']} (version {parameter['Parameter']['Version']})")
serve(AgentHandler, host="0.0.0.0", port=8080)
