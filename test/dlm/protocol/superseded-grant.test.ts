/**
 * A grant from a superseded generation is never believed (issue 12): a home on the minority side
 * of a partition sends its client a grant; the majority declares the home dead, rebuilds the
 * resource and ends that grant (superseded); the home resets and answers the client's KeepAlive as
 * its new generation; and only then does the old grant message, delayed on the way, reach the
 * client. Believed, the client would write with that grant's token and the storage could accept
 * it. The driver is driven here message by message, so the late arrival is exact.
 */
import { describe, expect, it } from 'vitest';
import { DlmDriver } from '../../../src/dlm/protocol/driver.js';
import type { KeepAliveAckMsg, KeepAliveNackMsg } from '../../../src/dlm/protocol/wire.js';
import { ClientProcess, driverTuning, drivingC1, grantOf } from './driver-client.js';

const tuning = driverTuning(20_000);

describe('a grant from a superseded generation', () => {
  it('is dropped once the home answered as a newer generation, and the new generation\u2019s grant is believed', () => {
    const client = new ClientProcess();
    const driver = new DlmDriver(client.host, 'c1', 'm1', ['m1', 'm2', 'm3'], tuning);
    driver.start();
    const sess = driver.state.sess;
    const ack: KeepAliveAckMsg = { type: 'ka-ack', sess, kseq: 1, gen: 0 };
    driver.onMessage('m1', ack);
    driver.request({ op: 'lock', resource: 'x', mode: 'EX' });
    expect(client.sent.map((s) => `${s.to} ${s.payload.type}`)).toEqual(['m1 ka', 'm1 req']);

    // m1@0's grant (token 45) is delayed; m1 is declared dead, resets, and answers as generation 1.
    const late = grantOf(sess, 45, 0);
    const nack: KeepAliveNackMsg = { type: 'ka-nack', sess, kseq: 1, gen: 1, reason: 'pending' };
    driver.onMessage('m1', nack);
    expect(driver.onMessage('m1', late)).toBe(true);
    expect(client.completed).toEqual([]);
    expect(driver.token('x')).toBeUndefined();

    // The grant of the generation that now holds the session is believed.
    driver.onMessage('m1', grantOf(sess, 1045, 1));
    expect(client.completed).toEqual([{ resource: 'x', outcome: { status: 'GRANTED', mode: 'EX', token: 1045 } }]);
    expect(driver.token('x')).toBe(1045);
  });

  it('from the generation the driver knows is believed (the rule drops only older ones)', () => {
    const { client, driver, sess } = drivingC1(tuning);
    driver.onMessage('m1', grantOf(sess, 45, 0));
    expect(client.completed).toEqual([{ resource: 'x', outcome: { status: 'GRANTED', mode: 'EX', token: 45 } }]);
  });
});
