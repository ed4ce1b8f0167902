"""Domain rules: plain Python, no Django, no I/O."""
