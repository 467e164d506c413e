"""The platform stand-ins behave like Telegram and Twilio for their real clients."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dtm
import email.utils
import json
import os
import re
import signal
import sys
import time
from pathlib import Path
from typing import Any, AsyncIterator, Iterator

import aiohttp
import pytest
import telegram
from telegram.error import BadRequest, Forbidden, InvalidToken, NetworkError, RetryAfter
from twilio.base.exceptions import TwilioRestException
from twilio.rest import Client

from tests.standins import SlidingWindow
from tests.standins.telegram_bot_api import TelegramStandIn
from tests.standins.twilio_api import TwilioStandIn

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "123456:standin-token"
SENDER = "whatsapp:+14155238886"
CONTENT_SID = "HX" + "a" * 32


def seconds(retry_after: int | dtm.timedelta) -> int:
    """RetryAfter.retry_after as whole seconds (PTB 22 may give a timedelta)."""
    if isinstance(retry_after, dtm.timedelta):
        return int(retry_after.total_seconds())
    return retry_after


@pytest.fixture
async def standin() -> AsyncIterator[TelegramStandIn]:
    async with TelegramStandIn(token=TOKEN).running() as running:
        yield running


@pytest.fixture
async def bot(standin: TelegramStandIn) -> AsyncIterator[telegram.Bot]:
    bot = telegram.Bot(TOKEN, base_url=standin.base_url)
    await bot.initialize()
    yield bot
    await bot.shutdown()


@pytest.fixture
async def http() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as session:
        yield session


@pytest.fixture
async def twilio() -> AsyncIterator[TwilioStandIn]:
    standin = TwilioStandIn(unsubscribed=["+85290000009"], invalid=["+85290000008"])
    async with standin.running() as running:
        yield running


async def post_twilio(
    http: aiohttp.ClientSession,
    twilio: TwilioStandIn,
    form: dict[str, str],
    *,
    auth: aiohttp.BasicAuth | None = None,
) -> tuple[int, dict[str, Any], Any]:
    auth = auth or aiohttp.BasicAuth(twilio.account_sid, twilio.auth_token)
    async with http.post(twilio.messages_url, data=form, auth=auth) as response:
        return response.status, await response.json(), response.headers


@contextlib.asynccontextmanager
async def standin_process(module: str, *args: str) -> AsyncIterator[tuple[int, int]]:
    """Run `python -m module --port 0 ...`; yields (pid, port); SIGTERM must end it."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", module, "--port", "0", *args,
        cwd=ROOT, stdout=asyncio.subprocess.PIPE,
    )  # fmt: skip
    try:
        assert process.stdout is not None
        line = await asyncio.wait_for(process.stdout.readline(), timeout=15)
        match = re.fullmatch(rb"READY (\d+)\n", line)
        assert match, line
        yield process.pid, int(match[1])
    finally:
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(process.wait(), timeout=10) == 0


# --- Telegram, through python-telegram-bot ------------------------------------------


async def test_message_arrives_and_is_recorded(standin, bot):
    message = await bot.send_message(
        chat_id=42, text="<b>Hi</b> &amp; welcome", parse_mode="HTML"
    )
    assert (bot.username, bot.id) == ("pathpal_standin_bot", 1000000001)
    assert (message.message_id, message.chat.id, message.chat.type) == (
        1,
        42,
        "private",
    )
    assert message.text == "Hi & welcome"
    assert message.from_user.id == bot.id
    assert abs(message.date.timestamp() - time.time()) < 5
    assert [(m.chat_id, m.text, m.parse_mode) for m in standin.messages_for(42)] == [
        (42, "<b>Hi</b> &amp; welcome", "HTML")
    ]
    stats = standin.stats()
    assert (stats.accepted, stats.per_chat, stats.max_in_any_window) == (1, {42: 1}, 1)
    assert stats.first_accepted_at == stats.last_accepted_at == standin.messages[0].time


async def test_message_ids_increase_per_chat(standin, bot):
    standin.configure(per_chat_per_s=None)
    ids = [
        (await bot.send_message(chat_id=c, text="x")).message_id for c in (1, 1, 2, 1)
    ]
    assert ids == [1, 2, 1, 3]


async def test_second_message_to_a_chat_within_a_second_is_rate_limited(standin, bot):
    await bot.send_message(chat_id=7, text="one")
    with pytest.raises(RetryAfter) as error:
        await bot.send_message(chat_id=7, text="two")
    assert seconds(error.value.retry_after) == 1
    assert (standin.stats().accepted, standin.stats().rate_limited) == (1, 1)


async def test_sliding_window_counts_exactly(standin, bot):
    started = time.monotonic()
    refused = []
    for chat_id in range(1, 32):
        try:
            await bot.send_message(chat_id=chat_id, text="news")
        except RetryAfter as error:
            refused.append((chat_id, seconds(error.retry_after)))
    assert time.monotonic() - started < 1.0, "too slow to fill the window"
    stats = standin.stats()
    assert refused == [(31, 1)]
    assert (stats.accepted, stats.rate_limited, stats.max_in_any_window) == (30, 1, 30)


async def test_window_frees_after_a_second(standin, bot):
    standin.configure(rate_per_s=2, per_chat_per_s=None)
    await bot.send_message(chat_id=1, text="a")
    await bot.send_message(chat_id=2, text="b")
    with pytest.raises(RetryAfter):
        await bot.send_message(chat_id=3, text="c")
    await asyncio.sleep(1.05)
    await bot.send_message(chat_id=3, text="c")
    assert standin.stats().max_in_any_window == 2


async def test_max_in_any_window_matches_the_timestamps(standin, bot):
    standin.configure(rate_per_s=None, per_chat_per_s=None)
    for i in range(40):
        await bot.send_message(chat_id=i % 3 + 1, text=f"m{i}")
        if i == 19:
            await asyncio.sleep(0.6)
    times = [m.monotonic for m in standin.messages]
    brute = max(sum(t - 1.0 < u <= t for u in times) for t in times)
    assert standin.stats().max_in_any_window == brute


@pytest.mark.parametrize(
    ("times", "now", "limit", "expected"),
    [
        ([0.0, 0.1, 0.2], 0.5, 4, None),
        ([0.0, 0.1, 0.2], 0.5, 3, 1),
        ([0.0, 0.1, 0.2], 1.05, 3, None),
        ([0.0, 0.1, 0.2, 0.3], 0.5, 2, 1),
    ],
)
def test_sliding_window_retry_after(times, now, limit, expected):
    window = SlidingWindow()
    for t in times:
        window.add(t)
    assert window.retry_after(now, limit) == expected


async def test_storm_answers_429_with_its_retry_after(standin, bot):
    standin.storm(0.3, retry_after=7)
    with pytest.raises(RetryAfter) as error:
        await bot.send_message(chat_id=5, text="during")
    assert seconds(error.value.retry_after) == 7
    await asyncio.sleep(0.35)
    await bot.send_message(chat_id=5, text="after")
    stats = standin.stats()
    assert (stats.storm_429, stats.rate_limited, stats.accepted) == (1, 0, 1)


async def test_blocked_chat_is_forbidden(standin, bot):
    standin.configure(blocked_chat_ids=[99])
    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await bot.send_message(chat_id=99, text="hello")
    assert (standin.stats().blocked_403, standin.stats().accepted) == (1, 0)


@pytest.mark.parametrize("status", [500, 502])
async def test_transient_failure_is_a_network_error(standin, bot, status):
    standin.configure(fail_ratio=1.0, fail_statuses=[status])
    with pytest.raises(NetworkError) as error:
        await bot.send_message(chat_id=3, text="hello")
    assert type(error.value) is NetworkError
    assert standin.stats().transient_5xx == 1


async def test_fail_ratio_is_seeded(http):
    async def outcomes() -> list[int]:
        async with TelegramStandIn(
            rate_per_s=None, per_chat_per_s=None, fail_ratio=0.5, seed=3
        ).running() as s:
            url = f"{s.base_url}T/sendMessage"
            statuses = []
            for i in range(100):
                async with http.post(url, data={"chat_id": str(i), "text": "x"}) as r:
                    statuses.append(r.status)
            assert s.stats().transient_5xx == sum(code >= 500 for code in statuses)
            return statuses

    first, second = await outcomes(), await outcomes()
    assert first == second
    assert set(first) == {200, 500, 502}
    assert 30 <= sum(code >= 500 for code in first) <= 70


@pytest.mark.parametrize(
    "text",
    ["<b>bold", "<b><i>x</b></i>", "x</b>", "<br>x", "a < b", "<script>x</script>"],
)
async def test_unbalanced_or_unknown_html_cannot_be_parsed(standin, bot, text):
    with pytest.raises(BadRequest, match="an't parse entities"):
        await bot.send_message(chat_id=1, text=text, parse_mode="HTML")
    assert (standin.stats().bad_request_400, standin.stats().accepted) == (1, 0)


async def test_telegram_html_is_accepted(standin, bot):
    standin.configure(per_chat_per_s=None)
    text = '<b>a <i>b</i></b> <a href="https://x.hk/?a=1&amp;b=2">link</a> <pre><code class="language-py">1 &lt; 2</code></pre> <u>u</u><s>s</s>'
    message = await bot.send_message(chat_id=1, text=text, parse_mode="HTML")
    assert message.text == "a b link 1 < 2 us"
    await bot.send_message(chat_id=1, text="a < b", parse_mode="MarkdownV2")


@pytest.mark.parametrize(
    ("text", "parse_mode", "description"),
    [
        ("", None, "(?i)message text is empty"),
        ("   ", None, "(?i)message text is empty"),
        ("<b></b>", "HTML", "(?i)message text is empty"),
        ("x" * 4097, None, "(?i)message is too long"),
        ("hello", "Markdown2", "(?i)unsupported parse_mode"),
    ],
)
async def test_invalid_messages_are_bad_requests(bot, text, parse_mode, description):
    with pytest.raises(BadRequest, match=description):
        await bot.send_message(chat_id=1, text=text, parse_mode=parse_mode)


async def test_longest_text_is_counted_after_html_parsing(standin, bot):
    message = await bot.send_message(
        chat_id=1, text=f"<b>{'x' * 4096}</b>", parse_mode="HTML"
    )
    assert len(message.text) == 4096


async def test_wrong_token_is_unauthorized(standin):
    bot = telegram.Bot("999:wrong", base_url=standin.base_url)
    with pytest.raises(InvalidToken):
        await bot.initialize()
    await bot.shutdown()


@pytest.mark.parametrize(
    "kwargs",
    [
        {"json": {"chat_id": 5, "text": "json"}},
        {"data": {"chat_id": "5", "text": "form"}},
        {"data": "chat_id=-1001234&text=%E4%BD%A0%E5%A5%BD"},
        {"params": {"chat_id": "5", "text": "query"}},
    ],
)
async def test_json_form_and_query_parameters_are_read(standin, http, kwargs):
    kwargs = dict(kwargs)
    if isinstance(kwargs.get("data"), str):
        kwargs["headers"] = {"Content-Type": "application/x-www-form-urlencoded"}
    async with http.post(
        f"{standin.base_url}{TOKEN}/sendMessage", **kwargs
    ) as response:
        body = await response.json()
    assert (response.status, body["ok"]) == (200, True)
    assert standin.messages[0].chat_id == body["result"]["chat"]["id"]


async def test_multipart_parameters_are_read(standin, http):
    form = aiohttp.FormData({"chat_id": "6", "text": "multipart"})
    form.add_field("document", b"bytes", filename="a.txt")
    async with http.post(
        f"{standin.base_url}{TOKEN}/sendMessage", data=form
    ) as response:
        assert response.status == 200
    assert standin.messages[0].text == "multipart"


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"{not json", "application/json"),
        (b"[1, 2]", "application/json"),
        (b"\xff\xfe", "application/json"),
        (b"\xff\xfe", "application/x-www-form-urlencoded"),
        (b"garbage", "multipart/form-data"),
        (
            b'--xx\r\nContent-Disposition: form-data; name="chat_id"\r\n\r\n1',
            "multipart/form-data; boundary=xx",
        ),
        (b"hello", "text/plain"),
        (b'{"chat_id": "@channel", "text": "x"}', "application/json"),
        (b'{"chat_id": true, "text": "x"}', "application/json"),
        (b'{"chat_id": 1, "text": 5}', "application/json"),
        (b'{"text": "x"}', "application/json"),
    ],
)
async def test_malformed_requests_are_bad_requests(standin, http, body, content_type):
    url = f"{standin.base_url}{TOKEN}/sendMessage"
    async with http.post(
        url, data=body, headers={"Content-Type": content_type}
    ) as response:
        answer = await response.json()
    assert (response.status, answer["ok"], answer["error_code"]) == (400, False, 400)
    assert answer["description"].startswith("Bad Request: ")
    assert standin.stats().standin_errors == 0


@pytest.mark.parametrize(
    "path", [f"/bot{TOKEN}/sendPhoto", "/elsewhere", f"/bot{TOKEN}/"]
)
async def test_unknown_methods_are_not_found(standin, http, path):
    async with http.post(f"{standin.url}{path}") as response:
        assert response.status == 404
        assert await response.json() == {
            "ok": False,
            "error_code": 404,
            "description": "Not Found",
        }


async def test_method_names_ignore_case(standin, http):
    async with http.get(f"{standin.base_url}{TOKEN}/GETME") as response:
        assert (await response.json())["result"]["is_bot"] is True


async def test_duplicates_are_counted_per_chat(standin, bot):
    standin.configure(per_chat_per_s=None)
    for chat_id, text in [
        (1, "a"),
        (1, "a"),
        (1, "a"),
        (2, "a"),
        (2, "b"),
        (3, "c"),
        (3, "c"),
    ]:
        await bot.send_message(chat_id=chat_id, text=text)
    stats = standin.stats()
    assert (stats.duplicates, stats.duplicate_copies) == (2, 3)
    assert stats.per_chat == {1: 3, 2: 2, 3: 2}


async def test_delay_slows_every_request(standin, bot):
    standin.configure(delay_s=0.2)
    started = time.monotonic()
    await bot.send_message(chat_id=1, text="slow")
    assert time.monotonic() - started >= 0.2


async def test_admin_routes_configure_report_and_reset(standin, bot, http):
    async with http.post(
        f"{standin.url}/_config",
        json={
            "per_chat_per_s": None,
            "blocked_chat_ids": [4],
            "storm": {"seconds": 0.2, "retry_after": 3},
        },
    ) as response:
        config = await response.json()
    assert (config["per_chat_per_s"], config["blocked_chat_ids"]) == (None, [4])
    with pytest.raises(RetryAfter):
        await bot.send_message(chat_id=1, text="x")
    await asyncio.sleep(0.25)
    await bot.send_message(chat_id=1, text="x")
    await bot.send_message(chat_id=1, text="x")
    async with http.get(f"{standin.url}/_stats") as response:
        stats = await response.json()
    assert (
        stats["accepted"],
        stats["per_chat"],
        stats["storm_429"],
        stats["duplicates"],
    ) == (2, {"1": 2}, 1, 1)
    async with http.get(
        f"{standin.url}/_messages", params={"chat_id": "1"}
    ) as response:
        assert [m["text"] for m in await response.json()] == ["x", "x"]
    async with http.post(f"{standin.url}/_reset") as response:
        assert response.status == 200
    assert (standin.stats().accepted, standin.stats().storm_429, standin.messages) == (
        0,
        0,
        [],
    )
    assert standin.config()["blocked_chat_ids"] == [4]


@pytest.mark.parametrize(
    "change",
    [
        {"rate_per_s": 0},
        {"rate_per_s": "30"},
        {"fail_ratio": 2},
        {"fail_statuses": [503]},
        {"storm": 5},
        {"colour": "red"},
        {"blocked_chat_ids": ["x"]},
    ],
)
async def test_bad_config_is_refused_and_changes_nothing(standin, http, change):
    before = standin.config()
    async with http.post(f"{standin.url}/_config", json=change) as response:
        assert response.status == 400
    assert standin.config() == before


async def test_telegram_process_prints_ready_and_serves():
    module = "tests.standins.telegram_bot_api"
    async with standin_process(module, "--rate", "30", "--token", TOKEN) as (_, port):
        async with telegram.Bot(TOKEN, base_url=f"http://127.0.0.1:{port}/bot") as bot:
            await bot.send_message(chat_id=8, text="from afar")
            with pytest.raises(RetryAfter):
                await bot.send_message(chat_id=8, text="again")
        async with (
            aiohttp.ClientSession() as http,
            http.get(f"http://127.0.0.1:{port}/_stats") as response,
        ):
            stats = await response.json()
    assert (stats["accepted"], stats["rate_limited"]) == (1, 1)


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def _keep_alive_sender(
    port: int, chat_ids: Iterator[int], statuses: list[int]
) -> None:
    """Posts sendMessage forms over one connection; far lighter than a full client."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    for chat_id in chat_ids:
        body = f"chat_id={chat_id}&text=hi".encode()
        writer.write(
            b"POST /botT/sendMessage HTTP/1.1\r\nHost: standin\r\n"
            b"Content-Type: application/x-www-form-urlencoded\r\n"
            b"Content-Length: %d\r\n\r\n%s" % (len(body), body)
        )
        head = await reader.readuntil(b"\r\n\r\n")
        statuses.append(int(head[9:12]))
        length = re.search(rb"(?i)content-length: *(\d+)", head)
        assert length, head
        await reader.readexactly(int(length[1]))
    writer.close()
    await writer.wait_closed()


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")
async def test_unlimited_process_keeps_up_with_a_thousand_requests_a_second():
    module, count, statuses = "tests.standins.telegram_bot_api", 4000, []
    async with standin_process(module, "--rate", "none", "--per-chat", "none") as (
        pid,
        port,
    ):
        chat_ids = iter(range(count))
        cpu_before, started = _cpu_seconds(pid), time.perf_counter()
        await asyncio.gather(
            *(_keep_alive_sender(port, chat_ids, statuses) for _ in range(32))
        )
        elapsed = time.perf_counter() - started
        cpu = _cpu_seconds(pid) - cpu_before
    assert statuses == [200] * count
    # The client shares the two cores, so wall time understates the stand-in;
    # its own CPU time per request bounds what it can serve.
    assert count / max(cpu, 1e-3) >= 1000, f"{cpu:.2f} s of CPU for {count} requests"
    assert count / elapsed >= 500, f"{count / elapsed:.0f} requests/s"


# --- Twilio, through aiohttp and Twilio's own library --------------------------------


async def test_twilio_accepts_a_body_message(twilio, http):
    status, message, _ = await post_twilio(
        http, twilio, {"From": SENDER, "To": "whatsapp:+85291234567", "Body": "你好"}
    )
    assert status == 201
    assert re.fullmatch(r"SM[0-9a-f]{32}", message["sid"])
    assert (message["status"], message["to"], message["from"], message["body"]) == (
        "queued",
        "whatsapp:+85291234567",
        SENDER,
        "你好",
    )
    assert (
        abs(
            email.utils.parsedate_to_datetime(message["date_created"]).timestamp()
            - time.time()
        )
        < 5
    )
    [delivery] = twilio.messages_for("whatsapp:+85291234567")
    assert (delivery.sid, delivery.body, delivery.content_sid, delivery.variables) == (
        message["sid"],
        "你好",
        None,
        None,
    )
    assert twilio.stats().per_recipient == {"whatsapp:+85291234567": 1}


async def test_twilio_accepts_a_template_message(twilio, http):
    form = {
        "From": SENDER,
        "To": "whatsapp:+85291234567",
        "ContentSid": CONTENT_SID,
        "ContentVariables": json.dumps({"1": "Ada", "2": "Fri"}),
    }
    status, message, _ = await post_twilio(http, twilio, form)
    assert (status, message["body"]) == (201, None)
    assert [(m.content_sid, m.variables) for m in twilio.messages] == [
        (CONTENT_SID, {"1": "Ada", "2": "Fri"})
    ]


@pytest.mark.parametrize("variables", ["{1: 'Ada'}", "[1]", ""])
async def test_twilio_refuses_invalid_content_variables(twilio, http, variables):
    form = {
        "From": SENDER,
        "To": "whatsapp:+85291234567",
        "ContentSid": CONTENT_SID,
        "ContentVariables": variables,
    }
    status, error, _ = await post_twilio(http, twilio, form)
    assert (status, error["code"], error["status"]) == (400, 21656, 400)
    assert error["more_info"] == "https://www.twilio.com/docs/errors/21656"


@pytest.mark.parametrize(
    ("form", "code"),
    [
        ({"From": SENDER, "Body": "x"}, 21604),
        ({"To": "whatsapp:+85291234567", "Body": "x"}, 21603),
        ({"From": SENDER, "To": "whatsapp:+85291234567"}, 21602),
        ({"From": SENDER, "To": "whatsapp:+85291234567", "ContentSid": "HX12"}, 21655),
        ({"From": SENDER, "To": "whatsapp:+85291234567", "Body": "x" * 1601}, 21617),
        ({"From": SENDER, "To": "+85291234567", "Body": "x"}, 21910),
    ],
)
async def test_twilio_refuses_incomplete_messages(twilio, http, form, code):
    status, error, _ = await post_twilio(http, twilio, form)
    assert (status, error["code"]) == (400, code)
    assert twilio.stats().bad_request_400 == 1


@pytest.mark.parametrize(
    "auth",
    [
        aiohttp.BasicAuth("AC" + "0" * 32, "standin-auth-token"),
        aiohttp.BasicAuth("AC" + "0" * 31 + "1", "wrong"),
    ],
)
async def test_twilio_refuses_wrong_credentials(twilio, http, auth):
    status, error, headers = await post_twilio(
        http,
        twilio,
        {"From": SENDER, "To": "whatsapp:+85291234567", "Body": "x"},
        auth=auth,
    )
    assert (status, error["code"], error["message"]) == (401, 20003, "Authenticate")
    assert "WWW-Authenticate" in headers
    assert twilio.stats().unauthorized_401 == 1


async def test_twilio_refuses_missing_credentials(twilio, http):
    async with http.post(twilio.messages_url, data={"To": "+85291234567"}) as response:
        assert (response.status, (await response.json())["code"]) == (401, 20003)


@pytest.mark.parametrize(
    ("to", "code", "counter"),
    [
        ("whatsapp:+85290000009", 21610, "unsubscribed_21610"),
        ("whatsapp:+85290000008", 21211, "invalid_21211"),
        ("whatsapp:12345", 21211, "invalid_21211"),
    ],
)
async def test_twilio_refuses_unsubscribed_and_invalid_numbers(
    twilio, http, to, code, counter
):
    status, error, _ = await post_twilio(
        http, twilio, {"From": SENDER, "To": to, "Body": "x"}
    )
    assert (status, error["code"]) == (400, code)
    assert getattr(twilio.stats(), counter) == 1
    assert twilio.messages == []


async def test_twilio_storm_answers_429_with_retry_after(twilio, http):
    twilio.storm(0.3, retry_after=4)
    form = {"From": SENDER, "To": "whatsapp:+85291234567", "Body": "x"}
    status, error, headers = await post_twilio(http, twilio, form)
    assert (status, error["code"], error["message"], headers["Retry-After"]) == (
        429,
        20429,
        "Too Many Requests",
        "4",
    )
    await asyncio.sleep(0.35)
    assert (await post_twilio(http, twilio, form))[0] == 201
    assert (twilio.stats().storm_429, twilio.stats().accepted) == (1, 1)


async def test_twilio_rate_limit_counts_exactly(twilio, http):
    twilio.configure(rate_per_s=5)
    statuses = []
    for i in range(6):
        status, _, headers = await post_twilio(
            http,
            twilio,
            {"From": SENDER, "To": f"whatsapp:+8529100000{i}", "Body": "x"},
        )
        statuses.append((status, headers.get("Retry-After")))
    assert statuses == [(201, None)] * 5 + [(429, "1")]
    stats = twilio.stats()
    assert (stats.accepted, stats.rate_limited, stats.max_in_any_window) == (5, 1, 5)


async def test_twilio_counts_duplicates_by_content(twilio, http):
    template = {"From": SENDER, "ContentSid": CONTENT_SID}
    for to, variables in [
        ("+1", {"1": "a"}),
        ("+1", {"1": "a"}),
        ("+1", {"1": "b"}),
        ("+2", {"1": "a"}),
    ]:
        form = {
            **template,
            "To": f"whatsapp:{to}5550000000",
            "ContentVariables": json.dumps(variables),
        }
        assert (await post_twilio(http, twilio, form))[0] == 201
    stats = twilio.stats()
    assert (stats.accepted, stats.duplicates, stats.duplicate_copies) == (4, 1, 1)


async def test_twilio_admin_routes(twilio, http):
    async with http.post(
        f"{twilio.url}/_config",
        json={"unsubscribed": ["whatsapp:+85291234567"], "rate_per_s": 10},
    ) as response:
        assert (await response.json())["unsubscribed"] == ["+85291234567"]
    status, error, _ = await post_twilio(
        http, twilio, {"From": SENDER, "To": "whatsapp:+85291234567", "Body": "x"}
    )
    assert (status, error["code"]) == (400, 21610)
    async with http.get(f"{twilio.url}/_stats") as response:
        assert (await response.json())["unsubscribed_21610"] == 1
    async with (
        http.post(f"{twilio.url}/_reset"),
        http.get(f"{twilio.url}/_stats") as response,
    ):
        assert (await response.json())["unsubscribed_21610"] == 0


async def test_twilio_library_sees_resources_and_errors(twilio):
    client = Client(twilio.account_sid, twilio.auth_token)
    client.api.base_url = twilio.url
    message = await asyncio.to_thread(
        client.messages.create, to="whatsapp:+85291234567", from_=SENDER,
        content_sid=CONTENT_SID, content_variables=json.dumps({"1": "Ada"}),
    )  # fmt: skip
    assert (message.status, message.to, message.body) == (
        "queued",
        "whatsapp:+85291234567",
        None,
    )
    with pytest.raises(TwilioRestException) as error:
        await asyncio.to_thread(
            client.messages.create, to="whatsapp:+85290000009", from_=SENDER, body="x"
        )
    assert (error.value.status, error.value.code) == (400, 21610)


async def test_twilio_process_prints_ready_and_serves():
    args = ("--rate", "none", "--unsubscribed", "+85290000009")
    async with standin_process("tests.standins.twilio_api", *args) as (_, port):
        url = f"http://127.0.0.1:{port}/2010-04-01/Accounts/AC{'0' * 31}1/Messages.json"
        auth = aiohttp.BasicAuth(f"AC{'0' * 31}1", "standin-auth-token")
        async with aiohttp.ClientSession(auth=auth) as http:
            async with http.post(
                url, data={"From": SENDER, "To": "whatsapp:+85291234567", "Body": "x"}
            ) as response:
                assert response.status == 201
            async with http.post(
                url, data={"From": SENDER, "To": "whatsapp:+85290000009", "Body": "x"}
            ) as response:
                assert (await response.json())["code"] == 21610
