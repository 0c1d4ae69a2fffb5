// One object per test file (or describe block) that owns every server, process and temp dir the tests start,
// and tears them all down in `after`, even when a test failed halfway.
import { after, before } from 'node:test';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { makeTempDir, type TempDir } from './tmp.ts';
import { createPki, type TestPki } from './pki.ts';
import { startRegistry, type RegistryOptions, type RunningRegistry } from './registry.ts';
import { startTokenServer, type TokenServer, type TokenServerOptions } from './token-server.ts';

export interface Stoppable {
  stop(): Promise<void>;
}

export class Fixture {
  private tmp: TempDir | undefined;
  private readonly cleanups: (() => Promise<void>)[] = [];
  private pkiPromise: Promise<TestPki> | undefined;
  private counter = 0;

  /** Creates the fixture's temp dir; call from `before` (useFixture does). */
  async init(): Promise<this> {
    this.tmp ??= await makeTempDir('regdoctor-fixture-');
    return this;
  }

  get dir(): string {
    if (!this.tmp) throw new Error('Fixture not initialised: call init() in before(), or use useFixture()');
    return this.tmp.path;
  }

  /** A new empty directory inside the fixture's temp dir. */
  async subdir(name = 'dir'): Promise<string> {
    const path = join(this.dir, `${name}-${++this.counter}`);
    await mkdir(path, { recursive: true });
    return path;
  }

  /** Stops `thing` at cleanup (last started, first stopped). */
  track<T extends Stoppable>(thing: T): T {
    this.cleanups.push(() => thing.stop());
    return thing;
  }

  onCleanup(fn: () => Promise<void> | void): void {
    this.cleanups.push(async () => fn());
  }

  /** Starts something and tracks it; `await fx.start(faults.stall())`. */
  async start<T extends Stoppable>(pending: Promise<T>): Promise<T> {
    return this.track(await pending);
  }

  /** The test PKI, created once per fixture. */
  pki(): Promise<TestPki> {
    this.pkiPromise ??= this.subdir('pki').then(createPki);
    return this.pkiPromise;
  }

  registry(opts: RegistryOptions = {}): Promise<RunningRegistry> {
    return this.start(startRegistry(opts));
  }

  tokenServer(opts: TokenServerOptions): Promise<TokenServer> {
    return this.start(startTokenServer(opts));
  }

  /** Stops everything in reverse order, then removes the temp dir; reports every failure together. */
  async cleanup(): Promise<void> {
    const errors: unknown[] = [];
    while (this.cleanups.length > 0) {
      const fn = this.cleanups.pop();
      try {
        await fn?.();
      } catch (err) {
        errors.push(err);
      }
    }
    await this.tmp?.remove();
    this.tmp = undefined;
    this.pkiPromise = undefined;
    if (errors.length > 0) throw new AggregateError(errors, 'fixture cleanup failed');
  }
}

/** A Fixture wired to node:test's before/after of the enclosing suite (or file). */
export function useFixture(): Fixture {
  const fx = new Fixture();
  before(() => fx.init());
  after(() => fx.cleanup());
  return fx;
}
