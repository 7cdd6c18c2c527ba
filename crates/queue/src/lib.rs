//! leadsmith queue (being written).
