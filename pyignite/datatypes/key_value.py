"""``PeekModes`` under the official client's module name (``pyignite.datatypes.key_value``).

The class is :class:`pyignite.datatypes.cache_config.PeekModes`, re-exported: ``Cache.get_size``
takes its members.
"""

from pyignite.datatypes.cache_config import PeekModes

__all__ = ["PeekModes"]
