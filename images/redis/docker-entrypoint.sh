#!/bin/sh
# Entrypoint of the Redis stand-in. Like the official image: bare options go to redis-server,
# and without a config file the server listens on every interface with protected mode off.
set -eu

if [ "${1#-}" != "${1:-}" ]; then
    set -- redis-server "$@"
fi

if [ "${1:-}" = redis-server ]; then
    shift
    # Ours come first so that options given on the command line win.
    set -- redis-server --bind 0.0.0.0 --protected-mode no "$@"
fi

# exec: the server becomes PID 1 and receives the stop signal itself.
exec "$@"
