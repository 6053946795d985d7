"""The host's review of one recording: what the pipeline decided, gathered from its work folder,
and the self-contained HTML page that shows it."""
