/**
 * The lock vocabulary every layer shares: mode and status names, and the fields of the lock-level
 * trace events (request, grant, release, deadlock cycles, storage writes, ...). The pure lock
 * space, the protocols, the clients, the storage service and the checkers all speak it, so it sits
 * beneath all of them and imports nothing from src/: a checker reads what a protocol wrote without
 * either depending on the other.
 */
export type * from './lock-events.js';
