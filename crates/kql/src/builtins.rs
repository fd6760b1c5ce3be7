//! Built-in scalar, aggregation and window functions with their arities (filled in below).
