from django.contrib import admin
from django.urls import include, path, re_path
from django.views.generic import RedirectView

from xinyong.api.api import api
from xinyong.api.errors import unknown_path
from xinyong.reports.urls import console_urlpatterns as reports_console_urlpatterns

admin.site.site_header = "信用信息平台管理控制台"
admin.site.site_title = "信用信息平台"
admin.site.index_title = "管理控制台"

urlpatterns = [
    path("console/collection/", include("xinyong.collection.urls")),
    path("console/reports/", include((reports_console_urlpatterns, "reports_console"))),
    path("console/identifiers/", include("xinyong.subjects.urls")),
    path("console/lists/", include("xinyong.lists.urls")),
    path("console/jrp/", include("xinyong.jrp.urls")),
    path("console/dueprocess/", include("xinyong.dueprocess.urls")),
    path("console/", include("xinyong.console.urls")),
    # The working-day calendar's admin pages moved from the core app to the workdays app: old bookmarks
    # (admin/core/calendarday/…, admin/core/calendaryear/…) lead to the same pages.
    path(
        "admin/core/<path:rest>",
        RedirectView.as_view(url="/admin/workdays/%(rest)s", permanent=True, query_string=True),
    ),
    path("admin/", admin.site.urls),
    path("api/", api.urls),
    # Unknown API addresses answer the API's JSON error body, not the site's HTML page.
    re_path(r"^api/", unknown_path),
    path("reports/", include("xinyong.reports.urls")),
    path("jrp/widget/", include("xinyong.jrp.channels.widget_urls")),
    path("demo/", include("xinyong.demo.urls")),
    # The subject's own pages (我的信用): a portal account of its own, never a console login.
    path("my/", include("xinyong.dueprocess.portal_urls")),
    # The public portal (信用网站) at the site root.
    path("", include("xinyong.portal.urls")),
]

handler403 = "xinyong.console.views.permission_denied"
handler404 = "xinyong.console.views.page_not_found"
