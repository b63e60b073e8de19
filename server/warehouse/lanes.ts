/**
 * Fair turns at the embedded engine. chDB runs one query of a session at a
 * time, in the order they come: five heavy requests of one project made a
 * light one of another wait behind all five, past its timeout. Queries now
 * wait in one lane per project (the request's, from `inLane`) and the engine
 * takes the lanes in turn, so a project waits for at most one query of each
 * other busy project. The engine still runs one query at a time; only the order
 * changes, and a query does not start once it has waited its whole time limit.
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
  refuse(error: Error): void;
  queuedAt: number;
}

export class FairQueue {
  private readonly waiting = new Map<string, Turn[]>();
  /** When each lane last had a turn (a count of turns given). */
  private readonly served = new Map<string, number>();
  private turnsGiven = 0;
  private busy = false;

  constructor(private readonly maxWaitMs: number) {}

  /** `operation` once it is this lane's turn (the lane of the request it runs for, or the default one). */
  run<T>(operation: () => Promise<T>): Promise<T> {
    const lane = lanes.getStore() ?? '';
    return new Promise<T>((resolve, reject) => {
      const turn: Turn = {
        queuedAt: Date.now(),
        start: () => void Promise.resolve().then(operation).then(resolve, reject).finally(() => this.next()),
        refuse: reject,
      };
      const queue = this.waiting.get(lane);
      if (queue) queue.push(turn);
      else this.waiting.set(lane, [turn]);
      if (!this.busy) this.next();
    });
  }

  /**
   * The next turn: of the lanes waiting, the one served least recently (a lane never served first),
   * then the one waiting longest. A lane just served goes behind every other that waits.
   */
  private next(): void {
    this.busy = false;
    while (this.waiting.size) {
      const served = (lane: string) => this.served.get(lane) ?? -1;
      const [lane, queue] = [...this.waiting].reduce((a, b) =>
        (served(b[0]) < served(a[0]) || (served(b[0]) === served(a[0]) && b[1][0]!.queuedAt < a[1][0]!.queuedAt) ? b : a));
      const turn = queue.shift()!;
      if (!queue.length) this.waiting.delete(lane);
      if (Date.now() - turn.queuedAt > this.maxWaitMs) {
        turn.refuse(new WarehouseTimeout('query timed out waiting for its turn at the engine'));
        continue;
      }
      this.served.set(lane, ++this.turnsGiven);
      this.busy = true;
      turn.start();
      return;
    }
  }
}
