"""The agency document system (dms, phần mềm quản lý văn bản và điều hành): Django apps.

One install hosts many agencies; it talks to the hub only through :mod:`lienthong.client`, as any
third-party document system would (DESIGN.md §1, §8). Business rules live in one ``services``
module per family (``incoming``, ``outgoing``, ``registers``, ``dossiers``); views and commands
only parse, authorise and render.
"""
