import { type Database, statementCount, withReserve } from "../db/client";
import { D1_QUERIES_PER_INVOCATION } from "../db/counted-d1";
import { fullPushRemovalEntries } from "./teams";

/** The database queries one request may make: D1's per Worker invocation, which a whole /Bulk request is. */
export const QUERIES_PER_REQUEST = D1_QUERIES_PER_INVOCATION;

/**
 * The statements the bulk request itself may still send once its operations are done: its own
 * request record, written to D1 directly if the queue refuses it.
 */
const OWN_RECORD_STATEMENTS = 1;
/**
 * The most statements one operation sends, whatever its kind, as measured by
 * test/integration/bulk-queries.test.ts (the worst case of each kind): a group's full push refused
 * for its name after its write, 13 = the tenant check with the team (2), the members it names and
 * the team's size (2), the write's batch (8: version guard, attributes, their entry, the additions
 * and theirs, the removals' entry and the removals, the team as it now is) and the read explaining
 * the refusal (1). A refused user create is 9; a deactivation the safeguard holds 11 (the tenant
 * check with the member (2), the write's batch (7: decision, write, entry, hold, its two entries,
 * clearing a hold) and the read explaining the hold (2)); any other user write 4 to 9. A full push stages one
 * more removal entry per 5,000 members its team holds (`fullPushRemovalEntries`). More is sent only
 * when a write loses races and is retried, or when the queue is down and entries go to D1
 * directly: the count then refuses the statement that would pass the limit, before it is sent.
 */
const OPERATION_STATEMENTS = 13;

/** A /Bulk operation as the budget sees it: which resource, which method. */
export interface BudgetedOperation {
  resource: string;
  method: string;
}

/**
 * A /Bulk request's share of the invocation's queries: every statement of the request and of its
 * operations goes through `db` (its D1 handle is `d1`, for each operation's own dispatched request)
 * and is counted, with the request's own record kept in reserve. An operation may start only while
 * its worst case fits in what is left (`fits`); `largestTeam` bounds the removal entries of a full
 * push (a team holds at most the tenant's provisioned members, the ones the request creates included).
 */
export function bulkBudget(invocationDb: Database) {
  const db = withReserve(invocationDb, OWN_RECORD_STATEMENTS);
  const count = statementCount(db);
  return {
    db,
    d1: count as D1Database,
    fits: (operation: BudgetedOperation, largestTeam: number) =>
      count.statements + worstCaseStatements(operation, largestTeam) <= count.limit,
  };
}

/** At most how many statements an operation sends (see OPERATION_STATEMENTS); any group PUT or PATCH may be a full push. */
function worstCaseStatements(operation: BudgetedOperation, largestTeam: number): number {
  const fullPush = operation.resource === "Groups" && (operation.method === "PUT" || operation.method === "PATCH");
  return OPERATION_STATEMENTS + (fullPush ? fullPushRemovalEntries(largestTeam) - 1 : 0);
}
