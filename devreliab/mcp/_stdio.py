"""The stdio transport: JSON-RPC lines on stdin and stdout, read and written by the event loop.

The SDK reads stdin and writes stdout through anyio's file wrappers, which run every ``readline``, ``write``
and ``flush`` on a worker thread: three thread hand-overs per request before the tool even runs, each one a
wait for the scheduler on a busy machine. When the wire is a pipe or a socket (what every MCP client gives a
server it starts) devreliab reads and writes it from the event loop instead (``connect_read_pipe`` /
``connect_write_pipe``), with flow control in both directions. Anything else (a regular file, a terminal) is
served as before, by a daemon thread reading lines and blocking writes on a worker thread.

Both wire descriptors are moved to private duplicates and fds 0/1 point at /dev/null and stderr, so neither
a child process nor a stray ``print`` can touch the wire.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import fcntl
import json
import logging
import os
import stat
import threading
from collections.abc import AsyncIterator, Callable
from typing import Any, cast

import anyio
import anyio.from_thread
import anyio.lowlevel
import anyio.to_thread
from anyio.streams.memory import MemoryObjectReceiveStream, MemoryObjectSendStream
from mcp.server.mcpserver import MCPServer
from mcp.shared.message import SessionMessage
from mcp_types import (
    INVALID_REQUEST,
    PARSE_ERROR,
    ErrorData,
    JSONRPCError,
    JSONRPCNotification,
    JSONRPCRequest,
    JSONRPCResponse,
    RequestId,
    jsonrpc_message_adapter,
)
from pydantic import ValidationError

from ._lane import ReadLane

log = logging.getLogger("devreliab.mcp")
EOF_GRACE_S = 30.0
#: A line longer than this is answered with an error and dropped, not buffered (tool arguments are capped
#: far below it: a whole file is at most 16 MiB of text, JSON-escaped).
MAX_LINE_BYTES = 128 * 1024 * 1024
READ_CHUNK = 1024 * 1024
PIPE_BYTES = 1024 * 1024
TOO_LONG = "\x00devreliab:too-long"  # the reader's marker for a dropped line (never valid JSON-RPC)


def _is_pipe(fd: int) -> bool:
    """True for a FIFO or a socket: what the event loop can read and write without blocking anyone else.

    A terminal is left to the threads: making it non-blocking would leak O_NONBLOCK to the shell."""
    mode = os.fstat(fd).st_mode
    return stat.S_ISFIFO(mode) or stat.S_ISSOCK(mode)


def _widen(fd: int) -> None:
    """Give a pipe a 1 MiB buffer (Linux; the default is 64 KiB), so a big answer is handed over in one write
    instead of a ping-pong of 64 KiB chunks with the reader. Best effort: the size a process may set is capped
    by /proc/sys/fs/pipe-max-size, and other systems have no such call."""
    with contextlib.suppress(OSError, AttributeError):
        fcntl.fcntl(fd, fcntl.F_SETPIPE_SZ, PIPE_BYTES)


def _claim(fd: int, diversion: int) -> int:
    """A private duplicate of ``fd`` (the wire); ``fd`` itself now points at ``diversion``."""
    wire = os.dup(fd)
    os.dup2(diversion, fd)
    return wire


def _split_lines(buffer: bytearray, chunk: bytes, dropping: bool) -> tuple[list[str], bool]:
    """Complete lines of ``buffer + chunk`` (``buffer`` keeps the incomplete tail), decoded; blank lines are
    not messages. A line over ``MAX_LINE_BYTES`` becomes ``TOO_LONG`` and is dropped up to its newline."""
    lines: list[str] = []
    start = 0
    while True:
        end = chunk.find(b"\n", start)
        if end < 0:
            break
        if dropping:
            dropping = False
        elif len(buffer) + end - start > MAX_LINE_BYTES:
            lines.append(TOO_LONG)
        else:
            buffer += chunk[start:end]
            if buffer.strip():
                lines.append(buffer.decode("utf-8", "replace"))
        buffer.clear()
        start = end + 1
    if not dropping:
        buffer += chunk[start:]
        if len(buffer) > MAX_LINE_BYTES:
            buffer.clear()
            lines.append(TOO_LONG)
            dropping = True
    return lines, dropping


async def _pipe_lines(wire: int, send: MemoryObjectSendStream[str]) -> None:
    """Read the stdin pipe on the event loop and send its lines on; close ``send`` at EOF."""
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader(limit=4 * READ_CHUNK, loop=loop)
    transport, _ = await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader, loop=loop),
                                                os.fdopen(wire, "rb", buffering=0))
    buffer = bytearray()
    dropping = False
    try:
        async with send:
            while chunk := await reader.read(READ_CHUNK):
                lines, dropping = _split_lines(buffer, chunk, dropping)
                for line in lines:
                    await send.send(line)
            if buffer.strip() and not dropping:  # a last message without its newline
                await send.send(buffer.decode("utf-8", "replace"))
    except (anyio.BrokenResourceError, anyio.ClosedResourceError):  # the server is stopping
        pass
    finally:
        transport.close()


def _thread_lines(wire: int, send: MemoryObjectSendStream[str]) -> None:
    """The fallback for stdin that is not a pipe: a daemon thread reads lines (a cancellation cannot
    interrupt a worker thread's blocking read, and the interpreter would wait for it at exit)."""
    token = anyio.lowlevel.current_token()

    def pump() -> None:
        try:
            with os.fdopen(wire, "rb") as stream:
                for line in iter(stream.readline, b""):
                    if len(line) > MAX_LINE_BYTES:
                        anyio.from_thread.run(send.send, TOO_LONG, token=token)
                    elif line.strip():  # blank lines between messages are not messages
                        anyio.from_thread.run(send.send, line.decode("utf-8", "replace"), token=token)
        except (anyio.BrokenResourceError, anyio.ClosedResourceError, anyio.RunFinishedError, OSError,
                concurrent.futures.CancelledError, asyncio.CancelledError):  # the server is stopping
            return
        finally:
            with contextlib.suppress(anyio.RunFinishedError, RuntimeError):
                anyio.from_thread.run_sync(send.close, token=token)

    threading.Thread(target=pump, name="devreliab-stdin", daemon=True).start()


class _Out:
    """stdout for the SDK's writer (``await write(text)``, ``await flush()``). When the client stops reading,
    ``lost`` is set (the transport stops the server) and the SDK's writer gets ClosedResourceError, which
    ends it quietly."""

    def __init__(self) -> None:
        self.lost = anyio.Event()

    def _gone(self) -> anyio.ClosedResourceError:
        self.lost.set()
        return anyio.ClosedResourceError()


class _PipeOut(_Out):
    """stdout on the event loop's pipe transport; ``flush`` waits while the client is slow to read."""

    def __init__(self, writer: asyncio.StreamWriter) -> None:
        super().__init__()
        self._writer = writer

    async def write(self, text: str) -> None:
        if self._writer.is_closing():  # asyncio saw the read end close
            raise self._gone()
        self._writer.write(text.encode("utf-8"))

    async def flush(self) -> None:
        try:
            await self._writer.drain()
        except (BrokenPipeError, ConnectionResetError):
            raise self._gone() from None

    async def aclose(self) -> None:
        self._writer.close()


class _BlockingOut(_Out):
    """stdout that is not a pipe (a file, a terminal): blocking writes on a worker thread."""

    def __init__(self, wire: int) -> None:
        super().__init__()
        self._file = os.fdopen(wire, "wb")

    async def write(self, text: str) -> None:
        try:
            await anyio.to_thread.run_sync(self._file.write, text.encode("utf-8"))
        except (BrokenPipeError, ConnectionResetError, ValueError):  # ValueError: closed after a broken pipe
            raise self._gone() from None

    async def flush(self) -> None:
        try:
            await anyio.to_thread.run_sync(self._file.flush)
        except (BrokenPipeError, ConnectionResetError, ValueError):
            raise self._gone() from None

    async def aclose(self) -> None:
        with contextlib.suppress(OSError):
            self._file.close()


@contextlib.asynccontextmanager
async def _wire() -> AsyncIterator[tuple[MemoryObjectReceiveStream[str], _PipeOut | _BlockingOut]]:
    """The lines of stdin and a writer for stdout, each served by the event loop when it is a pipe."""
    asyncio.get_running_loop().set_exception_handler(_quiet_shutdown)
    devnull = os.open(os.devnull, os.O_RDONLY)
    try:
        wire_in = _claim(0, devnull)
    finally:
        os.close(devnull)
    wire_out = _claim(1, 2)
    send, receive = anyio.create_memory_object_stream[str](0)
    out: _PipeOut | _BlockingOut
    if _is_pipe(wire_out):
        _widen(wire_out)
        loop = asyncio.get_running_loop()
        transport, protocol = await loop.connect_write_pipe(
            asyncio.streams.FlowControlMixin, os.fdopen(wire_out, "wb", buffering=0))
        out = _PipeOut(asyncio.StreamWriter(transport, cast(Any, protocol), None, loop))
    else:
        out = _BlockingOut(wire_out)
    try:
        async with anyio.create_task_group() as tg:
            if _is_pipe(wire_in):
                _widen(wire_in)
                tg.start_soon(_pipe_lines, wire_in, send)
            else:
                _thread_lines(wire_in, send)
            tg.start_soon(_stop_when_lost, out, tg.cancel_scope)
            yield receive, out
            tg.cancel_scope.cancel()
    finally:
        with anyio.CancelScope(shield=True):
            await out.aclose()


async def _stop_when_lost(out: _Out, scope: anyio.CancelScope) -> None:
    await out.lost.wait()
    log.info("the client stopped reading stdout; stopping")
    scope.cancel()


def _quiet_shutdown(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
    """The loop's exception handler: the stdin pump's pending hand-over, cancelled because the server is
    stopping, is not an error worth a traceback on stderr; everything else is reported as usual."""
    if isinstance(context.get("exception"), (concurrent.futures.CancelledError, asyncio.CancelledError)):
        return
    loop.default_exception_handler(context)


def _readable_id(line: str) -> RequestId | None:
    """The id of a message that is JSON but not valid JSON-RPC, when one can be read (a string or an integer):
    JSON-RPC 2.0 answers with null only when the id cannot be detected."""
    try:
        message = json.loads(line)
    except ValueError:
        return None
    rid = message.get("id") if isinstance(message, dict) else None
    return rid if isinstance(rid, str | int) and not isinstance(rid, bool) else None


def _rejection(exc: Exception, line: str) -> SessionMessage:
    """The JSON-RPC answer to a line that is not a valid JSON-RPC message."""
    rid: RequestId | None = None
    if isinstance(exc, ValidationError) and any(TOO_LONG in str(e.get("input", ""))[:32] for e in exc.errors()):
        code, text = INVALID_REQUEST, f"Invalid Request: the message is longer than {MAX_LINE_BYTES} bytes"
    elif isinstance(exc, ValidationError) and any(e["type"] == "json_invalid" for e in exc.errors()):
        code, text = PARSE_ERROR, "Parse error: the line is not valid JSON"
    else:
        code, text = INVALID_REQUEST, "Invalid Request: not a JSON-RPC 2.0 message"
        rid = _readable_id(line)
        if rid is not None:
            text = ("Invalid Request: not a valid JSON-RPC 2.0 request (jsonrpc must be \"2.0\", method a string, "
                    "params an object or absent)")
    return SessionMessage(JSONRPCError(jsonrpc="2.0", id=rid, error=ErrorData(code=code, message=text)))


Sizes = Callable[[str, "str | None", int, int], None]  # (method, tool, bytes in, bytes out) of one request


def _utf8_len(text: str) -> int:
    return len(text) if text.isascii() else len(text.encode("utf-8", "replace"))


class _Tally:
    """Bytes of each request line, until its answer's line is written; then both go to ``sizes``."""

    def __init__(self, sizes: Sizes | None) -> None:
        self._sizes = sizes
        self._open: dict[Any, tuple[str, str | None, int]] = {}

    def request(self, message: JSONRPCRequest, line: str) -> None:
        if self._sizes is None:
            return
        tool = None
        if message.method == "tools/call":
            name = (message.params or {}).get("name")
            tool = name if isinstance(name, str) else "<invalid>"
        self._open[message.id] = (message.method, tool, _utf8_len(line))

    def forget(self, rid: Any) -> None:
        self._open.pop(rid, None)

    def answer(self, rid: Any, line: str) -> None:
        opened = self._open.pop(rid, None) if self._sizes is not None else None
        if opened is not None and self._sizes is not None:
            method, tool, received = opened
            try:
                self._sizes(method, tool, received, _utf8_len(line))
            except Exception:  # measuring must never cost an answer
                log.exception("cannot record the size of request %r", rid)


async def run_stdio(server: MCPServer[Any], lane: ReadLane | None = None, sizes: Sizes | None = None) -> None:
    """Serve ``server`` over stdin/stdout until stdin closes (the requests already received are answered
    first, within ``EOF_GRACE_S``) or the client stops reading.

    What the SDK's ``stdio_server`` does, with fewer hand-overs (one task parses lines into the server, one
    writes its answers), plus: the wire is read and written by the event loop (see the module docstring); a
    line that is not JSON-RPC is answered with a JSON-RPC error (the SDK drops it silently); and ``lane``, when
    given, answers plain ``read_file`` calls itself (see ``_lane``). ``sizes`` is told the bytes of each request
    line and of its answer's line, as they crossed the pipe."""
    lowlevel = server._lowlevel_server  # the SDK's own in-memory transport reaches it the same way
    pending: set[RequestId] = set()
    tally = _Tally(sizes)
    async with _wire() as (lines, out):
        to_server, server_in = anyio.create_memory_object_stream[SessionMessage | Exception](0)
        server_out, from_server = anyio.create_memory_object_stream[SessionMessage](0)

        async def send(line: str) -> bool:
            try:
                await out.write(line + "\n")
                await out.flush()
            except anyio.ClosedResourceError:
                return False  # the client stopped reading; _wire stops the server
            return True

        async def by_lane(message: JSONRPCRequest, arguments: dict[str, Any]) -> None:
            assert lane is not None
            try:
                line = await lane.answer(message, arguments)
            except Exception:  # a bug of the lane must cost one detour, not the server
                log.exception("read lane failed; the SDK answers request %r", message.id)
                line = None
            if line is None:  # a refusal: the SDK answers it, with its own words
                await to_server.send(SessionMessage(message))
                return
            await send(line)
            tally.answer(message.id, line)
            pending.discard(message.id)

        async def inbound() -> None:
            async with to_server, anyio.create_task_group() as lanes:
                async for line in lines:
                    try:
                        message = jsonrpc_message_adapter.validate_json(line, by_name=False)
                    except ValidationError as exc:
                        await send(_rejection(exc, line).message.model_dump_json(by_alias=True, exclude_unset=True))
                        continue
                    if isinstance(message, JSONRPCRequest):
                        pending.add(message.id)
                        tally.request(message, line)
                    elif isinstance(message, JSONRPCNotification) and message.method == "notifications/cancelled":
                        cancelled = (message.params or {}).get("requestId")
                        pending.discard(cancelled)  # a cancelled request gets no answer: not worth waiting for
                        tally.forget(cancelled)
                    if lane is not None:
                        lane.saw_client(message)
                        arguments = lane.arguments(message)
                        if arguments is not None and isinstance(message, JSONRPCRequest):
                            lanes.start_soon(by_lane, message, arguments)
                            continue
                    await to_server.send(SessionMessage(message))
                with anyio.move_on_after(EOF_GRACE_S):
                    while pending:
                        await anyio.sleep(0.01)

        async def outbound() -> None:
            async with from_server:
                async for item in from_server:
                    message = item.message
                    if isinstance(message, JSONRPCResponse | JSONRPCError):
                        pending.discard(message.id)
                    if lane is not None:
                        lane.saw_server(message)
                    line = message.model_dump_json(by_alias=True, exclude_unset=True)
                    if not await send(line):
                        return
                    if isinstance(message, JSONRPCResponse | JSONRPCError):
                        tally.answer(message.id, line)

        async with anyio.create_task_group() as tg:
            tg.start_soon(inbound)
            tg.start_soon(outbound)
            async with server_out:
                await lowlevel.run(server_in, server_out, lowlevel.create_initialization_options())
            tg.cancel_scope.cancel()
