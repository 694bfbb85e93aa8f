"""HTTP only: parse the request, call a service, present the result."""
