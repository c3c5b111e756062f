#!/bin/sh
# Entrypoint of the PostgreSQL stand-in: on first start initialise PGDATA from POSTGRES_USER,
# POSTGRES_PASSWORD and POSTGRES_DB like the official image, then exec the server as PID 1.
set -eu

# Bare options (`docker run IMAGE -c fsync=off`) go to postgres, as in the official image.
if [ "${1#-}" != "${1:-}" ]; then
    set -- postgres "$@"
fi

if [ "${1:-}" = postgres ] && [ ! -s "$PGDATA/PG_VERSION" ]; then
    : "${POSTGRES_USER:=postgres}"
    : "${POSTGRES_DB:=$POSTGRES_USER}"
    : "${POSTGRES_HOST_AUTH_METHOD:=scram-sha-256}"
    if [ -z "${POSTGRES_PASSWORD:-}" ] && [ "$POSTGRES_HOST_AUTH_METHOD" != trust ]; then
        echo "error: POSTGRES_PASSWORD is not set (set POSTGRES_HOST_AUTH_METHOD=trust to" \
            "allow connections without one, as in the official image)" >&2
        exit 1
    fi

    pwfile=$(mktemp)
    printf '%s\n' "${POSTGRES_PASSWORD:-}" >"$pwfile"
    initdb --username="$POSTGRES_USER" --pwfile="$pwfile" --encoding=UTF8 --locale=C.UTF-8 \
        --auth-local=trust --auth-host="$POSTGRES_HOST_AUTH_METHOD" -D "$PGDATA"
    rm -f "$pwfile"

    # initdb only allows loopback hosts; clients come through published ports and networks.
    printf 'host all all all %s\n' "$POSTGRES_HOST_AUTH_METHOD" >>"$PGDATA/pg_hba.conf"
    printf "listen_addresses = '*'\n" >>"$PGDATA/postgresql.conf"

    if [ "$POSTGRES_DB" != postgres ]; then
        # Single-user mode needs no socket, so no temporary server has to be started.
        quoted_db=$(printf '%s' "$POSTGRES_DB" | sed 's/"/""/g')
        echo "CREATE DATABASE \"$quoted_db\";" | postgres --single -D "$PGDATA" postgres >/dev/null
    fi
    echo "PostgreSQL init process complete; ready for start up."
fi

# exec: postgres becomes PID 1 and receives the stop signal itself.
exec "$@"
