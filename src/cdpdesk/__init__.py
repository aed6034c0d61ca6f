"""CDP Desk: the IRS Collection Due Process road, every date explained and cited."""

__version__ = "0.3.0"
