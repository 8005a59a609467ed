/**
 * Fault leases: each applied fault has an expiry; when it passes without a renewal the
 * agent reverts the fault by itself. A fault may also have a deadline (applied at + its
 * `duration`) that no renewal moves: the lease never runs past it. One timer per fault,
 * re-armed on renewal.
 */
export const MIN_LEASE_SECONDS = 1;
export const MAX_LEASE_SECONDS = 3600;

export type ExpiryReason = 'lease_expired' | 'duration_elapsed';

export class LeaseBook {
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly expiries = new Map<string, number>();
  private readonly deadlines = new Map<string, number>();

  constructor(
    private readonly onExpired: (faultId: string, reason: ExpiryReason) => void,
    private readonly now: () => number = Date.now,
  ) {}

  /** The fault must be gone by `at` (epoch ms), however often its lease is renewed. */
  setDeadline(faultId: string, at: number): void {
    this.deadlines.set(faultId, at);
  }

  /**
   * Starts or renews the lease of `faultId`; returns the new expiry (epoch ms), never past
   * the deadline unless `pastDeadline` (a retry of a revert that failed).
   */
  grant(faultId: string, seconds: number, pastDeadline = false): number {
    this.clearTimer(faultId);
    const deadline = pastDeadline ? undefined : this.deadlines.get(faultId);
    const wanted = this.now() + seconds * 1000;
    const expiresAt = deadline !== undefined ? Math.min(wanted, deadline) : wanted;
    const reason: ExpiryReason = expiresAt < wanted ? 'duration_elapsed' : 'lease_expired';
    this.expiries.set(faultId, expiresAt);
    const timer = setTimeout(
      () => {
        this.timers.delete(faultId);
        this.expiries.delete(faultId);
        this.onExpired(faultId, reason);
      },
      Math.max(0, expiresAt - this.now()),
    );
    timer.unref();
    this.timers.set(faultId, timer);
    return expiresAt;
  }

  expiresAt(faultId: string): number | undefined {
    return this.expiries.get(faultId);
  }

  private clearTimer(faultId: string): void {
    const timer = this.timers.get(faultId);
    if (timer) clearTimeout(timer);
    this.timers.delete(faultId);
    this.expiries.delete(faultId);
  }

  release(faultId: string): void {
    this.clearTimer(faultId);
    this.deadlines.delete(faultId);
  }

  releaseAll(): void {
    for (const id of [...this.timers.keys()]) this.release(id);
    this.deadlines.clear();
  }
}
