//! Training models from a team's won/lost history (being written).
