"""``python -m lienthong.sites.dms.manage …``: Django's management commands for the dms site."""

import os
import sys

from django.core.management import execute_from_command_line

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lienthong.sites.dms.settings")
    execute_from_command_line(sys.argv)
