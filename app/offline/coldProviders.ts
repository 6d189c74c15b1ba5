/**
 * Makes each later run of the program in this process serialize the dynamic providers (the code
 * of ContainerFile, TenantStorage, ...) as the first run did, for runs in chunks that must record
 * what one run records.
 *
 * The SDK serializes a provider's code once per process (dynamic/index.ts, providerCache) and
 * every resource of that provider waits for it: in the first run for about 900 microtask
 * generations, in a later one not at all, and so a later run registers those resources earlier
 * among their siblings (a stopped tenant with a storage limit: its route moves). So the first
 * run's serializations are timed, in microtask generations; in a later run the SDK's cache is off
 * and each provider's text, the same, comes back after as many generations as it took then.
 */
type SerializedFunction = { text: string; containsSecrets: boolean };
type SerializeFunction = (func: () => unknown, args?: unknown) => Promise<SerializedFunction>;

interface Timed {
  result: SerializedFunction;
  generations: number;
}

/** Resolves with `value` once `generations` rounds of the microtask queue have run. */
function after<T>(generations: number, value: T): Promise<T> {
  return new Promise((resolve) => {
    let left = generations;
    const step = () => (left-- > 0 ? queueMicrotask(step) : resolve(value));
    step();
  });
}

/** Counts microtask generations until `promise` settles. */
function timed(promise: Promise<SerializedFunction>): Promise<Timed> {
  let generations = 0;
  let settled = false;
  const count = () => {
    if (settled) return;
    generations++;
    queueMicrotask(count);
  };
  queueMicrotask(count);
  return promise.then((result) => {
    settled = true;
    return { result, generations };
  });
}

export class ColdProviders {
  private readonly first = new Map<unknown, Promise<Timed>>();
  /** This run's replay of each provider: one promise, as the SDK's cache shares one. */
  private replays = new Map<unknown, Promise<SerializedFunction>>();
  private later = false;
  /**
   * A later run met a provider the first run did not serialize (the first chunk had no tenant
   * that uses it): its timing is not known, so the chunks are not merged. The one run made
   * instead is a later run too, and serializes that provider with the SDK's closure code already
   * warm: its siblings' order is then not guaranteed to be a first run's.
   */
  unknownProvider = false;

  constructor() {
    const closure = require("@pulumi/pulumi/runtime/closure/serializeClosure") as { serializeFunction: SerializeFunction };
    const settings = require("@pulumi/pulumi/runtime/settings") as { cacheDynamicProviders: () => boolean };
    const serialize = closure.serializeFunction;
    const cache = settings.cacheDynamicProviders;
    if (typeof serialize !== "function" || typeof cache !== "function")
      throw new Error("this @pulumi/pulumi has no runtime/closure serializeFunction or settings.cacheDynamicProviders");
    settings.cacheDynamicProviders = () => !this.later && cache();
    closure.serializeFunction = (func, args) => {
      // The SDK passes `() => provider`: the provider object is its key.
      const provider = func();
      if (!this.later) {
        const promise = serialize(func, args);
        if (!this.first.has(provider)) this.first.set(provider, timed(promise));
        return promise;
      }
      const known = this.first.get(provider);
      if (!known) {
        this.unknownProvider = true;
        return serialize(func, args);
      }
      let replay = this.replays.get(provider);
      if (!replay) {
        // `known` has settled: its callback runs a generation after this call, and the SDK's callbacks
        // a generation after `after` resolves; the first run's took `generations` + 1 after the call.
        replay = known.then((t) => after(t.generations - 1, t.result));
        this.replays.set(provider, replay);
      }
      return replay;
    };
  }

  /** Call before each run after the first. */
  nextRun(): void {
    this.later = true;
    this.replays = new Map();
  }
}
