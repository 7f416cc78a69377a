import type {
  CreateSecretCommandInput,
  DeleteSecretCommandInput,
  DescribeSecretCommandInput,
  GetSecretValueCommandInput,
  ListSecretsCommandInput,
  PutSecretValueCommandInput,
  RestoreSecretCommandInput,
  TagResourceCommandInput,
  UntagResourceCommandInput,
} from "@aws-sdk/client-secrets-manager";
import { partitionOf } from "../../util/arn.js";
import type { Environment } from "../context.js";
import { AwsError } from "../protocol/errors.js";
import type { Scope, Store } from "../store/store.js";

const KIND = "secretsmanager.secret";
const CURRENT = "AWSCURRENT";
const tokenInUse = (token: string, arn: string) =>
  new AwsError(
    "ResourceExistsException",
    `You can't use ClientRequestToken ${token} because that value is already in use for a version of secret ${arn}.`,
  );
const PREVIOUS = "AWSPREVIOUS";
/** AWS keeps about 100 versions; the oldest versions without a staging label go first. */
const MAX_VERSIONS = 100;
const DAY_MS = 86_400_000;

interface StoredVersion {
  id: string;
  /** Exactly one of the two, as the caller gave it; binary as base64. */
  secretString?: string;
  secretBinary?: string;
  stages: string[];
  createdDate: string;
}

interface StoredSecret {
  name: string;
  arn: string;
  description?: string;
  kmsKeyId?: string;
  tags: { Key: string; Value: string }[];
  /** Once a secret has had tags, AWS lists `Tags: []` after the last is removed (never-tagged: no Tags). */
  tagged?: boolean;
  createdDate: string;
  lastChangedDate: string;
  /** Day precision (midnight UTC), as AWS records it. */
  lastAccessedDate?: string;
  /** Set while scheduled for deletion: when DeleteSecret was called, and when the secret goes. */
  deletedDate?: string;
  deletionDate?: string;
  /** Oldest first. */
  versions: StoredVersion[];
}

/** What every Secrets Manager operation works in. */
export interface SecretsCall {
  scope: Scope;
  now: Date;
}

const invalidParameter = (message: string) => new AwsError("InvalidParameterException", message);
const invalidRequest = (message: string) => new AwsError("InvalidRequestException", message);
const notFound = (message = "Secrets Manager can't find the specified secret.") =>
  new AwsError("ResourceNotFoundException", message);
const MARKED_FOR_DELETION =
  "You can't perform this operation on the secret because it was marked for deletion.";

/** The characters a secret name may hold (Secrets Manager's CreateSecret rule). */
const NAME = /^[A-Za-z0-9/_+=.@!-]+$/;

function secretValue(input: { SecretString?: string | undefined; SecretBinary?: Uint8Array | undefined }) {
  if (input.SecretString !== undefined && input.SecretBinary !== undefined) {
    throw invalidParameter(
      "You can't specify both a binary secret value and a string secret value in the same secret.",
    );
  }
  if (input.SecretString !== undefined) return { secretString: input.SecretString };
  if (input.SecretBinary !== undefined)
    return { secretBinary: Buffer.from(input.SecretBinary).toString("base64") };
  return undefined;
}

const sameValue = (version: StoredVersion, value: ReturnType<typeof secretValue>) =>
  version.secretString === value?.secretString && version.secretBinary === value?.secretBinary;

/**
 * AWS Secrets Manager: secrets with versions and staging labels (AWSCURRENT
 * moves to the newest value, the one it left becomes AWSPREVIOUS), deletion
 * with a recovery window, tags. Values are kept as given (the emulator serves
 * no KMS; KmsKeyId is kept as data). A secret is found by name, full ARN,
 * or ARN without the six-character suffix.
 */
export class SecretsManager {
  constructor(
    private readonly store: Store,
    private readonly env: Environment,
  ) {}

  private all(call: SecretsCall): StoredSecret[] {
    return this.store.list<StoredSecret>(KIND, call.scope).filter((secret) => !this.purgeIfDue(call, secret));
  }

  /** A secret whose recovery window has ended is gone: deleted on first sight, as AWS's background task would. */
  private purgeIfDue(call: SecretsCall, secret: StoredSecret): boolean {
    if (!secret.deletionDate || Date.parse(secret.deletionDate) > call.now.getTime()) return false;
    this.store.delete(KIND, call.scope, secret.name);
    return true;
  }

  private find(call: SecretsCall, secretId: string): StoredSecret | undefined {
    const prefix = `arn:${partitionOf(call.scope.region)}:secretsmanager:${call.scope.region}:${call.scope.account}:secret:`;
    let secret: StoredSecret | undefined;
    if (secretId.startsWith("arn:")) {
      if (!secretId.startsWith(prefix)) return undefined;
      const all = this.store.list<StoredSecret>(KIND, call.scope);
      secret = all.find((s) => s.arn === secretId) ?? all.find((s) => `${prefix}${s.name}` === secretId);
    } else {
      secret = this.store.get<StoredSecret>(KIND, call.scope, secretId);
    }
    return secret && !this.purgeIfDue(call, secret) ? secret : undefined;
  }

  private must(call: SecretsCall, secretId: string): StoredSecret {
    const secret = this.find(call, secretId);
    if (!secret) throw notFound();
    return secret;
  }

  private mustLive(call: SecretsCall, secretId: string): StoredSecret {
    const secret = this.must(call, secretId);
    if (secret.deletedDate) throw invalidRequest(MARKED_FOR_DELETION);
    return secret;
  }

  private save(call: SecretsCall, secret: StoredSecret): void {
    this.store.put(KIND, call.scope, secret.name, secret);
  }

  /**
   * Adds a version and moves its labels to it. A label moves: AWSCURRENT
   * leaving a version gives that version AWSPREVIOUS (taken from wherever it
   * was). Versions left without a label beyond the limit are dropped, oldest first.
   */
  private addVersion(
    call: SecretsCall,
    secret: StoredSecret,
    id: string,
    value: NonNullable<ReturnType<typeof secretValue>>,
    stages: string[],
  ): void {
    const labels = [...new Set(stages)];
    for (const version of secret.versions) {
      const hadCurrent = version.stages.includes(CURRENT);
      version.stages = version.stages.filter((stage) => !labels.includes(stage));
      if (hadCurrent && labels.includes(CURRENT)) {
        for (const other of secret.versions) other.stages = other.stages.filter((s) => s !== PREVIOUS);
        version.stages.push(PREVIOUS);
      }
    }
    secret.versions.push({ id, ...value, stages: labels, createdDate: call.now.toISOString() });
    while (secret.versions.length > MAX_VERSIONS) {
      const index = secret.versions.findIndex((version) => version.stages.length === 0);
      if (index < 0) break;
      secret.versions.splice(index, 1);
    }
    secret.lastChangedDate = call.now.toISOString();
  }

  private versionToken(token: string | undefined): string {
    return token ?? this.env.uuid();
  }

  createSecret(call: SecretsCall, input: CreateSecretCommandInput) {
    const name = input.Name!;
    if (!NAME.test(name)) {
      throw invalidParameter(
        "Invalid name. Must be a valid name containing alphanumeric characters, or any of the following: -/_+=.@!",
      );
    }
    if (input.AddReplicaRegions?.length) {
      // Replication is not served: refused as the operations the emulator lacks are, never dropped.
      throw new AwsError(
        "NotImplementedException",
        "The emulator does not implement secret replication (AddReplicaRegions) yet.",
        {},
        501,
      );
    }
    const value = secretValue(input);
    const existing = this.store.get<StoredSecret>(KIND, call.scope, name);
    if (existing && !this.purgeIfDue(call, existing)) {
      if (existing.deletedDate) {
        throw invalidRequest(
          "You can't create this secret because a secret with this name is already scheduled for deletion.",
        );
      }
      // A retried create (same token, same value) answers as the first did.
      const same = existing.versions.find((v) => v.id === input.ClientRequestToken);
      if (same && sameValue(same, value))
        return { ARN: existing.arn, Name: existing.name, VersionId: same.id };
      // The token names a version of this secret with other data: AWS refuses the token, not the name.
      if (same) throw tokenInUse(same.id, existing.arn);
      throw new AwsError(
        "ResourceExistsException",
        `The operation failed because the secret ${name} already exists.`,
      );
    }
    const now = call.now.toISOString();
    const secret: StoredSecret = {
      name,
      arn: `arn:${partitionOf(call.scope.region)}:secretsmanager:${call.scope.region}:${call.scope.account}:secret:${name}-${this.env.randomAlphanumeric(6)}`,
      ...(input.Description !== undefined ? { description: input.Description } : {}),
      ...(input.KmsKeyId !== undefined ? { kmsKeyId: input.KmsKeyId } : {}),
      tags: (input.Tags ?? []).map((tag) => ({ Key: tag.Key ?? "", Value: tag.Value ?? "" })),
      ...(input.Tags?.length ? { tagged: true } : {}),
      createdDate: now,
      lastChangedDate: now,
      versions: [],
    };
    let versionId: string | undefined;
    if (value) {
      versionId = this.versionToken(input.ClientRequestToken);
      this.addVersion(call, secret, versionId, value, [CURRENT]);
    }
    this.save(call, secret);
    return { ARN: secret.arn, Name: secret.name, ...(versionId ? { VersionId: versionId } : {}) };
  }

  putSecretValue(call: SecretsCall, input: PutSecretValueCommandInput) {
    // The request is checked before the secret is looked up: a valueless call is refused as such.
    const value = secretValue(input);
    if (!value) throw invalidParameter("You must provide either SecretString or SecretBinary.");
    const secret = this.mustLive(call, input.SecretId!);
    const id = this.versionToken(input.ClientRequestToken);
    const existing = secret.versions.find((version) => version.id === id);
    if (existing) {
      // Idempotent retry; a different value under a used token is refused.
      if (sameValue(existing, value))
        return { ARN: secret.arn, Name: secret.name, VersionId: id, VersionStages: existing.stages };
      throw tokenInUse(id, secret.arn);
    }
    const asked = input.VersionStages?.length ? input.VersionStages : [CURRENT];
    // A secret's first version is AWSCURRENT whatever labels were asked for (AWS's API reference).
    const stages = secret.versions.length === 0 && !asked.includes(CURRENT) ? [...asked, CURRENT] : asked;
    this.addVersion(call, secret, id, value, stages);
    this.save(call, secret);
    return { ARN: secret.arn, Name: secret.name, VersionId: id, VersionStages: [...new Set(stages)] };
  }

  getSecretValue(call: SecretsCall, input: GetSecretValueCommandInput) {
    const secret = this.mustLive(call, input.SecretId!);
    const { VersionId: versionId, VersionStage: stage } = input;
    let version: StoredVersion | undefined;
    if (versionId !== undefined) {
      version = secret.versions.find((v) => v.id === versionId);
      if (!version)
        throw notFound(`Secrets Manager can't find the specified secret value for VersionId: ${versionId}`);
      if (stage !== undefined && !version.stages.includes(stage)) {
        throw invalidRequest("You provided a VersionStage that is not associated to the provided VersionId.");
      }
    } else {
      const label = stage ?? CURRENT;
      version = secret.versions.find((v) => v.stages.includes(label));
      if (!version)
        throw notFound(`Secrets Manager can't find the specified secret value for staging label: ${label}`);
    }
    const day = new Date(Math.floor(call.now.getTime() / DAY_MS) * DAY_MS).toISOString();
    if (secret.lastAccessedDate !== day) this.save(call, { ...secret, lastAccessedDate: day });
    return {
      ARN: secret.arn,
      Name: secret.name,
      VersionId: version.id,
      ...(version.secretString !== undefined ? { SecretString: version.secretString } : {}),
      ...(version.secretBinary !== undefined
        ? { SecretBinary: Buffer.from(version.secretBinary, "base64") }
        : {}),
      VersionStages: version.stages,
      CreatedDate: version.createdDate,
    };
  }

  private view(secret: StoredSecret, versionsKey: "VersionIdsToStages" | "SecretVersionsToStages") {
    const staged = secret.versions.filter((version) => version.stages.length > 0);
    return {
      ARN: secret.arn,
      Name: secret.name,
      ...(secret.description !== undefined ? { Description: secret.description } : {}),
      ...(secret.kmsKeyId !== undefined ? { KmsKeyId: secret.kmsKeyId } : {}),
      LastChangedDate: secret.lastChangedDate,
      ...(secret.lastAccessedDate ? { LastAccessedDate: secret.lastAccessedDate } : {}),
      ...(secret.deletedDate ? { DeletedDate: secret.deletedDate } : {}),
      ...(secret.tags.length > 0 || secret.tagged ? { Tags: secret.tags } : {}),
      ...(staged.length > 0
        ? { [versionsKey]: Object.fromEntries(staged.map((v) => [v.id, v.stages])) }
        : {}),
      CreatedDate: secret.createdDate,
    };
  }

  describeSecret(call: SecretsCall, input: DescribeSecretCommandInput) {
    return this.view(this.must(call, input.SecretId!), "VersionIdsToStages");
  }

  /**
   * ListSecrets: by creation date (SortBy/SortOrder as asked), without the
   * secrets scheduled for deletion unless IncludePlannedDeletion. Filters as
   * the user guide's "Find secrets" describes them: name, tag-key, tag-value
   * by case-sensitive prefix of the whole field; description and all by
   * words (each word of the value, in any order, begins a word of the
   * field, not case-sensitive); a leading `!` negates; any value of a filter,
   * and every filter, must match; pages of MaxResults.
   */
  listSecrets(call: SecretsCall, input: ListSecretsCommandInput) {
    const filters = (input.Filters ?? []).map((filter) => {
      if (!filter.Key) throw invalidParameter("Invalid filter key");
      // A key with nothing to match is refused, as an empty Values list is by the model (min 1).
      if (!filter.Values) throw invalidParameter(`Invalid filter values for key: ${filter.Key}`);
      return { key: filter.Key, values: filter.Values };
    });
    const matches = (secret: StoredSecret) =>
      filters.every(({ key, values }) =>
        values.some((raw) => {
          const negated = raw.startsWith("!");
          const value = negated ? raw.slice(1) : raw;
          const fields = fieldsOf(secret, key);
          const hit =
            key === "description" || key === "all"
              ? wordsMatch(value, fields)
              : fields.some((field) => field.startsWith(value));
          return negated ? !hit : hit;
        }),
      );
    const sortKey = input.SortBy ?? "created-date";
    const keyOf = (s: StoredSecret): string =>
      sortKey === "name"
        ? s.name
        : sortKey === "last-changed-date"
          ? s.lastChangedDate
          : sortKey === "last-accessed-date"
            ? (s.lastAccessedDate ?? "")
            : s.createdDate;
    const listed = this.all(call)
      .filter((secret) => input.IncludePlannedDeletion || !secret.deletedDate)
      .filter(matches)
      .map((secret, index) => ({ secret, index }))
      .sort((a, b) =>
        keyOf(a.secret) < keyOf(b.secret) ? -1 : keyOf(a.secret) > keyOf(b.secret) ? 1 : a.index - b.index,
      )
      .map(({ secret }) => secret);
    if (input.SortOrder === "desc") listed.reverse();
    return { SecretList: listed.map((secret) => this.view(secret, "SecretVersionsToStages")) };
  }

  deleteSecret(call: SecretsCall, input: DeleteSecretCommandInput) {
    const window = input.RecoveryWindowInDays;
    if (window !== undefined && input.ForceDeleteWithoutRecovery) {
      throw invalidParameter(
        "You can't use ForceDeleteWithoutRecovery in conjunction with RecoveryWindowInDays.",
      );
    }
    if (window !== undefined && (window < 7 || window > 30)) {
      throw invalidParameter("The RecoveryWindowInDays value must be between 7 and 30 days (inclusive).");
    }
    const found = this.find(call, input.SecretId!);
    // A forced delete of a secret that is not there succeeds, naming what was
    // asked: AWS answers so (cleanup code relies on it), and there is no ARN to give.
    if (!found && input.ForceDeleteWithoutRecovery) return { Name: input.SecretId, DeletionDate: call.now };
    if (!found) throw notFound();
    const secret = found;
    if (input.ForceDeleteWithoutRecovery) {
      this.store.delete(KIND, call.scope, secret.name);
      return { ARN: secret.arn, Name: secret.name, DeletionDate: call.now };
    }
    if (secret.deletedDate) throw invalidRequest(MARKED_FOR_DELETION);
    const deletionDate = new Date(call.now.getTime() + (window ?? 30) * DAY_MS);
    this.save(call, {
      ...secret,
      deletedDate: call.now.toISOString(),
      deletionDate: deletionDate.toISOString(),
    });
    return { ARN: secret.arn, Name: secret.name, DeletionDate: deletionDate };
  }

  restoreSecret(call: SecretsCall, input: RestoreSecretCommandInput) {
    const { deletedDate: _deleted, deletionDate: _deletion, ...secret } = this.must(call, input.SecretId!);
    this.save(call, secret);
    return { ARN: secret.arn, Name: secret.name };
  }

  tagResource(call: SecretsCall, input: TagResourceCommandInput) {
    const secret = this.mustLive(call, input.SecretId!);
    const tags = new Map(secret.tags.map((tag) => [tag.Key, tag.Value]));
    for (const tag of input.Tags ?? []) tags.set(tag.Key ?? "", tag.Value ?? "");
    this.save(call, {
      ...secret,
      tags: [...tags].map(([Key, Value]) => ({ Key, Value })),
      ...(tags.size > 0 ? { tagged: true } : {}),
    });
    return {};
  }

  untagResource(call: SecretsCall, input: UntagResourceCommandInput) {
    const secret = this.mustLive(call, input.SecretId!);
    const drop = new Set(input.TagKeys ?? []);
    this.save(call, { ...secret, tags: secret.tags.filter((tag) => !drop.has(tag.Key)) });
    return {};
  }
}

/**
 * Words as Secrets Manager's search splits them: at spaces and punctuation,
 * between letters and digits, and where case changes from lower to upper
 * (`credsDatabase#892` is creds, Database, 892; the last capital of a run
 * before lower case starts the next word: `COMPANYthings` is COMPAN, Ythings).
 */
export function searchWords(text: string): string[] {
  return text.match(/[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+/g) ?? [];
}

/** Whether every word of a search value begins some word of the fields, not case-sensitive. */
function wordsMatch(value: string, fields: string[]): boolean {
  const wanted = searchWords(value).map((word) => word.toLowerCase());
  const have = fields.flatMap(searchWords).map((word) => word.toLowerCase());
  return wanted.length > 0 && wanted.every((word) => have.some((field) => field.startsWith(word)));
}

/** The strings a ListSecrets filter key compares with. */
function fieldsOf(secret: StoredSecret, key: string): string[] {
  switch (key) {
    case "name":
      return [secret.name];
    case "description":
      return secret.description !== undefined ? [secret.description] : [];
    case "tag-key":
      return secret.tags.map((tag) => tag.Key);
    case "tag-value":
      return secret.tags.map((tag) => tag.Value);
    case "primary-region":
    case "owning-service":
      return [];
    default:
      return [
        secret.name,
        ...fieldsOf(secret, "description"),
        ...fieldsOf(secret, "tag-key"),
        ...fieldsOf(secret, "tag-value"),
      ];
  }
}
