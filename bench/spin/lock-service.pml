/*
 * The SPIN side of lockstep's model-checking comparison (`npm run bench -- check`): a lock
 * service with one master and N clients, each taking one resource K times in PR or EX mode over
 * asynchronous FIFO channels. scenarios/check/spin-lock-service-NxK.json is the lockstep side: the
 * real lock manager with one manager node and the same client scripts.
 *
 * Client i (1..N) asks in round r (1..K) for EX when i + r is even, else PR; on the grant it
 * unlocks at once, and on the unlock's completion it starts its next round, as a scripted lockstep
 * client with the steps lock, unlock does. Each of those reactions is one atomic step, as one
 * lockstep event is one handler run. The master grants a request at once when it is compatible
 * with every granted lock and nobody waits (strict FIFO), else queues it; an unlock grants
 * waiters from the head of the queue while they are compatible.
 *
 * Mutual exclusion is asserted on the master's granted locks (what lockstep's checker reads).
 * Compile with -DBUG for the planted bug: the master takes EX as compatible with PR (lockstep's
 * wrongMatrixEntry mutation), and the assertion fails. -DN=.. -DK=.. set the clients and rounds
 * (default 3 × 2; N at most 4).
 */
#ifndef N
#define N 3
#endif
#ifndef K
#define K 2
#endif

mtype = { LOCK, UNLOCK, GRANTED, UNLOCKED };
#define NONE 0
#define PR 1
#define EX 2

/* Client i's requests to the master (request[i-1]) and the master's replies, FIFO each way. */
chan request[N] = [1] of { mtype, byte };
chan reply[N] = [1] of { mtype };

/* The lock every client holds on the resource, as the master granted it. */
byte held[N];

#define trulyCompatible(a, b) (a == NONE || b == NONE || (a == PR && b == PR))
#ifdef BUG
#define grantable(a, b) (a == NONE || b == NONE || a == PR || b == PR)
#else
#define grantable(a, b) trulyCompatible(a, b)
#endif

/* The master's queue of waiting requests, oldest first. */
byte waitingClient[N];
byte waitingMode[N];
byte waits = 0;

/* Whether `mode` is grantable beside every granted lock; the answer in `ok`. */
inline grantableBesideHolders(mode) {
  ok = true;
  for (j : 0 .. N - 1) {
    if
    :: !grantable(held[j], mode) -> ok = false
    :: else -> skip
    fi
  }
}

/* Grant waiters from the head of the queue while they are grantable. */
inline grantWaiters() {
  do
  :: waits > 0 ->
     grantableBesideHolders(waitingMode[0]);
     if
     :: ok ->
        held[waitingClient[0]] = waitingMode[0];
        reply[waitingClient[0]] ! GRANTED;
        for (j : 1 .. waits - 1) {
          waitingClient[j - 1] = waitingClient[j];
          waitingMode[j - 1] = waitingMode[j]
        }
        waits--;
        waitingClient[waits] = 0;
        waitingMode[waits] = 0
     :: else -> break
     fi
  :: else -> break
  od
}

/* Mutual exclusion over the granted locks (the checker's invariant). */
inline assertMutualExclusion() {
  for (j : 0 .. N - 1) {
    for (i : 0 .. N - 1) {
      assert(i == j || trulyCompatible(held[i], held[j]))
    }
  }
}

/* One request handled: one atomic step, locals reset so they do not split states. */
inline serve(client) {
  d_step {
    if
    :: kind == LOCK ->
       grantableBesideHolders(mode);
       if
       :: ok && waits == 0 ->
          held[client] = mode;
          reply[client] ! GRANTED
       :: else ->
          waitingClient[waits] = client;
          waitingMode[waits] = mode;
          waits++
       fi
    :: kind == UNLOCK ->
       held[client] = NONE;
       reply[client] ! UNLOCKED;
       grantWaiters()
    fi;
    assertMutualExclusion();
    kind = 0; mode = 0; ok = false; i = 0; j = 0
  }
}

active proctype master() {
  mtype kind;
  byte mode, i, j;
  bool ok;
end:
  do
  :: request[0] ? kind, mode -> serve(0)
#if N > 1
  :: request[1] ? kind, mode -> serve(1)
#endif
#if N > 2
  :: request[2] ? kind, mode -> serve(2)
#endif
#if N > 3
  :: request[3] ? kind, mode -> serve(3)
#endif
  od
}

#define modeOf(client, round) (((client) + (round)) % 2 == 0 -> EX : PR)

active [N] proctype client() {
  byte round = 1;
  request[_pid - 1] ! LOCK, modeOf(_pid, 1);
  do
  :: atomic { reply[_pid - 1] ? GRANTED -> request[_pid - 1] ! UNLOCK, 0 }
  :: atomic { reply[_pid - 1] ? UNLOCKED ->
       if
       :: round < K -> round++; request[_pid - 1] ! LOCK, modeOf(_pid, round)
       :: else -> break
       fi }
  od
}
