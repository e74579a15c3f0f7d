/**
 * What a manager's membership knows of one peer: the generation it counts, whether it holds it
 * alive and on what grounds, what the peer last said of this node (its view, its echo), and the
 * verdicts it was held dead on. Kept apart from ./membership.ts, which is the only module
 * that writes it; the manager reads it to tag a peer's messages.
 */

/** What membership knows of one peer (written by ./membership.ts only). */
export interface PeerState {
  gen: number;
  alive: boolean;
  lastHeardUs: number;
  /** The last heartbeat number heard from this generation of the peer (echoed back to it). */
  heardBeat: number;
  /** Declared dead while this node had beaten `probe - 1` times: a take-back needs an echo ≥ probe. */
  probe: number;
  /**
   * This node held a quorum at some moment while this generation of the peer was dead to it: it
   * may have looked up and rebuilt the peer's roots then, so the peer must reset, not be taken
   * back, even when this node has lost its quorum since.
   */
  deadUnderQuorum: boolean;
  /**
   * Held dead since this node's restart or reset on its durable verdict alone: this node never saw
   * that generation die in its present life, so its replacement is when it learns the peer lost
   * its state, a death like that of a live peer replaced.
   */
  deadByVerdict: boolean;
  /** The peer's last heartbeat counted this node (at its generation) in its view. */
  confirmed: boolean;
  /**
   * When this node sent the latest of its heartbeats (of its current generation) that the peer has
   * echoed (mono µs); the start or reset of this node when none yet. The peer counts towards the
   * quorum until a failure timeout after it.
   */
  echoedSentUs: number;
  /**
   * Some heartbeat of this generation of the peer, sent while it held a quorum, counted this node
   * in at its current generation: the peer has taken this node's restart or reset into its view
   * and moved its copies here (a peer without a quorum takes it in but moves nothing).
   */
  sawMe: boolean;
  /** The view of that heartbeat (to skip re-parsing an unchanged one). */
  lastView: string;
  /** The beat number of the latest heartbeat that carried {@link lastView}. */
  viewBeat: number;
}
