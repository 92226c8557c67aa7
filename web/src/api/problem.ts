/** An RFC 9457 problem as the platform sends it (problem+json). */
export interface Problem {
  type?: string;
  title?: string;
  status: number;
  detail?: string;
  code?: string;
  field?: string;
  request_id?: string;
  seat?: string;
  [extra: string]: unknown;
}

/** A failed API call: the HTTP status and the problem the server sent (or one made up for a network failure). */
export class ApiError extends Error {
  readonly status: number;
  readonly problem: Problem;
  readonly retryAfter: number | null;

  constructor(problem: Problem, retryAfter: number | null = null) {
    super(problem.detail ?? problem.title ?? `HTTP ${problem.status}`);
    this.name = 'ApiError';
    this.status = problem.status;
    this.problem = problem;
    this.retryAfter = retryAfter;
  }

  get code(): string {
    return this.problem.code ?? (this.status === 0 ? 'network_error' : `http_${this.status}`);
  }
}

export function isApiError(e: unknown): e is ApiError {
  return e instanceof ApiError;
}

/** Reads a problem from a non-2xx response, whatever its body. */
export async function problemFrom(res: Response): Promise<ApiError> {
  let body: Partial<Problem> = {};
  const type = res.headers.get('content-type') ?? '';
  if (type.includes('json')) {
    try {
      body = (await res.json()) as Partial<Problem>;
    } catch {
      body = {};
    }
  }
  const ra = res.headers.get('retry-after');
  const retryAfter = ra && /^\d+$/.test(ra) ? Number(ra) : null;
  return new ApiError({ ...body, status: res.status }, retryAfter);
}
