"""The JSON API (Django Ninja): one `NinjaAPI`, one router module a part, OpenAPI at /api/docs."""
