"""The pytest plugin: `tdmock serve` once per session (or per `tdmock_args` set), reset before each test
that asks for the `tdmock` fixture."""
import os

import pytest

from .server import TDMock, TDMockContainer, TDMockServer, find_binary


def pytest_addoption(parser):
    group = parser.getgroup("tdmock")
    group.addoption("--tdmock-bin", default=None, help="the tdmock binary to run (default: $TDMOCK_BIN, else tdmock on PATH)")
    group.addoption("--tdmock-image", default=None,
                    help="run this container image instead of a binary, with podman or docker (default: $TDMOCK_IMAGE)")
    parser.addini("tdmock_args", type="args", default=[], help="more arguments for tdmock serve (say, --config tests/tdmock.yaml)")


@pytest.fixture(scope="session")
def tdmock_server(request):
    """One `tdmock serve --port 0 --in-memory` for the session, with the ini's `tdmock_args`: the binary, or
    the container image when --tdmock-image (or TDMOCK_IMAGE) names one."""
    arguments = request.config.getini("tdmock_args")
    image = request.config.getoption("--tdmock-image") or os.environ.get("TDMOCK_IMAGE")
    if image:
        server = TDMockContainer(image, arguments, workdir=str(request.config.rootpath))
    else:
        server = TDMockServer(find_binary(request.config.getoption("--tdmock-bin")), arguments)
    yield server
    server.stop()


@pytest.fixture
def tdmock(tdmock_server):
    """The session's server, reset for this test: its URLs, a token, the agent's side, the journals, boto3."""
    handle = TDMock(tdmock_server)
    handle.reset()
    return handle
