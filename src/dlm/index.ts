/**
 * The lock manager (DESIGN §3): the pure lock space (./core) and the lock-manager nodes and client
 * driver that run it as simulated processes (./protocol).
 */
export * from './core/index.js';
export * from './protocol/index.js';
