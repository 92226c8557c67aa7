//! payment's errors are the chassis' problems; the codes specific to payments are:
//! `idempotency_key_reused` (409), `charge_voided` (409), `charge_in_progress` (409),
//! `not_refundable` (409), `already_refunded` (409).

pub use wayfare_chassis::ApiError as PaymentError;
