// The SCIM request log costs a request nothing it waits for (it is sent in waitUntil): the same Okta
// profile PUT with the log on (the normal worker) and off (the worker restarted with
// SCIM_REQUEST_LOG=off at the end of the run), on the 1,000-member tenant.

import { oktaPut } from "./users.mjs";

/** Far from the users module's own PUT counter, so that every PUT here really changes the user. */
const FIRST = 1_000_000;

function put(seed, state) {
  const tenant = seed.tenants["1k"];
  return {
    client: "okta",
    name: `PUT /Users/{id} [1k, request log ${state}]`,
    // Its ratio to the baseline is the users module's; this case is only compared with its twin.
    overBaseline: null,
    make: (i) => {
      const index = (i * 7919) % tenant.size;
      return oktaPut(tenant, index, FIRST + (state === "off" ? 500_000 : 0) + i, [tenant.groups[index]]);
    },
  };
}

let built;
const cases = (seed) => (built ??= { on: put(seed, "on"), off: put(seed, "off") });

export default {
  cases: (seed) => [cases(seed).on],
  requestLogOff: (seed) => [cases(seed).off],
  targets: (seed) => [
    { name: "PUT /Users/{id} [1k]: request log on / off", case: cases(seed).on, over: cases(seed).off, limit: 1.15 },
  ],
};
