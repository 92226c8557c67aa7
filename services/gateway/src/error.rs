//! The gateway's errors are the chassis' problems: 404 for unrouted paths, 401 for bad tokens,
//! 413, 429, and 502/503/504 for upstream failures (see `ClientError`).

pub use wayfare_chassis::ApiError as GatewayError;
