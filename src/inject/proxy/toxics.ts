/**
 * Toxics: what one direction of a proxied connection does to the bytes passing through it.
 * A link asks every active toxic about the chunk at the head of its queue; chunks leave in
 * arrival order, so a toxic can hold data back but never reorder it.
 */

/** A chunk of bytes waiting in a link, stamped with its arrival time. */
export interface HeldChunk {
  data: Buffer;
  /** Bytes of `data` already written downstream. */
  offset: number;
  arrivedAt: number;
}

export interface Toxic {
  readonly kind: string;
  /** Milliseconds the head chunk must still wait before any of it may leave. */
  holdMs?(chunk: HeldChunk, now: number): number;
  /** How many of `wanted` bytes may leave now, and how long to wait when none may. */
  admit?(wanted: number, now: number): { bytes: number; waitMs: number };
  /** Record that `bytes` left (bandwidth accounting). */
  spent?(bytes: number, now: number): void;
  /** Drop data instead of forwarding it (blackhole). */
  readonly drops?: boolean;
}

/** Delays each chunk by `latencyMs` ± `jitterMs` (uniform) after its arrival. */
export class LatencyToxic implements Toxic {
  readonly kind = 'latency';
  private readonly jitterByChunk = new WeakMap<HeldChunk, number>();
  constructor(
    public latencyMs: number,
    public jitterMs = 0,
    private readonly random: () => number = Math.random,
  ) {}
  holdMs(chunk: HeldChunk, now: number): number {
    let jitter = this.jitterByChunk.get(chunk);
    if (jitter === undefined) {
      jitter = this.jitterMs > 0 ? (this.random() * 2 - 1) * this.jitterMs : 0;
      this.jitterByChunk.set(chunk, jitter);
    }
    return chunk.arrivedAt + Math.max(0, this.latencyMs + jitter) - now;
  }
}

/** A token bucket: at most `bytesPerSecond` on average, bursts of at most 50 ms worth. */
export class BandwidthToxic implements Toxic {
  readonly kind = 'bandwidth';
  private tokens = 0;
  private updatedAt: number;
  constructor(
    public bytesPerSecond: number,
    now: number = Date.now(),
  ) {
    this.updatedAt = now;
  }
  private refill(now: number): void {
    const capacity = Math.max(1, this.bytesPerSecond * 0.05);
    this.tokens = Math.min(capacity, this.tokens + ((now - this.updatedAt) / 1000) * this.bytesPerSecond);
    this.updatedAt = now;
  }
  admit(wanted: number, now: number): { bytes: number; waitMs: number } {
    this.refill(now);
    const bytes = Math.min(wanted, Math.floor(this.tokens));
    if (bytes > 0) return { bytes, waitMs: 0 };
    return { bytes: 0, waitMs: Math.max(1, ((1 - this.tokens) / this.bytesPerSecond) * 1000) };
  }
  spent(bytes: number, now: number): void {
    this.refill(now);
    this.tokens -= bytes;
  }
}

/** Accepts bytes and never forwards them. */
export class BlackholeToxic implements Toxic {
  readonly kind = 'blackhole';
  readonly drops = true;
}
