"""paperscope: a self-hosted research-paper discovery engine."""

__version__ = "0.1.0"
