"""The parts the PowerShell Interpreter (``powershell/engine.py``) is assembled from, one concern per file.

Each module holds one class of methods that ``engine.Interpreter`` inherits, plus the plain functions
of its concern (literals.py and syntax.py hold only functions). The parts keep no state and have no
``__init__``: the Interpreter owns the script's state (scopes, functions, $?, output streams) and the
node helpers (``text``, ``extent``, ``refuse``, ``_first``). No method is defined in two parts, so the
order of the bases never matters. They are parts of one object rather than separate objects because
PowerShell's grammar recurses through all of them: an expression runs a sub-expression's statements,
a statement runs a pipeline, a pipeline evaluates expressions and calls functions, and all of them
read and write the same scopes.
"""
