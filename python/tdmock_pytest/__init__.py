"""pytest-tdmock: `tdmock serve` as a pytest fixture (docs/pytest.md)."""
from .server import TDMock, TDMockError, TDMockServer

__all__ = ["TDMock", "TDMockError", "TDMockServer"]
