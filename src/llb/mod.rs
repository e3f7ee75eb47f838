//! A deterministic LLB builder over the protobuf types. (Being written.)
