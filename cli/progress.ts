/** Progress bars for long work (seed, load), on stderr so stdout stays clean for data. */
import cliProgress from 'cli-progress';

export function progressBar(label: string, unit: string) {
  const bar = new cliProgress.SingleBar({
    format: `${label.padEnd(12)} [{bar}] {percentage}% | {value}/{total} ${unit} | {duration_formatted}`,
    stream: process.stderr,
    hideCursor: true,
    noTTYOutput: !process.stderr.isTTY,
    notTTYSchedule: 2000,
  }, cliProgress.Presets.shades_classic);
  let started = false;
  let stopped = false;
  return {
    update(done: number, total: number) {
      if (stopped) return;
      if (!started) {
        bar.start(total, done);
        started = true;
      } else {
        bar.setTotal(total);
        bar.update(done);
      }
    },
    /** Once: without a terminal each stop prints the bar's last line. */
    stop() {
      if (started && !stopped) bar.stop();
      stopped = true;
    },
  };
}
