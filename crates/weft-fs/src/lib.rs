//! weft-fs
