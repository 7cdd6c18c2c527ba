//! leadsmith store (being written).
