/**
 * Redlock as a {@link ProtocolModule}: N independent instances m1..mN (the scenario's managers)
 * and a client driver running the distlock algorithm against all of them. See ./driver.ts for
 * the algorithm and how its grants are judged, ./instance.ts for the instance.
 */
import type { ProtocolModule } from '../contract.js';
import { comparisonProtocol } from '../common/protocol-module.js';
import { RedlockDriver, redlockSettings } from './driver.js';
import { redlockInstance } from './instance.js';

export { RedlockDriver, redlockSettings, MAX_REDLOCK_LOCKS } from './driver.js';
export * from './instance.js';

/** Redlock: every manager is an instance; clients talk to all of them (their `home` is unused). */
export const redlockProtocol: ProtocolModule = comparisonProtocol({
  name: 'redlock',
  serviceOn: 'every-manager',
  settings: redlockSettings,
  service: redlockInstance,
  driver: (host, client, settings) => new RedlockDriver(host, client, settings),
});
