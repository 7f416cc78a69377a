import type { AvailabilityZone, DescribeAvailabilityZonesCommandInput } from "@aws-sdk/client-ec2";
import { applyFilters, type FilterTable } from "../filters.js";
import { type Ec2Call, invalidParameterValue } from "./common.js";

/**
 * Availability Zone names → zone ids, as of 2026-08. In AWS the name → id
 * mapping differs from account to account (us-east-1a is use1-az6 in one
 * account and use1-az1 in another); the zone ids are the same everywhere.
 * The emulator fixes ONE mapping for every account, chosen so that in
 * us-east-1 the a/b/c zones land on the ids AgentCore supports (use1-az1,
 * az2, az4) and d/e/f on ids it does not: a subnet in us-east-1d reproduces
 * SUBNET_AZ_UNSUPPORTED. Zone ids per region follow AWS's public lists
 * (e.g. ap-northeast-1 has no az3). Regions not listed get three zones a–c
 * with ids derived from the region's short code (us-east-2 → use2-az1).
 */
export const AZ_TABLE_DATE = "2026-08-07";

const ZONES: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  "us-east-1": {
    "us-east-1a": "use1-az1",
    "us-east-1b": "use1-az2",
    "us-east-1c": "use1-az4",
    "us-east-1d": "use1-az6",
    "us-east-1e": "use1-az3",
    "us-east-1f": "use1-az5",
  },
  "us-east-2": { "us-east-2a": "use2-az1", "us-east-2b": "use2-az2", "us-east-2c": "use2-az3" },
  "us-west-2": {
    "us-west-2a": "usw2-az1",
    "us-west-2b": "usw2-az2",
    "us-west-2c": "usw2-az3",
    "us-west-2d": "usw2-az4",
  },
  "eu-west-1": { "eu-west-1a": "euw1-az1", "eu-west-1b": "euw1-az2", "eu-west-1c": "euw1-az3" },
  "eu-central-1": { "eu-central-1a": "euc1-az2", "eu-central-1b": "euc1-az3", "eu-central-1c": "euc1-az1" },
  "ap-northeast-1": {
    "ap-northeast-1a": "apne1-az4",
    "ap-northeast-1c": "apne1-az1",
    "ap-northeast-1d": "apne1-az2",
  },
  "ap-southeast-2": {
    "ap-southeast-2a": "apse2-az1",
    "ap-southeast-2b": "apse2-az3",
    "ap-southeast-2c": "apse2-az2",
  },
};

const DIRECTION: Record<string, string> = {
  north: "n",
  south: "s",
  east: "e",
  west: "w",
  central: "c",
  northeast: "ne",
  northwest: "nw",
  southeast: "se",
  southwest: "sw",
};

/** A partition's word inside a region name, as zone ids shorten it (us-gov-west-1 → usgw1). */
const QUALIFIER: Record<string, string> = { gov: "g", iso: "i", isob: "ib", isoe: "ie", isof: "if" };

/** The short code AWS uses in zone ids: us-east-1 → use1, ap-southeast-2 → apse2, us-gov-east-1 → usge1. */
function shortCode(region: string): string {
  const parts = region.split("-");
  const [area = region] = parts;
  const qualifier = parts.length > 3 ? (QUALIFIER[parts[1]!] ?? parts[1]!.slice(0, 1)) : "";
  const [direction = "", number = ""] = parts.slice(-2);
  return `${area}${qualifier}${DIRECTION[direction] ?? direction.slice(0, 1)}${number}`;
}

/** Zone name → zone id for a region, in name order. */
export function zonesOf(region: string): Readonly<Record<string, string>> {
  return (
    ZONES[region] ??
    Object.fromEntries(
      ["a", "b", "c"].map((letter, i) => [`${region}${letter}`, `${shortCode(region)}-az${i + 1}`]),
    )
  );
}

export function zoneIdOf(region: string, zoneName: string): string | undefined {
  return zonesOf(region)[zoneName];
}

export function zoneNameOf(region: string, zoneId: string): string | undefined {
  return Object.entries(zonesOf(region)).find(([, id]) => id === zoneId)?.[0];
}

const FILTERS: FilterTable<AvailabilityZone> = {
  "zone-name": (z) => z.ZoneName,
  "zone-id": (z) => z.ZoneId,
  "region-name": (z) => z.RegionName,
  state: (z) => z.State,
  "zone-type": (z) => z.ZoneType,
  "group-name": (z) => z.GroupName,
  "opt-in-status": (z) => z.OptInStatus,
  "network-border-group": (z) => z.NetworkBorderGroup,
};

export function describeAvailabilityZones(call: Ec2Call, input: DescribeAvailabilityZonesCommandInput) {
  const region = call.scope.region;
  let zones: AvailabilityZone[] = Object.entries(zonesOf(region)).map(([ZoneName, ZoneId]) => ({
    State: "available",
    OptInStatus: "opt-in-not-required",
    Messages: [],
    RegionName: region,
    ZoneName,
    ZoneId,
    GroupName: `${region}-zg-1`,
    NetworkBorderGroup: region,
    ZoneType: "availability-zone",
  }));
  for (const name of input.ZoneNames ?? []) {
    if (!zones.some((z) => z.ZoneName === name)) {
      throw invalidParameterValue(`Invalid availability zone: [${name}]`);
    }
  }
  for (const id of input.ZoneIds ?? []) {
    if (!zones.some((z) => z.ZoneId === id))
      throw invalidParameterValue(`Invalid availability zone: [${id}]`);
  }
  if (input.ZoneNames?.length) zones = zones.filter((z) => input.ZoneNames!.includes(z.ZoneName!));
  if (input.ZoneIds?.length) zones = zones.filter((z) => input.ZoneIds!.includes(z.ZoneId!));
  return {
    AvailabilityZones: applyFilters(zones, input.Filters, FILTERS, () => [], "DescribeAvailabilityZones"),
  };
}
