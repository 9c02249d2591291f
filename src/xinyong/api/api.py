"""Assembles the django-ninja routers of the apps into one API at /api/ (docs at /api/docs)."""

from ninja import NinjaAPI

from xinyong.accounts.api_auth import install_api_error_handler
from xinyong.records.api import router as records_router
from xinyong.subjects.api import router as subjects_router

api = NinjaAPI(title="xinyong 公共信用信息平台接口", version="1", urls_namespace="api")
install_api_error_handler(api)  # API key failures answer with a stable error code
api.add_router("/records/", records_router)
api.add_router("/subjects/", subjects_router)
