"""Zoom cloud recordings as the pipeline sees them: the recordings model, fetching one meeting's
files, and the chat export."""
