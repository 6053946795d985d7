"""Redaction: the ranges to hide, what follows an edit downstream (transcript, captions,
chapters), and the checks a rendered redaction must pass."""
