"""Console pages of the batch check (console/jrp/channels/…)."""

from django.urls import path

from xinyong.jrp.channels import views

urlpatterns = [
    path("batch/", views.batch_list, name="channels_batch_list"),
    path("batch/<str:number>/", views.batch_detail, name="channels_batch_detail"),
    path("batch/<str:number>/progress/", views.batch_progress, name="channels_batch_progress"),
    path("batch/<str:number>/download/", views.batch_download, name="channels_batch_download"),
]
