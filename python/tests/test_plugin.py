"""The plugin as its users run it, installed (pip install ./python registers it): pytester writes a test
file that asks for the `tdmock` fixture."""
import os

import pytest

pytest_plugins = ["pytester"]

BINARY = os.environ.get("TDMOCK_BIN")


def test_the_fixture_serves_talkdesk_and_the_agents_side(pytester):
    pytester.makepyfile(
        """
        import json, urllib.request

        def start(tdmock):
            request = urllib.request.Request(tdmock.url + "/digital-connect/conversations", method="POST",
                data=json.dumps({"touchpoint_id": tdmock.touchpoint, "subject": "Help", "contact_person": {"email": "a@b.c", "name": "Ann"},
                                 "context_parameters": {}, "previous_messages": []}).encode(),
                headers={"Authorization": "Bearer " + tdmock.token(), "Content-Type": "application/json",
                         "x-idempotency-key": "pytest-1"})
            return json.loads(urllib.request.urlopen(request).read())["id"]

        def test_a_conversation_and_a_reply(tdmock):
            conversation = start(tdmock)
            tdmock.reply(conversation, "Hello Ann")
            events = tdmock.wait("message_created", conversation_id=conversation)
            assert events[0]["content"] == "Hello Ann"
            assert [c["id"] for c in tdmock.conversations()] == [conversation]
            tdmock.close(conversation)
            tdmock.wait("conversation_ended", conversation_id=conversation)

        def test_each_test_starts_empty(tdmock):
            assert tdmock.conversations() == []
        """
    )
    result = pytester.runpytest(f"--tdmock-bin={BINARY}", "-v")
    result.assert_outcomes(passed=2)


def test_the_aws_endpoint_takes_boto3(pytester):
    pytester.makepyfile(
        """
        def test_lex_answers(tdmock):
            lex = tdmock.boto3_client("lexv2-runtime")
            answer = lex.recognize_text(botId="TDMOCKCHAT", botAliasId="TSTALIASID", localeId="en_US", sessionId="session-1", text="hello")
            assert answer["sessionState"]["intent"]["name"]
            assert tdmock.requests()[0]["path"].startswith("/bots/TDMOCKCHAT")
        """
    )
    result = pytester.runpytest(f"--tdmock-bin={BINARY}")
    result.assert_outcomes(passed=1)


def test_a_missing_binary_is_a_clear_error(pytester):
    pytester.makepyfile("def test_x(tdmock):\n    pass\n")
    result = pytester.runpytest("--tdmock-bin=/nonexistent/tdmock")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*no tdmock binary: pass --tdmock-bin, set TDMOCK_BIN, or put tdmock on PATH*"])


IMAGE = os.environ.get("TDMOCK_TEST_IMAGE")


@pytest.mark.skipif(not IMAGE, reason="TDMOCK_TEST_IMAGE names no image (make test's image check sets it)")
def test_the_image_serves_the_same(pytester):
    # A config file in the test's folder, named by tdmock_args as with the binary: the container sees it.
    pytester.makefile(".yaml", tdmock="touchpoints:\n  - id: tp-image\n    name: From the image\n")
    pytester.makeini("[pytest]\ntdmock_args = --config tdmock.yaml\n")
    pytester.makepyfile(
        """
        def test_a_conversation_and_a_reply(tdmock):
            assert any("touchpoint: tp-image" in line for line in tdmock.server.output)
            assert tdmock.conversations() == []
            lex = tdmock.boto3_client("lexv2-runtime")
            answer = lex.recognize_text(botId="TDMOCKCHAT", botAliasId="TSTALIASID", localeId="en_US", sessionId="session-1", text="hello")
            assert answer["sessionState"]["intent"]["name"]
        """
    )
    result = pytester.runpytest(f"--tdmock-image={IMAGE}")
    result.assert_outcomes(passed=1)
