"""Letters the desk produces: Letter 4383 and the prepared withdrawal request.

``facts`` turns a case and its analysis into the data a letter shows (pure, no I/O);
``render`` turns that data into HTML (Jinja2) and PDF (WeasyPrint). Heavy imports happen
only when a letter is rendered.
"""
