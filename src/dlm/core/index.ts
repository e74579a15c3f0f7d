/**
 * The lock space package (src/dlm/core): a pure VMS/Linux lock manager with no I/O and no clock,
 * driven by the protocol layer's simulated masters and usable as a plain library.
 *
 * Start with {@link LockSpace}: construct it, call `lock` / `convert` / `unlock` / `cancel` /
 * `purge` / `findDeadlocks`, and read the effects it appends (completions, basts, queue changes,
 * value-block writes and invalidations, deadlocks, resource lifecycle).
 */
export { LockSpace } from './lockspace.js';
export {
  MAX_TREE_DEPTH,
  VMS_EXTENDED_VALUE_BLOCK_BYTES,
  type AdoptOrphanOptions,
  type ClearOwnerResult,
  type ConvertOptions,
  type DequeueAllOptions,
  type FlagsArg,
  type LockCopy,
  type LockInfo,
  type LockOptions,
  type LockSpaceOptions,
  type ResourceSnapshot,
  type TimeOptions,
  type UnlockOptions,
} from './lockspace-types.js';
export type {
  AdoptOrphanResult,
  BastEffect,
  CancelResult,
  CompleteEffect,
  ConvertResult,
  DeadlockEffect,
  DemoteEffect,
  DequeueAllResult,
  DequeueEffect,
  Effect,
  EnqueueEffect,
  LockResult,
  LvbInvalidateEffect,
  LvbWriteEffect,
  Operation,
  OpResult,
  ReleaseEffect,
  ResourceCreateEffect,
  ResourceDestroyEffect,
  UnlockResult,
  VictimResult,
} from './effects.js';
export {
  ALL_MODES,
  COMPATIBILITY,
  MODE_NAMES,
  Mode,
  NO_MODE,
  QUECVT_VALID,
  compatible,
  isDownConversion,
  isMiddleConversion,
  modeName,
  quecvtAllowed,
  toMode,
} from './modes.js';
export {
  ALL_LOCK_FLAGS,
  CONVERT_FLAGS,
  LOCK_FLAGS,
  LockFlag,
  StatusFlag,
  UNLOCK_FLAGS,
  flagNames,
  flagsFromNames,
  statusFlagNames,
  type FlagName,
  type StatusFlagName,
} from './flags.js';
export { LVB_OPERATIONS, LvbOp, decodeValue, encodeValue, lvbOperation } from './valueblock.js';
export {
  chooseVictim,
  findCycleThrough,
  localEdgeView,
  toCycleEdges,
  type DeadlockReport,
  type EdgeKind,
  type EdgeView,
  type RequestKey,
  type WaitForEdge,
} from './deadlock.js';
export { AdoptError, LockSpaceCapacityError, LockSpaceConfigError, LockSpaceInvariantError } from './errors.js';
