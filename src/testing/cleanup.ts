/**
 * What a bench, test tool or recorder must undo, newest first: servers, processes, folders.
 * Each step runs once, even when Ctrl-C arrives while the normal teardown is running.
 */
export class CleanupStack {
  private steps: (() => unknown)[] = [];

  push(step: () => unknown): void {
    this.steps.push(step);
  }

  /** Runs every step registered so far, newest first; a failing step does not stop the rest. */
  async run(onError: (err: unknown) => void = (err) => console.error(err)): Promise<void> {
    const steps = this.steps.splice(0).reverse();
    for (const step of steps) {
      try {
        await step();
      } catch (err) {
        onError(err);
      }
    }
  }

  /** Registers `thing.stop()` and hands the thing back: `const server = cleanup.stops(await Server.start())`. */
  stops<T extends { stop(): unknown }>(thing: T): T {
    this.push(() => thing.stop());
    return thing;
  }

  /** Runs every step like `run`, then throws what failed (a test's `after` fails, nothing is left running). */
  async runAll(): Promise<void> {
    const errors: unknown[] = [];
    await this.run((err) => errors.push(err));
    if (errors.length === 1) throw errors[0];
    if (errors.length > 1) throw new AggregateError(errors, `${errors.length} cleanup steps failed`);
  }

  /** On SIGINT/SIGTERM: run the stack quietly, then exit 130. */
  runOnSignals(): void {
    const interrupted = () => {
      void this.run(() => undefined).then(() => process.exit(130));
    };
    process.once('SIGINT', interrupted);
    process.once('SIGTERM', interrupted);
  }
}
