/** The value of an instant PromQL query (first series), NaN when empty; throws with Prometheus' own error message. */
export async function queryPrometheus(baseUrl: string, query: string, timeoutMs = 5000): Promise<number> {
  const url = `${baseUrl.replace(/\/$/, '')}/api/v1/query?query=${encodeURIComponent(query)}`;
  return firstValue(await call(url, timeoutMs), query);
}

/** Every series of an instant PromQL query: its labels and value (an empty list when nothing matches). */
export async function queryPrometheusVector(
  baseUrl: string,
  query: string,
  timeoutMs = 5000,
): Promise<{ labels: Record<string, string>; value: number }[]> {
  const data = await call(`${baseUrl.replace(/\/$/, '')}/api/v1/query?query=${encodeURIComponent(query)}`, timeoutMs);
  if (data.resultType !== 'vector')
    throw new Error(`query ${JSON.stringify(query)} returned a ${data.resultType}, expected an instant vector`);
  return (data.result as { metric: Record<string, string>; value: [number, string] }[]).map((s) => ({
    labels: s.metric,
    value: Number(s.value[1]),
  }));
}

/** A range query's values over [start, end] at `stepSeconds`, of the first series. */
export async function queryPrometheusRange(
  baseUrl: string,
  query: string,
  startMs: number,
  endMs: number,
  stepSeconds: number,
  timeoutMs = 5000,
): Promise<[number, number][]> {
  const params = new URLSearchParams({
    query,
    start: String(startMs / 1000),
    end: String(endMs / 1000),
    step: String(stepSeconds),
  });
  const data = await call(`${baseUrl.replace(/\/$/, '')}/api/v1/query_range?${params}`, timeoutMs);
  const series = (data.result as { values: [number, string][] }[])[0];
  return series ? series.values.map(([ts, v]) => [ts * 1000, Number(v)]) : [];
}

async function call(url: string, timeoutMs: number): Promise<{ resultType: string; result: unknown }> {
  let res: Response;
  try {
    res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause;
    throw new Error(`Prometheus at ${new URL(url).origin} is unreachable (${cause?.code ?? (error as Error).message})`);
  }
  const body = (await res.json().catch(() => ({}))) as {
    status?: string;
    error?: string;
    errorType?: string;
    data?: { resultType: string; result: unknown };
  };
  if (body.status !== 'success' || !body.data)
    throw new Error(`Prometheus rejected the query: ${body.errorType ?? res.status}: ${body.error ?? res.statusText}`);
  return body.data;
}

function firstValue(data: { resultType: string; result: unknown }, query: string): number {
  if (data.resultType === 'scalar') return Number((data.result as [number, string])[1]);
  if (data.resultType === 'vector') {
    const first = (data.result as { value: [number, string] }[])[0];
    return first ? Number(first.value[1]) : Number.NaN;
  }
  throw new Error(`query ${JSON.stringify(query)} returned a ${data.resultType}, expected a single value`);
}
