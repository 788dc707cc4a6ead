#!/bin/sh
# Runs once, when the PostgreSQL volume is first initialised (/docker-entrypoint-initdb.d): two roles, so that
# the replicas do not own the tables they serve from (README, "Two roles"). The passwords come from the
# environment; psql's :'var' quotes them as SQL literals.
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres \
  -v owner_pw="$SSCS_OWNER_PASSWORD" -v replica_pw="$SSCS_REPLICA_PASSWORD" <<'SQL'
CREATE ROLE sscs_owner LOGIN PASSWORD :'owner_pw';
CREATE ROLE sscs_replica LOGIN PASSWORD :'replica_pw';
CREATE DATABASE sscs_firewall OWNER sscs_owner;
SQL
