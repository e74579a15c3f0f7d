import fc from 'fast-check';

// Property tests draw a fresh seed each run unless FC_SEED pins one; fast-check prints the seed
// and path of any failure, so a red run is always replayable with FC_SEED=<seed>.
const pinned = process.env.FC_SEED;
fc.configureGlobal({
  ...(pinned !== undefined ? { seed: Number(pinned) } : {}),
  interruptAfterTimeLimit: 40_000,
  markInterruptAsFailure: false,
});
