"""Digital signatures: a test PKI, keys (files and PKCS#11 tokens), trust, PAdES signing and
validation reports. A pure library like :mod:`lienthong.edxml`: no Django, no I/O beyond what
it is given (the test PKI's files and server are its explicit exceptions)."""
