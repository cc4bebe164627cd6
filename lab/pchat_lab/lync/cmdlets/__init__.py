"""Cmdlets of the modules Lync, ActiveDirectory and SqlServer; importing this package registers them."""
from . import (activedirectory, configuration, content, endpoints, migration, services, sqlserver,  # noqa: F401
               state, testing, topology, users)
from . import messages, pools, principals  # noqa: F401  (issue 11: the documented cmdlets that were missing)
