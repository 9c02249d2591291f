"""Console screens of 数据归集, mounted under /console/collection/."""

from django.urls import path

from xinyong.collection import views

app_name = "collection"

urlpatterns = [
    path("", views.batch_list, name="batch_list"),
    path("upload/", views.upload, name="upload"),
    path("batches/<uuid:pk>/", views.batch_detail, name="batch_detail"),
    path("batches/<uuid:pk>/mapping/", views.batch_mapping, name="batch_mapping"),
    path("batches/<uuid:pk>/mapping/check/", views.batch_mapping_check, name="batch_mapping_check"),
    path("batches/<uuid:pk>/progress/", views.batch_progress, name="batch_progress"),
    path("batches/<uuid:pk>/rejections/", views.batch_rejection_file, name="batch_rejection_file"),
    path("batches/<uuid:pk>/warnings/", views.batch_warning_file, name="batch_warning_file"),
    path("batches/<uuid:pk>/reupload/", views.batch_reupload, name="batch_reupload"),
    path("batches/<uuid:pk>/resume/", views.batch_resume, name="batch_resume"),
    path("form/", views.form_entry, name="form_entry"),
    path("form/<slug:item_code>/", views.form_entry_item, name="form_entry_item"),
    path("quality/", views.quality, name="quality"),
    path("quality/export/", views.quality_export, name="quality_export"),
]
