//! Examples and end-to-end tests of plotcast live in examples/ and tests/.
