/**
 * Durable state in SQLite (better-sqlite3, WAL): instances, their current execution's history, pending messages
 * (completions, events, timers, control requests) and pending activity work. The engine keeps everything in memory
 * and writes through here in one transaction per state change, so a SIGKILL at any point loses nothing that was
 * acknowledged and replays at most the work whose completion was not yet committed (at-least-once, as on Azure).
 */
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { OrchestrationMessage, ParentLink, WireEvent } from './wire';

export type RuntimeStatus = 'Pending' | 'Running' | 'Completed' | 'Failed' | 'Terminated' | 'Suspended';

/** A retryable task waiting on its current attempt (phase 'attempt') or on the timer before the next one. */
export interface RetryState {
  kind: 'activity' | 'subOrchestration';
  name: string;
  input: string | null;
  /** Explicit sub-orchestration id, reused by every attempt. */
  instanceId?: string;
  policy: import('./wire').RetryPolicy;
  attempts: number;
  firstAttemptAt: number;
  phase: 'attempt' | 'timer';
  /** Set once no further attempt may run (retry timeout): later attempts fail at once with this error. */
  exhaustedWith?: { reason: string; details: string };
  lastError?: { reason: string; details: string };
}

export interface InstanceRecord {
  instanceId: string;
  name: string;
  executionId: string;
  status: RuntimeStatus;
  input: string | null;
  output: string | null;
  customStatus: string | null;
  createdAt: number;
  updatedAt: number;
  parent: ParentLink | null;
  nextSeq: number;
  actionCount: number;
  retries: Record<number, RetryState>;
  /** Long timers split into segments: segment timer id → final fire time. */
  longTimers: Record<number, number>;
  history: WireEvent[];
  /** How many history events are already in the store. */
  persistedHistory: number;
}

export type InboxBody =
  | { kind: 'event'; message: OrchestrationMessage }
  | { kind: 'control'; op: 'terminate' | 'suspend' | 'resume'; reason: string };

export interface StoredMessage {
  id: number;
  instanceId: string;
  /** Execution the message belongs to; null when any execution may consume it (external events, control). */
  executionId: string | null;
  visibleAt: number;
  body: InboxBody;
}

export interface ActivityWork {
  id: number;
  instanceId: string;
  executionId: string;
  taskId: number;
  name: string;
  input: string | null;
}

interface InstanceRow {
  instance_id: string;
  name: string;
  execution_id: string;
  status: RuntimeStatus;
  input: string | null;
  output: string | null;
  custom_status: string | null;
  created_at: number;
  updated_at: number;
  parent: string | null;
  next_seq: number;
  action_count: number;
  aux: string;
}

export class HostStore {
  private readonly db: Database.Database;
  private readonly stmts;

  constructor(stateDir: string) {
    mkdirSync(stateDir, { recursive: true });
    this.db = new Database(join(stateDir, 'durable.sqlite'));
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS instances (
        instance_id TEXT PRIMARY KEY, name TEXT NOT NULL, execution_id TEXT NOT NULL, status TEXT NOT NULL,
        input TEXT, output TEXT, custom_status TEXT, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL,
        parent TEXT, next_seq INTEGER NOT NULL, action_count INTEGER NOT NULL, aux TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS history (
        instance_id TEXT NOT NULL, idx INTEGER NOT NULL, event TEXT NOT NULL, PRIMARY KEY (instance_id, idx));
      CREATE TABLE IF NOT EXISTS messages (
        id INTEGER PRIMARY KEY AUTOINCREMENT, instance_id TEXT NOT NULL, execution_id TEXT,
        visible_at INTEGER NOT NULL, body TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS activities (
        id INTEGER PRIMARY KEY AUTOINCREMENT, instance_id TEXT NOT NULL, execution_id TEXT NOT NULL,
        task_id INTEGER NOT NULL, name TEXT NOT NULL, input TEXT);
      CREATE INDEX IF NOT EXISTS messages_by_instance ON messages (instance_id);
      CREATE INDEX IF NOT EXISTS activities_by_instance ON activities (instance_id);
    `);
    this.stmts = {
      upsertInstance: this.db.prepare(
        `INSERT INTO instances (instance_id, name, execution_id, status, input, output, custom_status, created_at,
           updated_at, parent, next_seq, action_count, aux)
         VALUES (@instance_id, @name, @execution_id, @status, @input, @output, @custom_status, @created_at,
           @updated_at, @parent, @next_seq, @action_count, @aux)
         ON CONFLICT (instance_id) DO UPDATE SET name = excluded.name, execution_id = excluded.execution_id,
           status = excluded.status, input = excluded.input, output = excluded.output,
           custom_status = excluded.custom_status, created_at = excluded.created_at, updated_at = excluded.updated_at,
           parent = excluded.parent, next_seq = excluded.next_seq, action_count = excluded.action_count,
           aux = excluded.aux`,
      ),
      insertHistory: this.db.prepare(
        'INSERT OR REPLACE INTO history (instance_id, idx, event) VALUES (?, ?, ?)',
      ),
      clearHistory: this.db.prepare('DELETE FROM history WHERE instance_id = ?'),
      insertMessage: this.db.prepare(
        'INSERT INTO messages (instance_id, execution_id, visible_at, body) VALUES (?, ?, ?, ?)',
      ),
      deleteMessage: this.db.prepare('DELETE FROM messages WHERE id = ?'),
      deleteMessagesOf: this.db.prepare('DELETE FROM messages WHERE instance_id = ?'),
      insertActivity: this.db.prepare(
        'INSERT INTO activities (instance_id, execution_id, task_id, name, input) VALUES (?, ?, ?, ?, ?)',
      ),
      deleteActivity: this.db.prepare('DELETE FROM activities WHERE id = ?'),
      deleteActivitiesOf: this.db.prepare('DELETE FROM activities WHERE instance_id = ?'),
      deleteInstance: this.db.prepare('DELETE FROM instances WHERE instance_id = ?'),
    };
  }

  /** Runs `fn` in one transaction (nested calls join the outer one). */
  tx<T>(fn: () => T): T {
    if (this.db.inTransaction) return fn();
    return this.db.transaction(fn)();
  }

  saveInstance(inst: InstanceRecord): void {
    this.stmts.upsertInstance.run({
      instance_id: inst.instanceId,
      name: inst.name,
      execution_id: inst.executionId,
      status: inst.status,
      input: inst.input,
      output: inst.output,
      custom_status: inst.customStatus,
      created_at: inst.createdAt,
      updated_at: inst.updatedAt,
      parent: inst.parent ? JSON.stringify(inst.parent) : null,
      next_seq: inst.nextSeq,
      action_count: inst.actionCount,
      aux: JSON.stringify({ retries: inst.retries, longTimers: inst.longTimers }),
    });
    if (inst.persistedHistory > inst.history.length) {
      this.stmts.clearHistory.run(inst.instanceId);
      inst.persistedHistory = 0;
    }
    for (let i = inst.persistedHistory; i < inst.history.length; i++) {
      this.stmts.insertHistory.run(inst.instanceId, i, JSON.stringify(inst.history[i]));
    }
    inst.persistedHistory = inst.history.length;
  }

  /** Drops the stored history (continueAsNew, restart): the caller then saves the new one. */
  resetHistory(inst: InstanceRecord): void {
    this.stmts.clearHistory.run(inst.instanceId);
    inst.persistedHistory = 0;
  }

  insertMessage(m: Omit<StoredMessage, 'id'>): StoredMessage {
    const info = this.stmts.insertMessage.run(
      m.instanceId,
      m.executionId,
      m.visibleAt,
      JSON.stringify(m.body),
    );
    return { ...m, id: Number(info.lastInsertRowid) };
  }

  deleteMessage(id: number): void {
    this.stmts.deleteMessage.run(id);
  }

  insertActivity(w: Omit<ActivityWork, 'id'>): ActivityWork {
    const info = this.stmts.insertActivity.run(w.instanceId, w.executionId, w.taskId, w.name, w.input);
    return { ...w, id: Number(info.lastInsertRowid) };
  }

  deleteActivity(id: number): void {
    this.stmts.deleteActivity.run(id);
  }

  deleteActivitiesOf(instanceId: string): void {
    this.stmts.deleteActivitiesOf.run(instanceId);
  }

  deleteMessagesOf(instanceId: string): void {
    this.stmts.deleteMessagesOf.run(instanceId);
  }

  purgeInstance(instanceId: string): void {
    this.stmts.deleteInstance.run(instanceId);
    this.stmts.clearHistory.run(instanceId);
    this.stmts.deleteMessagesOf.run(instanceId);
    this.stmts.deleteActivitiesOf.run(instanceId);
  }

  loadAll(): { instances: InstanceRecord[]; messages: StoredMessage[]; activities: ActivityWork[] } {
    const histories = new Map<string, WireEvent[]>();
    const historyRows = this.db
      .prepare('SELECT instance_id, event FROM history ORDER BY instance_id, idx')
      .all() as { instance_id: string; event: string }[];
    for (const row of historyRows) {
      let list = histories.get(row.instance_id);
      if (!list) histories.set(row.instance_id, (list = []));
      list.push(JSON.parse(row.event) as WireEvent);
    }
    const instances = (this.db.prepare('SELECT * FROM instances').all() as InstanceRow[]).map((r) => {
      const aux = JSON.parse(r.aux) as Pick<InstanceRecord, 'retries' | 'longTimers'>;
      const history = histories.get(r.instance_id) ?? [];
      return {
        instanceId: r.instance_id,
        name: r.name,
        executionId: r.execution_id,
        status: r.status,
        input: r.input,
        output: r.output,
        customStatus: r.custom_status,
        createdAt: r.created_at,
        updatedAt: r.updated_at,
        parent: r.parent ? (JSON.parse(r.parent) as ParentLink) : null,
        nextSeq: r.next_seq,
        actionCount: r.action_count,
        retries: aux.retries,
        longTimers: aux.longTimers,
        history,
        persistedHistory: history.length,
      } satisfies InstanceRecord;
    });
    const messages = (
      this.db.prepare('SELECT * FROM messages ORDER BY id').all() as {
        id: number;
        instance_id: string;
        execution_id: string | null;
        visible_at: number;
        body: string;
      }[]
    ).map((r) => ({
      id: r.id,
      instanceId: r.instance_id,
      executionId: r.execution_id,
      visibleAt: r.visible_at,
      body: JSON.parse(r.body) as InboxBody,
    }));
    const activities = (
      this.db.prepare('SELECT * FROM activities ORDER BY id').all() as {
        id: number;
        instance_id: string;
        execution_id: string;
        task_id: number;
        name: string;
        input: string | null;
      }[]
    ).map((r) => ({
      id: r.id,
      instanceId: r.instance_id,
      executionId: r.execution_id,
      taskId: r.task_id,
      name: r.name,
      input: r.input,
    }));
    return { instances, messages, activities };
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
