/**
 * Workload processes: the protocol-neutral scripted client and the driver contract that each
 * lock protocol implements for it.
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
export type {
  ClientSpec,
  DriverFactory,
  DriverHost,
  LocalDeadline,
  LockDriver,
  LockOutcome,
  LockRequest,
  ProtocolModule,
  ServiceMutations,
  ServiceOptions,
} from './contract.js';
