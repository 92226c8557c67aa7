import type {
  AirportList,
  BookingSummary,
  BookingView,
  Calendar,
  CartView,
  Category,
  OrderView,
  Page,
  Product,
  SearchResults,
  SeatMap,
  FlightView,
} from './types';
import { get, request, type Query } from './http';

export const catalog = {
  categories: (signal?: AbortSignal) => get<Page<Category> | Category[]>('/api/catalog/categories', undefined, signal).then(asItems),
  products: (q: Query, signal?: AbortSignal) => get<Page<Product>>('/api/catalog/products', q, signal),
  product: (id: string, signal?: AbortSignal) => get<Product>(`/api/catalog/products/${encodeURIComponent(id)}`, undefined, signal),
};

export const cart = {
  get: (signal?: AbortSignal) => get<CartView>('/api/cart', undefined, signal),
  set: (productId: string, quantity: number) =>
    request<CartView>(`/api/cart/items/${encodeURIComponent(productId)}`, { method: 'PUT', body: { quantity } }).then((r) => r.data),
  remove: (productId: string) =>
    request<CartView>(`/api/cart/items/${encodeURIComponent(productId)}`, { method: 'DELETE' }).then((r) => r.data),
  clear: () => request<unknown>('/api/cart', { method: 'DELETE' }),
};

export interface CheckoutBody {
  payment_method: string;
  expected_total?: number;
}

export const orders = {
  list: (q: Query, signal?: AbortSignal) => get<Page<OrderView>>('/api/orders', q, signal),
  get: (id: string, signal?: AbortSignal) => get<OrderView>(`/api/orders/${encodeURIComponent(id)}`, undefined, signal),
  checkout: (body: CheckoutBody, idempotencyKey: string) =>
    request<OrderView>('/api/orders', { method: 'POST', body, headers: { 'idempotency-key': idempotencyKey } }),
  cancel: (id: string) => request<OrderView>(`/api/orders/${encodeURIComponent(id)}/cancel`, { method: 'POST' }).then((r) => r.data),
};

export const flights = {
  airports: (q: string, signal?: AbortSignal) => get<AirportList>('/api/airports', { q }, signal),
  search: (q: Query, signal?: AbortSignal) => get<SearchResults>('/api/flights/search', q, signal),
  calendar: (q: Query, signal?: AbortSignal) => get<Calendar>('/api/flights/calendar', q, signal),
  flight: (id: string, signal?: AbortSignal) => get<FlightView>(`/api/flights/${encodeURIComponent(id)}`, undefined, signal),
  seats: (id: string, signal?: AbortSignal) => get<SeatMap>(`/api/flights/${encodeURIComponent(id)}/seats`, undefined, signal),
};

export interface PassengerInput {
  type: 'adult' | 'child' | 'infant';
  given_name: string;
  family_name: string;
  birth_date: string;
}

export interface SeatChoice {
  passenger: number;
  flight_id: string;
  seat: string;
}

export interface CreateBookingBody {
  segments: string[];
  cabin: string;
  fare_family: string;
  passengers: PassengerInput[];
  seats: SeatChoice[];
  contact_email: string;
}

export const bookings = {
  list: (q: Query, signal?: AbortSignal) => get<Page<BookingView>>('/api/bookings', q, signal),
  get: (id: string, signal?: AbortSignal) => get<BookingView>(`/api/bookings/${encodeURIComponent(id)}`, undefined, signal),
  create: (body: CreateBookingBody, idempotencyKey: string) =>
    request<BookingView>('/api/bookings', { method: 'POST', body, headers: { 'idempotency-key': idempotencyKey } }),
  confirm: (id: string, payment_method: string, idempotencyKey: string) =>
    request<BookingView>(`/api/bookings/${encodeURIComponent(id)}/confirm`, {
      method: 'POST',
      body: { payment_method },
      headers: { 'idempotency-key': idempotencyKey },
    }),
  changeSeats: (id: string, seats: SeatChoice[]) =>
    request<BookingView>(`/api/bookings/${encodeURIComponent(id)}/seats`, { method: 'PUT', body: { seats } }).then((r) => r.data),
  cancel: (id: string) => request<BookingView>(`/api/bookings/${encodeURIComponent(id)}/cancel`, { method: 'POST' }).then((r) => r.data),
  lookup: (pnr: string, last_name: string, signal?: AbortSignal) =>
    request<BookingSummary>('/api/bookings/lookup', { query: { pnr, last_name }, signal, anonymous: true }).then((r) => r.data),
};

function asItems<T>(v: Page<T> | T[]): T[] {
  return Array.isArray(v) ? v : v.items;
}
