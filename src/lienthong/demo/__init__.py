"""The demo and the traffic simulator (issue 6).

``lienthong demo`` seeds a believable network (hub + one dms install, on SQLite) through the
real services and API, then runs the hub's and the dms's servers and workers until Ctrl-C.
``lienthong simulate`` drives a hub's HTTP API with signed edXML from many agencies.

The two Django sites never share a process: the hub's registry is seeded by
:mod:`.seed_hub`, the dms by :mod:`.seed_dms`, each run as ``python -m`` in a subprocess
under its own settings; :mod:`.run` orchestrates them without importing Django.
"""
