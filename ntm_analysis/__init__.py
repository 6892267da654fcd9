"""ntm-analysis: Cao Bằng's New Rural Development programme (NTM) as cited data and offline reports."""

__version__ = "0.1.0"
