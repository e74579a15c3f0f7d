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
