"""The command line: the click app (app), option types and value parsing (options), the terminal and its
streams (terminal), and the console entry point (entry). Thin adapters: parse, call the floors below, print."""
