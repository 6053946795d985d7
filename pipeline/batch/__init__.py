"""The nightly batch: which Zoom recordings are new, the ledger that remembers each one, the
lock that keeps one batch at a time, and the webhook that queues recordings as they finish."""
