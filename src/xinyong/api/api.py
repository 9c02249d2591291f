"""Assembles the django-ninja routers of the apps into one API at /api/ (docs at /api/docs)."""

from ninja import NinjaAPI

api = NinjaAPI(title="xinyong 公共信用信息平台接口", version="1", urls_namespace="api")
