/** Peak resident set size of this process, sampled on a timer (the whole local stack runs in it). */
export class RssSampler {
  private peak = process.memoryUsage().rss;
  private readonly timer: NodeJS.Timeout;

  constructor(intervalMs = 100) {
    this.timer = setInterval(() => {
      this.peak = Math.max(this.peak, process.memoryUsage().rss);
    }, intervalMs);
    this.timer.unref();
  }

  /** Stops sampling and returns the peak in MiB. */
  stop(): number {
    clearInterval(this.timer);
    this.peak = Math.max(this.peak, process.memoryUsage().rss);
    return this.peak / 2 ** 20;
  }
}
