//! weft-sync
