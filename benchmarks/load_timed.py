"""`streamlit run` with a stopwatch that also says whose rerun it timed: the load test's mixed mode.

A rerun is timed from its request arriving on a session's websocket to that run's `script_finished`
message written back; each line also carries the query string the browser
sent with the request, so the load test can tell the stepping students' reruns from those of the
sessions opening a costly link. Only two Streamlit methods are wrapped (and only in this process).

    python -m benchmarks.load_timed TIMINGS_FILE run playground/app.py [streamlit options]

TIMINGS_FILE gets one line per finished rerun: seconds, a tab, the query string (at most 200 characters).
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
    started: dict[int, tuple[float, str]] = {}  # per websocket client: its pending rerun's arrival and query
    handle_backmsg, write_forward_msg = Runtime.handle_backmsg, StarletteSessionClient.write_forward_msg

    def timed_handle_backmsg(self, session_id, msg, *, client=None):
        if client is not None and msg.WhichOneof("type") == "rerun_script":
            query = msg.rerun_script.query_string[:200].replace("\t", " ").replace("\n", " ")
            started.setdefault(id(client), (time.perf_counter(), query))
        return handle_backmsg(self, session_id, msg, client=client)

    def timed_write_forward_msg(self, msg):
        result = write_forward_msg(self, msg)
        if msg.WhichOneof("type") == "script_finished" and msg.script_finished != early:
            since = started.pop(id(self), None)
            if since is not None:
                timings.write(f"{time.perf_counter() - since[0]:.6f}\t{since[1]}\n")
        return result

    Runtime.handle_backmsg = timed_handle_backmsg
    StarletteSessionClient.write_forward_msg = timed_write_forward_msg
    sys.argv = ["streamlit", *sys.argv[2:]]
    streamlit_main(prog_name="streamlit")


if __name__ == "__main__":
    main()
