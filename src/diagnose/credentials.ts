import {
  getDefaultRoleAssumer,
  getDefaultRoleAssumerWithWebIdentity,
  type STSClientConfig,
} from "@aws-sdk/client-sts";
import { fromNodeProviderChain, fromProcess } from "@aws-sdk/credential-providers";
import { getProfileName, parseKnownFiles } from "@smithy/core/config";
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from "@smithy/types";
import { UsageError } from "../util/errors.js";
import { type GuardOptions, guardPlugin } from "./guard.js";

/**
 * A credential call that failed, said as what it is: which profile, which
 * call (as whom, on what), AWS's own error, and what to change. Not an
 * internal error: the account or the profile needs fixing, so the CLI prints
 * it plainly and exits 2.
 */
export class CredentialChainError extends UsageError {
  override name = "CredentialChainError";

  constructor(
    readonly profile: string,
    /** `sts:AssumeRole`, `sts:AssumeRoleWithWebIdentity`, `sso:GetRoleCredentials`, `credential_process` (a program of the user's, no AWS call), or `credential resolution`. */
    readonly call: string,
    /** AWS's error code, when AWS answered (AccessDenied, ExpiredTokenException, ...). */
    readonly awsError: { code: string; message: string } | undefined,
    description: string,
  ) {
    super(description);
  }
}

export interface CredentialOptions {
  profile?: string;
  region?: string;
  /** One endpoint for every call, the credential chain's STS calls too (the emulator). */
  endpointUrl?: string;
  guard: GuardOptions;
}

type ProfileData = Record<string, string | undefined>;

/** The profile as the shared config and credentials files say it (nothing when they cannot be read). */
async function profileData(profile: string): Promise<ProfileData | undefined> {
  try {
    return (await parseKnownFiles({ profile }))[profile];
  } catch {
    return undefined;
  }
}

function awsErrorOf(error: unknown): { code: string; message: string } | undefined {
  const e = error as { name?: string; message?: string; $metadata?: unknown };
  return e?.$metadata && e.name ? { code: e.name, message: e.message ?? "" } : undefined;
}

function said(error: unknown): string {
  const aws = awsErrorOf(error);
  return aws ? `${aws.code}: ${aws.message}` : String((error as Error)?.message ?? error);
}

const SOURCE_POLICY = "docs/diagnose-iam-policy-source-profile.json";
const DIAGNOSE_POLICY = "docs/diagnose-iam-policy.json";

/** A refused or failed AssumeRole of a role_arn profile, with what to change where. */
async function assumeRoleFailure(
  profile: string,
  roleArn: string | undefined,
  source: AwsCredentialIdentity,
  error: unknown,
): Promise<CredentialChainError> {
  const data = await profileData(profile);
  const signer = data?.source_profile
    ? `its source profile '${data.source_profile}'`
    : data?.credential_source
      ? `its credential_source ${data.credential_source}`
      : "its source credentials";
  const aws = awsErrorOf(error);
  const fix =
    aws?.code === "AccessDenied"
      ? `To fix: allow ${signer.replace(/^its /, "the ")}'s principal sts:AssumeRole on ${roleArn} (${SOURCE_POLICY}), and make that role's trust policy trust the principal; the role itself needs ${DIAGNOSE_POLICY}.`
      : aws?.code === "ExpiredToken" || aws?.code === "InvalidClientTokenId"
        ? `To fix: renew ${signer.replace(/^its /, "the ")}'s credentials; they are not valid now.`
        : `To fix: check profile '${profile}' (role_arn, source_profile) against ${roleArn}.`;
  return new CredentialChainError(
    profile,
    "sts:AssumeRole",
    aws,
    `diagnose could not get credentials for profile '${profile}': sts:AssumeRole of ${roleArn}, signed by ${signer} (access key ${source.accessKeyId}), failed: ${said(error)}\n${fix}`,
  );
}

function webIdentityFailure(
  profile: string,
  roleArn: string | undefined,
  error: unknown,
): CredentialChainError {
  const aws = awsErrorOf(error);
  const fix =
    aws?.code === "ExpiredTokenException"
      ? "To fix: the web identity token expired; renew the file web_identity_token_file (or AWS_WEB_IDENTITY_TOKEN_FILE) names."
      : `To fix: the trust policy of ${roleArn} must trust the token's issuer as Federated principal (an IAM OIDC provider), with conditions its sub and aud claims meet; the role itself needs ${DIAGNOSE_POLICY}.`;
  return new CredentialChainError(
    profile,
    "sts:AssumeRoleWithWebIdentity",
    aws,
    `diagnose could not get credentials for profile '${profile}': sts:AssumeRoleWithWebIdentity of ${roleArn} failed: ${said(error)}\n${fix}`,
  );
}

/**
 * A credential_process profile whose program failed. The SDK's chain says
 * only "Could not load credentials from any providers"; the program's own
 * failure (its exit code, what it printed) comes from running it once more
 * through the SDK's process provider, as the chain ran it.
 */
async function processFailure(
  profile: string,
  command: string,
  error: unknown,
): Promise<CredentialChainError> {
  const own = await fromProcess({ profile })().then(
    () => undefined,
    (reason: unknown) => reason,
  );
  return new CredentialChainError(
    profile,
    "credential_process",
    undefined,
    `diagnose could not get credentials for profile '${profile}': its credential_process (${command}) failed: ${said(own ?? error)}\nTo fix: run that command yourself; it must exit 0 and print the credentials as JSON (Version 1, AccessKeyId, SecretAccessKey, and SessionToken for temporary credentials).`,
  );
}

/** Anything else the chain could not do (an SSO login to renew, a profile that does not exist, no credentials at all). */
async function resolutionFailure(profile: string, error: unknown): Promise<CredentialChainError> {
  const data = await profileData(profile);
  if (data?.credential_process) return processFailure(profile, data.credential_process, error);
  const sso = data && (data.sso_session || data.sso_start_url || data.sso_account_id);
  const message = said(error);
  if (sso) {
    return new CredentialChainError(
      profile,
      "sso:GetRoleCredentials",
      awsErrorOf(error),
      `diagnose could not get credentials for profile '${profile}' from IAM Identity Center (sso:GetRoleCredentials for role ${data.sso_role_name ?? "?"} in account ${data.sso_account_id ?? "?"}): ${message}\nTo fix: run \`aws sso login --profile ${profile}\`; the permission set needs ${DIAGNOSE_POLICY}.`,
    );
  }
  return new CredentialChainError(
    profile,
    "credential resolution",
    awsErrorOf(error),
    `diagnose could not get credentials${data ? ` for profile '${profile}'` : profile === "default" ? "" : ` (no profile '${profile}' in the shared config or credentials file)`}: ${message}\nTo fix: pass --profile with a profile that has credentials, or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN).`,
  );
}

/**
 * The SDK's standard credential chain for diagnose (environment, SSO, the
 * shared files with role_arn and web identity profiles, credential_process,
 * container and instance metadata), resolved once for every client, with
 * its STS calls made by clients carrying the read-only guard: an AssumeRole
 * is on the allow-list (as the source profile's call) and counted with the
 * others. A failure of the chain is a CredentialChainError naming the
 * profile, the call and AWS's answer.
 */
export function diagnoseCredentials(options: CredentialOptions): AwsCredentialIdentityProvider {
  const profile = getProfileName({ ...(options.profile ? { profile: options.profile } : {}) });
  // The chain's STS client: the run's region and endpoint (the emulator), the guard as a plugin.
  const stsOptions = {
    ...(options.region ? { region: options.region } : {}),
    ...(options.endpointUrl ? { endpoint: options.endpointUrl } : {}),
  } as Pick<STSClientConfig, "region">;
  const plugins = [guardPlugin(options.guard)];
  const assume = getDefaultRoleAssumer(stsOptions, plugins);
  const assumeWithWebIdentity = getDefaultRoleAssumerWithWebIdentity(stsOptions, plugins);
  const chain = fromNodeProviderChain({
    ...(options.profile ? { profile: options.profile } : {}),
    roleAssumer: async (source, params) => {
      try {
        return await assume(source, params);
      } catch (error) {
        throw await assumeRoleFailure(profile, params.RoleArn, source, error);
      }
    },
    roleAssumerWithWebIdentity: async (params) => {
      try {
        return await assumeWithWebIdentity(params);
      } catch (error) {
        throw webIdentityFailure(profile, params.RoleArn, error);
      }
    },
  });
  return async (properties) => {
    try {
      return await chain(properties);
    } catch (error) {
      if (error instanceof CredentialChainError) throw error;
      throw await resolutionFailure(profile, error);
    }
  };
}
