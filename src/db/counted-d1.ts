/** D1 ends a Worker invocation's queries at this many (Workers Paid); each statement of a batch counts. */
export const D1_QUERIES_PER_INVOCATION = 1_000;

/** Statements refused before they were sent, because they would take the count past its limit: nothing of them ran. */
export class StatementLimitReached extends Error {
  constructor(limit: number) {
    super(`This invocation may send at most ${limit} statements to D1.`);
    this.name = "StatementLimitReached";
  }
}

/** The statements an invocation sent, and how many it may send. */
class StatementCount {
  sent = 0;
  constructor(readonly limit: number) {}

  /** Counts `statements` about to be sent; refuses them, unsent, if they would pass the limit. */
  spend(statements: number) {
    if (this.sent + statements > this.limit) throw new StatementLimitReached(this.limit);
    this.sent += statements;
  }
}

/**
 * A D1 handle that counts every statement sent through it: each `run`, `all`, `first` or `raw` of a
 * prepared statement is one, a `batch` is as many as it holds. A statement that would pass `limit`
 * is refused before it is sent, so a batch runs whole or not at all. One handle, made once per
 * invocation and given to everything that queries, counts what D1 counts against its limit.
 */
export class CountedD1Database implements D1Database {
  private readonly count: StatementCount;

  constructor(
    private readonly d1: D1Database,
    limit: number | StatementCount = D1_QUERIES_PER_INVOCATION,
  ) {
    this.count = limit instanceof StatementCount ? limit : new StatementCount(limit);
  }

  /**
   * Another database of the same invocation (a shard, the control plane), counted on this handle's
   * count: D1's limit is per invocation, whichever databases it queries.
   */
  alongside(d1: D1Database): CountedD1Database {
    return new CountedD1Database(d1, this.count);
  }

  /** The statements sent through this handle so far. */
  get statements(): number {
    return this.count.sent;
  }

  get limit(): number {
    return this.count.limit;
  }

  prepare(query: string): D1PreparedStatement {
    return new CountedStatement(this.d1.prepare(query), this.count);
  }

  batch<T = unknown>(statements: D1PreparedStatement[]): Promise<D1Result<T>[]> {
    return countedBatch(this.d1, this.count, statements);
  }

  /** `exec` runs every statement of its text; how many is known once it has, so the text counts one before. */
  async exec(query: string): Promise<D1ExecResult> {
    this.count.spend(1);
    const result = await this.d1.exec(query);
    this.count.sent += Math.max(0, result.count - 1);
    return result;
  }

  withSession(constraintOrBookmark?: D1SessionBookmark | D1SessionConstraint): D1DatabaseSession {
    return new CountedSession(this.d1.withSession(constraintOrBookmark), this.count);
  }

  async dump(): Promise<ArrayBuffer> {
    this.count.spend(1);
    return this.d1.dump();
  }
}

/** A session of a counted handle (read replicas): its statements count on the handle's count. */
class CountedSession implements D1DatabaseSession {
  constructor(
    private readonly session: D1DatabaseSession,
    private readonly count: StatementCount,
  ) {}

  prepare(query: string): D1PreparedStatement {
    return new CountedStatement(this.session.prepare(query), this.count);
  }

  batch<T = unknown>(statements: D1PreparedStatement[]): Promise<D1Result<T>[]> {
    return countedBatch(this.session, this.count, statements);
  }

  getBookmark(): D1SessionBookmark | null {
    return this.session.getBookmark();
  }
}

class CountedStatement implements D1PreparedStatement {
  constructor(
    readonly statement: D1PreparedStatement,
    private readonly count: StatementCount,
  ) {}

  bind(...values: unknown[]): D1PreparedStatement {
    return new CountedStatement(this.statement.bind(...values), this.count);
  }

  first<T = unknown>(colName: string): Promise<T | null>;
  first<T = Record<string, unknown>>(): Promise<T | null>;
  async first<T>(colName?: string): Promise<T | null> {
    this.count.spend(1);
    return colName === undefined ? this.statement.first<T>() : this.statement.first<T>(colName);
  }

  async run<T = Record<string, unknown>>(): Promise<D1Result<T>> {
    this.count.spend(1);
    return this.statement.run<T>();
  }

  async all<T = Record<string, unknown>>(): Promise<D1Result<T>> {
    this.count.spend(1);
    return this.statement.all<T>();
  }

  raw<T = unknown[]>(options: { columnNames: true }): Promise<[string[], ...T[]]>;
  raw<T = unknown[]>(options?: { columnNames?: false }): Promise<T[]>;
  async raw<T = unknown[]>(options?: { columnNames?: boolean }): Promise<[string[], ...T[]] | T[]> {
    this.count.spend(1);
    return options?.columnNames
      ? this.statement.raw<T>({ columnNames: true })
      : this.statement.raw<T>({ columnNames: false });
  }
}

/** D1 takes only its own statements in a batch: the counted ones are unwrapped, after counting them all. */
async function countedBatch<T>(
  handle: D1Database | D1DatabaseSession,
  count: StatementCount,
  statements: D1PreparedStatement[],
): Promise<D1Result<T>[]> {
  count.spend(statements.length);
  return handle.batch<T>(
    statements.map((statement) => (statement instanceof CountedStatement ? statement.statement : statement)),
  );
}
