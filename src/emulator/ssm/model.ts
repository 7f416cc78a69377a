import { createHash } from "node:crypto";
import type {
  DeleteParameterCommandInput,
  DeleteParametersCommandInput,
  GetParameterCommandInput,
  GetParametersByPathCommandInput,
  GetParametersCommandInput,
  Parameter,
  ParameterStringFilter,
  PutParameterCommandInput,
} from "@aws-sdk/client-ssm";
import { partitionOf } from "../../util/arn.js";
import { AwsError } from "../protocol/errors.js";
import { javaPattern } from "../protocol/java-regex.js";
import type { Scope, Store } from "../store/store.js";

const KIND = "ssm.parameter";
/** Parameter Store keeps the last 100 versions of a parameter. */
const MAX_VERSIONS = 100;
const MAX_DEPTH = 15;
const DEFAULT_KEY = "alias/aws/ssm";

interface StoredVersion {
  version: number;
  type: "String" | "StringList" | "SecureString";
  value: string;
  description?: string;
  keyId?: string;
  allowedPattern?: string;
  dataType: string;
  lastModifiedDate: string;
}

interface StoredParameter {
  name: string;
  tags: { Key: string; Value: string }[];
  /** Oldest first; the last is the parameter's current value. */
  versions: StoredVersion[];
}

/** The filter keys GetParametersByPath takes (the model's pattern also allows tag:, DataType, Name, Path, Tier: DescribeParameters' keys). */
const PATH_FILTER_KEYS = ["Type", "KeyId", "Label"] as const;

/** One GetParametersByPath filter as a test of a parameter's current version; refuses what the service refuses. */
function pathFilter(filter: ParameterStringFilter): (version: StoredVersion) => boolean {
  const key = filter.Key!;
  if (!(PATH_FILTER_KEYS as readonly string[]).includes(key)) {
    throw new AwsError(
      "InvalidFilterKey",
      `The following filter key is not valid: ${key}. Valid filter keys include: [Type, KeyId].`,
    );
  }
  const option = filter.Option ?? "Equals";
  const options = key === "Label" ? ["Equals"] : ["Equals", "BeginsWith"];
  if (!options.includes(option)) {
    throw new AwsError(
      "InvalidFilterOption",
      `The following filter option is not valid: ${option}. Valid options include: [${options.join(", ")}].`,
    );
  }
  const values = filter.Values ?? [];
  if (values.length === 0) {
    throw new AwsError(
      "InvalidFilterValue",
      `The following filter values are missing : null for filter key ${key}.`,
    );
  }
  const matches = (actual: string | undefined) =>
    actual !== undefined &&
    values.some((value) => (option === "BeginsWith" ? actual.startsWith(value) : actual === value));
  if (key === "Type") return (version) => matches(version.type);
  if (key === "KeyId") return (version) => matches(version.keyId);
  return () => false;
}

/** What every Parameter Store operation works in. */
export interface ParametersCall {
  scope: Scope;
  now: Date;
}

const validation = (message: string) => new AwsError("ValidationException", message, {}, 400);
const notFound = (message = "") => new AwsError("ParameterNotFound", message);

/**
 * A top-level parameter is one parameter with or without its leading slash
 * (`foo` and `/foo` read, overwrite and delete the same one; both ARNs end
 * `parameter/foo`); a name in a hierarchy always has it.
 */
const keyOf = (name: string) => (name.indexOf("/", 1) < 0 ? name.replace(/^\//, "") : name);
/** Where a parameter sits in the hierarchy: its name with the leading slash. */
const pathOf = (name: string) => (name.startsWith("/") ? name : `/${name}`);
/** A parameter's ARN: `arn:<partition>:ssm:<region>:<account>:parameter/<name without its leading slash>`. */
const ARN = /^arn:[^:]+:ssm:([^:]*):(\d{12}):parameter(\/.*)$/;

/**
 * AWS Systems Manager Parameter Store: String, StringList and SecureString
 * parameters with versions (Overwrite makes the next one), read by name or
 * `name:version`, by a list of names, or under a path. SecureString values
 * are kept as given (the emulator serves no KMS); without WithDecryption
 * they are answered as an opaque ciphertext-shaped string, as AWS answers.
 */
export class ParameterStore {
  constructor(private readonly store: Store) {}

  private arn(call: ParametersCall, name: string): string {
    return `arn:${partitionOf(call.scope.region)}:ssm:${call.scope.region}:${call.scope.account}:parameter/${name.replace(/^\//, "")}`;
  }

  private view(
    call: ParametersCall,
    parameter: StoredParameter,
    version: StoredVersion,
    decrypt: boolean,
    selector?: string,
  ): Parameter {
    const value =
      version.type === "SecureString" && !decrypt
        ? // Ciphertext-shaped (base64 of an opaque blob): the value itself never shows.
          Buffer.from(
            createHash("sha256")
              .update(
                `${version.keyId ?? DEFAULT_KEY}\0${parameter.name}\0${version.version}\0${version.value}`,
              )
              .digest(),
          ).toString("base64")
        : version.value;
    return {
      Name: parameter.name,
      Type: version.type,
      Value: value,
      Version: version.version,
      ...(selector ? { Selector: selector } : {}),
      LastModifiedDate: new Date(version.lastModifiedDate),
      ARN: this.arn(call, parameter.name),
      DataType: version.dataType,
    };
  }

  private get(call: ParametersCall, name: string): StoredParameter | undefined {
    return this.store.get<StoredParameter>(KIND, call.scope, keyOf(name));
  }

  putParameter(call: ParametersCall, input: PutParameterCommandInput) {
    const name = input.Name!;
    const value = input.Value!;
    if (input.Overwrite && input.Tags?.length) {
      throw validation(
        "Invalid request: tags and overwrite can't be used together. To create a parameter with tags, please remove overwrite flag. To update tags for an existing parameter, please use AddTagsToResource or RemoveTagsFromResource.",
      );
    }
    const bare = name.replace(/^\//, "").toLowerCase();
    if (name.indexOf("/", 1) > 0 && bare.startsWith("aws")) {
      // AWS's own parameters live under /aws (public ones such as /aws/service/...); AWS
      // refuses a path there as access to a reserved name, not as a malformed one.
      throw new AwsError(
        "AccessDeniedException",
        `No access to reserved parameter name: ${name.replace(/^\//, "")}.`,
      );
    }
    if (bare.startsWith("aws") || bare.startsWith("ssm")) {
      throw validation(
        name.indexOf("/", 1) > 0
          ? 'Parameter name: can\'t be prefixed with "ssm" (case-insensitive). If formed as a path, it can consist of sub-paths divided by slash symbol; each sub-path can be formed as a mix of letters, numbers and the following 3 symbols .-_'
          : 'Parameter name: can\'t be prefixed with "aws" or "ssm" (case-insensitive).',
      );
    }
    if (name.includes("/") && !name.startsWith("/")) {
      throw validation("Parameter name must be a fully qualified name.");
    }
    if (!/^[A-Za-z0-9_.\-/]+$/.test(name)) {
      throw validation(
        "Parameter name must only contain alphanumeric characters, periods (.), hyphens (-), underscores (_) and forward slashes (/).",
      );
    }
    if (name.split("/").filter(Boolean).length > MAX_DEPTH) {
      throw new AwsError(
        "HierarchyLevelLimitExceededException",
        "A hierarchy can have a maximum of 15 levels. For more information, see Requirements and constraints for parameter names in the AWS Systems Manager User Guide.",
      );
    }
    const dataType = input.DataType ?? "text";
    if (!["text", "aws:ec2:image", "aws:ssm:integration"].includes(dataType)) {
      throw validation(
        `The following data type is not supported: ${dataType} (Data type names are all lowercase.)`,
      );
    }
    const existing = this.get(call, name);
    const previous = existing?.versions.at(-1);
    if (existing && !input.Overwrite) {
      throw new AwsError(
        "ParameterAlreadyExists",
        "The parameter already exists. To overwrite this value, set the overwrite option in the request to true.",
      );
    }
    const type = input.Type ?? previous?.type;
    if (!type) throw validation("A parameter type is required when you create a parameter.");
    const allowedPattern = input.AllowedPattern ?? previous?.allowedPattern;
    if (allowedPattern !== undefined) {
      const pattern = javaPattern(allowedPattern);
      if (!pattern) {
        throw new AwsError(
          "InvalidAllowedPatternException",
          "The allowed pattern is not a valid regular expression.",
        );
      }
      if (!pattern.test(value)) {
        throw new AwsError(
          "ParameterPatternMismatchException",
          `Parameter value, cannot be validated against allowedPattern: ${allowedPattern}`,
        );
      }
    }
    if (type !== "SecureString" && input.KeyId !== undefined) {
      throw validation("KeyId is required for SecureString type parameter only.");
    }
    const description = input.Description ?? previous?.description;
    const keyId = type === "SecureString" ? (input.KeyId ?? previous?.keyId ?? DEFAULT_KEY) : undefined;
    const parameter: StoredParameter = existing ?? {
      name,
      tags: (input.Tags ?? []).map((tag) => ({ Key: tag.Key ?? "", Value: tag.Value ?? "" })),
      versions: [],
    };
    const version = (previous?.version ?? 0) + 1;
    parameter.versions.push({
      version,
      type,
      value,
      ...(description !== undefined ? { description } : {}),
      ...(keyId !== undefined ? { keyId } : {}),
      ...(allowedPattern !== undefined ? { allowedPattern } : {}),
      dataType,
      lastModifiedDate: call.now.toISOString(),
    });
    if (parameter.versions.length > MAX_VERSIONS) parameter.versions.shift();
    this.store.put(KIND, call.scope, keyOf(name), parameter);
    return { Version: version, Tier: "Standard" };
  }

  /**
   * `name`, or `name:version` (a selector), a name also as the parameter's ARN
   * (one of another account or region is not found: nothing is shared); a
   * label selector is not served (no LabelParameterVersion).
   */
  private read(call: ParametersCall, requested: string, decrypt: boolean): Parameter | undefined {
    let wanted = requested;
    const arn = ARN.exec(requested);
    if (arn) {
      if (arn[1] !== call.scope.region || arn[2] !== call.scope.account) return undefined;
      const resource = arn[3]!;
      // parameter/foo names the top-level foo; parameter/a/b the hierarchy's /a/b.
      wanted = resource.indexOf("/", 1) < 0 ? resource.slice(1) : resource;
    }
    const colon = wanted.lastIndexOf(":");
    const selector = colon > 0 ? wanted.slice(colon + 1) : undefined;
    const name = selector !== undefined ? wanted.slice(0, colon) : wanted;
    const parameter = this.get(call, name);
    if (!parameter) return undefined;
    if (selector === undefined) return this.view(call, parameter, parameter.versions.at(-1)!, decrypt);
    const version = /^\d+$/.test(selector)
      ? parameter.versions.find((v) => v.version === Number(selector))
      : undefined;
    if (!version) {
      throw new AwsError(
        "ParameterVersionNotFound",
        `Systems Manager could not find version ${selector} of ${name}. Verify the version and try again.`,
      );
    }
    return this.view(call, parameter, version, decrypt, `:${selector}`);
  }

  getParameter(call: ParametersCall, input: GetParameterCommandInput) {
    const parameter = this.read(call, input.Name!, input.WithDecryption ?? false);
    if (!parameter) throw notFound();
    return { Parameter: parameter };
  }

  getParameters(call: ParametersCall, input: GetParametersCommandInput) {
    const parameters: Parameter[] = [];
    const invalid: string[] = [];
    for (const name of new Set(input.Names ?? [])) {
      let found: Parameter | undefined;
      try {
        found = this.read(call, name, input.WithDecryption ?? false);
      } catch (error) {
        if (!(error instanceof AwsError) || error.code !== "ParameterVersionNotFound") throw error;
      }
      if (found) parameters.push(found);
      else invalid.push(name);
    }
    return { Parameters: parameters, InvalidParameters: invalid };
  }

  /**
   * GetParametersByPath: the parameters one level under `Path` (every level
   * with Recursive), in name order, pages of MaxResults (default 10), kept by
   * ParameterFilters as the API reference says GetParametersByPath takes them:
   * keys Type, KeyId and Label (tag:, DataType, Name, Path and Tier are
   * refused), options Equals (the default) and BeginsWith (Label: Equals
   * only), a filter keeping a parameter that matches any of its values, every
   * filter applying. A SecureString's KeyId is its key or alias/aws/ssm; labels
   * are never set here (no LabelParameterVersion), so a Label filter keeps none.
   */
  getParametersByPath(call: ParametersCall, input: GetParametersByPathCommandInput) {
    const path = input.Path!;
    if (!path.startsWith("/"))
      throw validation(
        'The parameter doesn\'t meet the parameter name requirements. The parameter name must begin with a forward slash "/".',
      );
    const filters = (input.ParameterFilters ?? []).map(pathFilter);
    const prefix = path.endsWith("/") ? path : `${path}/`;
    const under = this.store
      .list<StoredParameter>(KIND, call.scope)
      .map((p) => ({ p, path: pathOf(p.name) }))
      .filter(({ path }) => path.startsWith(prefix) && path.length > prefix.length)
      .filter(({ path }) => input.Recursive || !path.slice(prefix.length).includes("/"))
      .filter(({ p }) => filters.every((keeps) => keeps(p.versions.at(-1)!)))
      .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
      .map(({ p }) => p);
    return {
      Parameters: under.map((p) => this.view(call, p, p.versions.at(-1)!, input.WithDecryption ?? false)),
    };
  }

  deleteParameter(call: ParametersCall, input: DeleteParameterCommandInput) {
    const name = input.Name!;
    if (!this.store.delete(KIND, call.scope, keyOf(name))) throw notFound(`Parameter ${name} not found.`);
    return {};
  }

  deleteParameters(call: ParametersCall, input: DeleteParametersCommandInput) {
    const deleted: string[] = [];
    const invalid: string[] = [];
    for (const name of input.Names ?? []) {
      if (this.store.delete(KIND, call.scope, keyOf(name))) deleted.push(name);
      else invalid.push(name);
    }
    return { DeletedParameters: deleted, InvalidParameters: invalid };
  }
}
