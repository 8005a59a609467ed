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

  /** On SIGINT/SIGTERM: run the stack quietly, then exit 130. */
  runOnSignals(): void {
    const interrupted = () => {
      void this.run(() => undefined).then(() => process.exit(130));
    };
    process.once('SIGINT', interrupted);
    process.once('SIGTERM', interrupted);
  }
}
