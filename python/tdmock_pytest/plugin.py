"""The pytest plugin: `tdmock serve` once per session (or per `tdmock_args` set), reset before each test
that asks for the `tdmock` fixture."""
import pytest

from .server import TDMock, TDMockServer, find_binary


def pytest_addoption(parser):
    group = parser.getgroup("tdmock")
    group.addoption("--tdmock-bin", default=None, help="the tdmock binary to run (default: $TDMOCK_BIN, else tdmock on PATH)")
    parser.addini("tdmock_args", type="args", default=[], help="more arguments for tdmock serve (say, --config tests/tdmock.yaml)")


@pytest.fixture(scope="session")
def tdmock_server(request):
    """One `tdmock serve --port 0 --in-memory` for the session, with the ini's `tdmock_args`."""
    binary = find_binary(request.config.getoption("--tdmock-bin"))
    server = TDMockServer(binary, request.config.getini("tdmock_args"))
    yield server
    server.stop()


@pytest.fixture
def tdmock(tdmock_server):
    """The session's server, reset for this test: its URLs, a token, the agent's side, the journals, boto3."""
    handle = TDMock(tdmock_server)
    handle.reset()
    return handle
