// The deprovisioning safeguard decides every SCIM deactivation in the write's own batch: Okta's
// deactivation on a tenant whose safeguard is armed at its defaults (counted in the window, well
// under the threshold) against the same on a tenant whose safeguard is off. Same size, same requests.

import { patchOp } from "../lib/clients.mjs";
import { scimPath } from "../lib/env.mjs";

const spread = (i, size) => (i * 7919) % size;

function deactivate(tenant, state) {
  return {
    client: "okta",
    name: `PATCH /Users/{id} deactivate [6k, safeguard ${state}]`,
    // Its ratio to the baseline is the users module's; this case is compared with its twin.
    overBaseline: null,
    make: (i) => ({
      method: "PATCH",
      path: scimPath(tenant.orgId, `/Users/${tenant.members[spread(i, tenant.size)]}`),
      body: patchOp({ op: "replace", value: { active: false } }),
    }),
  };
}

let built;
const cases = (seed) =>
  (built ??= { armed: deactivate(seed.tenants.guardArmed, "armed"), off: deactivate(seed.tenants.guardOff, "off") });

export default {
  cases: (seed) => [cases(seed).off, cases(seed).armed],
  targets: (seed) => [
    {
      name: "PATCH deactivate [6k]: safeguard armed / off",
      case: cases(seed).armed,
      over: cases(seed).off,
      limit: 1.1,
    },
  ],
};
