import type { Readable } from "node:stream";
import { partitionOf } from "../../util/arn.js";
import { apiCallRecord } from "../cloudtrail/api-call.js";
import type { Trail } from "../cloudtrail/model.js";
import type { Environment } from "../context.js";
import { callerIdentity } from "../identity.js";
import type { PathRoute, StreamingRequest } from "../path-route.js";
import type { WireResponse } from "../protocol/codec.js";
import { AwsError } from "../protocol/errors.js";
import type { ServiceModel } from "../protocol/service-model.js";
import { isSha256Digest, UploadLost, UploadTooLong } from "../store/blob-store.js";
import type { Store } from "../store/store.js";
import { MEDIA_TYPE } from "./manifests.js";
import { type Ecr, type EcrImage, MAX_MANIFEST_BYTES, type UploadRecord } from "./model.js";
import { API_VERSION_HEADER, authenticate, type RegistryCaller, registryError } from "./registry-auth.js";

export interface DistributionApiDeps {
  ecr: Ecr;
  store: Store;
  env: Environment;
  /** ECR's model: the shapes CloudTrail's requestParameters follow. */
  model: ServiceModel;
  trail?: Trail;
  log?: (line: string) => void;
}

/** A repository name as ECR accepts it (the model's RepositoryName pattern, 2 to 256 characters). */
const REPOSITORY_NAME = /^[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*(\/[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*)*$/;
const DEFAULT_PAGE = 1000;

/** ECR errors as the registry API words them (distribution spec codes). */
const REGISTRY_CODE: Record<string, [number, string]> = {
  RepositoryNotFoundException: [404, "NAME_UNKNOWN"],
  ImageNotFoundException: [404, "MANIFEST_UNKNOWN"],
  LayersNotFoundException: [400, "MANIFEST_BLOB_UNKNOWN"],
  ReferencedImagesNotFoundException: [400, "MANIFEST_BLOB_UNKNOWN"],
  ImageTagAlreadyExistsException: [400, "TAG_INVALID"],
  ImageDigestDoesNotMatchException: [400, "DIGEST_INVALID"],
  InvalidParameterException: [400, "MANIFEST_INVALID"],
  UploadNotFoundException: [404, "BLOB_UPLOAD_UNKNOWN"],
};

type Route =
  | { kind: "base" }
  | { kind: "catalog" }
  | { kind: "tags"; name: string }
  | { kind: "manifest"; name: string; reference: string }
  | { kind: "uploads"; name: string }
  | { kind: "upload"; name: string; uuid: string }
  | { kind: "blob"; name: string; digest: string }
  | { kind: "referrers"; name: string; digest: string };

/** The distribution spec's endpoints; a name may hold slashes, so each pattern is anchored on its tail. */
function routeOf(path: string): Route | undefined {
  if (path === "/v2/" || path === "/v2") return { kind: "base" };
  if (path === "/v2/_catalog") return { kind: "catalog" };
  let m = /^\/v2\/(.+)\/tags\/list$/.exec(path);
  if (m) return { kind: "tags", name: m[1]! };
  m = /^\/v2\/(.+)\/manifests\/([^/]+)$/.exec(path);
  if (m) return { kind: "manifest", name: m[1]!, reference: decodeURIComponent(m[2]!) };
  m = /^\/v2\/(.+)\/blobs\/uploads\/?$/.exec(path);
  if (m) return { kind: "uploads", name: m[1]! };
  m = /^\/v2\/(.+)\/blobs\/uploads\/([^/]+)$/.exec(path);
  if (m) return { kind: "upload", name: m[1]!, uuid: m[2]! };
  m = /^\/v2\/(.+)\/blobs\/([^/]+)$/.exec(path);
  if (m) return { kind: "blob", name: m[1]!, digest: decodeURIComponent(m[2]!) };
  m = /^\/v2\/(.+)\/referrers\/([^/]+)$/.exec(path);
  if (m) return { kind: "referrers", name: m[1]!, digest: decodeURIComponent(m[2]!) };
  return undefined;
}

function ok(
  status: number,
  headers: Record<string, string>,
  body: Buffer | Readable = Buffer.alloc(0),
): WireResponse {
  return { status, headers: { ...API_VERSION_HEADER, ...headers }, body };
}

function json(value: unknown, headers: Record<string, string> = {}): WireResponse {
  const body = Buffer.from(JSON.stringify(value));
  return ok(
    200,
    { "content-type": "application/json; charset=utf-8", "content-length": `${body.length}`, ...headers },
    body,
  );
}

function unsupported(request: StreamingRequest): WireResponse {
  return registryError(405, [
    { code: "UNSUPPORTED", message: `The operation is unsupported: ${request.method} ${request.path}` },
  ]);
}

async function readLimited(body: Readable, limit: number): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += (chunk as Buffer).length;
    if (size > limit) {
      body.resume();
      return undefined;
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/** `bytes=<start>-<end>` (either end optional) against a blob of `size` bytes; `invalid` when it names none of them. */
function byteRange(
  header: string | undefined,
  size: number,
): { start: number; end: number } | "invalid" | undefined {
  if (!header) return undefined;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === "" && m[2] === "")) return "invalid";
  let start: number;
  let end: number;
  if (m[1] === "") {
    start = Math.max(0, size - Number(m[2]));
    end = size - 1;
  } else {
    start = Number(m[1]);
    end = m[2] === "" ? size - 1 : Math.min(Number(m[2]), size - 1);
  }
  return start > end || start >= size ? "invalid" : { start, end };
}

/** A Content-Range of a chunk, `<start>-<end>` (the spec's form) or `bytes <start>-<end>/<total>`. */
function chunkRange(header: string | undefined): { start: number; end: number } | "invalid" | undefined {
  if (!header) return undefined;
  const m = /^(?:bytes\s+)?(\d+)-(\d+)(?:\/(?:\d+|\*))?$/.exec(header.trim());
  if (!m) return "invalid";
  const start = Number(m[1]);
  const end = Number(m[2]);
  return end < start ? "invalid" : { start, end };
}

/** `page` of `items` after `last`, with the Link header of the next page when there is one. */
function paged(
  items: string[],
  query: URLSearchParams,
  linkTo: (last: string, n: number) => string,
): { items: string[]; headers: Record<string, string> } {
  const last = query.get("last");
  const n = query.has("n") ? Number(query.get("n")) : DEFAULT_PAGE;
  const after = last ? items.filter((i) => i > last) : items;
  if (!Number.isInteger(n) || n < 0) return { items: after, headers: {} };
  const page = after.slice(0, n);
  return {
    items: page,
    headers:
      after.length > n && page.length > 0
        ? { link: `<${linkTo(page[page.length - 1]!, n)}>; rel="next"` }
        : {},
  };
}

/**
 * ECR's registry endpoint, the OCI distribution API (docker registry v2)
 * that docker, skopeo, buildx, crane and oras speak: pushes (monolithic and
 * chunked uploads, manifests and indexes by tag or digest), pulls (blobs
 * with ranges), tag and repository listing, referrers and deletes by digest.
 * The same repositories, checks and errors as ECR's API (it calls the same
 * model), recorded in CloudTrail under the ECR actions a push and a pull
 * show there (InitiateLayerUpload, UploadLayerPart, CompleteLayerUpload,
 * PutImage; BatchGetImage, GetDownloadUrlForLayer).
 */
export function distributionApi(deps: DistributionApiDeps): PathRoute {
  const { ecr, store, env } = deps;
  const log = deps.log ?? (() => {});
  const uploadLocks = new Map<string, Promise<unknown>>();

  /** One request at a time per upload: chunks are appended in order. */
  const withUploadLock = async <T>(uuid: string, work: () => Promise<T>): Promise<T> => {
    const previous = uploadLocks.get(uuid) ?? Promise.resolve();
    const next = previous.catch(() => {}).then(work);
    uploadLocks.set(uuid, next);
    try {
      return await next;
    } finally {
      if (uploadLocks.get(uuid) === next) uploadLocks.delete(uuid);
    }
  };

  /** A CloudTrail record of the ECR action a registry request is, in the caller's transaction. */
  const record = (
    request: StreamingRequest,
    caller: RegistryCaller,
    eventName: string,
    requestParameters: Record<string, unknown>,
    outcome: { responseElements?: Record<string, unknown>; error?: AwsError } = {},
  ) => {
    const operation = deps.model.operations[eventName];
    if (!deps.trail || !operation) return;
    const { scope } = caller;
    deps.trail.append(
      scope,
      apiCallRecord({
        model: deps.model,
        operation: { ...operation, name: eventName },
        eventSource: "ecr.amazonaws.com",
        account: scope.account,
        awsRegion: scope.region,
        identity: callerIdentity(caller.claims.accessKeyId, caller.claims.account, caller.claims.region),
        sourceIPAddress: request.remoteAddress,
        userAgent: request.headers["user-agent"] ?? "",
        requestId: request.requestId,
        time: env.clock(),
        input: { registryId: scope.account, ...requestParameters },
        ...(outcome.responseElements ? { output: outcome.responseElements } : {}),
        ...(outcome.error ? { error: outcome.error } : {}),
        resources: [
          {
            type: "AWS::ECR::Repository",
            ARN: `arn:${partitionOf(scope.region)}:ecr:${scope.region}:${scope.account}:repository/${String(requestParameters.repositoryName)}`,
          },
        ],
      }),
    );
  };

  /** Runs a model call and its CloudTrail record in one transaction; a failed call is recorded too. */
  const recorded = <T>(
    request: StreamingRequest,
    caller: RegistryCaller,
    eventName: string,
    requestParameters: Record<string, unknown>,
    work: () => T,
    responseElements?: (result: T) => Record<string, unknown>,
  ): T => {
    try {
      return store.transaction(() => {
        const result = work();
        record(request, caller, eventName, requestParameters, {
          ...(responseElements ? { responseElements: responseElements(result) } : {}),
        });
        return result;
      });
    } catch (error) {
      if (error instanceof AwsError) {
        store.transaction(() => record(request, caller, eventName, requestParameters, { error }));
      }
      throw error;
    }
  };

  const fromAwsError = (error: AwsError): WireResponse => {
    const [status, code] = REGISTRY_CODE[error.code] ?? [400, "DENIED"];
    const missing = error.extra.missing as string[] | undefined;
    if (missing && missing.length > 0) {
      return registryError(
        status,
        missing.map((digest) => ({ code, message: "blob unknown to registry", detail: digest })),
      );
    }
    return registryError(status, [{ code, message: error.message }]);
  };

  const uploadHeaders = (name: string, upload: UploadRecord): Record<string, string> => ({
    location: `/v2/${name}/blobs/uploads/${upload.uuid}`,
    range: `0-${Math.max(upload.offset - 1, 0)}`,
    "docker-upload-uuid": upload.uuid,
  });

  const blobCreated = (name: string, digest: string): WireResponse =>
    ok(201, {
      location: `/v2/${name}/blobs/${digest}`,
      "docker-content-digest": digest,
      "content-length": "0",
    });

  /** Appends the request's bytes to the upload, as far as its Content-Range and Content-Length allow. */
  const appendChunk = async (
    request: StreamingRequest,
    caller: RegistryCaller,
    upload: UploadRecord,
    eventName: "UploadLayerPart" | "CompleteLayerUpload",
  ): Promise<UploadRecord | WireResponse> => {
    const range = chunkRange(request.headers["content-range"]);
    const stated = request.headers["content-length"];
    if (range === "invalid" || (range && range.start !== upload.offset)) {
      request.body.resume();
      return registryError(
        416,
        [{ code: "BLOB_UPLOAD_INVALID", message: `the chunk must start at byte ${upload.offset}` }],
        uploadHeaders(upload.repositoryName, upload),
      );
    }
    const limit = range ? range.end - range.start + 1 : stated ? Number(stated) : undefined;
    if (!range && stated === "0") return upload;
    let offset: number;
    try {
      offset = await ecr.blobs.append(upload.uuid, upload.offset, request.body, limit);
    } catch (error) {
      if (error instanceof UploadTooLong) {
        return registryError(400, [
          { code: "SIZE_INVALID", message: "the chunk is longer than its Content-Range or Content-Length" },
        ]);
      }
      if (error instanceof UploadLost) {
        return registryError(404, [
          { code: "BLOB_UPLOAD_UNKNOWN", message: "blob upload unknown to registry" },
        ]);
      }
      throw error;
    }
    if (range && offset !== range.end + 1) {
      return registryError(400, [
        { code: "SIZE_INVALID", message: "the chunk is shorter than its Content-Range" },
      ]);
    }
    if (offset === upload.offset) return upload;
    if (eventName === "CompleteLayerUpload") {
      return store.transaction(() => ecr.advanceUpload(caller.scope, upload, offset));
    }
    return recorded(
      request,
      caller,
      "UploadLayerPart",
      {
        repositoryName: upload.repositoryName,
        uploadId: upload.uuid,
        partFirstByte: upload.offset,
        partLastByte: offset - 1,
      },
      () => ecr.advanceUpload(caller.scope, upload, offset),
    );
  };

  /** Verifies the upload's bytes against `digest` and makes them the repository's blob. */
  const finishUpload = async (
    request: StreamingRequest,
    caller: RegistryCaller,
    upload: UploadRecord,
    digest: string,
  ): Promise<WireResponse> => {
    const actual = await ecr.blobs.digestOfUpload(upload.uuid, upload.offset);
    if (actual !== digest) {
      return registryError(400, [
        {
          code: "DIGEST_INVALID",
          message: `provided digest ${digest} did not match uploaded content (${actual})`,
          detail: digest,
        },
      ]);
    }
    const current = ecr.upload(caller.scope, upload.repositoryName, upload.uuid);
    if (!current || current.offset !== upload.offset) {
      return registryError(404, [
        { code: "BLOB_UPLOAD_UNKNOWN", message: "blob upload unknown to registry" },
      ]);
    }
    recorded(
      request,
      caller,
      "CompleteLayerUpload",
      { repositoryName: upload.repositoryName, uploadId: upload.uuid, layerDigests: [digest] },
      () => ecr.completeUpload(caller.scope, current, digest),
      (layer) => ({
        repositoryName: layer.repositoryName,
        uploadId: upload.uuid,
        layerDigest: digest,
        registryId: caller.scope.account,
      }),
    );
    return blobCreated(upload.repositoryName, digest);
  };

  const manifestHeaders = (image: EcrImage): Record<string, string> => ({
    "content-type": image.mediaType,
    "content-length": `${Buffer.byteLength(image.manifest)}`,
    "docker-content-digest": image.digest,
    etag: `"${image.digest}"`,
  });

  const handlers = {
    catalog: (request: StreamingRequest, caller: RegistryCaller): WireResponse => {
      const names = ecr.repositories(caller.scope).map((r) => r.repositoryName);
      const page = paged(
        names,
        request.query,
        (last, n) => `/v2/_catalog?last=${encodeURIComponent(last)}&n=${n}`,
      );
      return json({ repositories: page.items }, page.headers);
    },

    tags: (request: StreamingRequest, caller: RegistryCaller, name: string): WireResponse => {
      ecr.mustRepository(caller.scope, name);
      const page = paged(
        ecr.pushedTags(caller.scope, name),
        request.query,
        (last, n) => `/v2/${name}/tags/list?last=${encodeURIComponent(last)}&n=${n}`,
      );
      return json({ name, tags: page.items }, page.headers);
    },

    getManifest: (
      request: StreamingRequest,
      caller: RegistryCaller,
      name: string,
      reference: string,
    ): WireResponse => {
      const byDigest = reference.includes(":");
      const imageId = byDigest ? { imageDigest: reference } : { imageTag: reference };
      const find = () => {
        ecr.mustRepository(caller.scope, name);
        const image = ecr.findImage(
          caller.scope,
          name,
          byDigest ? { digest: reference } : { tag: reference },
        );
        if (!image) throw new AwsError("ImageNotFoundException", "Requested image not found");
        if (image.source.kind === "directory") {
          throw new AwsError(
            "ImageNotFoundException",
            `The image stands for the directory ${image.source.dir} of the emulator's image map: it has no layers to pull. Push it (skopeo copy, docker push) to pull it.`,
          );
        }
        return image;
      };
      if (request.method === "HEAD") {
        const image = find();
        return ok(200, manifestHeaders(image));
      }
      const image = recorded(
        request,
        caller,
        "BatchGetImage",
        {
          repositoryName: name,
          imageIds: [imageId],
          acceptedMediaTypes: (request.headers.accept ?? "")
            .split(",")
            .map((t) => t.split(";")[0]!.trim())
            .filter(Boolean),
        },
        () => {
          const found = find();
          ecr.recordPull(caller.scope, name, found.digest, env.clock());
          return found;
        },
      );
      return ok(200, manifestHeaders(image), Buffer.from(image.manifest));
    },

    putManifest: async (
      request: StreamingRequest,
      caller: RegistryCaller,
      name: string,
      reference: string,
    ): Promise<WireResponse> => {
      const body = await readLimited(request.body, MAX_MANIFEST_BYTES);
      if (!body) {
        return registryError(413, [
          { code: "SIZE_INVALID", message: `a manifest may be at most ${MAX_MANIFEST_BYTES} bytes` },
        ]);
      }
      const text = body.toString("utf8");
      if (!Buffer.from(text, "utf8").equals(body)) {
        return registryError(400, [{ code: "MANIFEST_INVALID", message: "the manifest is not UTF-8 JSON" }]);
      }
      const byDigest = reference.includes(":");
      if (byDigest && !isSha256Digest(reference)) {
        return registryError(400, [
          { code: "DIGEST_INVALID", message: `unsupported digest ${reference}: ECR stores sha256 digests` },
        ]);
      }
      const mediaType = request.headers["content-type"];
      const input = {
        repositoryName: name,
        manifest: text,
        ...(mediaType && mediaType !== "application/octet-stream" ? { mediaType } : {}),
        ...(byDigest ? { digest: reference } : { tag: reference }),
      };
      const { image } = recorded(
        request,
        caller,
        "PutImage",
        {
          repositoryName: name,
          ...(input.mediaType ? { imageManifestMediaType: input.mediaType } : {}),
          ...(byDigest ? { imageDigest: reference } : { imageTag: reference }),
        },
        () => ecr.putImage(caller.scope, input, env.clock(), true),
        ({ image }) => ({
          image: {
            registryId: caller.scope.account,
            repositoryName: name,
            imageId: { imageDigest: image.digest, ...(byDigest ? {} : { imageTag: reference }) },
            imageManifestMediaType: image.mediaType,
          },
        }),
      );
      return ok(201, {
        location: `/v2/${name}/manifests/${image.digest}`,
        "docker-content-digest": image.digest,
        "content-length": "0",
        ...(image.subject ? { "oci-subject": image.subject } : {}),
      });
    },

    deleteManifest: (
      request: StreamingRequest,
      caller: RegistryCaller,
      name: string,
      reference: string,
    ): WireResponse => {
      const byDigest = reference.includes(":");
      const outcome = recorded(
        request,
        caller,
        "BatchDeleteImage",
        { repositoryName: name, imageIds: [byDigest ? { imageDigest: reference } : { imageTag: reference }] },
        () => {
          ecr.mustRepository(caller.scope, name);
          return byDigest
            ? ecr.deleteImage(caller.scope, name, reference)
            : ecr.untag(caller.scope, name, reference);
        },
      );
      if ("deleted" in outcome) return ok(202, { "content-length": "0" });
      return outcome.failureCode === "ImageNotFound"
        ? registryError(404, [{ code: "MANIFEST_UNKNOWN", message: outcome.failureReason }])
        : registryError(409, [{ code: "DENIED", message: outcome.failureReason }]);
    },

    blob: (request: StreamingRequest, caller: RegistryCaller, name: string, digest: string): WireResponse => {
      ecr.mustRepository(caller.scope, name);
      if (request.method === "DELETE") return unsupported(request);
      const path = isSha256Digest(digest) ? ecr.layerPath(caller.scope, name, digest) : undefined;
      const size = path ? ecr.blobs.sizeOf(digest) : undefined;
      if (!path || size === undefined) {
        return registryError(404, [
          { code: "BLOB_UNKNOWN", message: "blob unknown to registry", detail: digest },
        ]);
      }
      const base = {
        "content-type": "application/octet-stream",
        "docker-content-digest": digest,
        "accept-ranges": "bytes",
        etag: `"${digest}"`,
      };
      const range = byteRange(request.headers.range, size);
      if (range === "invalid") {
        return registryError(
          416,
          [
            {
              code: "BLOB_UNKNOWN",
              message: `no bytes of ${request.headers.range} in a blob of ${size} bytes`,
            },
          ],
          {
            "content-range": `bytes */${size}`,
          },
        );
      }
      if (request.method === "HEAD") return ok(200, { ...base, "content-length": `${size}` });
      // A pull's blob read is ECR's GetDownloadUrlForLayer; the fetch of a URL it handed out is S3's, not ECR's.
      if (!caller.claims.only) {
        recorded(
          request,
          caller,
          "GetDownloadUrlForLayer",
          { repositoryName: name, layerDigest: digest },
          () => undefined,
        );
      }
      if (range) {
        return ok(
          206,
          {
            ...base,
            "content-length": `${range.end - range.start + 1}`,
            "content-range": `bytes ${range.start}-${range.end}/${size}`,
          },
          ecr.blobs.read(digest, range),
        );
      }
      return ok(200, { ...base, "content-length": `${size}` }, ecr.blobs.read(digest));
    },

    startUpload: async (
      request: StreamingRequest,
      caller: RegistryCaller,
      name: string,
    ): Promise<WireResponse> => {
      const mount = request.query.get("mount");
      if (mount && isSha256Digest(mount) && ecr.layer(caller.scope, name, mount)) {
        request.body.resume();
        return blobCreated(name, mount);
      }
      // ECR mounts across repositories only with its BLOB_MOUNTING account setting, off by default: the client uploads instead.
      const upload = recorded(request, caller, "InitiateLayerUpload", { repositoryName: name }, () =>
        ecr.startUpload(caller.scope, name, env.clock()),
      );
      const digest = request.query.get("digest");
      if (!digest) {
        request.body.resume();
        return ok(202, { ...uploadHeaders(name, upload), "content-length": "0" });
      }
      if (!isSha256Digest(digest)) {
        request.body.resume();
        return registryError(400, [
          { code: "DIGEST_INVALID", message: `unsupported digest ${digest}: ECR stores sha256 digests` },
        ]);
      }
      return withUploadLock(upload.uuid, async () => {
        const appended = await appendChunk(request, caller, upload, "CompleteLayerUpload");
        if (!("uuid" in appended)) return appended;
        return finishUpload(request, caller, appended, digest);
      });
    },

    upload: async (
      request: StreamingRequest,
      caller: RegistryCaller,
      name: string,
      uuid: string,
    ): Promise<WireResponse> => {
      ecr.mustRepository(caller.scope, name);
      return withUploadLock(uuid, async () => {
        const upload = ecr.upload(caller.scope, name, uuid);
        if (!upload) {
          request.body.resume();
          return registryError(404, [
            { code: "BLOB_UPLOAD_UNKNOWN", message: "blob upload unknown to registry" },
          ]);
        }
        switch (request.method) {
          case "GET":
            return ok(204, { ...uploadHeaders(name, upload), "content-length": "0" });
          case "DELETE":
            store.transaction(() => ecr.cancelUpload(caller.scope, upload));
            return ok(204, { "content-length": "0" });
          case "PATCH": {
            const appended = await appendChunk(request, caller, upload, "UploadLayerPart");
            return "uuid" in appended
              ? ok(202, { ...uploadHeaders(name, appended), "content-length": "0" })
              : appended;
          }
          case "PUT": {
            const digest = request.query.get("digest");
            if (!digest || !isSha256Digest(digest)) {
              request.body.resume();
              return registryError(400, [
                { code: "DIGEST_INVALID", message: "the upload needs a sha256 digest query parameter" },
              ]);
            }
            const appended = await appendChunk(request, caller, upload, "CompleteLayerUpload");
            if (!("uuid" in appended)) return appended;
            return finishUpload(request, caller, appended, digest);
          }
          default:
            request.body.resume();
            return unsupported(request);
        }
      });
    },

    referrers: (
      request: StreamingRequest,
      caller: RegistryCaller,
      name: string,
      digest: string,
    ): WireResponse => {
      ecr.mustRepository(caller.scope, name);
      const artifactType = request.query.get("artifactType");
      const referrers = ecr
        .referrers(caller.scope, name, digest)
        .map((r) => {
          const body = JSON.parse(r.manifest) as {
            artifactType?: string;
            config?: { mediaType?: string };
            annotations?: Record<string, string>;
          };
          const type = body.artifactType ?? body.config?.mediaType;
          return {
            mediaType: r.mediaType,
            digest: r.digest,
            size: Buffer.byteLength(r.manifest),
            ...(type ? { artifactType: type } : {}),
            ...(body.annotations ? { annotations: body.annotations } : {}),
          };
        })
        .filter((d) => !artifactType || d.artifactType === artifactType);
      return json(
        { schemaVersion: 2, mediaType: MEDIA_TYPE.index, manifests: referrers },
        {
          "content-type": MEDIA_TYPE.index,
          ...(artifactType ? { "oci-filters-applied": "artifactType" } : {}),
        },
      );
    },
  };

  const dispatch = async (request: StreamingRequest): Promise<WireResponse> => {
    const route = routeOf(request.path);
    if (!route) {
      request.body.resume();
      return registryError(404, [
        { code: "NAME_UNKNOWN", message: `The emulator's registry serves no ${request.path}` },
      ]);
    }
    const caller = authenticate(ecr, request, env.clock());
    if (!("scope" in caller)) {
      request.body.resume();
      return caller;
    }
    if (
      "name" in route &&
      !(route.name.length >= 2 && route.name.length <= 256 && REPOSITORY_NAME.test(route.name))
    ) {
      request.body.resume();
      return registryError(400, [
        { code: "NAME_INVALID", message: `invalid repository name '${route.name}'` },
      ]);
    }
    const { method } = request;
    const read = method === "GET" || method === "HEAD";
    const only = caller.claims.only;
    if (
      only &&
      !(read && route.kind === "blob" && route.name === only.repositoryName && route.digest === only.digest)
    ) {
      request.body.resume();
      return registryError(403, [
        { code: "DENIED", message: "A layer download URL reads only the layer it was issued for." },
      ]);
    }
    switch (route.kind) {
      case "base":
        return read ? json({}) : unsupported(request);
      case "catalog":
        return read ? handlers.catalog(request, caller) : unsupported(request);
      case "tags":
        return read ? handlers.tags(request, caller, route.name) : unsupported(request);
      case "manifest":
        if (read) return handlers.getManifest(request, caller, route.name, route.reference);
        if (method === "PUT") return handlers.putManifest(request, caller, route.name, route.reference);
        if (method === "DELETE") return handlers.deleteManifest(request, caller, route.name, route.reference);
        return unsupported(request);
      case "blob":
        return read || method === "DELETE"
          ? handlers.blob(request, caller, route.name, route.digest)
          : unsupported(request);
      case "uploads":
        return method === "POST" ? handlers.startUpload(request, caller, route.name) : unsupported(request);
      case "upload":
        return handlers.upload(request, caller, route.name, route.uuid);
      case "referrers":
        return method === "GET"
          ? handlers.referrers(request, caller, route.name, route.digest)
          : unsupported(request);
    }
  };

  return {
    prefix: "/v2/",
    handle: async (request) => {
      try {
        const response = await dispatch(request);
        log(`registry ${request.method} ${request.path} ${response.status}`);
        return response;
      } catch (error) {
        request.body.resume();
        if (error instanceof AwsError) return fromAwsError(error);
        log(
          `registry ${request.method} ${request.path} internal error: ${(error as Error).stack ?? String(error)}`,
        );
        return registryError(500, [
          { code: "UNKNOWN", message: "The emulator's registry failed to process the request." },
        ]);
      }
    },
  };
}
