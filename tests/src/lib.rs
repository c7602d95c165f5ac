//! The contract-test crate: everything is in `tests/`; this library is empty.
