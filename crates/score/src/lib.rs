//! Scoring (being implemented).
