"""Secrets shown or said in a meeting: OCR of the screen, the credential rules, scanning of
screen, speech and chat, findings and their masking, and the policy that turns findings into
redaction ranges."""
