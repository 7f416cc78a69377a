import type {
  CreateTagsCommandInput,
  DeleteTagsCommandInput,
  DescribeTagsCommandInput,
  ResourceType,
  Tag,
  TagDescription,
  TagSpecification,
} from "@aws-sdk/client-ec2";
import { AwsError } from "../../protocol/errors.js";
import { applyFilters, type FilterTable } from "../filters.js";
import { type Ec2Call, invalidParameterValue, KIND, type Kind, list, must } from "./common.js";
import type { StoredGroup } from "./records.js";

const MAX_TAGS = 50;

/** Which store kind an id names, by its prefix; every stored record keeps its tags in `Tags`. */
const KIND_BY_PREFIX: Record<string, Kind> = {
  vpc: KIND.vpc,
  subnet: KIND.subnet,
  sg: KIND.securityGroup,
  rtb: KIND.routeTable,
  igw: KIND.internetGateway,
  eigw: KIND.egressOnlyInternetGateway,
  nat: KIND.natGateway,
  vpce: KIND.vpcEndpoint,
  eni: KIND.networkInterface,
};

function checkKeys(tags: readonly Tag[]): void {
  for (const tag of tags) {
    if (tag.Key === undefined)
      throw new AwsError("MissingParameter", "The request must contain the parameter Tag.Key");
    if (tag.Key.toLowerCase().startsWith("aws:")) {
      throw invalidParameterValue("Tag keys starting with 'aws:' are reserved for internal use");
    }
  }
}

/** Sets tags over existing ones, key by key, as CreateTags and TagSpecifications do. */
export function mergeTags(existing: readonly Tag[], added: readonly Tag[]): Tag[] {
  checkKeys(added);
  const merged = new Map(existing.map((t) => [t.Key!, t.Value ?? ""]));
  for (const tag of added) merged.set(tag.Key!, tag.Value ?? "");
  if (merged.size > MAX_TAGS) {
    throw new AwsError("TagLimitExceeded", `The maximum number of tags per resource is ${MAX_TAGS}.`);
  }
  return [...merged].map(([Key, Value]) => ({ Key, Value }));
}

/** The tags a Create call's TagSpecifications give the resource it makes; other resource types are refused. */
export function tagsFromSpecifications(
  specs: readonly TagSpecification[] | undefined,
  resourceType: string,
): Tag[] {
  let tags: Tag[] = [];
  for (const spec of specs ?? []) {
    if (!spec.ResourceType) throw invalidParameterValue("Tag specification resource type must have a value");
    if (spec.ResourceType !== resourceType) {
      throw invalidParameterValue(
        `'${spec.ResourceType}' is not a valid taggable resource type for this operation.`,
      );
    }
    tags = mergeTags(tags, spec.Tags ?? []);
  }
  return tags;
}

function kindOf(id: string): Kind {
  const kind = KIND_BY_PREFIX[id.slice(0, id.lastIndexOf("-"))];
  if (!kind) throw new AwsError("InvalidID", `The ID '${id}' is not valid`);
  return kind;
}

/**
 * Sets the tags of the resource an id names: a stored record, or a
 * security-group rule (sgr-), whose tags live on the rule inside its group.
 */
function retag(call: Ec2Call, id: string, change: (tags: Tag[]) => Tag[]): void {
  if (id.startsWith("sgr-")) {
    const group = call.store
      .list<StoredGroup>(KIND.securityGroup, call.scope)
      .find((g) => g.Rules.some((r) => r.SecurityGroupRuleId === id));
    if (!group) {
      throw new AwsError(
        "InvalidSecurityGroupRuleId.NotFound",
        `The security group rule ID '${id}' does not exist`,
      );
    }
    const Rules = group.Rules.map((r) => (r.SecurityGroupRuleId === id ? { ...r, Tags: change(r.Tags) } : r));
    call.store.put(KIND.securityGroup, call.scope, group.GroupId, { ...group, Rules });
    return;
  }
  const kind = kindOf(id);
  const record = must<{ Tags: Tag[] }>(call, kind, id);
  call.store.put(kind, call.scope, id, { ...record, Tags: change(record.Tags) });
}

/** CreateTags: every resource must exist, or nothing is tagged (the call's transaction rolls back). */
export function createTags(call: Ec2Call, input: CreateTagsCommandInput): Record<string, never> {
  for (const id of input.Resources ?? []) retag(call, id, (tags) => mergeTags(tags, input.Tags ?? []));
  return {};
}

/** DeleteTags: a tag with a value removes that pair only; a key alone removes the key; no tags removes all. */
export function deleteTags(call: Ec2Call, input: DeleteTagsCommandInput): Record<string, never> {
  const doomed = input.Tags;
  for (const id of input.Resources ?? []) {
    retag(call, id, (tags) =>
      !doomed
        ? []
        : tags.filter(
            (tag) =>
              !doomed.some((d) => d.Key === tag.Key && (d.Value === undefined || d.Value === tag.Value)),
          ),
    );
  }
  return {};
}

/** Each kind's resource type as DescribeTags names it, and the member holding a record's id. */
const TAGGED: ReadonlyArray<{ kind: Kind; type: ResourceType; id: string }> = [
  { kind: KIND.vpc, type: "vpc", id: "VpcId" },
  { kind: KIND.subnet, type: "subnet", id: "SubnetId" },
  { kind: KIND.securityGroup, type: "security-group", id: "GroupId" },
  { kind: KIND.routeTable, type: "route-table", id: "RouteTableId" },
  { kind: KIND.internetGateway, type: "internet-gateway", id: "InternetGatewayId" },
  {
    kind: KIND.egressOnlyInternetGateway,
    type: "egress-only-internet-gateway",
    id: "EgressOnlyInternetGatewayId",
  },
  { kind: KIND.natGateway, type: "natgateway", id: "NatGatewayId" },
  { kind: KIND.vpcEndpoint, type: "vpc-endpoint", id: "VpcEndpointId" },
  { kind: KIND.networkInterface, type: "network-interface", id: "NetworkInterfaceId" },
];

const TAG_FILTERS: FilterTable<TagDescription> = {
  key: (t) => t.Key,
  value: (t) => t.Value,
  "resource-id": (t) => t.ResourceId,
  "resource-type": (t) => t.ResourceType,
};

/** DescribeTags: one entry per tag of every resource (security-group rules too), filtered as EC2 documents. */
export function describeTags(call: Ec2Call, input: DescribeTagsCommandInput) {
  const all: TagDescription[] = [];
  const add = (ResourceId: string, ResourceType: ResourceType, tags: readonly Tag[]) => {
    for (const tag of tags) all.push({ Key: tag.Key, ResourceId, ResourceType, Value: tag.Value });
  };
  for (const { kind, type, id } of TAGGED) {
    for (const record of list<Record<string, unknown> & { Tags: Tag[] }>(call, kind)) {
      add(String(record[id]), type, record.Tags);
    }
  }
  for (const group of list<StoredGroup>(call, KIND.securityGroup)) {
    for (const rule of group.Rules) add(rule.SecurityGroupRuleId, "security-group-rule", rule.Tags);
  }
  return {
    Tags: applyFilters(
      all,
      input.Filters,
      TAG_FILTERS,
      (t) => [{ Key: t.Key, Value: t.Value }],
      "DescribeTags",
    ),
  };
}
