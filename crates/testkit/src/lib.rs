//! The sample web (being implemented).
