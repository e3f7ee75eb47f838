//! Stage 3: IR -> LLB. (Being written.)
