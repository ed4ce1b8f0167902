"""WSGI entry point: ``gunicorn pcnhub.webapp.wsgi``."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pcnhub.webapp.settings")
application = get_wsgi_application()
