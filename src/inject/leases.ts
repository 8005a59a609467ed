/**
 * Fault leases: each applied fault has an expiry; when it passes without a renewal the
 * agent reverts the fault by itself. One timer per fault, re-armed on renewal.
 */
export const MIN_LEASE_SECONDS = 1;
export const MAX_LEASE_SECONDS = 3600;

export class LeaseBook {
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly expiries = new Map<string, number>();

  constructor(
    private readonly onExpired: (faultId: string) => void,
    private readonly now: () => number = Date.now,
  ) {}

  /** Starts or renews the lease of `faultId`; returns the new expiry (epoch ms). */
  grant(faultId: string, seconds: number): number {
    this.release(faultId);
    const expiresAt = this.now() + seconds * 1000;
    this.expiries.set(faultId, expiresAt);
    const timer = setTimeout(() => {
      this.timers.delete(faultId);
      this.expiries.delete(faultId);
      this.onExpired(faultId);
    }, seconds * 1000);
    timer.unref();
    this.timers.set(faultId, timer);
    return expiresAt;
  }

  expiresAt(faultId: string): number | undefined {
    return this.expiries.get(faultId);
  }

  release(faultId: string): void {
    const timer = this.timers.get(faultId);
    if (timer) clearTimeout(timer);
    this.timers.delete(faultId);
    this.expiries.delete(faultId);
  }

  releaseAll(): void {
    for (const id of [...this.timers.keys()]) this.release(id);
  }
}
