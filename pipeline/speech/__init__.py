"""What was said: the speech model registry, captions and key phrases."""
