/**
 * Spaces calls to at most `perSecond`, for APIs with hard rate limits
 * (CloudTrail LookupEvents: 2 per second per account and region).
 */
export function pacer(perSecond: number): <T>(call: () => Promise<T>) => Promise<T> {
  const interval = 1000 / perSecond;
  let next = 0;
  return async (call) => {
    const now = Date.now();
    const at = Math.max(now, next);
    next = at + interval;
    if (at > now) await new Promise((resolve) => setTimeout(resolve, at - now));
    return call();
  };
}
