/**
 * Scenario validation: the schema's shape check, then the cross-field rules zod cannot express,
 * each reported with the field path a user can find in their file.
 *
 * Why so strict: a scenario that names a node that does not exist, or sets a Redlock option
 * on a DLM run, would otherwise run, pass, and teach the wrong lesson. Every rule here turns
 * such a silent misconfiguration into an exit-2 error naming the field.
 *
 * Rules (beyond the schema):
 * - nodes named in faults exist: `m1..mN`, the client ids, `storage`;
 * - client ids are unique and are neither `storage` nor manager-like (`m7`);
 * - `home` is a manager (and absent for redlock, whose clients talk to every instance);
 * - times that would fall after the run (`faults[i].atMs`, `startMs`, a step's `atMs`) are errors;
 * - `await R` needs an earlier `lock`/`convert` of R with `"wait": false` in the same script,
 *   not yet awaited; `cancel R` needs an earlier `lock`/`convert` of R; `parent` names a
 *   resource the client locked in an earlier step;
 * - flags are not repeated; a `value` needs the VALBLK flag and must fit the value block;
 * - protocol rules: a protocol-specific `lockService` option is set (to anything but its
 *   default) only for its protocol ({@link PROTOCOL_OPTIONS}) — so a parsed Scenario, which has
 *   every option filled, is valid input again; lease-lock runs one instance; Redlock has no fencing tokens,
 *   so `storage.checkTokens` and the `fencing` invariant are errors there;
 * - redlock, zk and lease-lock locks are exclusive and have no conversions, value blocks,
 *   resource trees or deadlock priorities: their steps accept only mode EX, no `convert`, no
 *   `value`, no `parent`, and of the flags only NOQUEUE (a try-lock: fail instead of waiting);
 * - partitions: a node is in at most one group; `oneWay` needs exactly two groups;
 * - delay/drop links join two different nodes; latency min ≤ max;
 * - manager failure detection: failureTimeoutMs > heartbeatMs;
 * - leases the lock service can keep: a dlm lease needs a keep-alive interval above 0 (the
 *   default, leaseMs/3 floored, is 0 below 3 ms), and a client margin below the lease;
 * - clock skew within what a node's offset can be drawn from ({@link MAX_SKEW_MS});
 * - a client's `steps × repeat` within the scripted client's step budget ({@link MAX_SCRIPT_STEPS});
 * - invariants are not repeated, apply to the protocol, and include the expected violation.
 *
 * Combinations the lock manager itself answers with INVALID_ARG (EXPEDITE with PR, QUECVT on
 * a new lock, ...) are deliberately *not* rejected: a scenario must be able to test them.
 */
import {
  MAX_SCRIPT_STEPS,
  applyDerivedDefaults,
  issuesTokens,
  PROTOCOL_OPTIONS,
  scenarioObjectSchema,
  type ParsedScenario,
  type Protocol,
  type Scenario,
  type ScenarioFault,
  type Step,
} from './schema.js';
import { formatPath, ScenarioError, type ScenarioProblem } from './errors.js';
import { issueToProblem, scenarioErrorMap } from './issues.js';

/**
 * Largest `clocks.skewMs`: each node draws its offset as a whole number of µs in ±skew, and the
 * generator draws at most 2^32 distinct values (a span of 2·skew + 1 µs).
 */
export const MAX_SKEW_MS = 2_147_483.647;

const encoder = new TextEncoder();

/**
 * Validate any value as a scenario and fill its defaults. Throws {@link ScenarioError} naming
 * `file` and the first problem's field path; never throws anything else.
 */
export function parseScenario(input: unknown, file: string): Scenario {
  try {
    const result = scenarioObjectSchema.safeParse(input, { reportInput: true, error: scenarioErrorMap });
    if (!result.success) {
      throw ScenarioError.of(file, withoutImplicitBounds(result.error.issues.map((issue) => issueToProblem(issue))));
    }
    const problems = checkScenario(result.data);
    if (problems.length > 0) throw ScenarioError.of(file, problems);
    return applyDerivedDefaults(result.data);
  } catch (err) {
    if (err instanceof ScenarioError) throw err;
    throw new ScenarioError(file, '', `cannot validate: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/**
 * zod's integer check carries the safe-integer range as a bound of its own, so `"managers": 1e16`
 * fails twice — "at most 9007199254740991" and "at most 32". Only the field's own limit helps the
 * user: the implicit one is dropped wherever the same field has another problem.
 */
function withoutImplicitBounds(problems: readonly ScenarioProblem[]): ScenarioProblem[] {
  const implicit = (p: ScenarioProblem) =>
    p.message.startsWith(`must be at most ${Number.MAX_SAFE_INTEGER},`) || p.message.startsWith(`must be at least ${Number.MIN_SAFE_INTEGER},`);
  return problems.filter((p) => !implicit(p) || !problems.some((other) => other !== p && other.path === p.path && !implicit(other)));
}

/** Collects problems with their paths. */
class Problems {
  readonly list: ScenarioProblem[] = [];
  add(path: readonly PropertyKey[], message: string): void {
    this.list.push({ path: formatPath(path), message });
  }
}

/** The cross-field rules of the module doc, on a scenario whose shape is already valid. */
export function checkScenario(s: ParsedScenario): ScenarioProblem[] {
  const out = new Problems();
  const full = applyDerivedDefaults(s);
  const managers = full.managers;
  const managerNames = Array.from({ length: managers }, (_, i) => `m${i + 1}`);
  const clientIds = s.clients.map((c) => c.id);
  const nodes = new Set<string>([...managerNames, ...clientIds, 'storage']);

  checkLockService(s, full, out);
  checkLease(s, full, out);
  if (s.clocks.skewMs > MAX_SKEW_MS) {
    out.add(['clocks', 'skewMs'], `must be at most ${MAX_SKEW_MS} (a node's offset is drawn from 2^32 µs values), got ${s.clocks.skewMs}`);
  }
  checkClients(s, full, managerNames, out);
  checkFaults(s, nodes, managerNames, clientIds, out);
  checkInvariants(s, full, out);
  return out.list;
}

/** Equality of option values: primitives, or the flat `deadlock` object. */
function sameValue(a: unknown, b: unknown): boolean {
  if (a !== null && b !== null && typeof a === 'object' && typeof b === 'object') {
    const ka = Object.keys(a);
    const kb = Object.keys(b);
    return ka.length === kb.length && ka.every((k) => Object.is((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
  }
  return Object.is(a, b);
}

function protocolList(protocols: readonly Protocol[]): string {
  return protocols.length === 1 ? `protocol ${protocols[0]}` : `protocols ${protocols.join(', ')}`;
}

function checkLockService(s: ParsedScenario, full: Scenario, out: Problems): void {
  const ls = s.lockService as Record<string, unknown>;
  // What each option would be if unset: an option set to exactly that is harmless on any
  // protocol, which keeps a parsed Scenario (every option filled) valid input again.
  const general = { leaseMs: s.lockService.leaseMs, expiryClock: s.lockService.expiryClock, clientClock: s.lockService.clientClock };
  const defaults = applyDerivedDefaults({ ...s, lockService: general }).lockService as Record<string, unknown>;
  for (const [option, protocols] of Object.entries(PROTOCOL_OPTIONS) as [string, readonly Protocol[]][]) {
    const value = ls[option];
    if (value !== undefined && !protocols.includes(s.protocol) && !sameValue(value, defaults[option])) {
      out.add(['lockService', option], `only used by ${protocolList(protocols)}; this scenario's protocol is ${s.protocol}`);
    }
  }
  if (s.protocol === 'lease-lock' && s.managers !== undefined && s.managers !== 1) {
    out.add(['managers'], `lease-lock runs a single instance, so managers must be 1, got ${s.managers}`);
  }
  if (s.protocol === 'grid' && full.managers < 2) {
    out.add(['managers'], `grid members replicate to each other, so managers must be at least 2, got ${full.managers}`);
  }
  if (s.protocol === 'etcd' && s.managers !== undefined && s.managers !== 1) {
    out.add(['managers'], `etcd is modelled as one linearizable store, so managers must be 1, got ${s.managers}`);
  }
  if (s.storage.checkTokens) {
    if (s.protocol === 'grid') {
      out.add(['storage', 'checkTokens'], 'the grid lock issues no fencing tokens, so the storage has nothing to check; use protocol zk or etcd to fence, or drop checkTokens');
    } else if (s.protocol === 'redlock') {
      out.add(
        ['storage', 'checkTokens'],
        'Redlock issues no fencing tokens (its random lock values have no order), so the storage has nothing to check; ' +
          'use protocol dlm, zk or lease-lock to fence, or drop checkTokens',
      );
    } else if (!full.lockService.fencing) {
      out.add(['storage', 'checkTokens'], 'needs lockService.fencing: with fencing off no tokens are issued');
    }
  }
  if ((s.protocol === 'redlock' || s.protocol === 'lease-lock' || s.protocol === 'zk' || s.protocol === 'etcd') && s.lockService.leaseMs <= 0) {
    const what = s.protocol === 'zk' ? 'the session timeout' : s.protocol === 'etcd' ? 'the lease TTL' : 'the key TTL';
    out.add(['lockService', 'leaseMs'], `protocol ${s.protocol} needs ${what}: set leaseMs above 0`);
  }
  const [minMs, maxMs] = s.network.latencyMs;
  if (minMs > maxMs) out.add(['network', 'latencyMs'], `min ${minMs} is above max ${maxMs}`);
  if ((s.protocol === 'dlm' || s.protocol === 'grid') && full.lockService.failureTimeoutMs <= full.lockService.heartbeatMs) {
    out.add(
      ['lockService', s.lockService.failureTimeoutMs !== undefined ? 'failureTimeoutMs' : 'heartbeatMs'],
      `failureTimeoutMs (${full.lockService.failureTimeoutMs}) must exceed heartbeatMs (${full.lockService.heartbeatMs})`,
    );
  }
}

/** Lease settings the service could not run with: no keep-alive for a lease, a margin eating the whole lease. */
function checkLease(s: ParsedScenario, full: Scenario, out: Problems): void {
  const { leaseMs, keepAliveMs, clientMarginMs } = full.lockService;
  if (leaseMs <= 0) return;
  if (s.protocol === 'dlm' && keepAliveMs <= 0) {
    if (s.lockService.keepAliveMs !== undefined) {
      out.add(['lockService', 'keepAliveMs'], `must be above 0 when leaseMs is set (${leaseMs}): a session with no keep-alives expires at once`);
    } else {
      out.add(['lockService', 'leaseMs'], `${leaseMs} leaves the default keepAliveMs (leaseMs/3, floored) at 0; set keepAliveMs above 0 or leaseMs to at least 3`);
    }
  }
  if (s.protocol === 'dlm' && clientMarginMs >= leaseMs) {
    out.add(['lockService', 'clientMarginMs'], `clientMarginMs (${clientMarginMs}) must be below leaseMs (${leaseMs}): the client could never trust its lease`);
  }
}

function checkClients(s: ParsedScenario, full: Scenario, managerNames: readonly string[], out: Problems): void {
  const firstIndex = new Map<string, number>();
  s.clients.forEach((client, ci) => {
    const at = ['clients', ci] as const;
    const seen = firstIndex.get(client.id);
    if (seen !== undefined) out.add([...at, 'id'], `duplicate client id "${client.id}" (also clients[${seen}])`);
    else firstIndex.set(client.id, ci);
    if (client.id === 'storage') out.add([...at, 'id'], '"storage" is reserved for the storage node');
    else if (/^m[0-9]+$/.test(client.id)) out.add([...at, 'id'], `"${client.id}" is reserved for lock-manager nodes (m1..mN)`);
    if (client.steps.length * client.repeat > MAX_SCRIPT_STEPS) {
      out.add(
        [...at, 'repeat'],
        `${client.steps.length} steps × repeat ${client.repeat} = ${client.steps.length * client.repeat} is more than the ${MAX_SCRIPT_STEPS} steps one client may run`,
      );
    }
    if (client.startMs >= s.durationMs) {
      out.add([...at, 'startMs'], `${client.startMs} is not before the end of the run (durationMs ${s.durationMs})`);
    }
    if (client.home !== undefined) {
      if (s.protocol === 'redlock') {
        out.add([...at, 'home'], 'Redlock clients talk to every instance; remove home');
      } else if (!managerNames.includes(client.home)) {
        out.add([...at, 'home'], `"${client.home}" is not a manager (${managerRange(managerNames.length)})`);
      }
    }
    if (s.protocol !== 'dlm' && client.deadlockPriority !== 0) {
      out.add([...at, 'deadlockPriority'], `only used by protocol dlm (deadlock victims); this scenario's protocol is ${s.protocol}`);
    }
    if (client.run !== undefined && client.steps.length > 0) out.add([...at, 'run'], 'a client has either steps or run (an async function), not both');
    if (client.run === undefined && client.steps.length === 0) out.add([...at, 'steps'], 'needs at least 1 entry (or, in a TypeScript scenario, run: an async function instead of steps)');
    checkSteps(s, full, client.steps, [...at, 'steps'], out);
  });
}

function managerRange(n: number): string {
  return n === 1 ? 'm1' : `m1..m${n}`;
}

function checkSteps(s: ParsedScenario, full: Scenario, steps: readonly Step[], at: readonly PropertyKey[], out: Problems): void {
  const dlm = s.protocol === 'dlm';
  const locked = new Set<string>(); // resources of earlier lock steps
  const requested = new Set<string>(); // resources of earlier lock/convert steps
  const pending = new Set<string>(); // resources of lock/convert steps with wait:false, not yet awaited
  steps.forEach((step, si) => {
    const here = [...at, si];
    if (step.atMs !== undefined && step.atMs >= s.durationMs) {
      out.add([...here, 'atMs'], `${step.atMs} is not before the end of the run (durationMs ${s.durationMs})`);
    }
    switch (step.op) {
      case 'lock':
      case 'convert':
      case 'unlock': {
        checkFlags(s.protocol, step.flags, [...here, 'flags'], out);
        if (step.value !== undefined) {
          checkValue(s.protocol, step.value, step.flags, full.lockService.valueBlockBytes, [...here, 'value'], out);
        }
        break;
      }
      default:
        break;
    }
    switch (step.op) {
      case 'lock':
      case 'convert':
        if (!dlm && step.op === 'convert') {
          out.add([...here, 'op'], `${s.protocol} has no lock conversions (only the dlm does); unlock and lock again`);
        } else if (!dlm && step.mode !== 'EX') {
          out.add([...here, 'mode'], `${s.protocol} locks are exclusive: only EX is accepted, got "${step.mode}"`);
        }
        if (step.op === 'lock' && step.parent !== undefined) {
          if (!dlm) out.add([...here, 'parent'], `resource trees exist only in the dlm; this scenario's protocol is ${s.protocol}`);
          else if (step.parent === step.resource) out.add([...here, 'parent'], 'a resource cannot be its own parent');
          else if (!locked.has(step.parent)) {
            out.add([...here, 'parent'], `"${step.parent}" is not locked by an earlier step of this client`);
          }
        }
        if (step.op === 'lock') locked.add(step.resource);
        requested.add(step.resource);
        if (!step.wait) pending.add(step.resource);
        break;
      case 'await':
        if (!pending.has(step.resource)) {
          out.add([...here, 'resource'], `no earlier lock or convert of "${step.resource}" with "wait": false to await`);
        }
        pending.delete(step.resource);
        break;
      case 'cancel':
        if (!requested.has(step.resource)) {
          out.add([...here, 'resource'], `no earlier lock or convert of "${step.resource}" to cancel`);
        }
        break;
      default:
        break;
    }
  });
}

function checkFlags(protocol: Protocol, flags: readonly string[], at: readonly PropertyKey[], out: Problems): void {
  const seen = new Set<string>();
  flags.forEach((flag, fi) => {
    if (seen.has(flag)) out.add([...at, fi], `duplicate flag "${flag}"`);
    seen.add(flag);
    if (protocol !== 'dlm' && flag !== 'NOQUEUE') {
      out.add([...at, fi], `${protocol} accepts only the NOQUEUE flag (a try-lock), got "${flag}"`);
    }
  });
}

function checkValue(
  protocol: Protocol,
  value: string,
  flags: readonly string[],
  blockBytes: number,
  at: readonly PropertyKey[],
  out: Problems,
): void {
  if (protocol !== 'dlm') {
    out.add(at, `value blocks exist only in the dlm; this scenario's protocol is ${protocol}`);
    return;
  }
  if (!flags.includes('VALBLK')) {
    out.add(at, 'a value block is only passed with the VALBLK flag; add "VALBLK" to flags');
    return;
  }
  const bytes = encoder.encode(value).length;
  if (bytes > blockBytes) out.add(at, `is ${bytes} bytes, more than the value block (${blockBytes} bytes)`);
}

function describeNodes(managerNames: readonly string[], clientIds: readonly string[]): string {
  const unique = [...new Set(clientIds)];
  const clients = unique.length > 8 ? [...unique.slice(0, 8), '...'] : unique;
  return [managerRange(managerNames.length), ...clients, 'storage'].join(', ');
}

function checkFaults(
  s: ParsedScenario,
  nodes: ReadonlySet<string>,
  managerNames: readonly string[],
  clientIds: readonly string[],
  out: Problems,
): void {
  const checkNode = (name: string, at: readonly PropertyKey[]): void => {
    if (!nodes.has(name)) out.add(at, `unknown node "${name}" (nodes: ${describeNodes(managerNames, clientIds)})`);
  };
  const { strategy: _strategy, moments, silence: _silence, ...kinds } = s.randomFaults;
  moments?.clients?.forEach((name, ci) => {
    if (!clientIds.includes(name)) out.add(['randomFaults', 'moments', 'clients', ci], `unknown client "${name}" (clients: ${describeNodes([], clientIds)})`);
  });
  for (const [kind, spec] of Object.entries(kinds)) {
    if (spec === undefined || !('maxMs' in spec || 'minMs' in spec || 'nodes' in spec)) continue;
    if ('nodes' in spec && spec.nodes !== undefined) spec.nodes.forEach((name, ni) => checkNode(name, ['randomFaults', kind, 'nodes', ni]));
    if ('minMs' in spec && spec.minMs !== undefined && spec.maxMs !== undefined && spec.minMs > spec.maxMs) {
      out.add(['randomFaults', kind, 'minMs'], `${spec.minMs} is above maxMs ${spec.maxMs}`);
    }
  }
  s.faults.forEach((fault: ScenarioFault, fi) => {
    const at = ['faults', fi] as const;
    if (fault.atMs >= s.durationMs) {
      out.add([...at, 'atMs'], `${fault.atMs} is not before the end of the run (durationMs ${s.durationMs})`);
    }
    switch (fault.kind) {
      case 'pause':
      case 'crash':
      case 'clock-jump':
      case 'clock-drift':
        checkNode(fault.node, [...at, 'node']);
        break;
      case 'delay':
      case 'drop':
        checkNode(fault.from, [...at, 'from']);
        checkNode(fault.to, [...at, 'to']);
        if (fault.from === fault.to) out.add([...at, 'to'], `the link must join two different nodes, got "${fault.to}" twice`);
        break;
      case 'partition': {
        const groupOf = new Map<string, number>();
        fault.groups.forEach((group, gi) => {
          group.forEach((name, ni) => {
            const path = [...at, 'groups', gi, ni];
            checkNode(name, path);
            const other = groupOf.get(name);
            if (other !== undefined) out.add(path, `"${name}" is already in groups[${other}]`);
            else groupOf.set(name, gi);
          });
        });
        if (fault.oneWay === true && fault.groups.length !== 2) {
          out.add([...at, 'oneWay'], `a one-way partition needs exactly 2 groups, got ${fault.groups.length}`);
        }
        break;
      }
    }
  });
}

function checkInvariants(s: ParsedScenario, full: Scenario, out: Problems): void {
  const tokens = issuesTokens(s.protocol, s.lockService.fencing);
  if (s.invariants !== undefined) {
    const seen = new Set<string>();
    s.invariants.forEach((inv, i) => {
      if (seen.has(inv)) out.add(['invariants', i], `duplicate invariant "${inv}"`);
      seen.add(inv);
      if (inv === 'value-block' && s.protocol !== 'dlm') {
        out.add(['invariants', i], `value blocks exist only in the dlm; this scenario's protocol is ${s.protocol}`);
      }
      if (inv === 'lock-delay' && !(s.protocol === 'dlm' && full.lockService.lockDelayMs > 0)) {
        out.add(['invariants', i], s.protocol === 'dlm' ? 'needs lockService.lockDelayMs above 0 (nothing is delayed)' : `lock-delay exists only in the dlm; this scenario's protocol is ${s.protocol}`);
      }
      if (inv === 'herd' && s.protocol !== 'zk' && s.protocol !== 'etcd') {
        out.add(['invariants', i], `watch notifications exist only in zk and etcd; this scenario's protocol is ${s.protocol}`);
      }
      if (inv === 'early-expiry' && !s.clients.some((c) => c.steps.some((step) => 'checkLease' in step && step.checkLease === true))) {
        out.add(['invariants', i], 'needs a client whose write checks its lease ("checkLease": true): only such a client has a lease of its own to outlive');
      }
      if (inv === 'fencing' && !tokens) {
        out.add(
          ['invariants', i],
          s.protocol === 'redlock' ? 'Redlock issues no fencing tokens, so there is nothing to check' : 'needs lockService.fencing (no tokens are issued)',
        );
      }
    });
  }
  if (s.expect !== 'pass' && !full.invariants.includes(s.expect.violation)) {
    out.add(
      ['expect', 'violation'],
      `"${s.expect.violation}" is not among the checked invariants (${full.invariants.join(', ')}), so it can never be found`,
    );
  }
}
