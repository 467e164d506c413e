"""`python -m bot` serves the gateway."""

from bot.app import main

main()
