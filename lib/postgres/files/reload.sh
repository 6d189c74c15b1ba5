#!/bin/sh
# pgs: re-read the server's configuration (settings.conf changed), as `docker exec -u postgres`
# runs it after writing the file. A server that is not up yet (initdb's single-user bootstrap,
# the image's temporary init server, a start) reads the file when it starts, so there is nothing
# to reload then and this is not a failure. Environment: PGDATA (the image's).
set -eu
if out=$(pg_ctl -D "$PGDATA" reload 2>&1); then
  echo "pgs: settings reloaded"
else
  echo "pgs: no server to reload yet ($out); it reads the settings when it starts"
fi
