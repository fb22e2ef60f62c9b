//! Criteria sets shipped inside the core (from `criteria/*.toml`). (Being written.)
