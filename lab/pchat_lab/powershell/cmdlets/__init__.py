"""The engine's own cmdlets: core utilities (core.py), Windows management (windows.py) and the output
formats (formats.py: Format-Table/-List, ConvertTo-Csv/Export-Csv), registered on import."""
from . import core, formats  # noqa: F401
