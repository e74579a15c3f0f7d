/**
 * In-place list shortening for the protocol's per-handler queues.
 *
 * Why not `list.length = n`: assigning `length` leaves the JIT-compiled code for a runtime builtin,
 * and emptying an array that way may release its backing store, so the next push allocates again.
 * The manager empties its local queue after every handler and the links empty their ack lists after
 * every ack, so those paths pop instead, which stays inline and keeps the storage for the next event.
 * The choice is measured end to end on `npm run bench`'s dlm section (see the commit that made it).
 */

/** Shorten `list` to its first `length` items, keeping its storage. */
export function truncate<T>(list: T[], length: number): void {
  while (list.length > length) list.pop();
}
