"""The production WSGI entry point: `gunicorn -c gunicorn.conf.py` serves `app.wsgi:application`."""

from app import create_app
from app.config import ProductionConfig

application = create_app(ProductionConfig)
