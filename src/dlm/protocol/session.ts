/**
 * Session identities. A session id names its client, the client's incarnation and the session's
 * number within that incarnation (a driver opens a new session after losing one), so any node can
 * tell which of two sessions of one client is the newer without asking anybody.
 */

/** The key of one client's lock on one resource, in every map that tracks locks. */
export function lockKey(client: string, resource: string): string {
  return `${client}\u0001${resource}`;
}

/** The id of session `n` of incarnation `incarnation` of `client`. */
export function sessionId(client: string, incarnation: number, n: number): string {
  return `${client}#${incarnation}.${n}`;
}

/** The client a session id names. */
export function clientOfSession(sess: string): string {
  const hash = sess.lastIndexOf('#');
  return hash < 0 ? sess : sess.slice(0, hash);
}

/** (incarnation, n) of a session id; (-1, -1) for a malformed one. */
function order(sess: string): [number, number] {
  const hash = sess.lastIndexOf('#');
  const dot = sess.lastIndexOf('.');
  if (hash < 0 || dot < hash) return [-1, -1];
  return [Number(sess.slice(hash + 1, dot)), Number(sess.slice(dot + 1))];
}

/** Whether session `a` is newer than session `b` (same client assumed). */
export function isNewerSession(a: string, b: string): boolean {
  const [ai, an] = order(a);
  const [bi, bn] = order(b);
  return ai > bi || (ai === bi && an > bn);
}

/**
 * The clients known to have had a session end, in a fixed order: the clients of `over` (sessions
 * known to be over), and those of `heard` (sessions heard of) named by a later session than their
 * first, whose earlier sessions are over (a driver opens a new session only after losing one). A
 * hold's end ends the grants nobody knows of such clients (./master-recovery.ts).
 */
export function clientsWithSessionsOver(over: Iterable<string>, heard: Iterable<string>): string[] {
  const clients = new Set<string>();
  for (const sess of over) clients.add(clientOfSession(sess));
  for (const sess of heard) {
    const client = clientOfSession(sess);
    if (isNewerSession(sess, sessionId(client, 0, 0))) clients.add(client);
  }
  return [...clients].sort();
}

/** The newest session of each client among `heard`, in client order: every earlier session of that client is over. */
export function latestSessions(heard: Iterable<string>): string[] {
  const latest = new Map<string, string>();
  for (const sess of heard) {
    const client = clientOfSession(sess);
    const known = latest.get(client);
    if (known === undefined || isNewerSession(sess, known)) latest.set(client, sess);
  }
  return [...latest.keys()].sort().map((client) => latest.get(client)!);
}

/**
 * The sessions known to be over, by id: the `lost` ones, and every session older than one heard of
 * its client (a driver opens a new session only after losing one). A rebuild ends, rather than
 * adopts, a copy of such a session (./master-recovery.ts).
 */
export class EndedSessions {
  private readonly lost: ReadonlySet<string>;
  private readonly latest: ReadonlyMap<string, string>;

  constructor(lost: Iterable<string>, heard: Iterable<string>) {
    this.lost = new Set(lost);
    this.latest = new Map(latestSessions(heard).map((sess) => [clientOfSession(sess), sess]));
  }

  /** Whether session `sess` is known to be over. */
  has(sess: string): boolean {
    if (this.lost.has(sess)) return true;
    const latest = this.latest.get(clientOfSession(sess));
    return latest !== undefined && isNewerSession(latest, sess);
  }
}
