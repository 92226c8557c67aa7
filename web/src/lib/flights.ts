import type { BookingView, Itinerary, SeatView } from '../api/types';

export const CABINS = ['economy', 'premium_economy', 'business'] as const;
export const FARE_FAMILIES = ['basic', 'standard', 'flex'] as const;
export type FareFamily = (typeof FARE_FAMILIES)[number];

/** Standard fares keep 75.00 per passenger and segment on cancellation (minor units of a 2-digit currency). */
export const STANDARD_CANCEL_FEE = 7500;

/** What a seat costs on this fare: basic pays for every chosen seat, others only for extra legroom / exit rows. */
export function seatCharge(seat: Pick<SeatView, 'surcharge' | 'features'>, family: string): number {
  if (family === 'basic') return seat.surcharge;
  return seat.features.includes('extra_legroom') || seat.features.includes('exit_row') ? seat.surcharge : 0;
}

/**
 * The refund a customer gets for cancelling now, by the fare family's rule (as booking computes
 * it: basic nothing, standard the total less 75.00 per passenger-segment, flex everything). The
 * server decides; this shows the amount before the customer confirms.
 */
export function expectedRefund(b: Pick<BookingView, 'status' | 'fare_family' | 'total' | 'passengers' | 'segments'>): number {
  if (b.status !== 'confirmed') return 0; // nothing paid yet
  const coupons = b.passengers.length * b.segments.length;
  switch (b.fare_family) {
    case 'flex':
      return b.total;
    case 'standard':
      return Math.max(0, b.total - STANDARD_CANCEL_FEE * coupons);
    default:
      return 0;
  }
}

/** Days between two local dates (for "+1 day" on arrivals). */
export function dayShift(fromLocalDate: string, toLocalDate: string): number {
  return Math.round((Date.parse(`${toLocalDate}T00:00:00Z`) - Date.parse(`${fromLocalDate}T00:00:00Z`)) / 86400000);
}

export interface BookingDraft {
  outbound: Itinerary;
  inbound?: Itinerary;
  fare_family: string;
  cabin: string;
  passengers: number;
}

const DRAFT_KEY = 'wayfare.flightDraft';

/** The flights chosen, kept for this tab only (no personal data) so a log-in in between does not lose them. */
export function saveDraft(d: BookingDraft): void {
  try {
    sessionStorage.setItem(DRAFT_KEY, JSON.stringify(d));
  } catch {
    // ignore
  }
}

export function loadDraft(): BookingDraft | null {
  try {
    const raw = sessionStorage.getItem(DRAFT_KEY);
    return raw ? (JSON.parse(raw) as BookingDraft) : null;
  } catch {
    return null;
  }
}

export function clearDraft(): void {
  try {
    sessionStorage.removeItem(DRAFT_KEY);
  } catch {
    // ignore
  }
}
