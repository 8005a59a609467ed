/**
 * Alarm suppression without a threshold: a score is passed on only when it beats every score of
 * the previous `quietRows` rows (else 0), so one episode gives one rising alarm rather than a
 * burst, whatever threshold is later applied. NAB credits only the earliest detection in a
 * window and charges every later one outside it.
 */
export class QuietFilter {
  private readonly rows: number[] = [];
  private readonly scores: number[] = [];
  private head = 0;
  private row = 0;

  constructor(private readonly quietRows: number) {}

  push(score: number): number {
    const row = this.row++;
    const oldest = row - this.quietRows;
    while (this.head < this.rows.length && (this.rows[this.head] as number) < oldest) this.head++;
    const windowMax = this.head < this.scores.length ? (this.scores[this.head] as number) : -Infinity;
    while (this.scores.length > this.head && (this.scores[this.scores.length - 1] as number) <= score) {
      this.scores.pop();
      this.rows.pop();
    }
    this.scores.push(score);
    this.rows.push(row);
    if (this.head > 4096) {
      this.rows.splice(0, this.head);
      this.scores.splice(0, this.head);
      this.head = 0;
    }
    return score > windowMax ? score : 0;
  }
}
