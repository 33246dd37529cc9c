//! (harness to be written)
