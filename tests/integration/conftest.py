"""Fixtures shared by the integration tests of one feature, kept in their own module."""

from tests.integration.oidc import oidc, provider  # noqa: F401 - fixtures for the OIDC tests
from tests.integration.tenants import tenants  # noqa: F401 - nested namespaces (issue 26)
