//! Sync between a device and the aggregation server. `protocol` holds the wire messages shared
//! with the server.

pub mod protocol;
