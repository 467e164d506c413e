"""Browser tests: pages driven in headless Chromium through Playwright."""
