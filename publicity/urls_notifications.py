from django.urls import path

from publicity import views_notifications

app_name = "notifications"

urlpatterns = [
    path("", views_notifications.notification_list, name="list"),
    path("<int:pk>/", views_notifications.notification_open, name="open"),
    path("read-all/", views_notifications.notification_read_all, name="read_all"),
]
