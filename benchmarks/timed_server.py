"""`streamlit run` with a stopwatch, for the load test: the server's own response time for every rerun.

A rerun is timed from the moment its request arrives on a session's websocket to the moment that run's
`script_finished` message is written back: queueing, the script, and serializing what it drew. It
leaves out the network and the browser's drawing, which in a classroom happen on each student's own
machine. Only two Streamlit methods are wrapped (and only in this process); nothing of gradlab is.

    python -m benchmarks.timed_server TIMINGS_FILE run playground/app.py [streamlit options]

TIMINGS_FILE gets one line per finished rerun: seconds, as text.
"""

from __future__ import annotations

import sys
import time


def main() -> None:
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
    from streamlit.runtime.runtime import Runtime
    from streamlit.web.cli import main as streamlit_main
    from streamlit.web.server.starlette.starlette_websocket import StarletteSessionClient

    early = ForwardMsg.ScriptFinishedStatus.Value("FINISHED_EARLY_FOR_RERUN")  # another run follows at once
    timings = open(sys.argv[1], "a", buffering=1)  # noqa: SIM115 (open for the server's whole life)
    started: dict[int, float] = {}  # per websocket client: when its pending rerun request arrived
    handle_backmsg, write_forward_msg = Runtime.handle_backmsg, StarletteSessionClient.write_forward_msg

    def timed_handle_backmsg(self, session_id, msg, *, client=None):
        if client is not None and msg.WhichOneof("type") == "rerun_script":
            started.setdefault(id(client), time.perf_counter())
        return handle_backmsg(self, session_id, msg, client=client)

    def timed_write_forward_msg(self, msg):
        result = write_forward_msg(self, msg)
        if msg.WhichOneof("type") == "script_finished" and msg.script_finished != early:
            since = started.pop(id(self), None)
            if since is not None:
                timings.write(f"{time.perf_counter() - since:.6f}\n")
        return result

    Runtime.handle_backmsg = timed_handle_backmsg
    StarletteSessionClient.write_forward_msg = timed_write_forward_msg
    sys.argv = ["streamlit", *sys.argv[2:]]
    streamlit_main(prog_name="streamlit")


if __name__ == "__main__":
    main()
