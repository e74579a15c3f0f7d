/**
 * The DLM protocol's messages, as they travel over the simulated network.
 *
 * Who talks to whom:
 * - a client's driver ↔ its **home** manager: KeepAlives (unreliable, periodic) and lock requests,
 *   outcomes and blocking notifications (reliable, see ./links.ts);
 * - the home → the lock's **copy holder** → the resource's **master**: the request, recorded by the
 *   copy holder before the master sees it; the master → copy holder → home: the outcome, recorded
 *   by the copy holder before the client sees it. The copy holder is the home itself unless the
 *   home is also the master; then it is the master's successor in the live view (its buddy), so
 *   that no lock lives on one node only;
 * - managers ↔ managers: heartbeats, directory look-ups and view-change synchronisation, recovery
 *   gathers, session purges and adoptions, and the cluster-wide deadlock search.
 *
 * Every reliable message is a {@link RelMessage} of one layout: a kind (`type`), the link header,
 * the kind's payload (`body`) and, for the kinds that pass it on, the next node (`next`). The
 * `XxxMsg` types below name each kind's payload. Payload objects that several hops share (an
 * {@link OpWire}, an {@link OutWire}, a {@link BastWire}) are built once and passed by reference:
 * each hop allocates only its own envelope. Everything here is plain data, JSON-shaped, and never
 * mutated after the first send (the reliable header aside).
 */
import type { ModeName, StatusName } from '../../vocabulary/index.js';
import type { Message } from '../../sim/types.js';
import type { RelMessage } from './links.js';

/** A lock-level operation. */
export type OpKind = 'lock' | 'convert' | 'unlock' | 'cancel';

/** One client operation as the home forwards it (built once, shared by every hop). */
export interface OpWire {
  /** `client` U+0001 `resource`: the lock's key in every map, computed once by the driver. */
  readonly key: string;
  readonly client: string;
  /** The session the operation belongs to. */
  readonly sess: string;
  /** The client's home manager (where outcomes go). */
  readonly home: string;
  /** The driver's request id: increasing per client, the key of every de-duplication. */
  readonly reqId: number;
  readonly op: OpKind;
  /** The resource's display name (`parent/child` for a sub-resource). */
  readonly resource: string;
  /** The root of the resource tree: what the directory and mastery are keyed by. */
  readonly root: string;
  /** Resource names from the root down. */
  readonly path: readonly string[];
  /** Requested mode (lock, convert). */
  readonly mode: ModeName | null;
  /** Request flags as `LockFlag` bits; -1 when a name was unknown (answered INVALID_ARG). */
  readonly flags: number;
  /** The caller's value-block buffer. */
  readonly value: string | null;
  readonly priority: number;
  /** Parent resource display name of a sub-resource lock. */
  readonly parent: string | null;
}

/** The outcome of one operation, from the master (built once, shared by every hop). */
export interface OutWire {
  /** `client` U+0001 `resource` (see {@link OpWire.key}). */
  readonly key: string;
  readonly client: string;
  readonly sess: string;
  /** The request this outcome answers. */
  readonly reqId: number;
  /** A second request it also answers (the cancel that caused ABORTED/CANCELLED), or 0. */
  readonly also: number;
  readonly resource: string;
  readonly root: string;
  readonly path: readonly string[];
  readonly parent: string | null;
  readonly status: StatusName;
  /** The mode now held, or null. */
  readonly mode: ModeName | null;
  /** Status flag bits (VALNOTVALID, DEMOTED, ALTMODE). */
  readonly flags: number;
  readonly value: string | null;
  readonly lvbSeq: number;
  readonly token: number | null;
  /** The request flags of the grant now held (the copy holder keeps them for recovery). */
  readonly grantFlags: number;
  readonly priority: number;
  /** Master-local lock id (0 when the lock no longer exists). */
  readonly lockId: number;
  /** Per-lock version at the master: copies with a higher version are newer. */
  readonly version: number;
}

/** What a copy holder knows of one lock: its last confirmed state and the operations in flight. */
export interface CopyWire {
  readonly client: string;
  readonly sess: string;
  readonly home: string;
  readonly resource: string;
  readonly root: string;
  readonly path: readonly string[];
  readonly parent: string | null;
  readonly lockId: number;
  readonly version: number;
  /** The granted mode, or null (nothing granted yet). */
  readonly grantedMode: ModeName | null;
  readonly grantFlags: number;
  readonly token: number | null;
  readonly value: string | null;
  readonly lvbSeq: number;
  readonly priority: number;
  /** Operations sent to the master and not answered, oldest first. */
  readonly pending: readonly OpWire[];
  /** The session was purged while this copy's master could not confirm it: a new master ends the lock. */
  readonly lost: boolean;
  /** The resource's value block was marked invalid when this copy last heard of it. */
  readonly lvbInvalid: boolean;
}

/** A lock the driver believes it holds (sent with a reclaim). */
export interface HeldWire {
  readonly resource: string;
  readonly mode: ModeName;
}

/** One wait-for edge as a master reports it to the deadlock coordinator (conflict edges only). */
export interface EdgeWire {
  readonly master: string;
  readonly resource: string;
  readonly waiterLockId: number;
  readonly waiterOwner: string;
  readonly waiterMode: ModeName;
  readonly waiterPriority: number;
  /** How long the waiter has waited, by its master's clock (µs). */
  readonly waitedUs: number;
  /** Version of the waiter's lock at the master when reported (validation compares it). */
  readonly waiterVersion: number;
  readonly holderLockId: number;
  readonly holderOwner: string;
  readonly holderMode: ModeName;
  readonly holderVersion: number;
}

// ---------------------------------------------------------------------------------------------
// Client ↔ home.

/** KeepAlive (unreliable, every keepAliveMs): opens, extends or reclaims a session. */
export interface KeepAliveMsg extends Message {
  readonly type: 'ka';
  readonly client: string;
  /** The client's incarnation: its generation on the reliable links. */
  readonly cinc: number;
  readonly sess: string;
  readonly kseq: number;
  /** Jeopardy: asking a manager that is not (known to be) the home to take the session over. */
  readonly reclaim: boolean;
  /** The home the session had. */
  readonly prevHome: string;
  /** The locks the client believes it holds (reclaim only). */
  readonly held: readonly HeldWire[] | null;
  /** Resources with an operation still unanswered (reclaim only). */
  readonly unresolved: readonly string[] | null;
}

/** The session is live at this manager until at least `kseq`'s send time + leaseMs. */
export interface KeepAliveAckMsg extends Message {
  readonly type: 'ka-ack';
  readonly sess: string;
  readonly kseq: number;
  /** The manager's generation. */
  readonly gen: number;
}

/** The session is lost (expired, purged, or never known), or a reclaim is still in progress. */
export interface KeepAliveNackMsg extends Message {
  readonly type: 'ka-nack';
  readonly sess: string;
  readonly kseq: number;
  readonly gen: number;
  readonly reason: 'lost' | 'pending';
}

/** Driver → home: an operation. */
export type ClientRequestMsg = RelMessage<'req', OpWire>;

/** Home → driver: an outcome. */
export type ClientOutcomeMsg = RelMessage<'out', OutWire>;

/** Home → driver: a blocking notification. */
export type ClientBastMsg = RelMessage<'bast', BastWire>;

// ---------------------------------------------------------------------------------------------
// Home → copy holder → master, and back.

/** Home → copy holder (when they differ); `next` is the master as the home knows it (saves the copy holder a look-up). */
export type CopyHolderRequestMsg = RelMessage<'chop', OpWire>;

/** Copy holder → master. */
export type MasterRequestMsg = RelMessage<'mreq', OpWire>;

/** Master → copy holder; `next` is the client's home, where the copy holder passes the outcome on. */
export type MasterOutcomeMsg = RelMessage<'mout', OutWire>;

/** Copy holder → home (when they differ). */
export type HomeOutcomeMsg = RelMessage<'hout', OutWire>;

/** A blocking notification, from the master (built once, shared by every hop). */
export interface BastWire {
  readonly client: string;
  readonly sess: string;
  readonly home: string;
  readonly resource: string;
  /** The blocked mode. */
  readonly mode: ModeName;
}

/** Master → copy holder → home: a blocking notification. */
export type BastRelayMsg = RelMessage<'mbast' | 'hbast', BastWire>;

/** Master → copy holder: this node does not master the root in `body`; look it up again. */
export type NotMasterMsg = RelMessage<'not-master', string>;

/**
 * A copy a master hands to a holder. A copy that moves names the holder it leaves
 * (`formerHolder`): that holder keeps its own copy until the new one has this one. The new one
 * says so (`ch-installed`), and the master then tells the former one to let go (`ch-release`): the
 * master knows every live member's generation, where a new holder just restarted may not yet.
 * Released at once, a copy whose install is lost on the way (the new holder cut off from the
 * master, or deaf to it after declaring it dead) would be on no live node when the master is lost,
 * and the next master would never hear of the lock.
 */
export interface InstallWire extends CopyWire {
  readonly formerHolder?: string;
}

/** New copy holder → master: it has the copy that left `formerHolder`, at `version`. */
export interface CopyInstalledBody extends CopyReleaseBody {
  readonly formerHolder: string;
}

/** New copy holder → master: a moved copy arrived (see {@link InstallWire}). */
export type CopyInstalledMsg = RelMessage<'ch-installed', CopyInstalledBody>;

/** Master → a new copy holder: take over these copies (home moved, or buddy changed). */
export type CopyInstallMsg = RelMessage<'ch-install', readonly InstallWire[]>;

export interface CopyReleaseBody {
  readonly client: string;
  readonly root: string;
  readonly resource: string;
  readonly version: number;
}

/** Master → a former copy holder: these locks' copies live elsewhere now (drop yours unless newer). */
export type CopyReleaseMsg = RelMessage<'ch-release', CopyReleaseBody>;

export interface ValueBlockInvalidBody {
  readonly root: string;
  readonly resource: string;
}

/** Master → the copy holders of a resource's locks: its value block was marked invalid (a PW/EX holder died). */
export type ValueBlockInvalidMsg = RelMessage<'ch-lvb', ValueBlockInvalidBody>;

export interface CopiesDropBody {
  readonly master: string;
  /**
   * The roots whose copies to drop: those the master's records know the grants of when it sends
   * this. Of a root it does not master yet, or still gathers, the copies held for it may be all
   * that is left of a lock; its rebuild tells the holder to let them go (a stray copy).
   */
  readonly roots: readonly string[];
}

/** Master → its former buddy: drop the copies you hold for me on `roots`. */
export type CopiesDropMsg = RelMessage<'ch-drop', CopiesDropBody>;

// ---------------------------------------------------------------------------------------------
// Membership (unreliable).

export interface HeartbeatMsg extends Message {
  readonly type: 'hb';
  readonly gen: number;
  /** The sender's view key: lets a node that lost its quorum tell whether the others gave up on it. */
  readonly view: string;
  /** The sender's heartbeat number (counts every round it sends, from 1). */
  readonly beat: number;
  /** The last heartbeat number the sender received from the receiver (0: none). */
  readonly echo: number;
  /**
   * The sender holds a quorum: it moves its copies to the members of its view only then
   * (./master.ts), so only such a heartbeat that counts the receiver in tells the receiver its
   * restart or reset was taken in with the copies moved to it.
   */
  readonly quorum: boolean;
  /**
   * Roots the sender finished rebuilding since its last `dir-sync`, whose directory node is the
   * receiver: the masters they lost before need not be counted again (./directory.ts).
   */
  readonly rebuilt?: readonly string[];
}

/** "I declared generation `gen` of you dead": the receiver resets and rejoins as a new generation. */
export interface DeadToMeMsg extends Message {
  readonly type: 'dead-to-me';
  readonly gen: number;
  /** The sender's live view: the members the verdict's author counts alive (see Membership.onDeadToMe). */
  readonly view: string;
}

// ---------------------------------------------------------------------------------------------
// Directory.

/**
 * Who masters `root`? Asked in view `view`: a directory node answers only when its own view is
 * the same (and settled), and the requester acts on an answer only while still in that view, so
 * a name's master is always assigned within one view that every member of it agrees on.
 */
export interface LookupBody {
  readonly root: string;
  readonly view: string;
}

export type LookupMsg = RelMessage<'lookup', LookupBody>;

export interface LookupResultBody {
  readonly root: string;
  /** The master, or '' when the views differed (ask again). */
  readonly master: string;
  readonly masterGen: number;
  /** The new master must rebuild the resource from the survivors' copies. */
  readonly recover: boolean;
  /**
   * Every master the name lost whose rebuild has not finished, oldest first (empty unless
   * `recover`). Each is a loss of the rebuild even when no death the requester noticed brought it
   * in: the directory may have heard of it before the name moved here, or before the requester
   * restarted. One that is an earlier generation of the requester is the requester's own loss of
   * state.
   */
  readonly lost: readonly LostMasterWire[];
  readonly view: string;
}

/** A master a name lost: a manager at one generation. */
export interface LostMasterWire {
  readonly id: string;
  readonly gen: number;
}

/** The masters a name lost, handed to the name's new directory node when the view moves it there. */
export interface LostNameWire {
  readonly root: string;
  readonly masters: readonly LostMasterWire[];
}

export type LookupResultMsg = RelMessage<'lookup-res', LookupResultBody>;

/** Sent to every live member after each view change: "my view is `view`; here is what I master / hold copies of". */
export interface DirectorySyncBody {
  readonly view: string;
  /** Roots the sender masters whose directory node is the receiver. */
  readonly claims: readonly string[];
  /** Of the claims: the roots the sender is still rebuilding (gathering, or holding after a loss of several). */
  readonly rebuilding: readonly string[];
  /** Roots whose master died and of which the sender holds copies, directory node the receiver. */
  readonly orphans: readonly string[];
  /**
   * Names that lost masters whose directory node is now the receiver: the sender's directory
   * records of them, and for each orphan the master the sender last knew.
   */
  readonly lost: readonly LostNameWire[];
  /**
   * Nonzero when the sender holds the receiver's earlier `dir-sync` void (it declared the
   * receiver's generation dead since, and took it back): the receiver answers with a `dir-sync`
   * of its own carrying this number in `answers`, since its view may not change again to send one.
   */
  readonly ask: number;
  /** The latest `ask` the receiver sent the sender at this generation (0 if none): what this `dir-sync` answers. */
  readonly answers: number;
}

export type DirectorySyncMsg = RelMessage<'dir-sync', DirectorySyncBody>;

// ---------------------------------------------------------------------------------------------
// Recovery.

export interface GatherRequestBody {
  readonly root: string;
  readonly round: number;
}

export type GatherRequestMsg = RelMessage<'gather-req', GatherRequestBody>;

export interface GatherResultBody {
  readonly root: string;
  readonly round: number;
  readonly records: readonly CopyWire[];
  /** Highest fencing token the sender has seen issued on each resource of the tree. */
  readonly tokens: readonly (readonly [string, number])[];
  /**
   * The clients the sender knows to have had a session end (./session.ts,
   * `clientsWithSessionsOver`). A root rebuilt after losing several managers is held, and the
   * hold's end ends such a client's grant nobody knows any more; every manager that knew the grant
   * may have lost its state, and so may every manager that heard the session end, so the rebuilder
   * learns from every live manager what they heard.
   */
  readonly sessionsOver: readonly string[];
  /**
   * The newest session the sender heard of, per client (./session.ts `latestSessions`): every
   * earlier session of that client is over, its driver having opened this one only after losing
   * it. The rebuild ends a granted copy of such an earlier session instead of adopting it: the
   * purge that would have told its copy holder may have been lost, and the master that ended the
   * lock may have lost its state since. (Not the sender's lost sessions: a manager that missed an
   * adoption may hold lost a session that lives on at its adopter.)
   */
  readonly latestSessions: readonly string[];
}

export type GatherResultMsg = RelMessage<'gather-res', GatherResultBody>;

// ---------------------------------------------------------------------------------------------
// Sessions.

/** A session ended (lease expired, reclaim failed): every master drops its locks. */
export interface PurgeBody {
  readonly client: string;
  readonly sess: string;
  readonly reason: 'expire' | 'lost';
}

export type PurgeMsg = RelMessage<'purge', PurgeBody>;

/** A manager took a session over (reclaim): masters re-home its locks, the old home lets go. */
export interface AdoptBody {
  readonly client: string;
  readonly sess: string;
  readonly home: string;
  readonly cinc: number;
  /**
   * The KeepAlive sequence number that started this adoption. Adoptions of one session are
   * ordered by it: a node that has seen a later one answers `stale`, so that two managers a client
   * in jeopardy asked one after the other can never both end up holding the session.
   */
  readonly epoch: number;
}

export type AdoptMsg = RelMessage<'adopt', AdoptBody>;

export interface AdoptResultBody {
  readonly client: string;
  readonly sess: string;
  /** False when this node already purged the session (grace ran out, or it expired). */
  readonly ok: boolean;
  /** A later adoption of the session was seen here: give this one up quietly (nothing was re-homed, `held` is empty). */
  readonly stale: boolean;
  /** The session's locks this node masters that are granted. */
  readonly held: readonly HeldWire[];
  /**
   * Resources on which this node masters, or keeps a copy of, a lock or a request of the session;
   * a `stale` answer names them too (nothing was re-homed): the home ends a request its client
   * abandons when no answer names it, and one that stands here must not be ended by a home that
   * never learned of it.
   */
  readonly known: readonly string[];
  /**
   * Resources on which this node masters a lock or a request of a newer session of the client:
   * the client moved on, and the lock there is the newer session's, not this one's.
   */
  readonly renewed: readonly string[];
}

export type AdoptResultMsg = RelMessage<'adopt-res', AdoptResultBody>;

// ---------------------------------------------------------------------------------------------
// Cluster-wide deadlock detection.

/** The coordinator asks for the wait-for edges of round `body`. */
export type DeadlockGatherMsg = RelMessage<'dl-gather', number>;

export interface DeadlockEdgesBody {
  readonly round: number;
  readonly edges: readonly EdgeWire[];
}

export type DeadlockEdgesMsg = RelMessage<'dl-edges', DeadlockEdgesBody>;

export type DeadlockPrepareMsg = RelMessage<'dl-prepare', DeadlockEdgesBody>;

export interface DeadlockVoteBody {
  readonly round: number;
  readonly ok: boolean;
}

export type DeadlockVoteMsg = RelMessage<'dl-vote', DeadlockVoteBody>;

export interface DeadlockDecideBody {
  readonly round: number;
  readonly commit: boolean;
  /** The victim's waiting lock at this master (0: the victim is elsewhere). */
  readonly victimLockId: number;
  readonly victimVersion: number;
}

export type DeadlockDecideMsg = RelMessage<'dl-decide', DeadlockDecideBody>;

/** Every reliable manager-to-manager message. */
export type PeerMsg =
  | CopyHolderRequestMsg
  | MasterRequestMsg
  | MasterOutcomeMsg
  | HomeOutcomeMsg
  | BastRelayMsg
  | NotMasterMsg
  | CopyInstallMsg
  | CopyInstalledMsg
  | CopiesDropMsg
  | CopyReleaseMsg
  | ValueBlockInvalidMsg
  | LookupMsg
  | LookupResultMsg
  | DirectorySyncMsg
  | GatherRequestMsg
  | GatherResultMsg
  | PurgeMsg
  | AdoptMsg
  | AdoptResultMsg
  | DeadlockGatherMsg
  | DeadlockEdgesMsg
  | DeadlockPrepareMsg
  | DeadlockVoteMsg
  | DeadlockDecideMsg;

/** Every reliable manager-to-client message. */
export type ToClientMsg = ClientOutcomeMsg | ClientBastMsg;

