//! weft-macros
