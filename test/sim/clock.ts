// A virtual clock with a timer queue. Every asynchronous transition of the simulator
// (cluster creation, HSM creation, backup copies, ...) is a timer on this clock, so a test
// decides exactly when time passes: nothing happens until advance() is called.

/** 2026-01-01T00:00:00Z: a fixed epoch keeps timestamps reproducible across runs. */
export const DEFAULT_START_MS = Date.UTC(2026, 0, 1);

interface Timer {
  readonly id: number;
  readonly dueMs: number;
  readonly label: string;
  readonly fn: () => void;
}

export interface PendingTimer {
  readonly id: number;
  readonly dueMs: number;
  readonly label: string;
}

export class VirtualClock {
  private nowMs: number;
  private timers: Timer[] = [];
  private nextId = 1;

  constructor(private readonly startMs: number = DEFAULT_START_MS) {
    this.nowMs = startMs;
  }

  /** Virtual time in epoch milliseconds. */
  public now(): number {
    return this.nowMs;
  }

  /** Virtual time in epoch seconds, the timestamp format of the JSON protocol. */
  public nowSeconds(): number {
    return this.nowMs / 1000;
  }

  /** Runs fn when virtual time reaches now + delayMs. Returns an id for cancel(). */
  public schedule(delayMs: number, label: string, fn: () => void): number {
    const timer: Timer = { id: this.nextId++, dueMs: this.nowMs + Math.max(0, delayMs), label, fn };
    this.timers.push(timer);
    return timer.id;
  }

  public cancel(id: number): void {
    this.timers = this.timers.filter((t) => t.id !== id);
  }

  /**
   * Moves virtual time forward by ms, firing every timer that falls due, in due order
   * (ties in scheduling order). While a timer fires, now() is its due time, so anything
   * it creates carries the right timestamp. Timers scheduled by timers fire too if due.
   * Returns the number of timers fired.
   */
  public advance(ms: number): number {
    if (!Number.isFinite(ms) || ms < 0) {
      throw new Error(`advance(ms) needs a finite, non-negative number, got ${ms}`);
    }
    return this.advanceTo(this.nowMs + ms);
  }

  /** Like advance(), to an absolute virtual time (never backwards). */
  public advanceTo(targetMs: number): number {
    let fired = 0;
    for (;;) {
      const next = this.nextTimer();
      if (!next || next.dueMs > targetMs) break;
      this.timers = this.timers.filter((t) => t.id !== next.id);
      this.nowMs = Math.max(this.nowMs, next.dueMs);
      next.fn();
      fired++;
    }
    this.nowMs = Math.max(this.nowMs, targetMs);
    return fired;
  }

  /** Due time of the earliest pending timer, if any. */
  public nextDueMs(): number | undefined {
    return this.nextTimer()?.dueMs;
  }

  public pending(): PendingTimer[] {
    return [...this.timers]
      .sort((a, b) => a.dueMs - b.dueMs || a.id - b.id)
      .map(({ id, dueMs, label }) => ({ id, dueMs, label }));
  }

  /** Drops all timers and goes back to the start time. */
  public reset(): void {
    this.timers = [];
    this.nowMs = this.startMs;
  }

  private nextTimer(): Timer | undefined {
    let best: Timer | undefined;
    for (const t of this.timers) {
      if (!best || t.dueMs < best.dueMs || (t.dueMs === best.dueMs && t.id < best.id)) best = t;
    }
    return best;
  }
}
