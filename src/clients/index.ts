/**
 * Workload processes: the protocol-neutral scripted client. The driver contract each lock
 * protocol implements for it lives beside the protocols (src/protocols/contract.ts).
 */
export {
  DEFAULT_STORAGE_RETRY_MS,
  MAX_SCRIPT_STEPS,
  MAX_STORAGE_RETRIES,
  ScriptError,
  scriptedClient,
  validateScript,
} from './scripted.js';
export type { DoneFields, ScriptedClientOptions, SkipFields, SkipReason } from './scripted.js';
export type {
  AwaitStep,
  CancelStep,
  ClientScript,
  ClientStep,
  ClientStepOp,
  ConvertStep,
  FailPolicy,
  LockStep,
  ReadStep,
  SleepStep,
  UnlockStep,
  WorkStep,
  WriteStep,
} from './script.js';
export { asyncClient } from './async-client.js';
export type { AsyncClientOptions, AsyncClientSpec } from './async-client.js';
export type * from './client-context.js';
export { AsyncClientError, AsyncClientHub } from './async-hub.js';
export { AmbientCallError, drainMicrotasks, holdFence, releaseFence } from './ambient-fence.js';
export { isLockProtocol, type LockProtocol } from './custom-protocol.js';
