from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from xinyong.api.api import api

admin.site.site_header = "信用信息平台管理控制台"
admin.site.site_title = "信用信息平台"
admin.site.index_title = "管理控制台"

urlpatterns = [
    # The public portal will live at the root; until then the root leads to the console.
    path("", RedirectView.as_view(pattern_name="console:home", permanent=False)),
    path("console/collection/", include("xinyong.collection.urls")),
    path("console/", include("xinyong.console.urls")),
    path("admin/", admin.site.urls),
    path("api/", api.urls),
]

handler403 = "xinyong.console.views.permission_denied"
handler404 = "xinyong.console.views.page_not_found"
