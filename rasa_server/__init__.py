"""Modules the Rasa server loads: our tracker store and the gateway channel.

Rasa installs its own (coloured, plain-text) log handler after reading any
logging config; Rasa imports this package later, while loading the channel and
the tracker store, so in production mode (LOG_FORMAT=json) Rasa's logs become
JSON lines without message text here, like every other process's.
"""

import os

if os.environ.get("LOG_FORMAT") == "json":
    from cld.logs import configure

    configure("rasa")
