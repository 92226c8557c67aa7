//! order's errors are the chassis' problems. Failed checkouts answer with a problem whose
//! `code` is the failure reason (`domain::reason`): 409 for stock, 402 for payment; other
//! codes: `idempotency_key_reused` (409), `not_cancellable` (409).

pub use wayfare_chassis::ApiError as OrderError;
