/**
 * The app's functions as the shim captured them, sorted by what drives them. Binding names are hashes chosen by
 * `@azure/functions`, so they are read from the metadata rather than guessed.
 */
import type { CoreBinding, CoreFunctionCallback, CoreFunctionMetadata, RegistrationSink } from './core-shim';

export type FunctionKind = 'http' | 'timer' | 'orchestration' | 'activity' | 'entity' | 'other';

export interface RegisteredFunction {
  name: string;
  kind: FunctionKind;
  metadata: CoreFunctionMetadata;
  callback: CoreFunctionCallback;
  triggerBindingName: string;
  trigger: CoreBinding;
  /** Names of `durableClient` extra inputs, which receive the client payload. */
  durableClientBindingNames: string[];
  /** Extra inputs the local host cannot provide (anything but durableClient). */
  unsupportedInputs: string[];
}

const kindByTriggerType: Record<string, FunctionKind> = {
  httpTrigger: 'http',
  timerTrigger: 'timer',
  orchestrationTrigger: 'orchestration',
  activityTrigger: 'activity',
  entityTrigger: 'entity',
};

export class FunctionRegistry implements RegistrationSink {
  private readonly functions = new Map<string, RegisteredFunction>();
  readonly hooks = new Map<string, ((ctx: unknown) => unknown)[]>();

  registerFunction(metadata: CoreFunctionMetadata, callback: CoreFunctionCallback): void {
    const entries = Object.entries(metadata.bindings);
    const triggerEntry = entries.find(([, b]) => b.direction === 'in' && /trigger$/i.test(b.type));
    if (!triggerEntry) throw new Error(`local host: function "${metadata.name}" has no trigger binding`);
    if (this.functions.has(metadata.name)) {
      throw new Error(`local host: function "${metadata.name}" is registered twice`);
    }
    const [triggerBindingName, trigger] = triggerEntry;
    const extraInputs = entries.filter(([name, b]) => b.direction === 'in' && name !== triggerBindingName);
    this.functions.set(metadata.name, {
      name: metadata.name,
      kind: kindByTriggerType[trigger.type] ?? 'other',
      metadata,
      callback,
      triggerBindingName,
      trigger,
      durableClientBindingNames: extraInputs
        .filter(([, b]) => b.type === 'durableClient' || b.type === 'orchestrationClient')
        .map(([name]) => name),
      unsupportedInputs: extraInputs
        .filter(([, b]) => b.type !== 'durableClient' && b.type !== 'orchestrationClient')
        .map(([name, b]) => `${name} (${b.type})`),
    });
  }

  registerHook(hookName: string, callback: (ctx: unknown) => unknown): void {
    const list = this.hooks.get(hookName) ?? [];
    list.push(callback);
    this.hooks.set(hookName, list);
  }

  get(name: string): RegisteredFunction | undefined {
    return this.functions.get(name);
  }

  /** Durable function names are case-insensitive in the extension; the app's spelling wins when it matches exactly. */
  find(name: string, kind: FunctionKind): RegisteredFunction | undefined {
    const exact = this.functions.get(name);
    if (exact?.kind === kind) return exact;
    const lower = name.toLowerCase();
    return this.all().find((f) => f.kind === kind && f.name.toLowerCase() === lower);
  }

  all(): RegisteredFunction[] {
    return [...this.functions.values()];
  }

  ofKind(kind: FunctionKind): RegisteredFunction[] {
    return this.all().filter((f) => f.kind === kind);
  }
}
