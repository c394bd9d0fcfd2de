"""The electronic archive (issue 8): closed dossiers into E-ARK CSIP packages in a BagIt envelope,
and the checks that a package is whole and valid.

A pure library (no Django): ``package`` builds a package from documents and their metadata,
``verify`` checks one made by any system. See docs/archive.md.
"""
