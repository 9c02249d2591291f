"""Assembles the django-ninja routers of the apps into one API at /api/ (docs at /api/docs)."""

from xinyong.api.errors import install_error_handlers, install_throttle_error_handler
from xinyong.api.openapi import PlatformAPI
from xinyong.api.parser import BoundedJsonParser
from xinyong.collection.api import router as collection_router
from xinyong.dueprocess.api import router as dueprocess_router
from xinyong.jrp.api import router as jrp_router
from xinyong.lists.api import router as lists_router
from xinyong.portal.api import router as public_router
from xinyong.records.api import router as records_router
from xinyong.records.archive.api import router as archive_router
from xinyong.reports.api import router as reports_router
from xinyong.subjects.api import router as subjects_router

api = PlatformAPI(
    title="xinyong 公共信用信息平台接口", version="1", urls_namespace="api", parser=BoundedJsonParser()
)
# Every failure answers {"code": ..., "message": ...}: API keys, parameters, services, permissions.
install_error_handlers(api)
install_throttle_error_handler(api)
api.add_router("/records/", records_router)
api.add_router("/subjects/", subjects_router)
api.add_router("/collection/", collection_router)
api.add_router("/archive/", archive_router)
api.add_router("/reports/", reports_router)
api.add_router("/public/", public_router)
api.add_router("/lists/", lists_router)
api.add_router("/jrp/", jrp_router)
api.add_router("/dueprocess/", dueprocess_router)
