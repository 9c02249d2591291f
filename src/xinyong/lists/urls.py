"""Console screens of red and black lists, mounted at /console/lists/ (namespace ``lists``)."""

from django.urls import path

from xinyong.lists import views

app_name = "lists"

urlpatterns = [
    path("", views.entry_list, name="entry_list"),
    path("export.csv", views.entry_export, name="entry_export"),
    path("entries/<int:pk>/", views.entry_detail, name="entry_detail"),
    path(
        "entries/<int:pk>/make-effective/",
        views.entry_step,
        {"action": "make_effective"},
        name="entry_make_effective",
    ),
    path("entries/<int:pk>/decline/", views.entry_step, {"action": "decline"}, name="entry_decline"),
    path("entries/<int:pk>/remove/", views.entry_step, {"action": "remove"}, name="entry_remove"),
    path("propose/", views.entry_propose_page, name="propose"),
    path("review/", views.review_queue, name="review"),
    path("due/", views.due_queue, name="due"),
    path("types/", views.type_list, name="type_list"),
    path("types/<str:code>/", views.type_detail, name="type_detail"),
]
