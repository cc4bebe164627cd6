"""Lync Server 2013 / legacy Group Chat product state on top of the simulated Windows hosts.

Entry point: ``pchat_lab.lync.backend.init_backend(lab)`` (called by ``Lab.reset()``); the cmdlets of the
modules Lync, ActiveDirectory and SqlServer live in ``pchat_lab.lync.cmdlets``."""
