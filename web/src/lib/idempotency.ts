import { newIdempotencyKey } from '../api/http';

/**
 * One Idempotency-Key per intent: the same body gets the same key, so a double click or a
 * retry after a network failure replays the first answer instead of buying twice. A new body
 * (another card, another total) or a settled failure starts a new intent.
 */
export class IntentKey {
  private key: string | null = null;
  private fingerprint: string | null = null;

  for(body: unknown): string {
    const fp = JSON.stringify(body);
    if (!this.key || fp !== this.fingerprint) {
      this.key = newIdempotencyKey();
      this.fingerprint = fp;
    }
    return this.key;
  }

  /** After an answer that settles the intent (e.g. a declined card), the next try is a new one. */
  settle(): void {
    this.key = null;
    this.fingerprint = null;
  }
}

/** Whether an error leaves the outcome unknown (retry with the same key) rather than settled. */
export function outcomeUnknown(e: unknown): boolean {
  const status = (e as { status?: number } | null)?.status;
  return status === undefined || status === 0 || status >= 500 || status === 429;
}
