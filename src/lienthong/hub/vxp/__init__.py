"""The VXP-compatible endpoint (``/vxp/<verb>``): the protocol the vendors' SDKs speak
(docs/VXP.md), answered by the hub's own services. Nothing here decides what a message may do;
it parses, authenticates, calls :mod:`lienthong.hub.exchange.services` or the registry, and
renders the answer the SDK expects."""
