"""``python -m lienthong`` is the ``lienthong`` command."""

from .cli import main

main()
