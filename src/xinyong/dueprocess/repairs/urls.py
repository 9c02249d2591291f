"""Screens of repairs: ``console_urlpatterns`` (under /console/dueprocess/) and ``portal_urlpatterns`` (under /my/)."""

console_urlpatterns: list = []
portal_urlpatterns: list = []
