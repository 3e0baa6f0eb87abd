"""One call: does it fit, what should ``max_tokens`` be, what does a cut reply cost, are the
stop sequences safe, and the ready request body."""
