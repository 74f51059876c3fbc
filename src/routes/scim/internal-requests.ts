/**
 * Requests the worker makes to itself: the operations of a /Bulk request. Held by object identity,
 * which a client cannot forge (a header could be).
 */
const internal = new WeakSet<Request>();

export function internalRequest(url: string, init: RequestInit): Request {
  const request = new Request(url, init);
  internal.add(request);
  return request;
}

export const isInternalRequest = (request: Request) => internal.has(request);
