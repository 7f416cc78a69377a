/* Who makes a call to the emulator: what the request context carries, GetCallerIdentity answers and CloudTrail records. */

/** When temporary credentials were issued, and whether with MFA ("true"/"false", as CloudTrail writes it). */
export interface SessionAttributes {
  creationDate: string;
  mfaAuthenticated: string;
}

/** Who made a call, as CloudTrail's `userIdentity` says it. */
export type UserIdentity =
  | {
      type: "IAMUser";
      principalId: string;
      arn: string;
      accountId: string;
      accessKeyId: string;
      userName: string;
      /** Set for calls made with GetSessionToken's credentials. */
      sessionContext?: { attributes: SessionAttributes };
      /** Set when a service acted for the user (AgentCore creating its service-linked role). */
      invokedBy?: string;
    }
  | {
      type: "AssumedRole";
      principalId: string;
      arn: string;
      accountId: string;
      accessKeyId: string;
      sessionContext: {
        sessionIssuer: {
          type: "Role";
          principalId: string;
          arn: string;
          accountId: string;
          userName: string;
        };
        /** The identity provider and its claims, for credentials from AssumeRoleWithWebIdentity. */
        webIdFederationData?: { federatedProvider: string; attributes: Record<string, string> };
        attributes?: SessionAttributes;
      };
      invokedBy?: string;
    }
  | {
      /** A caller known only by a web identity token (AssumeRoleWithWebIdentity is not signed). */
      type: "WebIdentityUser";
      principalId: string;
      userName: string;
      identityProvider: string;
      invokedBy?: string;
    }
  | { type: "AWSService"; invokedBy: string };
