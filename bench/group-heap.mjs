// `node --expose-gc bench/group-heap.mjs`: the V8 heap one GET /Groups/{id} of a 100,000-member group
// needs, answered whole (every row, every member object, one JSON string: the code before the
// streamed answer) and in keyset pages of 5,000 (src/routes/scim/group-body.ts). Node runs the same
// V8 as workerd; the rows have the shape D1 returns. workerd's own RSS cannot show this: its heap
// is warm from earlier requests and it also holds the local D1 (see bench/README.md).

import { randomUUID } from "node:crypto";

const MEMBERS = 100_000;
const PAGE = 5_000;
const USERS = "https://scim.example/scim/v2/org/Users";
const rows = (n) =>
  Array.from({ length: n }, (_, i) => ({ id: randomUUID(), userName: `bench-groups-member${i}@bench.test` }));
const member = (row) => ({ value: row.id, display: row.userName, $ref: `${USERS}/${row.id}` });
const MiB = (bytes) => +(bytes / 2 ** 20).toFixed(1);
const live = () => {
  globalThis.gc();
  return process.memoryUsage().heapUsed;
};

function whole() {
  const start = live();
  const members = rows(MEMBERS).map(member);
  const resource = {
    schemas: ["urn:ietf:params:scim:schemas:core:2.0:Group"],
    id: "g",
    displayName: "Everyone",
    members,
  };
  const projected = { ...resource, members: members.map((m) => ({ ...m })) }; // projection copies
  const json = JSON.stringify(projected);
  return { heapMiB: MiB(process.memoryUsage().heapUsed - start), answerMiB: MiB(json.length) };
}

function paged() {
  let peak = 0;
  let answer = 0;
  for (let p = 0; p < MEMBERS / PAGE; p++) {
    const start = live(); // the previous page is garbage by now
    const text = rows(PAGE)
      .map((row) => JSON.stringify(member(row)))
      .join(",");
    const bytes = new TextEncoder().encode(text);
    answer += bytes.length;
    peak = Math.max(peak, process.memoryUsage().heapUsed - start + bytes.length);
  }
  return { heapMiB: MiB(peak), answerMiB: MiB(answer) };
}

console.log("whole answer:", whole());
console.log("pages of 5,000:", paged());
