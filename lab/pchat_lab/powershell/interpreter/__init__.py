"""The parts the PowerShell Interpreter (``powershell/engine.py``) is assembled from, one concern per file."""
