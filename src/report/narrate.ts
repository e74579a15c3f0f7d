/**
 * One plain-English line per trace event: the narrated trace of the run report (and anything
 * else that tells a run as a story). Lines are built only from the event, so the same trace
 * always narrates the same way. Routine kernel traffic (send, deliver, timer) gets a terse
 * line and is marked not significant, so a reader can hide it and keep the story.
 */

import type { TraceEvent } from '../sim/types.js';
import { formatMs } from '../sim/index.js';
import { fieldDurationMs, fieldGroups, fieldNum, fieldStr, fieldStrList } from './fields.js';

/** Event types that are routine plumbing rather than part of the story. */
const ROUTINE_TYPES: ReadonlySet<string> = new Set(['send', 'deliver', 'timer']);

/** Whether an event belongs to the story (everything but routine message and timer plumbing). */
export function isSignificant(event: TraceEvent): boolean {
  return !ROUTINE_TYPES.has(event.type);
}

/** What a client's connection state means for the locks it holds (Curator's states). */
const CONNECTION_STATES: Readonly<Record<string, string>> = {
  SUSPENDED: ': it has not heard from the server for two thirds of its session timeout',
  LOST: ': it takes its session, and every lock held in it, for lost',
  RECONNECTED: ': it hears from the server again, within its session',
};

function quote(value: string): string {
  return JSON.stringify(value);
}

function flagsSuffix(event: TraceEvent): string {
  const flags = fieldStrList(event, 'flags');
  return flags !== undefined && flags.length > 0 ? ` [${flags.join(' ')}]` : '';
}

function tokenSuffix(event: TraceEvent): string {
  const token = fieldNum(event, 'token');
  return token !== undefined ? `, token ${token}` : '';
}

function groupsText(groups: string[][] | undefined): string {
  if (groups === undefined || groups.length === 0) return '(no groups)';
  return groups.map((group) => `{${group.join(' ')}}`).join(' | ');
}

/** The narrated line of one event. Never throws; unknown types fall back to their fields. */
export function narrate(event: TraceEvent): string {
  const node = event.node;
  const client = fieldStr(event, 'client') ?? '?';
  const resource = fieldStr(event, 'resource') ?? '?';
  const mode = fieldStr(event, 'mode');
  switch (event.type) {
    case 'request': {
      const op = fieldStr(event, 'op') ?? 'lock';
      if (op === 'lock') return `${client} asks for ${mode ?? '?'} on ${resource}${flagsSuffix(event)}`;
      if (op === 'convert') return `${client} asks to convert its lock on ${resource} to ${mode ?? '?'}${flagsSuffix(event)}`;
      if (op === 'unlock') return `${client} unlocks ${resource} (it stops believing it holds it)`;
      return `${client} cancels its pending request on ${resource}`;
    }
    case 'complete': {
      const status = fieldStr(event, 'status') ?? '?';
      if (status === 'GRANTED') {
        return `${client} learns it holds ${mode ?? '?'} on ${resource}${tokenSuffix(event)}${flagsSuffix(event)}`;
      }
      const held = mode !== undefined ? `; it now holds ${mode}` : '';
      return `${client}'s request on ${resource} completes: ${status}${held}${flagsSuffix(event)}`;
    }
    case 'bast':
      return `${client} is told it blocks ${mode === 'EX' ? 'an' : 'a'} ${mode ?? '?'} request on ${resource}`;
    case 'lapse':
      return `${client}'s own lease deadline on ${resource} passes (by its clock)`;
    case 'enqueue':
      return `${node} queues ${client}'s ${mode ?? '?'} request on ${resource} (${fieldStr(event, 'queue') ?? 'waiting'})`;
    case 'grant':
      return `${node} grants ${client} ${mode ?? '?'} on ${resource}${tokenSuffix(event)}${flagsSuffix(event)}`;
    case 'release':
      return `${node} ends ${client}'s lock on ${resource} (${fieldStr(event, 'reason') ?? 'released'})`;
    case 'expire':
      return `${node}: ${client}'s lease on ${resource} expires; the service no longer counts it as held`;
    case 'hold-end': {
      const kept = fieldStrList(event, 'kept') ?? [];
      const keeps = kept.length > 0 ? ` but ${kept.join(', ')}'s` : '';
      return `${node} ends its hold on ${resource}: every lock on it${keeps} has run out; the service no longer counts ${kept.length > 0 ? 'them' : 'any'} as held`;
    }
    case 'dequeue':
      return `${node} drops ${client}'s queued request on ${resource} (${fieldStr(event, 'reason') ?? '?'})`;
    case 'lvb-write':
      return `${node} stores ${client}'s value block on ${resource}: ${quote(fieldStr(event, 'value') ?? '')}`;
    case 'lvb-invalidate':
      return `${node} marks the value block of ${resource} invalid (${fieldStr(event, 'reason') ?? '?'})`;
    case 'deadlock': {
      const cycle = event.fields?.['cycle'];
      const names: string[] = [];
      if (Array.isArray(cycle)) {
        for (const edge of cycle) {
          if (typeof edge === 'object' && edge !== null) {
            const from = (edge as Record<string, unknown>)['node'];
            if (typeof from === 'string') names.push(from);
          }
        }
      }
      const loop = names.length > 0 ? `${names.join(' → ')} → ${names[0] ?? ''}` : '?';
      return `${node} finds a deadlock: ${loop}; victim ${fieldStr(event, 'victim') ?? '?'}`;
    }
    case 'write':
      return `storage accepts ${client}'s write to ${resource}${tokenSuffix(event)}: ${quote(fieldStr(event, 'value') ?? '')}`;
    case 'reject': {
      const token = fieldNum(event, 'token');
      const highest = fieldNum(event, 'highest');
      return `storage rejects ${client}'s write to ${resource}: token ${token ?? 'none'} < ${highest ?? '?'} already accepted`;
    }
    case 'read':
      return `storage serves ${client} a read of ${resource}: ${quote(fieldStr(event, 'value') ?? '')}`;
    case 'violation': {
      const invariant = fieldStr(event, 'invariant') ?? '?';
      return `VIOLATION ${invariant}: ${fieldStr(event, 'message') ?? ''}`;
    }
    case 'send':
      return `${fieldStr(event, 'from') ?? node} → ${fieldStr(event, 'to') ?? '?'} ${fieldStr(event, 'msg') ?? 'message'}`;
    case 'deliver':
      return `${fieldStr(event, 'to') ?? node} ← ${fieldStr(event, 'from') ?? '?'} ${fieldStr(event, 'msg') ?? 'message'}`;
    case 'drop': {
      const reason = fieldStr(event, 'reason');
      return `${fieldStr(event, 'from') ?? node} → ${fieldStr(event, 'to') ?? '?'} ${fieldStr(event, 'msg') ?? 'message'} is lost${reason !== undefined ? ` (${reason})` : ''}`;
    }
    case 'timer':
      return `${node} timer fires${fieldStr(event, 'tag') !== undefined ? ` (${fieldStr(event, 'tag') ?? ''})` : ''}`;
    case 'pause': {
      const forMs = fieldDurationMs(event, 'for');
      return `${node} stops (process pause${forMs !== undefined ? ` for ${formatMs(forMs)}` : ''})`;
    }
    case 'resume':
      return `${node} resumes after its pause`;
    case 'crash':
      return `${node} crashes; its volatile state is lost`;
    case 'restart':
      return `${node} restarts`;
    case 'clock-jump': {
      const byMs = fieldDurationMs(event, 'by');
      const sign = byMs !== undefined && byMs >= 0 ? '+' : '';
      return `${node}'s ${fieldStr(event, 'clock') ?? 'wall'} clock jumps ${byMs !== undefined ? `${sign}${formatMs(byMs)}` : ''}`.trimEnd();
    }
    case 'clock-drift':
      return `${node}'s clock now drifts ${fieldNum(event, 'ppm') ?? '?'} ppm`;
    case 'partition':
      return `network partition${event.fields?.['oneWay'] === true ? ' (one-way)' : ''}: ${groupsText(fieldGroups(event, 'groups'))}`;
    case 'heal':
      return `network partition heals${fieldGroups(event, 'groups') !== undefined ? `: ${groupsText(fieldGroups(event, 'groups'))}` : ''}`;
    case 'notify':
      return `${node} notifies ${client} of a ${fieldStr(event, 'change') ?? 'change'} on ${fieldStr(event, 'path') ?? '?'}${fieldStr(event, 'cause') !== undefined ? ` (${fieldStr(event, 'cause') ?? ''})` : ''}`;
    case 'skip':
      return `${client} skips its write to ${resource} (${fieldStr(event, 'reason') ?? 'lease check'})`;
    case 'done':
      return `${client} finishes its script`;
    case 'delay':
      return `messages ${fieldStr(event, 'from') ?? '?'} → ${fieldStr(event, 'to') ?? '?'} are delayed by ${formatMs(fieldDurationMs(event, 'extra') ?? 0)}${fieldDurationMs(event, 'for') !== undefined ? ` for ${formatMs(fieldDurationMs(event, 'for') ?? 0)}` : ''}`;
    case 'delay-end':
      return `messages ${fieldStr(event, 'from') ?? '?'} → ${fieldStr(event, 'to') ?? '?'} are no longer delayed`;
    case 'drop-window':
      return `messages ${fieldStr(event, 'from') ?? '?'} → ${fieldStr(event, 'to') ?? '?'} are dropped${fieldDurationMs(event, 'for') !== undefined ? ` for ${formatMs(fieldDurationMs(event, 'for') ?? 0)}` : ''}`;
    case 'dlm-view': {
      const dead = fieldStrList(event, 'dead') ?? [];
      const joined = fieldStrList(event, 'joined') ?? [];
      const parts = [
        ...(dead.length > 0 ? [`declares ${dead.join(', ')} dead`] : []),
        ...(joined.length > 0 ? [`sees ${joined.join(', ')} join`] : []),
      ];
      return `${node} ${parts.length > 0 ? parts.join(' and ') : 'announces its view'} (membership view ${fieldStr(event, 'view') ?? '?'})`;
    }
    case 'dlm-reset':
      return `${node} finds it was declared dead: it drops its lock state and rejoins as generation ${fieldNum(event, 'gen') ?? '?'}`;
    case 'connection':
      return `${client}'s connection to the service is ${fieldStr(event, 'state') ?? '?'}${CONNECTION_STATES[fieldStr(event, 'state') ?? ''] ?? ''}`;
    case 'grid-primary': {
      const primary = fieldStr(event, 'primary') ?? '?';
      const member = fieldStr(event, 'member') ?? node;
      return primary === member ? `${member} is the grid's primary: no older member is in sight` : `${member} takes ${primary} as the grid's primary (the oldest member in sight)`;
    }
    case 'drop-window-end':
      return `messages ${fieldStr(event, 'from') ?? '?'} → ${fieldStr(event, 'to') ?? '?'} are no longer dropped`;
    default: {
      const { local: _local, ...fields } = event.fields ?? {};
      const rest = Object.keys(fields).length === 0 ? '' : ` ${JSON.stringify(fields)}`;
      return `${node} ${event.type}${rest}`;
    }
  }
}
