/**
 * One direction of a proxied connection:
 *
 *   source socket ──data──▶ [ queue of HeldChunk ] ──pump (asks each toxic)──▶ destination socket
 *
 * With no toxic and an empty queue a chunk is written straight through. Otherwise it joins
 * the queue and a single pump releases chunks strictly in arrival order. Adding or removing a
 * toxic wakes the pump, so removing latency delivers what was held at once, in order. Only a
 * blackhole discards bytes, by design.
 *
 * The source's chunks arrive through `receive`. When they live in the source's reused read
 * buffer (see socket-reader), a chunk that is kept is copied first, and a chunk written
 * straight through that the kernel did not take whole stops the source reading until that
 * write is done, so the next read cannot overwrite bytes still waiting to go out.
 */
import type { Socket } from 'node:net';
import type { ReadMode } from './socket-reader';
import type { HeldChunk, Toxic } from './toxics';

/** Above this many queued bytes the source is paused, so a slow toxic cannot eat memory. */
const HIGH_WATER_BYTES = 1024 * 1024;

export interface LinkCounters {
  /** Bytes written to the destination. */
  forwarded(bytes: number): void;
  /** Bytes a blackhole swallowed. */
  dropped?(bytes: number): void;
}

export class Link {
  private readonly toxics = new Map<string, Toxic>();
  private readonly queue: HeldChunk[] = [];
  private queuedBytes = 0;
  private pumping = false;
  private sourceEnded = false;
  private closed = false;
  private wake: (() => void) | undefined;
  private wakeTimer: NodeJS.Timeout | undefined;
  /** The source is paused until the destination drains (write() returned false). */
  private awaitingDrain = false;
  /** The source is paused until a write that still points into its read buffer is done. */
  private awaitingWrite = false;
  private sourcePaused = false;
  private readonly chunksReused: boolean;
  private readonly afterDirectWrite = () => this.onDirectWriteDone();

  constructor(
    private readonly source: Socket,
    private readonly destination: Socket,
    private readonly counters: LinkCounters,
    initialToxics: ReadonlyMap<string, Toxic> = new Map(),
    sourceReads: ReadMode = 'fresh',
  ) {
    this.chunksReused = sourceReads === 'reused';
    for (const [id, toxic] of initialToxics) this.toxics.set(id, toxic);
    source.on('end', () => {
      this.sourceEnded = true;
      this.finishIfDrained();
    });
    destination.on('drain', () => this.onDrain());
  }

  addToxic(id: string, toxic: Toxic): void {
    this.toxics.set(id, toxic);
    this.wakeUp();
  }

  removeToxic(id: string): void {
    if (this.toxics.delete(id)) this.wakeUp();
  }

  /** Re-read toxic parameters (their strength changed). */
  toxicsChanged(): void {
    this.wakeUp();
  }

  /** Stop pumping; the caller destroys the sockets. */
  close(): void {
    this.closed = true;
    this.queue.length = 0;
    this.queuedBytes = 0;
    this.wakeUp();
  }

  get pendingBytes(): number {
    return this.queuedBytes;
  }

  /** One chunk read from the source, in order. */
  receive(data: Buffer): void {
    if (this.closed) return;
    // Fast path: nothing to apply and nothing held, so the chunk goes straight out (no
    // queue, promise or timer); order holds because the queue is empty and no pump runs.
    // A reused-buffer chunk only goes straight out when the socket has nothing queued, as
    // it must not wait there; otherwise it takes the queue below, as a copy.
    if (this.toxics.size === 0 && this.queue.length === 0 && !this.pumping) {
      if (!this.chunksReused) {
        this.counters.forwarded(data.length);
        if (!this.destination.write(data)) this.pauseUntilDrain();
        return;
      }
      if (this.destination.writableLength === 0) {
        this.counters.forwarded(data.length);
        this.destination.write(data, this.afterDirectWrite);
        if (this.destination.writableLength > 0) {
          this.awaitingWrite = true;
          this.pauseSource();
        }
        return;
      }
    }
    const chunk = this.chunksReused ? Buffer.from(data) : data;
    this.queue.push({ data: chunk, offset: 0, arrivedAt: Date.now() });
    this.queuedBytes += chunk.length;
    if (this.queuedBytes > HIGH_WATER_BYTES) this.pauseSource();
    void this.pump();
  }

  private pauseSource(): void {
    if (this.sourcePaused) return;
    this.sourcePaused = true;
    this.source.pause();
  }

  /** Resumes the source unless something still holds it back. */
  private resumeSource(): void {
    if (!this.sourcePaused || this.closed) return;
    if (this.awaitingDrain || this.awaitingWrite || this.queuedBytes > HIGH_WATER_BYTES) return;
    this.sourcePaused = false;
    this.source.resume();
  }

  private pauseUntilDrain(): void {
    this.awaitingDrain = true;
    this.pauseSource();
  }

  private onDirectWriteDone(): void {
    if (!this.awaitingWrite || this.destination.writableLength > 0) return;
    this.awaitingWrite = false;
    this.resumeSource();
  }

  private onDrain(): void {
    if (this.awaitingDrain) {
      this.awaitingDrain = false;
      // Above the queue limit the pump resumes the source once the queue shrinks.
      this.resumeSource();
    }
    this.wakeUp();
  }

  private wakeUp(): void {
    const wake = this.wake;
    this.wake = undefined;
    if (this.wakeTimer) clearTimeout(this.wakeTimer);
    this.wakeTimer = undefined;
    wake?.();
    if (!wake && this.queue.length > 0 && !this.pumping) void this.pump();
  }

  /** Sleeps until `ms` passed or something changed (toxic added/removed, drain, close). */
  private sleep(ms: number | undefined): Promise<void> {
    return new Promise((resolve) => {
      this.wake = resolve;
      if (ms !== undefined) {
        this.wakeTimer = setTimeout(() => {
          this.wakeTimer = undefined;
          this.wake = undefined;
          resolve();
        }, ms);
      }
    });
  }

  private async pump(): Promise<void> {
    if (this.pumping) return;
    this.pumping = true;
    try {
      while (!this.closed && this.queue.length > 0) {
        const head = this.queue[0]!;
        const toxics = [...this.toxics.values()];
        if (toxics.some((t) => t.drops)) {
          const bytes = this.queuedBytes;
          this.queue.length = 0;
          this.queuedBytes = 0;
          this.counters.dropped?.(bytes);
          break;
        }
        const now = Date.now();
        const hold = Math.max(0, ...toxics.map((t) => t.holdMs?.(head, now) ?? 0));
        if (hold > 0) {
          await this.sleep(hold);
          continue;
        }
        let allowed = head.data.length - head.offset;
        let waitMs = 0;
        for (const toxic of toxics) {
          if (!toxic.admit) continue;
          const admission = toxic.admit(allowed, now);
          allowed = Math.min(allowed, admission.bytes);
          waitMs = Math.max(waitMs, admission.waitMs);
        }
        if (allowed === 0) {
          await this.sleep(waitMs);
          continue;
        }
        const piece =
          head.offset === 0 && allowed === head.data.length
            ? head.data
            : head.data.subarray(head.offset, head.offset + allowed);
        for (const toxic of toxics) toxic.spent?.(piece.length, now);
        head.offset += piece.length;
        this.queuedBytes -= piece.length;
        if (head.offset === head.data.length) this.queue.shift();
        this.counters.forwarded(piece.length);
        const flushed = this.destination.write(piece);
        if (flushed) this.resumeSource();
        else await this.sleep(undefined);
      }
    } finally {
      this.pumping = false;
    }
    if (this.destination.writableNeedDrain) this.pauseUntilDrain();
    else this.resumeSource();
    this.finishIfDrained();
  }

  private finishIfDrained(): void {
    if (this.sourceEnded && this.queue.length === 0 && !this.pumping && !this.closed) {
      this.destination.end();
    }
  }
}
