/**
 * What the roles of one manager share: the kernel context, the links, membership, the caches that
 * several roles read, and the way they reach each other. A manager plays every role at once —
 * directory node for some names, master of some resources, copy holder for some locks, home of
 * some clients, and (when first in the view) deadlock coordinator — and the roles talk to each
 * other through messages, locally queued when they are on the same node, so that a role never
 * re-enters another in the middle of a change.
 */
import type { ProcessContext, TimerId } from '../../sim/types.js';
import type { ReliableLinks } from './links.js';
import type { Membership } from './membership.js';
import type { Tuning } from './tuning.js';
import type { BastWire, LostMasterWire, OpWire, OutWire, PeerMsg, ToClientMsg } from './wire.js';

/**
 * A root as the generation of this node that last mastered it left it (see
 * {@link ManagerEnv.masteredRoots}).
 */
export interface MasteredRoot {
  readonly gen: number;
  /**
   * The masters the root had lost that this generation's rebuild of it was to count, until the
   * rebuild ends (the root serves again); empty otherwise. That generation may have been the only
   * node that knew of them: the directory node hands a name's losses over to the next one in a
   * `dir-sync`, which is void if the new directory node declared the sender dead before it came.
   * A later generation that masters the root again counts them with its own loss, or it would
   * take a root whose earlier master and copy holders are both gone for one that lost a single
   * manager, and grant beside a lock nobody alive knows.
   */
  readonly lost: readonly LostMasterWire[];
}

/**
 * What the other roles of a node call on its copy holder directly (./copyholder.ts), when the copy
 * holder is the node itself. Declared here, not imported from the role, so that the roles and this
 * shared context do not import each other.
 */
export interface CopyHolderPort {
  onCopyHolderRequest(op: OpWire, masterHint: string | null): void;
  onMasterOutcome(out: OutWire, home: string): void;
  onMasterBast(bast: BastWire): void;
  onCopiesDrop(master: string, roots: readonly string[]): void;
  onValueBlockInvalid(root: string, resource: string): void;
}

/** What the copy holder calls on the home role of its own node (./home.ts). */
export interface HomePort {
  onHomeOutcome(out: OutWire): void;
  onHomeBast(bast: BastWire): void;
  /** Whether the request of `client`'s session `sess` numbered `reqId` still awaits its outcome here. */
  awaitsOutcome(client: string, sess: string, reqId: number): boolean;
  /** `root`'s master became known: route the requests that waited for it. */
  onMasterKnown(root: string): void;
}

/** What the copy holder asks the master role of its own node (./master.ts). */
export interface MasterPort {
  /**
   * Whether this node masters `root` and its records hold the root's granted locks: not while it
   * still gathers the copies to rebuild it from, when those copies are all that knows them.
   */
  knowsGrantsOf(root: string): boolean;
}

export interface ManagerEnv {
  readonly ctx: ProcessContext;
  readonly id: string;
  readonly tuning: Tuning;
  readonly links: ReliableLinks;
  readonly members: Membership;
  /** Sessions known to be over (expired, purged, or whose reclaim failed): never accepted again. */
  readonly lostSessions: Set<string>;
  /** The home that last adopted each session (so a lock rebuilt later is re-homed too). */
  readonly sessionHomes: Map<string, string>;
  /**
   * The highest fencing token this node has issued or seen per resource, kept in the node's
   * durable storage: it survives crashes and resets, so tokens never go backwards for want of a
   * survivor that remembers them.
   */
  readonly tokenWatermarks: Map<string, number>;
  /**
   * The generation of this node that last mastered each root, kept in the node's durable storage
   * until another master of the root is learned: after a crash or reset this node still knows which
   * roots its earlier generation lost, when the directory node that recorded that loss is gone too.
   */
  readonly masteredRoots: Map<string, MasteredRoot>;
  readonly master: MasterPort;
  readonly copyHolder: CopyHolderPort;
  readonly home: HomePort;
  /** Reliable send to a manager (queued locally when it is this one; dropped when it is not live). */
  post(to: string, msg: PeerMsg): void;
  /** Reliable send to a client. */
  toClient(client: string, msg: ToClientMsg): void;
  /** The directory node of `root` in the current view. */
  dirOf(root: string): string;
  /** The live master of `root` as last learned, or undefined. */
  masterOf(root: string): string | undefined;
  /** Record that `master` masters `root`. */
  setMaster(root: string, master: string): void;
  /** Ask the directory who masters `root` (once per root at a time); the answer is broadcast to the roles. */
  lookup(root: string): void;
  /** This node finished rebuilding `root` (and its hold, if any): its directory node is told (./directory.ts). */
  rebuilt(root: string): void;
  /** A callback timer on the monotonic clock. */
  timer(delayUs: number, fn: () => void): TimerId;
  /** A callback timer when `clock` reads `localUs`. */
  timerAt(localUs: number, clock: 'wall' | 'mono', fn: () => void): TimerId;
  cancelTimer(id: TimerId): void;
  trace(type: string, fields: Record<string, unknown>): void;
}
