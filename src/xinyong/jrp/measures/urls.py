"""Console addresses of 奖惩措施 (under /console/jrp/measures/)."""

from django.urls import path

from xinyong.jrp.measures import views

app_name = "measures"

urlpatterns = [
    path("", views.measure_list, name="list"),
    path("rulebooks/", views.rulebook_list, name="rulebooks"),
    path("rulebooks/draft/", views.rulebook_draft_new, name="draft_new"),
    path("rulebooks/<int:number>/", views.rulebook_detail, name="rulebook"),
    path("rulebooks/<int:number>/delete/", views.rulebook_draft_discard, name="draft_delete"),
    path("rulebooks/<int:number>/preview/", views.rulebook_preview_view, name="preview"),
    path("rulebooks/<int:number>/publish/", views.rulebook_publish_view, name="publish"),
    path("rulebooks/<int:number>/measures/<str:code>/", views.measure_detail, name="measure"),
    path("rulebooks/<int:number>/measures/<str:code>/conditions/", views.condition_edit, name="conditions"),
    path("matters/", views.matter_list, name="matters"),
    path("matters/new/", views.matter_edit, name="matter_new"),
    path("matters/<int:pk>/", views.matter_edit, name="matter_edit"),
    path("matters/import/", views.matter_import, name="matter_import"),
]
