"""pipeline: post-production for recorded community livestreams."""

__version__ = "0.1.0"
