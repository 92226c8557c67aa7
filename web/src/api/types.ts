// Names for the schemas of the generated OpenAPI types (src/api/schema.d.ts, from the
// gateway's /openapi.json). Pages import from here, never from the generated file directly.
import type { components } from './schema';

type S = components['schemas'];

/** Lists: `{items, next_cursor}` (docs/API.md). */
export interface Page<T> {
  items: T[];
  next_cursor?: string | null;
}

export type Product = S['Product'];
export type Category = S['Category'];
export type CartLineView = S['CartLineView'];
export type CartView = S['CartView'];
export type MoneyTotal = S['MoneyTotal'];
export type OrderLineView = S['OrderLineView'];
export type OrderView = S['OrderView'];
export type Airport = S['Airport'];
export type AirportList = S['AirportList'];
export type FlightTime = S['FlightTime'];
export type Segment = S['Segment'];
export type ItineraryFare = S['ItineraryFare'];
export type Itinerary = S['Itinerary'];
export type SearchResults = S['SearchResults'];
export type CalendarDay = S['CalendarDay'];
export type Calendar = S['Calendar'];
export type SeatView = S['SeatView'];
export type RowView = S['RowView'];
export type CabinView = S['CabinView'];
export type SeatMap = S['SeatMap'];
export type Fare = S['Fare'];
export type FlightView = S['FlightView'];
export type BookedSegment = S['BookedSegment'];
export type SeatAssignment = S['SeatAssignment'];
export type Ticket = S['Ticket'];
export type Price = S['Price'];
export type PassengerView = S['PassengerView'];
export type BookingView = S['BookingView'];
export type BookingSummary = S['BookingSummary'];
export type UserView = S['UserView'];
export type Problem = S['Problem'];
export type PassengerInput = S['PassengerInput'];
export type SeatChoice = S['SeatChoice'];
export type CreateBooking = S['CreateBooking'];
export type CheckoutRequest = S['CheckoutRequest'];
