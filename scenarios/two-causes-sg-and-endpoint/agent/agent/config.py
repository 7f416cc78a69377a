import json
import os

import boto3

_secrets = boto3.session.Session().client("secretsmanager")


def database_url():
    """The DSN, from the secret the platform team provisions for each agent."""
    secret = _secrets.get_secret_value(SecretId=os.environ.get("DB_SECRET_ID", "agents/orders/db"))
    doc = json.loads(secret["SecretString"])
    return f"postgresql://{doc['username']}:{doc['password']}@{doc['host']}:5432/{doc['dbname']}"
