"""The only code that speaks HTTP to the outside: YouTube and Zoom."""
