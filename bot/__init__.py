"""The channel gateway: the only way in for people; talks to Rasa over HTTP."""
