"""The sans-IO protocol core: framing, handshake, request builders and reply parsers."""
