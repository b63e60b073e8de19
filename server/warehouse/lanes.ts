/**
 * Fair turns at the embedded engine. chDB runs one query of a session at a
 * time, in the order they come: five heavy requests of one project made a
 * light one of another wait behind all five, past its timeout. Queries now
 * wait in one lane per project (the request's, from `inLane`) and the engine
 * takes the lanes in turn, so a project waits for at most one query of each
 * other busy project. The engine still runs one query at a time; only the order
 * changes. A query's time limit runs from the moment it is queued: one still
 * waiting when it is up is answered 504 then, without running, and one that
 * starts has what is left (the warehouse makes it the engine's limit).
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { WarehouseTimeout } from './errors.js';

const lanes = new AsyncLocalStorage<string>();

/** Runs `next` (the rest of a request) with its queries in `lane` (the request's project). */
export function inLane(lane: string, next: () => void): void {
  lanes.run(lane, next);
}

interface Turn {
  start(): void;
}

export class FairQueue {
  private readonly waiting = new Map<string, Turn[]>();
  /** When each lane last had a turn (a count of turns given). */
  private readonly served = new Map<string, number>();
  private turnsGiven = 0;
  private busy = false;

  /** `limitMs`: a query's time, from the moment it is queued, waiting included. */
  constructor(private readonly limitMs: number) {}

  /**
   * `operation` once it is this lane's turn (the lane of the request it runs for, or the default
   * one), given the time left of its limit. A turn still waiting when its limit is up is refused
   * then (a 504), never run.
   */
  run<T>(operation: (msLeft: number) => Promise<T>): Promise<T> {
    const lane = lanes.getStore() ?? '';
    const deadline = performance.now() + this.limitMs;
    return new Promise<T>((resolve, reject) => {
      const turn: Turn = {
        start: () => {
          clearTimeout(timer);
          void Promise.resolve()
            .then(() => operation(Math.max(1, Math.round(deadline - performance.now()))))
            .then(resolve, reject)
            .finally(() => this.next());
        },
      };
      const timer = setTimeout(() => {
        const queue = this.waiting.get(lane);
        const at = queue?.indexOf(turn) ?? -1;
        if (at < 0) return;
        queue!.splice(at, 1);
        if (!queue!.length) this.waiting.delete(lane);
        reject(new WarehouseTimeout('query timed out waiting for its turn at the engine'));
      }, this.limitMs);
      const queue = this.waiting.get(lane);
      if (queue) queue.push(turn);
      else this.waiting.set(lane, [turn]);
      if (!this.busy) this.next();
    });
  }

  /**
   * The next turn: of the lanes waiting, the one served least recently (a lane never served first),
   * then the one that has waited longest. A lane just served goes behind every other that waits.
   */
  private next(): void {
    this.busy = false;
    if (!this.waiting.size) return;
    const served = (lane: string) => this.served.get(lane) ?? -1;
    // Lanes enter the map as they start waiting: among equals, the first found has waited longest.
    const [lane, queue] = [...this.waiting].reduce((a, b) => (served(b[0]) < served(a[0]) ? b : a));
    const turn = queue.shift()!;
    if (!queue.length) this.waiting.delete(lane);
    this.served.set(lane, ++this.turnsGiven);
    this.busy = true;
    turn.start();
  }
}
