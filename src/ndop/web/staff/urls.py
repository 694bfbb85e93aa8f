from django.urls import path

from ndop.web.staff import post, views

app_name = "staff"

urlpatterns = [
    path("", views.home, name="home"),
    path("sign-in", views.sign_in, name="sign-in"),
    path("sign-out", views.sign_out, name="sign-out"),
    path("find", views.find, name="find"),
    path("person", views.person, name="person"),
    path("phone", views.record_phone, name="phone"),
    path("approvals", views.approvals_page, name="approvals"),
    path("post/", post.queue, name="queue"),
    path("post/receive", post.receive, name="post-receive"),
    path("post/<str:reference>", post.case, name="post-case"),
    path("post/<str:reference>/match", post.match, name="post-match"),
    path("post/<str:reference>/cannot-match", post.cannot_match, name="post-cannot-match"),
    path("cases/<str:reference>", views.case, name="case"),
]
