#!/usr/bin/env bash
# Runs inside the debootstrap chroot (images/build.sh): PostgreSQL from Debian's packages.
# usage: rootfs.sh MAJOR
major=$1
groupadd -r -g 999 postgres
useradd -r -g postgres -u 999 -d /var/lib/postgresql -s /bin/bash postgres
install -d -o postgres -g postgres /var/lib/postgresql
# This machine's clock is ahead of sid's Release Valid-Until.
echo 'Acquire::Check-Valid-Until "false";' >/etc/apt/apt.conf.d/99pgs-build
printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
chmod +x /usr/sbin/policy-rc.d
apt-get update -qq
# postgresql-common needs systemd | systemd-standalone-tmpfiles: take the small one.
apt-get install -y -qq --no-install-recommends postgresql-common systemd-standalone-tmpfiles >/dev/null
# Must be set before postgresql-$major is installed, or its postinst creates a "main" cluster.
sed -ri 's/^#?[[:space:]]*create_main_cluster[[:space:]]*=.*/create_main_cluster = false/' \
  /etc/postgresql-common/createcluster.conf
grep -qx 'create_main_cluster = false' /etc/postgresql-common/createcluster.conf
apt-get install -y -qq --no-install-recommends "postgresql-$major" locales util-linux \
  netcat-openbsd >/dev/null
localedef -i en_US -c -f UTF-8 en_US.UTF-8
# ssl-cert made a snakeoil key at install time: no key should ship in an image.
rm -f /etc/ssl/private/ssl-cert-snakeoil.key /etc/ssl/certs/ssl-cert-snakeoil.pem
for bin in postgres initdb pg_ctl pg_isready psql pgbench; do
  test -x "/usr/lib/postgresql/$major/bin/$bin"
done
apt-get clean
rm -rf /var/lib/apt/lists/* /usr/sbin/policy-rc.d /etc/apt/apt.conf.d/99pgs-build
# debootstrap copied the host's; Docker mounts its own.
: >/etc/resolv.conf
