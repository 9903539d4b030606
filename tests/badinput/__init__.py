"""The bad-input suite: malformed, forged, oversized and hostile input, each case asserting no 500,
no traceback, the right status and message, and no change in the database."""
