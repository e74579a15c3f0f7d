/** The storage service: the register the locks protect, with an optional fencing-token check. */
export {
  STORAGE_MAX_ENTRIES,
  STORAGE_NODE_ID,
  StorageMessageError,
  acceptsWrite,
  storageProcess,
} from './storage.js';
export type {
  StorageOptions,
  StorageReadAck,
  StorageReadRequest,
  StorageReply,
  StorageRequest,
  StorageWriteAck,
  StorageWriteRequest,
} from './storage.js';
