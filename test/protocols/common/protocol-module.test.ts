/**
 * How the three comparison protocols are assembled (src/protocols/common/protocol-module.ts):
 * which manager nodes run the service, and that a configuration the clients cannot run with is
 * refused by the service nodes already, with the driver's own error.
 */
import { describe, expect, it } from 'vitest';
import type { ProtocolModule } from '../../../src/protocols/contract.js';
import { ProtocolConfigError, leaseLockProtocol, redlockProtocol, zkProtocol } from '../../../src/protocols/index.js';
import { serviceOptions } from '../world.js';

describe('service nodes', () => {
  it('Redlock runs an instance on every manager', () => {
    const nodes = redlockProtocol.serviceNodes(3, serviceOptions());
    expect(nodes.map((n) => n.id)).toEqual(['m1', 'm2', 'm3']);
    expect(new Set(nodes.map((n) => n.factory)).size).toBe(1);
  });

  it.each([
    ['zk', zkProtocol],
    ['lease-lock', leaseLockProtocol],
  ] as Array<[string, ProtocolModule]>)('%s runs its server on m1 only; the other managers share one idle process', (_name, protocol) => {
    const nodes = protocol.serviceNodes(3, serviceOptions());
    expect(nodes.map((n) => n.id)).toEqual(['m1', 'm2', 'm3']);
    expect(nodes[1]!.factory).toBe(nodes[2]!.factory);
    expect(nodes[0]!.factory).not.toBe(nodes[1]!.factory);
  });
});

describe('configuration errors', () => {
  const bad: Array<[string, ProtocolModule, Parameters<typeof serviceOptions>[0], string]> = [
    ['redlock', redlockProtocol, { leaseMs: 0 }, 'lockstep redlock: needs lockService.leaseMs > 0 (the key TTL), got 0'],
    ['redlock', redlockProtocol, { driftFactor: -1 }, 'lockstep redlock: driftFactor must be >= 0, got -1'],
    ['zk', zkProtocol, { keepAliveMs: -5 }, 'lockstep zk: keepAliveMs must be >= 0, got -5'],
    ['lease-lock', leaseLockProtocol, { requestTimeoutMs: 0 }, 'lockstep lease-lock: requestTimeoutMs must be > 0, got 0'],
  ];
  it.each(bad)('%s: %j is refused by serviceNodes and by driver alike', (_name, protocol, overrides, message) => {
    const options = serviceOptions(overrides);
    expect(() => protocol.serviceNodes(1, options)).toThrow(ProtocolConfigError);
    expect(() => protocol.serviceNodes(1, options)).toThrow(message);
    expect(() => protocol.driver({ id: 'c1', home: 'm1', deadlockPriority: 0 }, ['m1'], options)).toThrow(message);
  });

  it.each([
    ['redlock', redlockProtocol],
    ['zk', zkProtocol],
    ['lease-lock', leaseLockProtocol],
  ] as Array<[string, ProtocolModule]>)('%s: no manager node at all is refused', (name, protocol) => {
    expect(() => protocol.serviceNodes(0, serviceOptions())).toThrow(`lockstep ${name}: needs at least one manager node, got 0`);
  });
});
