from django.urls import path

from registries import views_security

urlpatterns = [
    path("accounts/password/change/", views_security.password_change, name="password_change"),
    path("accounts/otp/setup/", views_security.otp_setup, name="otp_setup"),
    path("accounts/otp/verify/", views_security.otp_verify, name="otp_verify"),
    path("audit/", views_security.audit_list, name="audit_list"),
    path("security/accounts/", views_security.account_list, name="account_list"),
    path("security/accounts/new/", views_security.account_create_view, name="account_create"),
    path("security/accounts/<int:pk>/", views_security.account_edit, name="account_edit"),
    path("security/accounts/<int:pk>/password/", views_security.account_password_reset, name="account_password_reset"),
    path("security/accounts/<int:pk>/otp-reset/", views_security.account_otp_reset, name="account_otp_reset"),
]
