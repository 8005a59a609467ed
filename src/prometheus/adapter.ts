/**
 * Our small adapter over `prometheus-query` (maintained, typed, arbitrary PromQL, explicit
 * step and timeouts). Everything foreshock asks Prometheus goes through here, so errors come
 * out as named `Error`s and series as plain, compact numbers.
 */
import { PrometheusDriver, type QueryResult } from 'prometheus-query';

export class PrometheusError extends Error {
  override name = 'PrometheusError';
  constructor(
    message: string,
    readonly query?: string,
  ) {
    super(message);
  }
}
/** Prometheus did not answer in time. */
export class PrometheusTimeoutError extends PrometheusError {
  override name = 'PrometheusTimeoutError';
}
/** Prometheus could not be reached (refused, DNS, TLS). */
export class PrometheusUnavailableError extends PrometheusError {
  override name = 'PrometheusUnavailableError';
}
/** Prometheus rejected the query (bad PromQL, bad range); `position` is its column when given. */
export class PrometheusQueryError extends PrometheusError {
  override name = 'PrometheusQueryError';
  constructor(
    message: string,
    query: string,
    readonly httpStatus?: number,
  ) {
    super(message, query);
  }
}

export interface Series {
  labels: Record<string, string>;
  /** Unix milliseconds, ascending. */
  timestamps: number[];
  /** NaN where Prometheus returned NaN/Inf-like values that are not usable numbers. */
  values: number[];
}

export interface InstantSample {
  labels: Record<string, string>;
  value: number;
  timestamp: number;
}

export interface PrometheusAdapterOptions {
  url: string;
  /** @default 10000 */
  timeoutMs?: number;
  headers?: Record<string, string>;
}

interface DriverFailure {
  errorType?: string;
  error?: string;
  httpStatus?: number;
}

export class PrometheusAdapter {
  private readonly driver: PrometheusDriver;
  readonly url: string;

  constructor(options: PrometheusAdapterOptions) {
    this.url = options.url.replace(/\/+$/, '');
    this.driver = new PrometheusDriver({
      endpoint: this.url,
      baseURL: '/api/v1',
      timeout: options.timeoutMs ?? 10_000,
      headers: options.headers,
      preferPost: true,
    });
  }

  async rangeQuery(query: string, startMs: number, endMs: number, stepMs: number): Promise<Series[]> {
    const result = await this.call(query, () => this.driver.rangeQuery(query, startMs, endMs, stepMs / 1000));
    return result.result.map(
      (row: { metric: { labels: object }; values: { time: Date; value: number }[] }) => ({
        labels: { ...(row.metric.labels as Record<string, string>) },
        timestamps: row.values.map((v) => v.time.getTime()),
        values: row.values.map((v) => (Number.isFinite(v.value) ? v.value : Number.NaN)),
      }),
    );
  }

  async instantQuery(query: string, atMs?: number): Promise<InstantSample[]> {
    const result = await this.call(query, () => this.driver.instantQuery(query, atMs));
    if ((result.resultType as string) === 'scalar') {
      const scalar = result.result as unknown as { time: Date; value: number };
      return [{ labels: {}, value: scalar.value, timestamp: scalar.time.getTime() }];
    }
    return result.result.map((row: { metric: { labels: object }; value: { time: Date; value: number } }) => ({
      labels: { ...(row.metric.labels as Record<string, string>) },
      value: row.value.value,
      timestamp: row.value.time.getTime(),
    }));
  }

  /** Whether Prometheus accepts the expression; resolves to the error message when it does not. */
  async checkExpression(query: string): Promise<string | undefined> {
    try {
      await this.instantQuery(query);
      return undefined;
    } catch (err) {
      if (err instanceof PrometheusQueryError) return err.message;
      throw err;
    }
  }

  private async call(query: string, run: () => Promise<QueryResult>): Promise<QueryResult> {
    try {
      return await run();
    } catch (raw) {
      const failure = raw as DriverFailure;
      const message = failure.error ?? String(raw);
      switch (failure.errorType) {
        case 'timeout_error':
          throw new PrometheusTimeoutError(`Prometheus at ${this.url} timed out: ${message}`, query);
        case 'network_error':
        case 'ssl_error':
          throw new PrometheusUnavailableError(`Prometheus at ${this.url} is unreachable: ${message}`, query);
        case 'http_error':
          throw new PrometheusQueryError(
            `Prometheus rejected the query: ${message}`,
            query,
            failure.httpStatus,
          );
        default:
          throw new PrometheusError(`Prometheus query failed: ${message}`, query);
      }
    }
  }
}
