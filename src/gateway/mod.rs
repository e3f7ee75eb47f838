//! Stage 4: the gateway frontend. (Being written.)
