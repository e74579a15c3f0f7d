/**
 * The lock value block (dlm-semantics §4): the read/write table, the per-resource block state, and
 * the conversion between caller values (strings or bytes) and the fixed-size block.
 *
 * A resource's block is allocated lazily: a fresh resource reads as all-zero bytes and is valid
 * ([PROJECT] §4.2), so the uncontended hot path never allocates one.
 */

/** What a grant does to the value block (§4.2): the caller reads it, writes it, or nothing. */
export const LvbOp = { NONE: -1, WRITE: 0, READ: 1 } as const;
/** One entry of the value-block table. */
export type LvbOp = (typeof LvbOp)[keyof typeof LvbOp];

/**
 * Linux `dlm_lvb_operations` without its padding row and column, `[granted + 1][requested]`:
 * row 0 is UN (a new request, no granted mode), rows 1..6 are NL..EX. 1 = read (resource →
 * caller), 0 = write (caller → resource, or invalidate with IVVALBLK), -1 = nothing.
 */
export const LVB_OPERATIONS: readonly (readonly LvbOp[])[] = [
  //  NL  CR  CW  PR  PW  EX
  [1, 1, 1, 1, 1, 1], // UN (new request)
  [1, 1, 1, 1, 1, 1], // NL
  [-1, 1, 1, 1, 1, 1], // CR
  [-1, -1, 1, 1, 1, 1], // CW
  [-1, -1, -1, 1, 1, 1], // PR
  [0, 0, 0, 0, 0, 1], // PW
  [0, 0, 0, 0, 0, 0], // EX
];

/** The table entry for a grant from `granted` (-1 for a new request) to `requested` (§4.2). */
export function lvbOperation(granted: number, requested: number): LvbOp {
  return LVB_OPERATIONS[granted + 1]![requested]!;
}

/**
 * The value-block state a resource carries: bytes (null = never written, reads as zeros), the
 * invalid mark of §4.3, and the write sequence number (Linux `lvbseq`), which recovery uses to pick
 * the freshest surviving copy.
 */
export interface ValueBlockState {
  lvb: Uint8Array | null;
  lvbInvalid: boolean;
  lvbSeq: number;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: false });

/**
 * Turns a caller's value into a block of exactly `size` bytes (zero-padded); returns null when it
 * does not fit, which callers report as INVALID_ARG rather than truncate (a cut UTF-8 string would
 * decode to something the writer never wrote).
 */
export function encodeValue(value: string | Uint8Array, size: number): Uint8Array | null {
  const raw = typeof value === 'string' ? encoder.encode(value) : value;
  if (raw.length > size) return null;
  const out = new Uint8Array(size);
  out.set(raw);
  return out;
}

/** The trace form of a block (DESIGN §5.5): UTF-8 text with trailing zero bytes stripped. */
export function decodeValue(bytes: Uint8Array): string {
  let end = bytes.length;
  while (end > 0 && bytes[end - 1] === 0) end--;
  return decoder.decode(bytes.subarray(0, end));
}

/** A copy of the resource's current block (zeros when never written). */
export function readBlock(state: ValueBlockState, size: number): Uint8Array {
  return state.lvb === null ? new Uint8Array(size) : state.lvb.slice();
}

/** Writes a block (already `size` bytes): increments `lvbSeq` and clears the invalid mark (§4.2). */
export function writeBlock(state: ValueBlockState, bytes: Uint8Array): void {
  state.lvb = bytes.slice();
  state.lvbSeq++;
  state.lvbInvalid = false;
}

/**
 * Writes the first `bytes.length` bytes of a block of `size` bytes, keeping the rest (a VMS VALBLK
 * write into the 64-byte system copy, VMS Programming Concepts §7.4.10): increments `lvbSeq` and
 * clears the invalid mark like any write.
 */
export function writeBlockPrefix(state: ValueBlockState, bytes: Uint8Array, size: number): void {
  const block = state.lvb === null ? new Uint8Array(size) : state.lvb.slice();
  block.set(bytes);
  state.lvb = block;
  state.lvbSeq++;
  state.lvbInvalid = false;
}

/** Marks the block invalid (§4.3); the bytes stay and are still returned, flagged VALNOTVALID. */
export function invalidateBlock(state: ValueBlockState): void {
  state.lvbInvalid = true;
}
